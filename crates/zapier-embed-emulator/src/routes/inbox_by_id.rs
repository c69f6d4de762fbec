//! Trigger Inbox variant A: inboxes addressed by id, batch `lease_id` (13 operations).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::Sse;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::inbox_call::InboxCall;
use super::inbox_events::{SseState, sse_stream};
use super::inbox_operations::*;
use super::page_request::PageRequest;
use super::settle_routes::settle_routes;
use crate::app::AppState;
use crate::auth::Caller;
use crate::clock::iso;
use crate::error::{ApiError, ApiResult, Errors};
use crate::extract::{ApiJson, ApiQuery};
use crate::models::inbox::*;
use crate::queue::Settle;
use crate::state::Store;
use crate::state::inboxes::{LeaseOutcome, NewSubscription};

/// Variant A routes (mounted under both prefixes).
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_inboxes, create_inbox, ensure_inbox))
        .routes(routes!(get_inbox, patch_inbox, delete_inbox))
        .routes(routes!(pause_inbox))
        .routes(routes!(resume_inbox))
        .routes(routes!(inbox_events))
        .routes(routes!(list_messages))
        .routes(routes!(lease_messages))
        .routes(routes!(ack_messages))
        .routes(routes!(release_messages))
}

fn subscription_of(sub: &TriggerSubscription, notification_url: Option<String>) -> NewSubscription {
    NewSubscription {
        notification_url,
        paths: crate::state::inboxes::PATHS_BY_ID,
        app: sub.app_key.clone(),
        action: sub.action_key.clone(),
        connection: sub.connection_id.clone(),
        inputs: sub.inputs.clone(),
    }
}

/// List inboxes (offset pagination, `status` / `name` filters).
#[utoipa::path(get, path = "/inboxes", operation_id = "listTriggerInboxes", tag = "Inboxes",
    params(InboxListQuery),
    responses((status = 200, body = PaginatedInboxList), (status = 400, body = Errors), (status = 401, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn list_inboxes(
    State(state): State<AppState>,
    caller: Caller,
    page: PageRequest<ApiQuery<InboxListQuery>>,
) -> ApiResult<Json<PaginatedInboxList>> {
    inbox_page(&state, &caller, page.query.0, &page.links).map(Json)
}

/// Create an inbox (409 when the name exists).
#[utoipa::path(post, path = "/inboxes", operation_id = "createTriggerInbox", tag = "Inboxes",
    params(("Zapier-Causation-Id" = Option<String>, Header, description = "Optional causation id"), ("Zapier-Correlation-Id" = Option<String>, Header, description = "Optional correlation id")),
    request_body = InboxCreate,
    responses((status = 201, body = Inbox), (status = 400, body = Errors), (status = 401, body = Errors), (status = 409, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn create_inbox(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<InboxCreate>,
) -> ApiResult<(StatusCode, Json<Inbox>)> {
    let name = body.name.or(body.key);
    let now = state.now();
    let mut store = state.store();
    let id = store.create_inbox(
        caller.user,
        name,
        &subscription_of(&body.subscription, body.notification_url),
        now,
    )?;
    let wire = store.inbox(caller.user, id, now)?.to_wire();
    Ok((StatusCode::CREATED, Json(wire)))
}

/// Ensure an inbox exists (200 existing, 201 created, 409 different subscription).
#[utoipa::path(put, path = "/inboxes", operation_id = "ensureTriggerInbox", tag = "Inboxes",
    params(("Zapier-Causation-Id" = Option<String>, Header, description = "Optional causation id"), ("Zapier-Correlation-Id" = Option<String>, Header, description = "Optional correlation id")),
    request_body = InboxEnsure,
    responses((status = 200, body = Inbox), (status = 201, body = Inbox), (status = 400, body = Errors), (status = 401, body = Errors), (status = 409, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn ensure_inbox(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<InboxEnsure>,
) -> ApiResult<(StatusCode, Json<Inbox>)> {
    let (name, pointer) = match (body.name, body.key) {
        (Some(n), _) => (n, "/name"),
        (None, Some(k)) => (k, "/key"),
        (None, None) => {
            return Err(ApiError::validation(
                "/name",
                "name: this field is required.",
            ));
        }
    };
    let sub = subscription_of(&body.subscription, body.notification_url);
    ensure(&state, &caller, &name, pointer, &sub)
}

/// Get an inbox.
#[utoipa::path(get, path = "/inboxes/{id}", operation_id = "getTriggerInbox", tag = "Inboxes",
    params(("id" = Uuid, Path, description = "Inbox id")),
    responses((status = 200, body = Inbox), (status = 400, body = Errors), (status = 401, body = Errors), (status = 404, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn get_inbox(call: InboxCall) -> ApiResult<Json<Inbox>> {
    call.by_id()?.get()
}

/// Update inbox settings (`notification_url` only).
#[utoipa::path(patch, path = "/inboxes/{id}", operation_id = "patchTriggerInbox", tag = "Inboxes",
    params(("id" = Uuid, Path, description = "Inbox id")),
    request_body = PatchedInboxPatch,
    responses((status = 200, body = Inbox), (status = 400, body = Errors), (status = 401, body = Errors), (status = 404, body = Errors), (status = 409, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn patch_inbox(call: InboxCall<ApiJson<PatchedInboxPatch>>) -> ApiResult<Json<Inbox>> {
    let id = call.by_id()?.id;
    let notification_url = call.input.0.notification_url;
    let (state, user) = (call.state, call.caller.user);
    let inbox = state
        .store()
        .patch_inbox(user, id, notification_url, state.now())?;
    Ok(Json(inbox))
}

/// Mark an inbox for deletion (202 `deleting`, then 404).
#[utoipa::path(delete, path = "/inboxes/{id}", operation_id = "deleteTriggerInbox", tag = "Inboxes",
    params(("id" = Uuid, Path, description = "Inbox id")),
    responses((status = 202, body = Inbox), (status = 400, body = Errors), (status = 401, body = Errors), (status = 404, body = Errors), (status = 409, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn delete_inbox(call: InboxCall) -> ApiResult<(StatusCode, Json<Inbox>)> {
    call.by_id()?.accepted(Store::delete_inbox)
}

/// Pause an inbox (`paused` / `user`).
#[utoipa::path(post, path = "/inboxes/{id}/pause", operation_id = "pauseTriggerInbox", tag = "Inboxes",
    params(("id" = Uuid, Path, description = "Inbox id")),
    responses((status = 200, body = Inbox), (status = 400, body = Errors), (status = 401, body = Errors), (status = 404, body = Errors), (status = 409, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn pause_inbox(call: InboxCall) -> ApiResult<Json<Inbox>> {
    call.by_id()?.transition(Store::pause_inbox)
}

/// Resume an inbox (`initializing`, then `active`); answers 202.
#[utoipa::path(post, path = "/inboxes/{id}/resume", operation_id = "resumeTriggerInbox", tag = "Inboxes",
    params(("id" = Uuid, Path, description = "Inbox id")),
    responses((status = 200, body = Inbox), (status = 202, body = Inbox), (status = 400, body = Errors), (status = 401, body = Errors), (status = 404, body = Errors), (status = 409, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn resume_inbox(call: InboxCall) -> ApiResult<(StatusCode, Json<Inbox>)> {
    call.by_id()?.accepted(Store::resume_inbox)
}

/// Subscribe to inbox notifications over SSE (`data: {"inbox_id","count"}` frames, `: keep-alive`).
#[utoipa::path(get, path = "/inboxes/{inbox_id}/events", operation_id = "getTriggerInboxEvents", tag = "Inboxes",
    params(("inbox_id" = Uuid, Path, description = "Inbox id")),
    responses((status = 200, content_type = "text/event-stream", body = String, description = "Frames `data: {\"inbox_id\",\"count\"}` and `: keep-alive` comments"),
        (status = 401, body = Errors), (status = 404, body = Errors), (status = 503, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn inbox_events(call: InboxCall) -> ApiResult<Response> {
    let id = call.by_id()?.id;
    let InboxCall { state, caller, .. } = call;
    state.store().inbox(caller.user, id, state.now())?;
    let rx = state.0.hub.subscribe(id);
    // A zero interval would spin; 10 ms is already far below any real heartbeat.
    let tick = state
        .0
        .config
        .keep_alive_interval
        .max(Duration::from_millis(10));
    let stream = sse_stream(SseState {
        rx,
        state,
        caller,
        inbox: id,
        tick,
    });
    Ok(Sse::new(stream).into_response())
}

/// List messages (all states, no payloads, cursor pagination).
#[utoipa::path(get, path = "/inboxes/{inbox_id}/messages", operation_id = "listTriggerInboxMessages", tag = "Inbox Messages",
    params(("inbox_id" = Uuid, Path, description = "Inbox id"), MessageListQuery),
    responses((status = 200, body = PaginatedMessageList), (status = 400, body = Errors), (status = 401, body = Errors), (status = 404, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn list_messages(
    call: InboxCall<PageRequest<ApiQuery<MessageListQuery>>>,
) -> ApiResult<Json<PaginatedMessageList>> {
    let PageRequest { query, links } = &call.input;
    call.by_id()?.messages(&query.0, links).map(Json)
}

/// Lease messages (201 with messages, 200 with nulls, 409 paused and drained).
#[utoipa::path(post, path = "/inboxes/{inbox_id}/messages/lease", operation_id = "leaseTriggerInboxMessages", tag = "Inbox Messages",
    params(("inbox_id" = Uuid, Path, description = "Inbox id")),
    request_body(content = Option<LeaseRequest>),
    responses((status = 200, body = LeaseResponse), (status = 201, body = LeaseResponse), (status = 400, body = Errors), (status = 401, body = Errors), (status = 404, body = Errors), (status = 409, body = LeaseConflictResponse), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn lease_messages(call: InboxCall<ApiJson<Option<LeaseRequest>>>) -> ApiResult<Response> {
    let inbox = call.by_id()?;
    // `null` is as good as `{}`: the document declares the body nullable.
    let body = call.input.0.clone().unwrap_or_default();
    let params = lease_params(body.lease_seconds, 300, body.lease_limit, "lease_limit")?;
    Ok(match inbox.lease(params)? {
        LeaseOutcome::Granted(g, attrs) => lease_answer(
            true,
            LeaseResponse {
                lease_id: Some(g.lease_id),
                leased_until: Some(iso(g.leased_until)),
                results: g.messages.iter().map(LeasedMessage::from).collect(),
                inbox_attributes: attrs,
            },
        ),
        LeaseOutcome::Empty(attrs) => lease_answer(
            false,
            LeaseResponse {
                lease_id: None,
                leased_until: None,
                results: Vec::new(),
                inbox_attributes: attrs,
            },
        ),
    })
}

settle_routes! {
    shared {
        tag = "Inbox Messages",
        params = (("inbox_id" = Uuid, Path, description = "Inbox id")),
        errors = ((status = 400, body = Errors), (status = 401, body = Errors), (status = 404, body = Errors), (status = 429, body = Errors)),
        body = ApiJson,
        settle = settle_lease
    }
    /// Acknowledge messages of a lease (201 with results, 200 when nothing matched).
    ack_messages at "/inboxes/{inbox_id}/messages/ack" as "acknowledgeTriggerInboxMessages" (AckRequest => AckResponse) = Settle::Ack;
    /// Release messages of a lease (available again; counts as an attempt).
    release_messages at "/inboxes/{inbox_id}/messages/release" as "releaseTriggerInboxMessages" (ReleaseRequest => ReleaseResponse) = Settle::Release;
}

/// What the ack and the release bodies both name: a lease and, optionally, which of its
/// messages (absent: all of them).
trait LeaseSelection {
    fn selection(&self) -> (Uuid, Option<&[Uuid]>);
}

impl LeaseSelection for AckRequest {
    fn selection(&self) -> (Uuid, Option<&[Uuid]>) {
        (self.lease_id, self.message_ids.as_deref())
    }
}

impl LeaseSelection for ReleaseRequest {
    fn selection(&self) -> (Uuid, Option<&[Uuid]>) {
        (self.lease_id, self.message_ids.as_deref())
    }
}

/// Acks or releases the messages of one lease (all of them without `message_ids`); the inbox
/// id is checked before the ids.
fn settle_lease<B: LeaseSelection>(
    call: InboxCall<ApiJson<B>>,
    how: Settle,
) -> ApiResult<Response> {
    let inbox = call.by_id()?;
    let (lease_id, message_ids) = call.input.0.selection();
    if let Some(ids) = message_ids
        && (ids.is_empty() || ids.len() > 100)
    {
        return Err(ApiError::validation(
            "/message_ids",
            "message_ids: must hold 1 to 100 ids.",
        ));
    }
    inbox.settle(&[(lease_id, message_ids.map(<[Uuid]>::to_vec))], how)
}

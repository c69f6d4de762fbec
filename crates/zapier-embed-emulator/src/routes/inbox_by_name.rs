//! Trigger Inbox variant B: inboxes addressed by name with trailing slashes, flat upsert body,
//! per-message `lease_token`. Acts on the same inboxes as variant A.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::inbox_operations::*;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Errors};
use crate::extract::{ApiJson422, ApiQuery422};
use crate::models::inbox::{
    AckResponse, Inbox, LeaseConflictResponse, PaginatedInboxList, PaginatedMessageList,
    ReleaseResponse,
};
use crate::models::inbox_by_name::*;
use crate::queue::Settle;
use crate::state::Store;
use crate::state::inboxes::{LeaseOutcome, NewSubscription, PATHS_BY_NAME};

/// Variant B routes (mounted under `/trigger-inbox/api/v1` only).
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_inboxes_by_name))
        .routes(routes!(
            upsert_inbox_by_name,
            get_inbox_by_name,
            delete_inbox_by_name
        ))
        .routes(routes!(pause_inbox_by_name))
        .routes(routes!(resume_inbox_by_name))
        .routes(routes!(list_messages_by_name))
        .routes(routes!(lease_messages_by_name))
        .routes(routes!(ack_messages_by_name))
        .routes(routes!(release_messages_by_name))
}

fn resolve(state: &AppState, caller: &Caller, name: &str) -> ApiResult<Uuid> {
    state
        .store()
        .inbox_id_by_name(caller.user, name, state.now())
}

/// List inboxes (trailing-slash form).
#[utoipa::path(get, path = "/inboxes/", operation_id = "listTriggerInboxesByName", tag = "Inboxes by name",
    params(InboxListQuery),
    responses((status = 200, body = PaginatedInboxList), (status = 400, body = Errors), (status = 401, body = Errors), (status = 422, body = Errors, description = "Validation error (`validation_error`); `detail` names the field"), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn list_inboxes_by_name(
    State(state): State<AppState>,
    caller: Caller,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    ApiQuery422(q): ApiQuery422<InboxListQuery>,
) -> ApiResult<Json<PaginatedInboxList>> {
    inbox_page(&state, &caller, q, &headers, uri.path())
        .map(Json)
        .map_err(ApiError::unprocessable)
}

/// Upsert an inbox by name (201 created, 200 existing, 409 different subscription).
#[utoipa::path(put, path = "/inboxes/{name}/", operation_id = "upsertTriggerInboxByName", tag = "Inboxes by name",
    params(("name" = String, Path, description = "Inbox name")),
    request_body = InboxUpsert,
    responses((status = 200, body = Inbox), (status = 201, body = Inbox), (status = 400, body = Errors), (status = 401, body = Errors), (status = 409, body = Errors), (status = 422, body = Errors, description = "Validation error (`validation_error`); `detail` names the field"), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn upsert_inbox_by_name(
    State(state): State<AppState>,
    Path(name): Path<String>,
    caller: Caller,
    ApiJson422(body): ApiJson422<InboxUpsert>,
) -> ApiResult<(StatusCode, Json<Inbox>)> {
    let sub = NewSubscription {
        app: body.app,
        action: body.action,
        connection: body.connection,
        inputs: body.inputs,
        notification_url: body.notification_url,
        paths: PATHS_BY_NAME,
    };
    let now = state.now();
    let mut store = state.store();
    let (id, created) = store
        .ensure_inbox(caller.user, &name, "/name", &sub, now)
        .map_err(ApiError::unprocessable)?;
    let wire = store.inbox(caller.user, id, now)?.to_wire();
    Ok(ensured(wire, created))
}

/// Get an inbox by name.
#[utoipa::path(get, path = "/inboxes/{name}/", operation_id = "getTriggerInboxByName", tag = "Inboxes by name",
    params(("name" = String, Path, description = "Inbox name")),
    responses((status = 200, body = Inbox), (status = 401, body = Errors), (status = 404, body = Errors), (status = 422, body = Errors, description = "Validation error (`validation_error`); `detail` names the field"), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn get_inbox_by_name(
    State(state): State<AppState>,
    Path(name): Path<String>,
    caller: Caller,
) -> ApiResult<Json<Inbox>> {
    get(&state, &caller, resolve(&state, &caller, &name)?)
}

/// Delete an inbox by name (202 `deleting`).
#[utoipa::path(delete, path = "/inboxes/{name}/", operation_id = "deleteTriggerInboxByName", tag = "Inboxes by name",
    params(("name" = String, Path, description = "Inbox name")),
    responses((status = 202, body = Inbox), (status = 401, body = Errors), (status = 404, body = Errors), (status = 409, body = Errors), (status = 422, body = Errors, description = "Validation error (`validation_error`); `detail` names the field"), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn delete_inbox_by_name(
    State(state): State<AppState>,
    Path(name): Path<String>,
    caller: Caller,
) -> ApiResult<(StatusCode, Json<Inbox>)> {
    accepted(
        &state,
        &caller,
        resolve(&state, &caller, &name)?,
        Store::delete_inbox,
    )
}

/// Pause an inbox by name.
#[utoipa::path(post, path = "/inboxes/{name}/pause/", operation_id = "pauseTriggerInboxByName", tag = "Inboxes by name",
    params(("name" = String, Path, description = "Inbox name")),
    responses((status = 200, body = Inbox), (status = 401, body = Errors), (status = 404, body = Errors), (status = 409, body = Errors), (status = 422, body = Errors, description = "Validation error (`validation_error`); `detail` names the field"), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn pause_inbox_by_name(
    State(state): State<AppState>,
    Path(name): Path<String>,
    caller: Caller,
) -> ApiResult<Json<Inbox>> {
    transition(
        &state,
        &caller,
        resolve(&state, &caller, &name)?,
        Store::pause_inbox,
    )
}

/// Resume an inbox by name (202 `initializing`).
#[utoipa::path(post, path = "/inboxes/{name}/resume/", operation_id = "resumeTriggerInboxByName", tag = "Inboxes by name",
    params(("name" = String, Path, description = "Inbox name")),
    responses((status = 200, body = Inbox), (status = 202, body = Inbox), (status = 401, body = Errors), (status = 404, body = Errors), (status = 409, body = Errors), (status = 422, body = Errors, description = "Validation error (`validation_error`); `detail` names the field"), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn resume_inbox_by_name(
    State(state): State<AppState>,
    Path(name): Path<String>,
    caller: Caller,
) -> ApiResult<(StatusCode, Json<Inbox>)> {
    accepted(
        &state,
        &caller,
        resolve(&state, &caller, &name)?,
        Store::resume_inbox,
    )
}

/// List an inbox's messages by name.
#[utoipa::path(get, path = "/inboxes/{name}/messages/", operation_id = "listTriggerInboxMessagesByName", tag = "Inboxes by name",
    params(("name" = String, Path, description = "Inbox name"), MessageListQuery),
    responses((status = 200, body = PaginatedMessageList), (status = 400, body = Errors), (status = 401, body = Errors), (status = 404, body = Errors), (status = 422, body = Errors, description = "Validation error (`validation_error`); `detail` names the field"), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn list_messages_by_name(
    State(state): State<AppState>,
    Path(name): Path<String>,
    caller: Caller,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    ApiQuery422(q): ApiQuery422<MessageListQuery>,
) -> ApiResult<Json<PaginatedMessageList>> {
    let id = resolve(&state, &caller, &name)?;
    message_page(&state, &caller, id, q, &headers, uri.path())
        .map(Json)
        .map_err(ApiError::unprocessable)
}

/// Lease messages by name (`{"results":[...]}` with a `lease_token` per message).
#[utoipa::path(post, path = "/inboxes/{name}/messages/lease/", operation_id = "leaseTriggerInboxMessagesByName", tag = "Inboxes by name",
    params(("name" = String, Path, description = "Inbox name")),
    request_body(content = Option<LeaseByNameRequest>),
    responses((status = 200, body = LeaseByNameResponse), (status = 201, body = LeaseByNameResponse), (status = 400, body = Errors), (status = 401, body = Errors), (status = 404, body = Errors), (status = 409, body = LeaseConflictResponse), (status = 422, body = Errors, description = "Validation error (`validation_error`); `detail` names the field"), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn lease_messages_by_name(
    State(state): State<AppState>,
    Path(name): Path<String>,
    caller: Caller,
    ApiJson422(body): ApiJson422<Option<LeaseByNameRequest>>,
) -> ApiResult<Response> {
    // `null` is as good as `{}`: the document declares the body nullable.
    let body = body.unwrap_or_default();
    let params = lease_params(body.lease_seconds, 30, body.max_messages, "max_messages")
        .map_err(ApiError::unprocessable)?;
    let id = resolve(&state, &caller, &name)?;
    let (granted, results) = match lease(&state, &caller, id, params)? {
        LeaseOutcome::Granted(g, _) => (
            true,
            g.messages
                .iter()
                .map(|m| TokenLeasedMessage::new(m, g.lease_id))
                .collect(),
        ),
        LeaseOutcome::Empty(_) => (false, Vec::new()),
    };
    Ok(lease_answer(granted, LeaseByNameResponse { results }))
}

/// Groups tokens by lease; a malformed token is a 400 naming its index.
fn batches(tokens: &[String]) -> ApiResult<Vec<(Uuid, Option<Vec<Uuid>>)>> {
    if tokens.is_empty() || tokens.len() > 100 {
        return Err(ApiError::validation(
            "/lease_tokens",
            "lease_tokens: must hold 1 to 100 tokens.",
        ));
    }
    let mut by_lease: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for (i, t) in tokens.iter().enumerate() {
        let (lease, message) = decode_lease_token(t).ok_or_else(|| {
            ApiError::validation(
                &format!("/lease_tokens/{i}"),
                format!("lease_tokens.{i}: `{t}` is not a lease token."),
            )
        })?;
        by_lease.entry(lease).or_default().push(message);
    }
    Ok(by_lease.into_iter().map(|(l, m)| (l, Some(m))).collect())
}

/// Acks or releases messages by lease token; the tokens are checked before the name is resolved.
fn settle_tokens(
    state: &AppState,
    caller: &Caller,
    name: &str,
    tokens: &[String],
    how: Settle,
) -> ApiResult<Response> {
    let batches = batches(tokens).map_err(ApiError::unprocessable)?;
    let id = resolve(state, caller, name)?;
    settle(state, caller, id, &batches, how)
}

/// Acknowledge messages by lease token.
#[utoipa::path(post, path = "/inboxes/{name}/messages/ack/", operation_id = "acknowledgeTriggerInboxMessagesByName", tag = "Inboxes by name",
    params(("name" = String, Path, description = "Inbox name")),
    request_body = LeaseTokensRequest,
    responses((status = 200, body = AckResponse), (status = 201, body = AckResponse), (status = 400, body = Errors), (status = 401, body = Errors), (status = 404, body = Errors), (status = 422, body = Errors, description = "Validation error (`validation_error`); `detail` names the field"), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn ack_messages_by_name(
    State(state): State<AppState>,
    Path(name): Path<String>,
    caller: Caller,
    ApiJson422(body): ApiJson422<LeaseTokensRequest>,
) -> ApiResult<Response> {
    settle_tokens(&state, &caller, &name, &body.lease_tokens, Settle::Ack)
}

/// Release messages by lease token (counts as an attempt).
#[utoipa::path(post, path = "/inboxes/{name}/messages/release/", operation_id = "releaseTriggerInboxMessagesByName", tag = "Inboxes by name",
    params(("name" = String, Path, description = "Inbox name")),
    request_body = LeaseTokensRequest,
    responses((status = 200, body = ReleaseResponse), (status = 201, body = ReleaseResponse), (status = 400, body = Errors), (status = 401, body = Errors), (status = 404, body = Errors), (status = 422, body = Errors, description = "Validation error (`validation_error`); `detail` names the field"), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn release_messages_by_name(
    State(state): State<AppState>,
    Path(name): Path<String>,
    caller: Caller,
    ApiJson422(body): ApiJson422<LeaseTokensRequest>,
) -> ApiResult<Response> {
    settle_tokens(&state, &caller, &name, &body.lease_tokens, Settle::Release)
}

//! Trigger Inbox variant B: inboxes addressed by name with trailing slashes, flat upsert body,
//! per-message `lease_token`. Acts on the same inboxes as variant A.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::inbox_call::InboxCall;
use super::inbox_operations::*;
use super::page_request::PageRequest;
use super::settle_routes::settle_routes;
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

/// List inboxes (trailing-slash form).
#[utoipa::path(get, path = "/inboxes/", operation_id = "listTriggerInboxesByName", tag = "Inboxes by name",
    params(InboxListQuery),
    responses((status = 200, body = PaginatedInboxList), (status = 400, body = Errors), (status = 401, body = Errors), (status = 422, body = Errors, description = "Validation error (`validation_error`); `detail` names the field"), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn list_inboxes_by_name(
    State(state): State<AppState>,
    caller: Caller,
    page: PageRequest<ApiQuery422<InboxListQuery>>,
) -> ApiResult<Json<PaginatedInboxList>> {
    inbox_page(&state, &caller, page.query.0, &page.links)
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
    call: InboxCall<ApiJson422<InboxUpsert>>,
) -> ApiResult<(StatusCode, Json<Inbox>)> {
    let InboxCall {
        state,
        caller,
        key: name,
        input: ApiJson422(body),
    } = call;
    let sub = NewSubscription {
        app: body.app,
        action: body.action,
        connection: body.connection,
        inputs: body.inputs,
        notification_url: body.notification_url,
        paths: PATHS_BY_NAME,
    };
    // Validation errors become `422`; the others (a `409`, a `404`) stay as they are.
    ensure(&state, &caller, &name, "/name", &sub).map_err(ApiError::unprocessable)
}

/// Get an inbox by name.
#[utoipa::path(get, path = "/inboxes/{name}/", operation_id = "getTriggerInboxByName", tag = "Inboxes by name",
    params(("name" = String, Path, description = "Inbox name")),
    responses((status = 200, body = Inbox), (status = 401, body = Errors), (status = 404, body = Errors), (status = 422, body = Errors, description = "Validation error (`validation_error`); `detail` names the field"), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn get_inbox_by_name(call: InboxCall) -> ApiResult<Json<Inbox>> {
    call.by_name()?.get()
}

/// Delete an inbox by name (202 `deleting`).
#[utoipa::path(delete, path = "/inboxes/{name}/", operation_id = "deleteTriggerInboxByName", tag = "Inboxes by name",
    params(("name" = String, Path, description = "Inbox name")),
    responses((status = 202, body = Inbox), (status = 401, body = Errors), (status = 404, body = Errors), (status = 409, body = Errors), (status = 422, body = Errors, description = "Validation error (`validation_error`); `detail` names the field"), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn delete_inbox_by_name(call: InboxCall) -> ApiResult<(StatusCode, Json<Inbox>)> {
    call.by_name()?.accepted(Store::delete_inbox)
}

/// Pause an inbox by name.
#[utoipa::path(post, path = "/inboxes/{name}/pause/", operation_id = "pauseTriggerInboxByName", tag = "Inboxes by name",
    params(("name" = String, Path, description = "Inbox name")),
    responses((status = 200, body = Inbox), (status = 401, body = Errors), (status = 404, body = Errors), (status = 409, body = Errors), (status = 422, body = Errors, description = "Validation error (`validation_error`); `detail` names the field"), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn pause_inbox_by_name(call: InboxCall) -> ApiResult<Json<Inbox>> {
    call.by_name()?.transition(Store::pause_inbox)
}

/// Resume an inbox by name (202 `initializing`).
#[utoipa::path(post, path = "/inboxes/{name}/resume/", operation_id = "resumeTriggerInboxByName", tag = "Inboxes by name",
    params(("name" = String, Path, description = "Inbox name")),
    responses((status = 200, body = Inbox), (status = 202, body = Inbox), (status = 401, body = Errors), (status = 404, body = Errors), (status = 409, body = Errors), (status = 422, body = Errors, description = "Validation error (`validation_error`); `detail` names the field"), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn resume_inbox_by_name(call: InboxCall) -> ApiResult<(StatusCode, Json<Inbox>)> {
    call.by_name()?.accepted(Store::resume_inbox)
}

/// List an inbox's messages by name.
#[utoipa::path(get, path = "/inboxes/{name}/messages/", operation_id = "listTriggerInboxMessagesByName", tag = "Inboxes by name",
    params(("name" = String, Path, description = "Inbox name"), MessageListQuery),
    responses((status = 200, body = PaginatedMessageList), (status = 400, body = Errors), (status = 401, body = Errors), (status = 404, body = Errors), (status = 422, body = Errors, description = "Validation error (`validation_error`); `detail` names the field"), (status = 429, body = Errors)),
    security(("OAuth" = ["external"])))]
async fn list_messages_by_name(
    call: InboxCall<PageRequest<ApiQuery422<MessageListQuery>>>,
) -> ApiResult<Json<PaginatedMessageList>> {
    let PageRequest { query, links } = &call.input;
    call.by_name()?
        .messages(&query.0, links)
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
    call: InboxCall<ApiJson422<Option<LeaseByNameRequest>>>,
) -> ApiResult<Response> {
    // `null` is as good as `{}`: the document declares the body nullable.
    let body = call.input.0.clone().unwrap_or_default();
    let params = lease_params(body.lease_seconds, 30, body.max_messages, "max_messages")
        .map_err(ApiError::unprocessable)?;
    let (granted, results) = match call.by_name()?.lease(params)? {
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
    call: InboxCall<ApiJson422<LeaseTokensRequest>>,
    how: Settle,
) -> ApiResult<Response> {
    let batches = batches(&call.input.0.lease_tokens).map_err(ApiError::unprocessable)?;
    call.by_name()?.settle(&batches, how)
}

settle_routes! {
    shared {
        tag = "Inboxes by name",
        params = (("name" = String, Path, description = "Inbox name")),
        errors = ((status = 400, body = Errors), (status = 401, body = Errors), (status = 404, body = Errors), (status = 422, body = Errors, description = "Validation error (`validation_error`); `detail` names the field"), (status = 429, body = Errors)),
        body = ApiJson422,
        settle = settle_tokens
    }
    /// Acknowledge messages by lease token.
    ack_messages_by_name at "/inboxes/{name}/messages/ack/" as "acknowledgeTriggerInboxMessagesByName" (LeaseTokensRequest => AckResponse) = Settle::Ack;
    /// Release messages by lease token (counts as an attempt).
    release_messages_by_name at "/inboxes/{name}/messages/release/" as "releaseTriggerInboxMessagesByName" (LeaseTokensRequest => ReleaseResponse) = Settle::Release;
}

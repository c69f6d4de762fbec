//! `POST {zapier}/api/actions/v1/runs` and `GET {zapier}/api/actions/v1/runs/{id}`: the action
//! runs behind the SDK's `runAction`, backed by the same runs as the Partner API's
//! `/v2/action-runs` (same delay, same outcomes: a missing required input or an expired
//! connection settle as `error`).
//!
//! A run is created with `201 {"data":{"id","status":"waiting"}}`; reading it answers `202` with
//! `status: "waiting"` until it settles, then `200` with `success` (and `results`) or `error` (and
//! `errors`), which the SDK turns into a `ZapierActionError`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::apps::{ConnectionRef, action_id, resolve_action};
use super::{Envelope, SDK_ZAPIER_PREFIX, external};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::models::partner::ActionRun;

pub(crate) fn router() -> Router<AppState> {
    let runs = format!("{SDK_ZAPIER_PREFIX}/api/actions/v1/runs");
    Router::new()
        .route(&runs, post(create_run))
        .route(&format!("{runs}/{{id}}"), get(get_run))
}

/// What a run request (`{"data": {...}}`) asks for.
#[derive(Debug, Deserialize)]
struct RunRequestData {
    /// Versioned implementation id (`SlackCLIAPI@1.0.0`).
    selected_api: String,
    /// The action's id as listed by `implementations/`.
    action_id: String,
    action_key: String,
    /// `write`, `search` or `read`.
    action_type: String,
    #[serde(default)]
    inputs: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    authentication_id: Option<ConnectionRef>,
}

/// Start a run; the answer is the run as the SDK reads it (`data.id`, `data.status`, later
/// `data.results` or `data.errors`).
async fn create_run(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<Envelope<RunRequestData>>,
) -> ApiResult<(StatusCode, Json<Envelope<ActionRun>>)> {
    let caller = external(caller)?;
    let d = body.data;
    let (app, action) = resolve_action(
        &d.selected_api,
        &d.action_key,
        &d.action_type,
        "/data/selected_api",
        "/data/action_key",
    )?;
    if d.action_id != action_id(app, action) {
        return Err(ApiError::validation(
            "/data/action_id",
            format!(
                "data.action_id: `{}` is not the id of {} `{}`.",
                d.action_id, app.title, action.key
            ),
        ));
    }
    let authentication = d.authentication_id.as_ref().map(ConnectionRef::as_id);
    let now = state.now();
    let mut store = state.store();
    // Checked here first so that the error names this API's field.
    store.check_authentication(
        caller.user,
        app,
        authentication.as_deref(),
        "/data/authentication_id",
    )?;
    let issued = store.issue_action_id(caller.user, app, action);
    let id = store.create_run(
        caller.user,
        &issued,
        authentication.as_deref(),
        &d.inputs,
        now,
    )?;
    let run = store.run(caller.user, &id, now)?;
    Ok((StatusCode::CREATED, Json(Envelope { data: run })))
}

/// Read a run: `202` while `waiting`, `200` once settled; another user's run is 404.
async fn get_run(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Envelope<ActionRun>>)> {
    let caller = external(caller)?;
    let run = state.store().run(caller.user, &id, state.now())?;
    let status = if run.status == "waiting" {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(Envelope { data: run })))
}

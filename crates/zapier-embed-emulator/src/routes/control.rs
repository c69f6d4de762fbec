//! The control API (`/_emulator/*`), the catch-hook endpoint and `/openapi.json`. No
//! authentication, no faults, no rate limit: tests must always be able to steer the emulator.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::{AppState, lock};
use crate::catalog;
use crate::clock::iso;
use crate::error::{ApiError, ApiResult, Errors};
use crate::extract::ApiJson;
use crate::faults::Faults;
use crate::models::control::*;
use crate::notify::announce;
use crate::ratelimit::RateLimiter;
use crate::routes::alias::with_alias;

/// Control routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(emit_events))
        .routes(routes!(advance_clock))
        .routes(routes!(get_clock))
        .routes(routes!(add_fault, list_faults, clear_faults))
        .routes(routes!(get_stats))
        .routes(routes!(get_correlations))
        .routes(routes!(reset))
        .routes(routes!(catch_hook))
        .routes(routes!(catch_hook_no_slash))
        .routes(routes!(openapi_json))
        .route_layer(axum::middleware::from_fn(crate::guard::refuse_own_fetches))
}

/// Most messages one emit may create per inbox.
const MAX_EMIT: u64 = 100_000;

/// Delivers an emit request (shared by the HTTP route and [`crate::Emulator::emit`]).
pub(crate) fn emit(state: &AppState, req: EmitRequest) -> ApiResult<EmitResponse> {
    let app = catalog::resolve_app(&req.app).ok_or_else(|| {
        ApiError::validation("/app", format!("app: no app matches `{}`.", req.app))
    })?;
    if !app.action(&req.action).is_some_and(|a| a.is_trigger()) {
        return Err(ApiError::validation(
            "/action",
            format!("action: `{}` is not a trigger of {}.", req.action, app.key),
        ));
    }
    let count = req.count.unwrap_or(1);
    let payloads: Vec<Arc<Value>> = match req.payload {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| object_payload(item, &format!("/payload/{i}")))
            .collect::<ApiResult<_>>()?,
        other => vec![object_payload(other, "/payload")?],
    };
    if count == 0 || count.saturating_mul(payloads.len() as u64) > MAX_EMIT {
        return Err(ApiError::validation(
            "/count",
            format!("count: must be at least 1, and count × payloads at most {MAX_EMIT}."),
        ));
    }
    let filter = req.inputs.unwrap_or_default();
    let now = state.now();
    let target = crate::state::inboxes::EventTarget {
        app,
        action: &req.action,
        filter: &filter,
        owner: None,
        possible_duplicate: req.possible_duplicate_data,
    };
    let notices = state
        .store()
        .emit(target, &payloads, count, now, &state.0.stats);
    let delivered = notices.len() as u64;
    announce(state, notices);
    Ok(EmitResponse { delivered })
}

/// A message payload must be a JSON object: both SDKs declare it so and refuse a lease that
/// carries anything else. The error names the item (`payload[3]`).
fn object_payload(item: Value, pointer: &str) -> ApiResult<Arc<Value>> {
    if item.is_object() {
        return Ok(Arc::new(item));
    }
    let field = pointer
        .trim_start_matches('/')
        .split('/')
        .enumerate()
        .map(|(i, seg)| {
            if i == 0 {
                seg.to_owned()
            } else {
                format!("[{seg}]")
            }
        })
        .collect::<String>();
    Err(ApiError::validation(
        pointer,
        format!("{field}: must be a JSON object."),
    ))
}

/// Resets every piece of state (shared by the route and [`crate::Emulator::reset`]).
pub(crate) fn reset_all(state: &AppState) {
    state.store().reset();
    state.0.stats.reset();
    *lock(&state.0.faults) = Faults::new(state.0.config.fault_seed);
    *lock(&state.0.limiter) = RateLimiter::default();
    *lock(&state.0.correlations) = Default::default();
    state.0.clock.reset();
}

/// Deliver events to every active inbox subscribed to the trigger (inputs must match).
#[utoipa::path(post, path = "/_emulator/events", operation_id = "emulatorEmitEvents", tag = "Emulator",
    request_body = EmitRequest,
    responses((status = 200, body = EmitResponse), (status = 400, body = Errors)))]
async fn emit_events(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<EmitRequest>,
) -> ApiResult<Json<EmitResponse>> {
    emit(&state, req).map(Json)
}

/// Move the emulator clock forward.
#[utoipa::path(post, path = "/_emulator/clock/advance", operation_id = "emulatorAdvanceClock", tag = "Emulator",
    request_body = ClockAdvance,
    responses((status = 200, body = ClockResponse), (status = 400, body = Errors)))]
async fn advance_clock(
    State(state): State<AppState>,
    ApiJson(ClockAdvance { seconds }): ApiJson<ClockAdvance>,
) -> ApiResult<Json<ClockResponse>> {
    // NaN and the infinities fall outside the range too.
    if !(0.0..=10.0 * 365.0 * 86_400.0).contains(&seconds) {
        return Err(ApiError::validation(
            "/seconds",
            "seconds: must be a non-negative number of at most ten years.",
        ));
    }
    let now = state
        .0
        .clock
        .try_advance(Duration::from_secs_f64(seconds))
        .ok_or_else(|| {
            ApiError::validation(
                "/seconds",
                format!(
                    "seconds: the clock cannot pass {}.",
                    iso(crate::Clock::ceiling())
                ),
            )
        })?;
    Ok(Json(ClockResponse { now: iso(now) }))
}

/// The emulator time.
#[utoipa::path(get, path = "/_emulator/clock", operation_id = "emulatorGetClock", tag = "Emulator",
    responses((status = 200, body = ClockResponse)))]
async fn get_clock(State(state): State<AppState>) -> Json<ClockResponse> {
    Json(ClockResponse {
        now: iso(state.now()),
    })
}

/// Add a fault rule (optionally re-seeding the RNG).
#[utoipa::path(post, path = "/_emulator/faults", operation_id = "emulatorAddFault", tag = "Emulator",
    request_body(content = Option<FaultRequest>, description = "A rule; no body (or `null`) adds the default rule, which changes nothing"),
    responses((status = 200, body = FaultsState), (status = 400, body = Errors)))]
async fn add_fault(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<Option<FaultRequest>>,
) -> ApiResult<Json<FaultsState>> {
    lock(&state.0.faults).add(req.unwrap_or_default()).map(Json)
}

/// The installed fault rules.
#[utoipa::path(get, path = "/_emulator/faults", operation_id = "emulatorListFaults", tag = "Emulator",
    responses((status = 200, body = FaultsState)))]
async fn list_faults(State(state): State<AppState>) -> Json<FaultsState> {
    Json(lock(&state.0.faults).state())
}

/// Remove every fault rule.
#[utoipa::path(delete, path = "/_emulator/faults", operation_id = "emulatorClearFaults", tag = "Emulator",
    responses((status = 200, body = FaultsState)))]
async fn clear_faults(State(state): State<AppState>) -> Json<FaultsState> {
    Json(lock(&state.0.faults).clear())
}

/// Counters (messages, requests, early retries, notifications).
#[utoipa::path(get, path = "/_emulator/stats", operation_id = "emulatorStats", tag = "Emulator",
    responses((status = 200, body = StatsSnapshot)))]
async fn get_stats(State(state): State<AppState>) -> Json<StatsSnapshot> {
    Json(stats(&state))
}

/// Current statistics (shared by the route and [`crate::Emulator::stats`]).
pub(crate) fn stats(state: &AppState) -> StatsSnapshot {
    let now = state.now();
    state.store().expire_all(now, &state.0.stats);
    StatsSnapshot {
        rate_limit_keys: lock(&state.0.limiter).tracked() as u64,
        ..state.0.stats.snapshot()
    }
}

/// The last 1000 API requests that carried `Zapier-Correlation-Id` or `Zapier-Causation-Id`,
/// oldest first (Zapier echoes neither header: only this view shows them).
#[utoipa::path(get, path = "/_emulator/correlations", operation_id = "emulatorCorrelations", tag = "Emulator",
    responses((status = 200, body = CorrelationLog)))]
async fn get_correlations(State(state): State<AppState>) -> Json<CorrelationLog> {
    Json(CorrelationLog {
        records: lock(&state.0.correlations).all(),
    })
}

/// Forget all state: users, tokens, inboxes, runs, statistics, faults, clock offset.
#[utoipa::path(post, path = "/_emulator/reset", operation_id = "emulatorReset", tag = "Emulator",
    responses((status = 204, description = "Reset")))]
async fn reset(State(state): State<AppState>) -> StatusCode {
    reset_all(&state);
    StatusCode::NO_CONTENT
}

/// The messages a catch hook makes of a body, as Webhooks by Zapier does: a JSON object is one
/// message, a top-level JSON array one message per element, a form body one object; anything
/// else (other JSON values included) is wrapped as `{"raw": <body text>}`.
fn hook_payloads(body: &[u8]) -> Vec<Arc<Value>> {
    let raw = |text: String| Arc::new(serde_json::json!({ "raw": text }));
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => vec![Arc::new(Value::Object(map))],
        Ok(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::Object(map) => Arc::new(Value::Object(map)),
                Value::String(s) => raw(s),
                other => raw(other.to_string()),
            })
            .collect(),
        Ok(_) => vec![raw(String::from_utf8_lossy(body).into_owned())],
        Err(_) => {
            let text = String::from_utf8_lossy(body).into_owned();
            let form: Map<String, Value> = form_urlencoded::parse(text.as_bytes())
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect();
            if !form.is_empty() && text.contains('=') {
                vec![Arc::new(Value::Object(form))]
            } else {
                vec![raw(text)]
            }
        }
    }
}

fn catch(state: &AppState, account: &str, code: &str, body: &[u8]) -> ApiResult<HookCatchResponse> {
    // An account that does not parse cannot own an inbox: the hook answers as for an unknown
    // code (nothing delivered), revealing nothing about which accounts exist.
    let owner = Uuid::try_parse(account).ok();
    let payloads = hook_payloads(body);
    let mut filter = Map::new();
    filter.insert(
        "_zap_static_hook_code".to_owned(),
        Value::String(code.to_owned()),
    );
    let now = state.now();
    let mut notices = Vec::new();
    if let Some(owner) = owner
        && !payloads.is_empty()
    {
        for action in ["hook_v2", "hook_raw"] {
            let target = crate::state::inboxes::EventTarget {
                app: &catalog::WEBHOOK,
                action,
                filter: &filter,
                owner: Some(owner),
                possible_duplicate: false,
            };
            notices.extend(
                state
                    .store()
                    .emit(target, &payloads, 1, now, &state.0.stats),
            );
        }
    }
    let delivered = notices.len() as u64;
    announce(state, notices);
    let id = Uuid::new_v4().to_string();
    Ok(HookCatchResponse {
        status: "success".to_owned(),
        attempt: Uuid::new_v4().to_string(),
        request_id: id.clone(),
        id,
        delivered,
    })
}

with_alias! {
    /// Catch hook of Webhooks by Zapier: delivers the body to the account's inboxes subscribed to `hook_v2` or `hook_raw` with this `_zap_static_hook_code` (one message per element of a top-level JSON array).
    #[utoipa::path(post, path = "/hooks/catch/{account}/{hook_code}/", operation_id = "catchHook", tag = "Emulator",
        params(("account" = String, Path, description = "The account: the `sub` claim of the account's access token"),
            ("hook_code" = String, Path, description = "The inbox's `_zap_static_hook_code`")),
        request_body(content = Option<serde_json::Value>, description = "Any JSON value (an array is one message per element), a form body, any other text, or none"),
        responses((status = 200, body = HookCatchResponse), (status = 400, body = Errors), (status = 413, body = Errors)))]
    async fn catch_hook(
        State(state): State<AppState>,
        Path((account, hook_code)): Path<(String, String)>,
        body: bytes::Bytes,
    ) -> ApiResult<Json<HookCatchResponse>> {
        catch(&state, &account, &hook_code, &body).map(Json)
    }
    /// Catch hook (without trailing slash).
    alias catch_hook_no_slash at "/hooks/catch/{account}/{hook_code}";
}

/// This emulator's OpenAPI document (generated from its handlers).
#[utoipa::path(get, path = "/openapi.json", operation_id = "emulatorOpenApi", tag = "Emulator",
    responses((status = 200, content_type = "application/json", body = Object)))]
async fn openapi_json(State(state): State<AppState>) -> Response {
    let doc = state
        .0
        .openapi_json
        .get()
        .cloned()
        .unwrap_or_else(|| "{}".to_owned());
    ([(header::CONTENT_TYPE, "application/json")], doc).into_response()
}

//! The layer every API request goes through: early-retry detection, fault injection, rate
//! limiting, `X-RateLimit-*` headers and per-status statistics. Control routes (`/_emulator/*`,
//! `/hooks/*`, `/openapi.json`) bypass it so tests can always reach them.

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::{AppState, lock};
use crate::config::RateLimit;
use crate::error::ApiError;
use crate::faults::FaultAction;
use crate::stats::bump;

/// Whether a path belongs to the emulator's own control surface.
pub(crate) fn is_control(path: &str) -> bool {
    path.starts_with("/_emulator") || path.starts_with("/hooks/") || path == "/openapi.json"
}

/// The rate-limit key of every request that carries no token the emulator issued.
const UNAUTHENTICATED: &str = "unauthenticated";

/// The rate-limit identity: the bearer token when the emulator issued it (expired or not), else
/// one shared key. Per-identity state is created only for tokens the emulator handed out, so a
/// stream of ever-new bogus tokens cannot grow the limiter's maps.
fn caller_key(state: &AppState, headers: &HeaderMap) -> String {
    match crate::auth::bearer_token(headers) {
        Ok(token) if state.store().users.is_issued(&token) => token,
        _ => UNAUTHENTICATED.to_owned(),
    }
}

/// Longest rejection text carried over into an envelope's `detail`.
const MAX_REJECTION_TEXT: usize = 4096;

/// Answers every client error in the error envelope, authentication first: a 4xx that is not
/// already JSON (or HTML, the Connect UI's pages) came from an extractor's rejection, a body
/// limit or the router's 405; on an authenticated API path a failed authentication is reported
/// instead, as the handler would have. (The token endpoint's own errors keep the OAuth shape;
/// what never reached it, such as a body over the limit, answers the envelope like every route.)
pub(crate) async fn envelope_client_errors(
    state: &AppState,
    path: &str,
    headers: &HeaderMap,
    resp: Response,
) -> Response {
    let status = resp.status();
    let plain = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| ct.starts_with("text/plain"));
    if !status.is_client_error() || !plain {
        return resp;
    }
    if crate::auth::requires_auth(path)
        && let Err(refused) = crate::auth::authenticate(state, headers, path)
    {
        return refused.into_response();
    }
    let text = axum::body::to_bytes(resp.into_body(), MAX_REJECTION_TEXT)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let detail = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("Client error")
            .to_owned()
    } else {
        text
    };
    ApiError::rejection(status, detail).into_response()
}

/// The outermost layer: [`envelope_client_errors`] for what no route's layer saw (a 405, a
/// request no route matched).
pub(crate) async fn outer_layer(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let headers = req.headers().clone();
    let resp = next.run(req).await;
    envelope_client_errors(&state, &path, &headers, resp).await
}

/// A response whose body fails immediately: hyper aborts the connection, so the client sees a
/// connection or body error instead of an answer.
fn dropped_connection() -> Response {
    let failing = futures::stream::once(async {
        Err::<bytes::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "fault injection: connection dropped",
        ))
    });
    Response::new(Body::from_stream(failing))
}

/// The middleware function (installed with `route_layer`, so `MatchedPath` is known).
pub(crate) async fn api_layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if is_control(&path) {
        return next.run(req).await;
    }
    let shared = &state.0;
    let matched = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let operation = matched.as_ref().and_then(|m| {
        shared
            .operations
            .get()
            .and_then(|ops| ops.get(&(req.method().as_str().to_owned(), m.clone())))
            .cloned()
    });
    let caller = caller_key(&state, req.headers());
    let ids = crate::correlations::ReceivedIds::of(req.headers());
    let limit = shared.config.rate_limit.unwrap_or(RateLimit::UNLIMITED);
    let now = state.now();

    // Lease/ack/release requests are counted on arrival, whatever their outcome.
    match operation.as_deref() {
        Some("leaseTriggerInboxMessages" | "leaseTriggerInboxMessagesByName") => {
            bump(&shared.stats.lease_requests)
        }
        Some("acknowledgeTriggerInboxMessages" | "acknowledgeTriggerInboxMessagesByName") => {
            bump(&shared.stats.ack_requests)
        }
        Some("releaseTriggerInboxMessages" | "releaseTriggerInboxMessagesByName") => {
            bump(&shared.stats.release_requests)
        }
        _ => {}
    }
    // The route template, never the concrete path: keys stay bounded by the routes.
    let retry_key = format!(
        "{caller} {}",
        operation.as_deref().or(matched.as_deref()).unwrap_or("")
    );
    if lock(&shared.limiter).arrive(&retry_key, now) {
        bump(&shared.stats.early_retries);
    }
    let (latency, action) = lock(&shared.faults).decide(operation.as_deref(), &path);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let verdict = lock(&shared.limiter).admit(&caller, now, limit);

    let mut resp = match action {
        FaultAction::Drop => {
            shared.stats.record_status("dropped");
            return dropped_connection();
        }
        FaultAction::Error(status) => ApiError::server(status).into_response(),
        FaultAction::Burst(secs) => {
            lock(&shared.limiter).told_to_wait(&retry_key, now, secs);
            ApiError::rate_limited(secs).into_response()
        }
        FaultAction::Pass if verdict.limited => {
            lock(&shared.limiter).told_to_wait(&retry_key, now, verdict.reset_secs);
            ApiError::rate_limited(verdict.reset_secs).into_response()
        }
        FaultAction::Pass => {
            let headers = req.headers().clone();
            let resp = next.run(req).await;
            envelope_client_errors(&state, &path, &headers, resp).await
        }
    };
    let headers = resp.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from(verdict.limit));
    headers.insert(
        "x-ratelimit-remaining",
        HeaderValue::from(verdict.remaining),
    );
    headers.insert("x-ratelimit-reset", HeaderValue::from(verdict.reset_secs));
    shared.stats.record_status(resp.status().as_str());
    if let Some(ids) = ids {
        let operation = operation.as_deref().or(matched.as_deref()).unwrap_or("");
        lock(&shared.correlations).record(ids, operation, &path, resp.status().as_u16());
    }
    resp
}

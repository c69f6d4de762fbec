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

/// The rate-limit identity: the bearer token when present, else the OAuth client or `anonymous`.
fn caller_key(headers: &HeaderMap) -> String {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .map_or_else(|| "anonymous".to_owned(), |(_, t)| t.trim().to_owned())
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
    let operation = req.extensions().get::<MatchedPath>().and_then(|m| {
        shared
            .operations
            .get()
            .and_then(|ops| ops.get(&(req.method().as_str().to_owned(), m.as_str().to_owned())))
            .cloned()
    });
    let caller = caller_key(req.headers());
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
    let retry_key = format!("{caller} {}", operation.as_deref().unwrap_or(&path));
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
        FaultAction::Pass => next.run(req).await,
    };
    let headers = resp.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from(verdict.limit));
    headers.insert(
        "x-ratelimit-remaining",
        HeaderValue::from(verdict.remaining),
    );
    headers.insert("x-ratelimit-reset", HeaderValue::from(verdict.reset_secs));
    shared.stats.record_status(resp.status().as_str());
    resp
}

//! A receiver for Zapier's `notification_url` POSTs (feature `webhook`): mount it in your axum app
//! and the consumer leases as soon as Zapier says messages are available.
//!
//! The payload is `{"inbox_id": "<uuid>", "received_message_count": N, "redelivery": false}`; it
//! signals availability only (the messages come from the next lease). Zapier documents no
//! signature on these requests, so the router does nothing but wake the consumer: an attacker who
//! can reach it can only make the consumer lease a little earlier than its safety poll would.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use super::WakeHandle;

/// The documented notification body.
#[derive(Debug, Deserialize)]
struct Notification {
    inbox_id: String,
    #[serde(default)]
    received_message_count: Option<u64>,
    #[serde(default)]
    redelivery: bool,
}

/// A router answering `POST /` with 200 after waking the notified inbox; nest it under the path of
/// your `notification_url`.
///
/// ```no_run
/// # async fn example(builder: zapier_embed::consumer::ConsumerBuilder) {
/// let wake = builder.wake_handle();
/// let app = axum::Router::new().nest("/zapier/notifications", zapier_embed::consumer::webhook_router(wake));
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await.unwrap();
/// tokio::spawn(async move { axum::serve(listener, app).await });
/// # }
/// ```
pub fn webhook_router(wake: WakeHandle) -> Router {
    Router::new().route("/", post(notify)).with_state(wake)
}

async fn notify(State(wake): State<WakeHandle>, Json(body): Json<Notification>) -> StatusCode {
    let woken = wake.wake(&body.inbox_id);
    tracing::debug!(
        inbox_id = %body.inbox_id,
        count = ?body.received_message_count,
        redelivery = body.redelivery,
        woken,
        "notification received"
    );
    StatusCode::OK
}

//! Availability notifications: SSE frames and keep-alives on `GET .../events`, and the
//! `notification_url` webhook.

mod support;

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use support::*;
use tokio::sync::mpsc;
use zapier_embed_emulator::Emulator;

#[tokio::test]
async fn sse_streams_data_frames_and_keep_alives() {
    let env = start_with(Emulator::builder().keep_alive_interval(Duration::from_millis(50))).await;
    let token = env.token("sse").await;
    let id = env.active_inbox(&token, "sse", "C1").await;
    let mut resp = env
        .http
        .get(env.url(&format!("{A}/inboxes/{id}/events")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    env.emit("C1", 3).await;

    let expected = format!("data: {{\"inbox_id\":\"{id}\",\"count\":3}}\n\n");
    let mut text = String::new();
    let read = async {
        while !(text.contains(&expected) && text.contains(": keep-alive\n\n")) {
            match resp.chunk().await.unwrap() {
                Some(chunk) => text.push_str(&String::from_utf8_lossy(&chunk)),
                None => break,
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("frames within 10 s");
    assert!(text.contains(&expected), "{text}");
    assert!(text.contains(": keep-alive\n\n"), "{text}");
}

#[tokio::test]
async fn sse_requires_a_visible_inbox_and_a_token() {
    let env = start().await;
    let token = env.token("sse").await;
    let resp = env
        .http
        .get(env.url(&format!(
            "{A}/inboxes/00000000-0000-7000-8000-000000000000/events"
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let resp = env
        .http
        .get(env.url(&format!(
            "{A}/inboxes/00000000-0000-7000-8000-000000000000/events"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

async fn receiver(
    State(tx): State<mpsc::UnboundedSender<Value>>,
    Json(body): Json<Value>,
) -> &'static str {
    let _ = tx.send(body);
    "ok"
}

#[tokio::test]
async fn notification_url_is_posted_when_messages_arrive() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receiver))
        .with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let env = start().await;
    let token = env.token("hook").await;
    let (conn, _) = env.slack_connections(&token).await;
    let (s, inbox) = env
        .post(
            &format!("{A}/inboxes"),
            &token,
            json!({"name": "notify", "notification_url": hook, "subscription": {"app_key": "slack", "action_key": "channel_message", "connection_id": conn, "inputs": {"channel": "C1"}}}),
        )
        .await;
    assert_eq!(s, 201, "{inbox}");
    env.advance(1.0).await;
    env.emit("C1", 2).await;
    let got = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("webhook within 10 s")
        .expect("body");
    assert_eq!(
        got,
        json!({"inbox_id": inbox["id"], "received_message_count": 2, "redelivery": false})
    );
    server.abort();
}

#[tokio::test]
async fn sse_stream_ends_when_the_token_expires() {
    let env = start_with(
        Emulator::builder()
            .keep_alive_interval(Duration::from_millis(20))
            .token_ttl(Duration::from_secs(60)),
    )
    .await;
    let token = env.token("sse").await;
    let id = env.active_inbox(&token, "sse", "C1").await;
    let mut resp = env
        .http
        .get(env.url(&format!("{A}/inboxes/{id}/events")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    env.advance(61.0).await;
    let drain = async {
        while let Some(chunk) = resp.chunk().await.unwrap() {
            assert!(!chunk.is_empty());
        }
    };
    tokio::time::timeout(Duration::from_secs(10), drain)
        .await
        .expect("the stream closed after the token expired");
}

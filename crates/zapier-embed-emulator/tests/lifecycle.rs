//! Inbox lifecycle (initializing → active / initialization_failure, pause, resume, delete),
//! create/ensure conflict rules, validation errors naming the field, and events while paused.

mod support;

use reqwest::Method;
use serde_json::{Value, json};
use support::*;

fn sub(app: &str, action: &str, connection: Value, inputs: Value) -> Value {
    json!({"app_key": app, "action_key": action, "connection_id": connection, "inputs": inputs})
}

async fn status(env: &Env, token: &str, id: &str) -> Value {
    let (s, body) = env.get(&format!("{A}/inboxes/{id}"), token).await;
    assert_eq!(s, 200, "{body}");
    body
}

#[tokio::test]
async fn created_inbox_initializes_then_activates_on_the_emulator_clock() {
    let env = start().await;
    let token = env.token("life").await;
    let (conn, _) = env.slack_connections(&token).await;
    let created = env.create_inbox(&token, "life", &conn, "C1").await;
    assert_eq!(created["status"], "initializing");
    assert_eq!(created["paused_reason"], Value::Null);
    assert_eq!(
        created["subscription"]["app_key"], "SlackCLIAPI@1.0.0",
        "stored fully versioned"
    );
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));
    let id = created["id"].as_str().unwrap();
    env.advance(0.5).await;
    assert_eq!(status(&env, &token, id).await["status"], "active");
}

#[tokio::test]
async fn expired_connection_fails_initialization_with_authentication() {
    let env = start().await;
    let token = env.token("life").await;
    let (_, expired) = env.slack_connections(&token).await;
    let created = env.create_inbox(&token, "broken", &expired, "C1").await;
    env.advance(1.0).await;
    let got = status(&env, &token, created["id"].as_str().unwrap()).await;
    assert_eq!(
        (got["status"].as_str(), got["paused_reason"].as_str()),
        (Some("initialization_failure"), Some("authentication"))
    );
    // No events are collected by a failed inbox, and leasing reports its state.
    assert_eq!(env.emit("C1", 1).await, 0);
    let (s, lease) = env
        .post(
            &format!(
                "{A}/inboxes/{}/messages/lease",
                created["id"].as_str().unwrap()
            ),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        lease["inbox_attributes"],
        json!({"status": "initialization_failure", "paused_reason": "authentication"})
    );
}

#[tokio::test]
async fn non_trigger_action_fails_initialization_with_subscribe_failed() {
    let env = start().await;
    let token = env.token("life").await;
    let (conn, _) = env.slack_connections(&token).await;
    let (s, created) = env.post(&format!("{A}/inboxes"), &token, json!({"name": "w", "subscription": sub("slack", "send_channel_message", json!(conn), json!({"channel": "C1", "text": "x"}))})).await;
    assert_eq!(s, 201, "{created}");
    env.advance(1.0).await;
    let got = status(&env, &token, created["id"].as_str().unwrap()).await;
    assert_eq!(
        (got["status"].as_str(), got["paused_reason"].as_str()),
        (Some("initialization_failure"), Some("subscribe_failed"))
    );
}

#[tokio::test]
async fn pause_resume_and_illegal_transitions() {
    let env = start().await;
    let token = env.token("life").await;
    let id = env.active_inbox(&token, "pr", "C1").await;
    let (s, paused) = env
        .post(&format!("{A}/inboxes/{id}/pause"), &token, json!({}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        (paused["status"].as_str(), paused["paused_reason"].as_str()),
        (Some("paused"), Some("user"))
    );
    let (s, body) = env
        .post(&format!("{A}/inboxes/{id}/pause"), &token, json!({}))
        .await;
    assert_eq!(s, 409);
    assert_eq!(body["errors"][0]["code"], "conflict");
    assert_eq!(
        body["errors"][0]["detail"],
        "Inbox cannot be paused while paused."
    );

    let (s, resumed) = env
        .post(&format!("{A}/inboxes/{id}/resume"), &token, json!({}))
        .await;
    assert_eq!(s, 202);
    assert_eq!(
        (
            resumed["status"].as_str(),
            resumed["paused_reason"].as_str()
        ),
        (Some("initializing"), None)
    );
    let (s, _) = env
        .post(&format!("{A}/inboxes/{id}/resume"), &token, json!({}))
        .await;
    assert_eq!(s, 409, "resume while initializing");
    env.advance(1.0).await;
    assert_eq!(status(&env, &token, &id).await["status"], "active");
    let (s, body) = env
        .post(&format!("{A}/inboxes/{id}/resume"), &token, json!({}))
        .await;
    assert_eq!(s, 409, "resume while active");
    assert_eq!(
        body["errors"][0]["detail"],
        "Inbox cannot be resumed while active."
    );
}

#[tokio::test]
async fn delete_goes_through_deleting_then_404() {
    let env = start().await;
    let token = env.token("life").await;
    let id = env.active_inbox(&token, "del", "C1").await;
    let (s, body) = env
        .call(Method::DELETE, &format!("{A}/inboxes/{id}"), &token, None)
        .await;
    assert_eq!(s, 202);
    assert_eq!(body["status"], "deleting");
    assert_eq!(status(&env, &token, &id).await["status"], "deleting");
    let (s, _) = env
        .call(Method::DELETE, &format!("{A}/inboxes/{id}"), &token, None)
        .await;
    assert_eq!(s, 409);
    let (s, _) = env
        .post(&format!("{A}/inboxes/{id}/pause"), &token, json!({}))
        .await;
    assert_eq!(s, 409);
    env.advance(1.0).await;
    let (s, body) = env.get(&format!("{A}/inboxes/{id}"), &token).await;
    assert_eq!(s, 404);
    assert_eq!(body["errors"][0]["code"], "not_found");
    // The name is free again.
    let (conn, _) = env.slack_connections(&token).await;
    env.create_inbox(&token, "del", &conn, "C1").await;
}

#[tokio::test]
async fn events_arriving_while_paused_are_dropped() {
    let env = start().await;
    let token = env.token("life").await;
    let id = env.active_inbox(&token, "drop", "C1").await;
    env.post(&format!("{A}/inboxes/{id}/pause"), &token, json!({}))
        .await;
    assert_eq!(env.emit("C1", 4).await, 0);
    let stats = env.stats().await;
    assert_eq!(
        (
            stats["messages_dropped_while_paused"].as_u64(),
            stats["messages_enqueued"].as_u64()
        ),
        (Some(4), Some(0))
    );
}

#[tokio::test]
async fn create_conflicts_on_an_existing_name() {
    let env = start().await;
    let token = env.token("life").await;
    let (conn, _) = env.slack_connections(&token).await;
    env.create_inbox(&token, "dup", &conn, "C1").await;
    let (s, body) = env.post(&format!("{A}/inboxes"), &token, json!({"name": "dup", "subscription": sub("slack", "channel_message", json!(conn), json!({"channel": "C1"}))})).await;
    assert_eq!(s, 409);
    assert_eq!(body["errors"][0]["code"], "conflict");
    // Without a name every POST creates a new inbox.
    for _ in 0..2 {
        let (s, body) = env.post(&format!("{A}/inboxes"), &token, json!({"subscription": sub("slack", "channel_message", json!(conn), json!({"channel": "C1"}))})).await;
        assert_eq!(s, 201);
        assert_eq!(body["name"], Value::Null);
    }
}

#[tokio::test]
async fn ensure_is_200_existing_201_created_409_different() {
    let env = start().await;
    let token = env.token("life").await;
    let (conn, _) = env.slack_connections(&token).await;
    let body = |channel: &str| json!({"name": "ens", "subscription": sub("SlackCLIAPI", "channel_message", json!(conn), json!({"channel": channel}))});
    let (s, first) = env
        .call(
            Method::PUT,
            &format!("{A}/inboxes"),
            &token,
            Some(body("C1")),
        )
        .await;
    assert_eq!(s, 201);
    let (s, again) = env
        .call(
            Method::PUT,
            &format!("{A}/inboxes"),
            &token,
            Some(body("C1")),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(first["id"], again["id"]);
    // Equivalent app forms resolve to the same subscription.
    let same = json!({"name": "ens", "subscription": sub("slack", "channel_message", json!(conn), json!({"channel": "C1"}))});
    let (s, _) = env
        .call(Method::PUT, &format!("{A}/inboxes"), &token, Some(same))
        .await;
    assert_eq!(s, 200);
    let (s, body409) = env
        .call(
            Method::PUT,
            &format!("{A}/inboxes"),
            &token,
            Some(body("C2")),
        )
        .await;
    assert_eq!(s, 409);
    assert_eq!(body409["errors"][0]["code"], "conflict");
    let (s, missing) = env.call(Method::PUT, &format!("{A}/inboxes"), &token, Some(json!({"subscription": sub("slack", "channel_message", json!(conn), json!({"channel": "C1"}))}))).await;
    assert_eq!(s, 400);
    assert_eq!(missing["errors"][0]["source"]["pointer"], "/name");
}

#[tokio::test]
async fn validation_errors_name_the_field() {
    let env = start().await;
    let token = env.token("life").await;
    let (conn, _) = env.slack_connections(&token).await;
    let cases = [
        (
            sub("slack", "channel_message", json!(conn), json!({})),
            "/subscription/inputs/channel",
        ),
        (
            sub(
                "nope",
                "channel_message",
                json!(conn),
                json!({"channel": "C1"}),
            ),
            "/subscription/app_key",
        ),
        (
            sub(
                "SlackCLIAPI@9.9.9",
                "channel_message",
                json!(conn),
                json!({"channel": "C1"}),
            ),
            "/subscription/app_key",
        ),
        (
            sub("slack", "nope", json!(conn), json!({"channel": "C1"})),
            "/subscription/action_key",
        ),
        (
            sub(
                "slack",
                "channel_message",
                Value::Null,
                json!({"channel": "C1"}),
            ),
            "/subscription/connection_id",
        ),
        (
            sub(
                "slack",
                "channel_message",
                json!("00000000-0000-0000-0000-000000000000"),
                json!({"channel": "C1"}),
            ),
            "/subscription/connection_id",
        ),
    ];
    for (subscription, pointer) in cases {
        let (s, body) = env
            .post(
                &format!("{A}/inboxes"),
                &token,
                json!({"subscription": subscription}),
            )
            .await;
        assert_eq!(s, 400, "{body}");
        let e = &body["errors"][0];
        assert_eq!(
            (e["code"].as_str(), e["source"]["pointer"].as_str()),
            (Some("validation_error"), Some(pointer)),
            "{body}"
        );
        let field = pointer.trim_start_matches('/').replace('/', ".");
        assert!(e["detail"].as_str().unwrap().contains(&field), "{body}");
    }
    let (s, body) = env
        .post(&format!("{A}/inboxes"), &token, json!({"name": "x"}))
        .await;
    assert_eq!(
        (s.as_u16(), body["errors"][0]["source"]["pointer"].as_str()),
        (400, Some("/subscription"))
    );
    let resp = env
        .http
        .post(env.url(&format!("{A}/inboxes")))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["errors"][0]["code"],
        "parse_error"
    );
}

#[tokio::test]
async fn patch_sets_and_clears_the_notification_url() {
    let env = start().await;
    let token = env.token("life").await;
    let id = env.active_inbox(&token, "patch", "C1").await;
    let (s, body) = env
        .call(
            Method::PATCH,
            &format!("{A}/inboxes/{id}"),
            &token,
            Some(json!({"notification_url": "https://example.com/hook"})),
        )
        .await;
    assert_eq!(
        (s.as_u16(), body["notification_url"].as_str()),
        (200, Some("https://example.com/hook"))
    );
    let (_, body) = env
        .call(
            Method::PATCH,
            &format!("{A}/inboxes/{id}"),
            &token,
            Some(json!({})),
        )
        .await;
    assert_eq!(
        body["notification_url"], "https://example.com/hook",
        "absent leaves it unchanged"
    );
    let (_, body) = env
        .call(
            Method::PATCH,
            &format!("{A}/inboxes/{id}"),
            &token,
            Some(json!({"notification_url": null})),
        )
        .await;
    assert_eq!(body["notification_url"], Value::Null);
    let (s, _) = env
        .call(
            Method::PATCH,
            &format!("{A}/inboxes/{id}"),
            &token,
            Some(json!({"notification_url": "not a url"})),
        )
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn both_prefixes_serve_the_same_inboxes() {
    let env = start().await;
    let token = env.token("life").await;
    let id = env.active_inbox(&token, "prefix", "C1").await;
    let (s, body) = env.get(&format!("{A_V1}/inboxes/{id}"), &token).await;
    assert_eq!((s.as_u16(), body["name"].as_str()), (200, Some("prefix")));
}

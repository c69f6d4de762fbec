//! Variant B: inboxes by name with trailing slashes, flat upsert, per-message `lease_token`,
//! `422` validation errors, and both variants acting on the same inboxes.

mod support;

use reqwest::Method;
use serde_json::{Value, json};
use support::*;

fn upsert(connection: &str, channel: &str) -> Value {
    json!({"app": "slack", "action": "channel_message", "connection": connection, "inputs": {"channel": channel}})
}

async fn active_by_name(env: &Env, token: &str, name: &str) -> Value {
    let (conn, _) = env.slack_connections(token).await;
    let (s, body) = env
        .call(
            Method::PUT,
            &format!("{A}/inboxes/{name}/"),
            token,
            Some(upsert(&conn, "C1")),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    env.advance(1.0).await;
    body
}

#[tokio::test]
async fn upsert_by_name_is_201_then_200_then_409() {
    let env = start().await;
    let token = env.token("b").await;
    let (conn, _) = env.slack_connections(&token).await;
    let path = format!("{A}/inboxes/my-slack-inbox/");
    let (s, created) = env
        .call(Method::PUT, &path, &token, Some(upsert(&conn, "C1")))
        .await;
    assert_eq!(s, 201);
    assert_eq!(
        (created["name"].as_str(), created["status"].as_str()),
        (Some("my-slack-inbox"), Some("initializing"))
    );
    assert_eq!(
        created["subscription"],
        json!({"app_key": "SlackCLIAPI@1.0.0", "action_key": "channel_message", "connection_id": conn, "inputs": {"channel": "C1"}})
    );
    let (s, again) = env
        .call(Method::PUT, &path, &token, Some(upsert(&conn, "C1")))
        .await;
    assert_eq!((s.as_u16(), &again["id"]), (200, &created["id"]));
    let (s, conflict) = env
        .call(Method::PUT, &path, &token, Some(upsert(&conn, "C2")))
        .await;
    assert_eq!(
        (s.as_u16(), conflict["errors"][0]["code"].as_str()),
        (409, Some("conflict"))
    );
    let (s, got) = env.get(&path, &token).await;
    assert_eq!((s.as_u16(), &got["id"]), (200, &created["id"]));
    let (s, _) = env.get(&format!("{A}/inboxes/unknown-name/"), &token).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn validation_errors_are_422_naming_the_field() {
    let env = start().await;
    let token = env.token("b").await;
    let (conn, _) = env.slack_connections(&token).await;
    for (body, pointer) in [
        (
            json!({"app": "slack", "action": "channel_message", "connection": conn, "inputs": {}}),
            "/inputs/channel",
        ),
        (
            json!({"app": "nope", "action": "channel_message", "connection": conn, "inputs": {"channel": "C1"}}),
            "/app",
        ),
        (
            json!({"app": "slack", "action": "nope", "connection": conn, "inputs": {"channel": "C1"}}),
            "/action",
        ),
        (
            json!({"app": "slack", "action": "channel_message", "inputs": {"channel": "C1"}}),
            "/connection",
        ),
        (
            json!({"action": "channel_message", "connection": conn, "inputs": {"channel": "C1"}}),
            "/app",
        ),
    ] {
        let (s, err) = env
            .call(
                Method::PUT,
                &format!("{A}/inboxes/v/"),
                &token,
                Some(body.clone()),
            )
            .await;
        assert_eq!(s, 422, "{body}: {err}");
        assert_eq!(
            (
                err["errors"][0]["code"].as_str(),
                err["errors"][0]["source"]["pointer"].as_str()
            ),
            (Some("validation_error"), Some(pointer))
        );
    }
    active_by_name(&env, &token, "bounds").await;
    for (body, pointer) in [
        (json!({"lease_seconds": 0}), "/lease_seconds"),
        (json!({"max_messages": 101}), "/max_messages"),
    ] {
        let (s, err) = env
            .post(&format!("{A}/inboxes/bounds/messages/lease/"), &token, body)
            .await;
        assert_eq!(
            (s.as_u16(), err["errors"][0]["source"]["pointer"].as_str()),
            (422, Some(pointer))
        );
    }
    let (s, err) = env
        .post(
            &format!("{A}/inboxes/bounds/messages/ack/"),
            &token,
            json!({"lease_tokens": ["lt_xyz789"]}),
        )
        .await;
    assert_eq!(
        (s.as_u16(), err["errors"][0]["source"]["pointer"].as_str()),
        (422, Some("/lease_tokens/0"))
    );
}

#[tokio::test]
async fn lease_tokens_ack_and_release_individual_messages() {
    let env = start().await;
    let token = env.token("b").await;
    active_by_name(&env, &token, "tokens").await;
    env.emit("C1", 3).await;
    let (s, lease) = env
        .post(
            &format!("{A}/inboxes/tokens/messages/lease/"),
            &token,
            json!({"lease_seconds": 30}),
        )
        .await;
    assert_eq!(s, 201);
    let obj = lease.as_object().unwrap();
    assert_eq!(
        obj.keys().collect::<Vec<_>>(),
        ["results"],
        "only results: {lease}"
    );
    let results = lease["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let tokens: Vec<&str> = results
        .iter()
        .map(|m| m["lease_token"].as_str().unwrap())
        .collect();
    assert!(
        tokens[0] != tokens[1] && tokens[1] != tokens[2],
        "one token per message"
    );

    let (s, acked) = env
        .post(
            &format!("{A}/inboxes/tokens/messages/ack/"),
            &token,
            json!({"lease_tokens": [tokens[0]]}),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(
        (
            acked["results"].as_array().unwrap().len(),
            acked["results"][0]["status"].as_str()
        ),
        (1, Some("acked"))
    );
    let (s, released) = env
        .post(
            &format!("{A}/inboxes/tokens/messages/release/"),
            &token,
            json!({"lease_tokens": [tokens[1]]}),
        )
        .await;
    assert_eq!(
        (s.as_u16(), released["results"][0]["status"].as_str()),
        (201, Some("available"))
    );
    let (s, again) = env
        .post(
            &format!("{A}/inboxes/tokens/messages/ack/"),
            &token,
            json!({"lease_tokens": [tokens[0]]}),
        )
        .await;
    assert_eq!(
        (s.as_u16(), again),
        (200, json!({"acked_id": null, "results": []}))
    );

    // The re-leased message has a new token; the old one no longer settles it.
    let (_, relet) = env
        .post(
            &format!("{A}/inboxes/tokens/messages/lease/"),
            &token,
            json!({"max_messages": 5}),
        )
        .await;
    let new_token = relet["results"][0]["lease_token"].as_str().unwrap();
    assert_ne!(new_token, tokens[1]);
    assert_eq!(relet["results"][0]["message_attributes"]["lease_count"], 2);

    // Expiry: the default lease is 30 s.
    env.advance(31.0).await;
    let (s, err) = env
        .post(
            &format!("{A}/inboxes/tokens/messages/ack/"),
            &token,
            json!({"lease_tokens": [tokens[2]]}),
        )
        .await;
    assert_eq!(
        (s.as_u16(), err["errors"][0]["code"].as_str()),
        (400, Some("lease_expired"))
    );
    let (s, empty) = env
        .post(
            &format!("{A}/inboxes/tokens/messages/lease/"),
            &token,
            json!({"max_messages": 1}),
        )
        .await;
    assert_eq!(
        (s.as_u16(), empty["results"].as_array().unwrap().len()),
        (201, 1)
    );
}

#[tokio::test]
async fn empty_lease_is_200_and_pause_resume_delete_work_by_name() {
    let env = start().await;
    let token = env.token("b").await;
    active_by_name(&env, &token, "life").await;
    let (s, body) = env
        .post(
            &format!("{A}/inboxes/life/messages/lease/"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!((s.as_u16(), body), (200, json!({"results": []})));
    let (s, p) = env
        .post(&format!("{A}/inboxes/life/pause/"), &token, json!({}))
        .await;
    assert_eq!(
        (
            s.as_u16(),
            p["status"].as_str(),
            p["paused_reason"].as_str()
        ),
        (200, Some("paused"), Some("user"))
    );
    let (s, conflict) = env
        .post(
            &format!("{A}/inboxes/life/messages/lease/"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(
        (s.as_u16(), conflict["detail"].as_str()),
        (409, Some("Inbox is paused and fully drained."))
    );
    let (s, r) = env
        .post(&format!("{A}/inboxes/life/resume/"), &token, json!({}))
        .await;
    assert_eq!(
        (s.as_u16(), r["status"].as_str()),
        (202, Some("initializing"))
    );
    let (s, d) = env
        .call(Method::DELETE, &format!("{A}/inboxes/life/"), &token, None)
        .await;
    assert_eq!((s.as_u16(), d["status"].as_str()), (202, Some("deleting")));
    let (s, _) = env.get(&format!("{A}/inboxes/life/"), &token).await;
    assert_eq!(s, 404, "the name is released at once");
}

#[tokio::test]
async fn both_variants_act_on_the_same_inbox() {
    let env = start().await;
    let token = env.token("b").await;
    let created = active_by_name(&env, &token, "shared").await;
    let id = created["id"].as_str().unwrap();
    env.emit("C1", 2).await;
    // Lease with variant A, see it leased through variant B's listing.
    let (s, lease) = env
        .post(
            &format!("{A}/inboxes/{id}/messages/lease"),
            &token,
            json!({"lease_limit": 1}),
        )
        .await;
    assert_eq!(s, 201);
    let (_, list) = env
        .get(&format!("{A}/inboxes/shared/messages/"), &token)
        .await;
    let statuses: Vec<&str> = list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["leased", "available"]);
    let (_, b) = env
        .post(
            &format!("{A}/inboxes/shared/messages/lease/"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(b["results"].as_array().unwrap().len(), 1);
    assert_ne!(b["results"][0]["id"], lease["results"][0]["id"]);
    let (_, listed) = env.get(&format!("{A}/inboxes/"), &token).await;
    assert_eq!(listed["count"], 1);
    let (s, by_slash_list) = env.get(&format!("{A}/inboxes/?name=shared"), &token).await;
    assert_eq!(
        (s.as_u16(), by_slash_list["results"][0]["id"].as_str()),
        (200, Some(id))
    );
}

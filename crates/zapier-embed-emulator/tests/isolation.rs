//! A user never sees, leases or acks another user's inboxes: every operation answers 404.

mod support;

use reqwest::Method;
use serde_json::{Value, json};
use support::*;

#[tokio::test]
async fn another_users_inbox_is_404_for_every_operation() {
    let env = start().await;
    let owner = env.token("owner").await;
    let other = env.token("intruder").await;
    let id = env.active_inbox(&owner, "private", "C1").await;
    env.emit("C1", 2).await;
    let (_, lease) = env
        .post(
            &format!("{A}/inboxes/{id}/messages/lease"),
            &owner,
            json!({"lease_limit": 1}),
        )
        .await;
    let lease_id = lease["lease_id"].clone();
    let (_, by_name) = env
        .post(
            &format!("{A}/inboxes/private/messages/lease/"),
            &owner,
            json!({"max_messages": 1}),
        )
        .await;
    let lease_token = by_name["results"][0]["lease_token"].clone();

    let by_id: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("{A}/inboxes/{id}"), None),
        (
            Method::PATCH,
            format!("{A}/inboxes/{id}"),
            Some(json!({"notification_url": null})),
        ),
        (Method::DELETE, format!("{A}/inboxes/{id}"), None),
        (Method::POST, format!("{A}/inboxes/{id}/pause"), None),
        (Method::POST, format!("{A}/inboxes/{id}/resume"), None),
        (Method::GET, format!("{A}/inboxes/{id}/events"), None),
        (Method::GET, format!("{A}/inboxes/{id}/messages"), None),
        (
            Method::POST,
            format!("{A}/inboxes/{id}/messages/lease"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("{A}/inboxes/{id}/messages/ack"),
            Some(json!({"lease_id": lease_id})),
        ),
        (
            Method::POST,
            format!("{A}/inboxes/{id}/messages/release"),
            Some(json!({"lease_id": lease_id})),
        ),
        (Method::GET, format!("{A}/inboxes/private/"), None),
        (Method::DELETE, format!("{A}/inboxes/private/"), None),
        (Method::POST, format!("{A}/inboxes/private/pause/"), None),
        (Method::POST, format!("{A}/inboxes/private/resume/"), None),
        (Method::GET, format!("{A}/inboxes/private/messages/"), None),
        (
            Method::POST,
            format!("{A}/inboxes/private/messages/lease/"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("{A}/inboxes/private/messages/ack/"),
            Some(json!({"lease_tokens": [lease_token]})),
        ),
        (
            Method::POST,
            format!("{A}/inboxes/private/messages/release/"),
            Some(json!({"lease_tokens": [lease_token]})),
        ),
    ];
    for (method, path, body) in by_id {
        let (s, err) = env.call(method.clone(), &path, &other, body).await;
        assert_eq!(s, 404, "{method} {path}: {err}");
    }
    let (_, list) = env.get(&format!("{A}/inboxes"), &other).await;
    assert_eq!(list["count"], 0);
    // The owner's state is untouched.
    let (s, got) = env.get(&format!("{A}/inboxes/{id}"), &owner).await;
    assert_eq!((s.as_u16(), got["status"].as_str()), (200, Some("active")));
    let (s, ack) = env
        .post(
            &format!("{A}/inboxes/{id}/messages/ack"),
            &owner,
            json!({"lease_id": lease_id}),
        )
        .await;
    assert_eq!(
        (s.as_u16(), ack["results"].as_array().unwrap().len()),
        (201, 1)
    );
    // The same name is free for the other user.
    let (conn, _) = env.slack_connections(&other).await;
    env.create_inbox(&other, "private", &conn, "C1").await;
}

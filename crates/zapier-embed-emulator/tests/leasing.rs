//! Variant A leasing: defaults and bounds, visibility, expiry, quarantine, ack/release shapes,
//! the paused-and-drained 409, and the message and inbox listings.

// Tests fail by panicking: `unwrap`, `expect` and `panic!` are their assertions (the crate
// denies them in library code, see `[workspace.lints.clippy]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use support::*;

fn lease_path(id: &str) -> String {
    format!("{A}/inboxes/{id}/messages/lease")
}

async fn lease(env: &Env, token: &str, id: &str, body: Value) -> (u16, Value) {
    let (s, b) = env.post(&lease_path(id), token, body).await;
    (s.as_u16(), b)
}

async fn settle(env: &Env, token: &str, id: &str, what: &str, body: Value) -> (u16, Value) {
    let (s, b) = env
        .post(&format!("{A}/inboxes/{id}/messages/{what}"), token, body)
        .await;
    (s.as_u16(), b)
}

async fn emulator_now(env: &Env) -> DateTime<Utc> {
    env.now_text().await.parse().unwrap()
}

fn ids(lease: &Value) -> Vec<String> {
    lease["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn empty_inbox_answers_200_with_nulls() {
    let env = start().await;
    let token = env.token("lease").await;
    let id = env.active_inbox(&token, "empty", "C1").await;
    let (s, body) = lease(&env, &token, &id, json!({})).await;
    assert_eq!(s, 200);
    assert_eq!(
        body,
        json!({"lease_id": null, "leased_until": null, "results": [], "inbox_attributes": {"status": "active", "paused_reason": null}})
    );
}

#[tokio::test]
async fn lease_defaults_to_300_seconds_and_10_messages() {
    let env = start().await;
    let token = env.token("lease").await;
    let id = env.active_inbox(&token, "defaults", "C1").await;
    env.emit("C1", 12).await;
    let before = emulator_now(&env).await;
    // An absent body is the same as `{}`.
    let resp = env
        .http
        .post(env.url(&lease_path(&id)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["results"].as_array().unwrap().len(), 10);
    let until = body["leased_until"].as_str().unwrap();
    assert!(
        until.ends_with('Z') && until.len() == "2026-03-12T17:00:47.185Z".len(),
        "{until}"
    );
    let secs =
        (until.parse::<DateTime<Utc>>().unwrap() - before).num_milliseconds() as f64 / 1000.0;
    assert!((299.0..=301.0).contains(&secs), "leased for {secs} s");
    let m = &body["results"][0];
    assert_eq!(m["status"], "leased");
    assert_eq!(m["payload"]["channel"], "C1");
    assert_eq!(
        m["message_attributes"],
        json!({"lease_count": 1, "error_message": null, "possible_duplicate_data": false})
    );
    assert_eq!(
        body["inbox_attributes"],
        json!({"status": "active", "paused_reason": null})
    );
}

#[tokio::test]
async fn out_of_range_lease_parameters_are_400() {
    let env = start().await;
    let token = env.token("lease").await;
    let id = env.active_inbox(&token, "bounds", "C1").await;
    for (body, pointer) in [
        (json!({"lease_seconds": 0}), "/lease_seconds"),
        (json!({"lease_seconds": 3601}), "/lease_seconds"),
        (json!({"lease_limit": 0}), "/lease_limit"),
        (json!({"lease_limit": 101}), "/lease_limit"),
        (json!({"lease_limit": "ten"}), "/lease_limit"),
    ] {
        let (s, err) = lease(&env, &token, &id, body.clone()).await;
        assert_eq!(
            (s, err["errors"][0]["source"]["pointer"].as_str()),
            (400, Some(pointer)),
            "{body}: {err}"
        );
    }
    for body in [
        json!({"lease_seconds": 1, "lease_limit": 1}),
        json!({"lease_seconds": 3600, "lease_limit": 100}),
    ] {
        let (s, _) = lease(&env, &token, &id, body).await;
        assert_eq!(s, 200);
    }
}

#[tokio::test]
async fn leased_messages_are_invisible_until_ack_release_or_expiry() {
    let env = start().await;
    let token = env.token("lease").await;
    let id = env.active_inbox(&token, "vis", "C1").await;
    env.emit("C1", 3).await;
    let (_, first) = lease(
        &env,
        &token,
        &id,
        json!({"lease_limit": 2, "lease_seconds": 60}),
    )
    .await;
    let (_, second) = lease(
        &env,
        &token,
        &id,
        json!({"lease_limit": 10, "lease_seconds": 60}),
    )
    .await;
    assert_eq!((ids(&first).len(), ids(&second).len()), (2, 1));
    assert!(ids(&second).iter().all(|i| !ids(&first).contains(i)));
    let (s, _) = lease(&env, &token, &id, json!({})).await;
    assert_eq!(s, 200, "everything is leased");

    env.advance(61.0).await;
    let (s, again) = lease(&env, &token, &id, json!({"lease_limit": 10})).await;
    assert_eq!(s, 201);
    assert_eq!(
        ids(&again).len(),
        3,
        "expired leases returned their messages"
    );
    assert!(
        again["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["message_attributes"]["lease_count"] == 2)
    );
    let (s, err) = settle(
        &env,
        &token,
        &id,
        "ack",
        json!({"lease_id": first["lease_id"]}),
    )
    .await;
    assert_eq!(
        (s, err["errors"][0]["code"].as_str()),
        (400, Some("lease_expired"))
    );
    let (s, err) = settle(
        &env,
        &token,
        &id,
        "release",
        json!({"lease_id": second["lease_id"]}),
    )
    .await;
    assert_eq!(
        (s, err["errors"][0]["code"].as_str()),
        (400, Some("lease_expired"))
    );
    assert_eq!(env.stats().await["messages_expired"], 3);
}

#[tokio::test]
async fn ack_by_lease_and_by_message_ids() {
    let env = start().await;
    let token = env.token("lease").await;
    let id = env.active_inbox(&token, "ack", "C1").await;
    env.emit("C1", 3).await;
    let (_, l) = lease(&env, &token, &id, json!({})).await;
    let all = ids(&l);
    let (s, one) = settle(
        &env,
        &token,
        &id,
        "ack",
        json!({"lease_id": l["lease_id"], "message_ids": [all[0]]}),
    )
    .await;
    assert_eq!(s, 201);
    assert!(one["acked_id"].as_str().is_some() && one["acked_id"] != l["lease_id"]);
    assert_eq!(one["results"].as_array().unwrap().len(), 1);
    assert_eq!(one["results"][0]["status"], "acked");
    assert!(
        one["results"][0].get("payload").is_none(),
        "ack results carry no payload"
    );
    let (s, rest) = settle(&env, &token, &id, "ack", json!({"lease_id": l["lease_id"]})).await;
    assert_eq!((s, rest["results"].as_array().unwrap().len()), (201, 2));
    let (s, none) = settle(&env, &token, &id, "ack", json!({"lease_id": l["lease_id"]})).await;
    assert_eq!((s, none), (200, json!({"acked_id": null, "results": []})));
    let (s, none) = settle(
        &env,
        &token,
        &id,
        "ack",
        json!({"lease_id": "00000000-0000-7000-8000-000000000000"}),
    )
    .await;
    assert_eq!((s, none), (200, json!({"acked_id": null, "results": []})));
    let (s, err) = settle(
        &env,
        &token,
        &id,
        "ack",
        json!({"lease_id": l["lease_id"], "message_ids": []}),
    )
    .await;
    assert_eq!(
        (s, err["errors"][0]["source"]["pointer"].as_str()),
        (400, Some("/message_ids"))
    );
    let (s, err) = settle(&env, &token, &id, "ack", json!({})).await;
    assert_eq!(
        (s, err["errors"][0]["source"]["pointer"].as_str()),
        (400, Some("/lease_id"))
    );
    let stats = env.stats().await;
    assert_eq!(
        (
            stats["messages_acked"].as_u64(),
            stats["ack_requests"].as_u64()
        ),
        (Some(3), Some(6))
    );
}

#[tokio::test]
async fn release_returns_messages_and_counts_as_an_attempt() {
    let env = start().await;
    let token = env.token("lease").await;
    let id = env.active_inbox(&token, "rel", "C1").await;
    env.emit("C1", 2).await;
    let (_, l) = lease(&env, &token, &id, json!({})).await;
    let (s, rel) = settle(
        &env,
        &token,
        &id,
        "release",
        json!({"lease_id": l["lease_id"], "message_ids": [ids(&l)[1]]}),
    )
    .await;
    assert_eq!(s, 201);
    assert!(rel["released_id"].as_str().is_some());
    assert_eq!(rel["results"][0]["status"], "available");
    let (s, again) = lease(&env, &token, &id, json!({})).await;
    assert_eq!(s, 201);
    assert_eq!(ids(&again), vec![ids(&l)[1].clone()]);
    assert_eq!(again["results"][0]["message_attributes"]["lease_count"], 2);
    let (s, none) = settle(
        &env,
        &token,
        &id,
        "release",
        json!({"lease_id": "00000000-0000-7000-8000-000000000000"}),
    )
    .await;
    assert_eq!(
        (s, none),
        (200, json!({"released_id": null, "results": []}))
    );
}

#[tokio::test]
async fn fifth_return_quarantines_the_message() {
    let env = start().await;
    let token = env.token("lease").await;
    let id = env.active_inbox(&token, "quar", "C1").await;
    env.emit("C1", 1).await;
    for attempt in 1..=5u64 {
        let (s, l) = lease(&env, &token, &id, json!({"lease_seconds": 30})).await;
        assert_eq!(s, 201, "attempt {attempt}");
        assert_eq!(
            l["results"][0]["message_attributes"]["lease_count"],
            attempt
        );
        if attempt % 2 == 0 {
            let (_, r) = settle(
                &env,
                &token,
                &id,
                "release",
                json!({"lease_id": l["lease_id"]}),
            )
            .await;
            let expected = if attempt == 5 {
                "quarantined"
            } else {
                "available"
            };
            assert_eq!(r["results"][0]["status"], expected);
        } else {
            env.advance(31.0).await; // expiry returns it too
        }
    }
    let (s, _) = lease(&env, &token, &id, json!({})).await;
    assert_eq!(s, 200, "a quarantined message is never leased again");
    let (_, list) = env.get(&format!("{A}/inboxes/{id}/messages"), &token).await;
    assert_eq!(list["results"][0]["status"], "quarantined");
    assert_eq!(list["results"][0]["message_attributes"]["lease_count"], 5);
    assert_eq!(env.stats().await["messages_quarantined"], 1);
}

#[tokio::test]
async fn paused_inbox_serves_its_backlog_then_answers_409() {
    let env = start().await;
    let token = env.token("lease").await;
    let id = env.active_inbox(&token, "drain", "C1").await;
    env.emit("C1", 3).await;
    env.post(&format!("{A}/inboxes/{id}/pause"), &token, json!({}))
        .await;
    let (s, l) = lease(&env, &token, &id, json!({"lease_limit": 2})).await;
    assert_eq!(s, 201);
    assert_eq!(
        l["inbox_attributes"],
        json!({"status": "paused", "paused_reason": "user"})
    );
    let (s, l2) = lease(&env, &token, &id, json!({"lease_limit": 2})).await;
    assert_eq!((s, ids(&l2).len()), (201, 1));
    // Nothing available but leases are outstanding: their messages may come back.
    let (s, _) = lease(&env, &token, &id, json!({})).await;
    assert_eq!(s, 200);
    settle(&env, &token, &id, "ack", json!({"lease_id": l["lease_id"]})).await;
    settle(
        &env,
        &token,
        &id,
        "ack",
        json!({"lease_id": l2["lease_id"]}),
    )
    .await;
    let (s, conflict) = lease(&env, &token, &id, json!({})).await;
    assert_eq!(s, 409);
    assert_eq!(conflict["detail"], "Inbox is paused and fully drained.");
    assert_eq!(conflict["inbox_attributes"]["status"], "paused");
    assert_eq!(conflict["inbox_attributes"]["paused_reason"], "user");
    assert!(
        conflict["inbox_attributes"]["paused_at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
}

#[tokio::test]
async fn message_listing_pages_with_cursors_over_all_states_without_payloads() {
    let env = start().await;
    let token = env.token("lease").await;
    let id = env.active_inbox(&token, "list", "C1").await;
    env.emit("C1", 5).await;
    let (_, l) = lease(&env, &token, &id, json!({"lease_limit": 2})).await;
    settle(
        &env,
        &token,
        &id,
        "ack",
        json!({"lease_id": l["lease_id"], "message_ids": [ids(&l)[0]]}),
    )
    .await;

    let mut url = env.url(&format!("{A}/inboxes/{id}/messages?limit=2"));
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let body: Value = env
            .http
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        pages += 1;
        for m in body["results"].as_array().unwrap() {
            assert!(m.get("payload").is_none());
            seen.push((
                m["id"].as_str().unwrap().to_owned(),
                m["status"].as_str().unwrap().to_owned(),
            ));
        }
        if pages > 1 {
            let prev = body["previous"]
                .as_str()
                .expect("previous link after the first page");
            let back: Value = env
                .http
                .get(prev)
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(back["results"].as_array().unwrap().len(), 2);
        } else {
            assert_eq!(body["previous"], Value::Null);
        }
        match body["next"].as_str() {
            Some(next) => {
                assert!(next.starts_with(&env.handle.base_url()), "absolute: {next}");
                url = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!((pages, seen.len()), (3, 5));
    let statuses: Vec<&str> = seen.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        statuses,
        ["acked", "leased", "available", "available", "available"]
    );
    let (s, err) = env
        .get(&format!("{A}/inboxes/{id}/messages?cursor=garbage"), &token)
        .await;
    assert_eq!(
        (s.as_u16(), err["errors"][0]["source"]["parameter"].as_str()),
        (400, Some("cursor"))
    );
}

#[tokio::test]
async fn inbox_listing_uses_offset_pagination_and_filters() {
    let env = start().await;
    let token = env.token("lease").await;
    let (conn, _) = env.slack_connections(&token).await;
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(
            env.create_inbox(&token, &format!("inbox-{i}"), &conn, "C1")
                .await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    env.advance(1.0).await;
    env.post(
        &format!("{A}/inboxes/{}/pause", created[3]),
        &token,
        json!({}),
    )
    .await;

    let (_, page) = env.get(&format!("{A}/inboxes?limit=2"), &token).await;
    assert_eq!(
        (
            page["count"].as_u64(),
            page["results"].as_array().unwrap().len()
        ),
        (Some(5), 2)
    );
    assert_eq!(page["previous"], Value::Null);
    let next = page["next"].as_str().unwrap();
    assert!(
        next.starts_with(&env.handle.base_url()) && next.contains("offset=2"),
        "{next}"
    );
    let page2: Value = env
        .http
        .get(next)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page2["results"][0]["id"], created[2].as_str());
    assert!(page2["previous"].as_str().unwrap().contains("offset=0"));

    let (_, paused) = env.get(&format!("{A}/inboxes?status=paused"), &token).await;
    assert_eq!(paused["count"], 1);
    assert_eq!(paused["results"][0]["id"], created[3].as_str());
    let (_, named) = env.get(&format!("{A}/inboxes?name=inbox-4"), &token).await;
    assert_eq!(
        (
            named["count"].as_u64(),
            named["results"][0]["name"].as_str()
        ),
        (Some(1), Some("inbox-4"))
    );
    let (s, err) = env
        .get(&format!("{A}/inboxes?status=sleeping"), &token)
        .await;
    assert_eq!(
        (s.as_u16(), err["errors"][0]["source"]["parameter"].as_str()),
        (400, Some("status"))
    );
}

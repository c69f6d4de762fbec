//! Control API: event routing (app by slug or key, input subsets, payload lists, count), the
//! catch hook of Webhooks by Zapier, clock, stats, reset, and trigger discovery.

mod support;

use serde_json::{Value, json};
use support::*;

#[tokio::test]
async fn events_reach_active_inboxes_whose_inputs_match() {
    let env = start().await;
    let token = env.token("ctl").await;
    let c1 = env.active_inbox(&token, "c1", "C1").await;
    let c2 = env.active_inbox(&token, "c2", "C2").await;
    let other = env.token("ctl-other").await;
    env.active_inbox(&other, "c1-other", "C1").await;

    assert_eq!(env.emit("C1", 1).await, 2, "both users' C1 inboxes");
    let (_, body) = env.control("/_emulator/events", json!({"app": "SlackCLIAPI@1.0.0", "action": "channel_message", "payload": {"text": "all"}})).await;
    assert_eq!(body["delivered"], 3, "no inputs: every subscriber");
    let (_, body) = env.control("/_emulator/events", json!({"app": "SlackCLIAPI", "action": "channel_message", "inputs": {"channel": "C2"}, "payload": [{"n": 1}, {"n": 2}], "count": 2})).await;
    assert_eq!(body["delivered"], 1);
    let (_, body) = env
        .control(
            "/_emulator/events",
            json!({"app": "slack", "action": "mention", "payload": {}}),
        )
        .await;
    assert_eq!(body["delivered"], 0);

    let lease = |id: String| {
        let env = &env;
        let token = token.clone();
        async move {
            env.post(
                &format!("{A}/inboxes/{id}/messages/lease"),
                &token,
                json!({"lease_limit": 100}),
            )
            .await
            .1
        }
    };
    assert_eq!(lease(c1).await["results"].as_array().unwrap().len(), 2);
    let l2 = lease(c2).await;
    let payloads: Vec<&Value> = l2["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["payload"])
        .collect();
    assert_eq!(
        payloads,
        [
            &json!({"text": "all"}),
            &json!({"n": 1}),
            &json!({"n": 2}),
            &json!({"n": 1}),
            &json!({"n": 2})
        ]
    );
    assert_eq!(env.stats().await["messages_enqueued"], 9);

    for bad in [
        json!({"app": "nope", "action": "channel_message", "payload": {}}),
        json!({"app": "slack", "action": "send_channel_message", "payload": {}}),
        json!({"app": "slack", "action": "channel_message", "payload": {}, "count": 0}),
    ] {
        let (s, _) = env.control("/_emulator/events", bad.clone()).await;
        assert_eq!(s, 400, "{bad}");
    }
}

#[tokio::test]
async fn events_can_be_flagged_as_possible_duplicates() {
    let env = start().await;
    let token = env.token("ctl-dup").await;
    let inbox = env.active_inbox(&token, "dup", "C1").await;
    env.emit("C1", 1).await;
    let (_, body) = env.control("/_emulator/events", json!({"app": "slack", "action": "channel_message", "inputs": {"channel": "C1"}, "payload": {"n": 2}, "possible_duplicate_data": true})).await;
    assert_eq!(body["delivered"], 1);
    let (_, lease) = env
        .post(
            &format!("{A}/inboxes/{inbox}/messages/lease"),
            &token,
            json!({"lease_limit": 10}),
        )
        .await;
    let flags: Vec<&Value> = lease["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["message_attributes"]["possible_duplicate_data"])
        .collect();
    assert_eq!(flags, [&json!(false), &json!(true)], "{lease}");
}

#[tokio::test]
async fn catch_hook_delivers_to_matching_webhook_inboxes() {
    let env = start().await;
    let token = env.token("hooks").await;
    let (s, inbox) = env
        .post(
            &format!("{A}/inboxes"),
            &token,
            json!({"name": "hook", "subscription": {"app_key": "webhook", "action_key": "hook_v2", "connection_id": null, "inputs": {"_zap_static_hook_code": "abc123def456", "_zap_static_hook_seed": "0f0f0f0f0f0f"}}}),
        )
        .await;
    assert_eq!(s, 201, "{inbox}");
    assert_eq!(inbox["subscription"]["app_key"], "WebHookCLIAPI@1.0.0");
    env.advance(1.0).await;
    let account = Env::account(&token);
    let (s, caught) = env
        .control(
            &format!("/hooks/catch/{account}/abc123def456/"),
            json!({"order": 42}),
        )
        .await;
    assert_eq!(
        (
            s.as_u16(),
            caught["status"].as_str(),
            caught["delivered"].as_u64()
        ),
        (200, Some("success"), Some(1))
    );
    let (_, other) = env
        .control(&format!("/hooks/catch/{account}/000000000000/"), json!({}))
        .await;
    assert_eq!(other["delivered"], 0);
    let id = inbox["id"].as_str().unwrap();
    let (_, lease) = env
        .post(
            &format!("{A}/inboxes/{id}/messages/lease"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(lease["results"][0]["payload"], json!({"order": 42}));
}

#[tokio::test]
async fn clock_advances_and_reset_forgets_everything() {
    let env = start().await;
    let before: Value = env
        .http
        .get(env.url("/_emulator/clock"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (_, after) = env
        .control("/_emulator/clock/advance", json!({"seconds": 86400}))
        .await;
    let t0: chrono::DateTime<chrono::Utc> = before["now"].as_str().unwrap().parse().unwrap();
    let t1: chrono::DateTime<chrono::Utc> = after["now"].as_str().unwrap().parse().unwrap();
    assert!((t1 - t0).num_seconds() >= 86400);
    let (s, _) = env
        .control("/_emulator/clock/advance", json!({"seconds": -1}))
        .await;
    assert_eq!(s, 400);

    let token = env.token("reset").await;
    env.active_inbox(&token, "gone", "C1").await;
    env.emit("C1", 1).await;
    let resp = env
        .http
        .post(env.url("/_emulator/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let stats = env.stats().await;
    assert_eq!(stats["messages_enqueued"], 0);
    let (s, _) = env.get(&format!("{A}/inboxes"), &token).await;
    assert_eq!(s, 401, "tokens are forgotten too");
}

#[tokio::test]
async fn trigger_discovery_matches_the_seed_shapes() {
    let env = start().await;
    let token = env.token("disc").await;
    let (conn, _) = env.slack_connections(&token).await;
    for path in [
        format!("{A}/triggers/?app=slack"),
        format!("{A}/triggers?app=slack"),
        format!("{A_V1}/triggers/?app=slack"),
    ] {
        let (s, body) = env.get(&path, &token).await;
        assert_eq!(s, 200, "{path}");
        assert_eq!(
            body["results"][0],
            json!({"key": "channel_message", "title": "New Message Posted to Channel", "description": "Triggers when a new message is posted to a specific #channel you choose.", "app_key": "SlackCLIAPI"})
        );
        assert_eq!(body["results"][1]["key"], "mention");
    }
    let (s, fields) = env
        .get(
            &format!(
                "{A}/trigger-input-fields/?app=slack&action=channel_message&connection={conn}"
            ),
            &token,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        fields["results"],
        json!([
            {"key": "channel", "title": "Channel", "value_type": "STRING", "format": "SELECT", "is_required": true, "description": "Only channels you are a member of will appear in this list."},
            {"key": "listen_for_bots", "title": "Trigger for Bot Messages?", "value_type": "BOOLEAN", "format": "SELECT", "is_required": false, "default_value": "no"}
        ])
    );
    let (s, err) = env
        .get(
            &format!("{A}/trigger-input-fields?app=slack&action=nope&connection={conn}"),
            &token,
        )
        .await;
    assert_eq!(
        (s.as_u16(), err["errors"][0]["source"]["parameter"].as_str()),
        (400, Some("action"))
    );
    let (s, err) = env.get(&format!("{A}/triggers/?app=nope"), &token).await;
    assert_eq!(
        (s.as_u16(), err["errors"][0]["source"]["parameter"].as_str()),
        (400, Some("app"))
    );
    let (s, _) = env
        .get(
            &format!("{A}/trigger-input-fields/?app=webhook&action=hook_v2&connection="),
            &token,
        )
        .await;
    assert_eq!(s, 200, "connection-less app");
}

//! Decoding the JSON bodies documented in the seed documents and the API facts, for both
//! variants, exactly as written there.

// Tests fail by panicking: `unwrap`, `expect` and `panic!` are their assertions (the crate
// denies them in library code, see `[workspace.lints.clippy]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use chrono::{TimeZone, Utc};
use serde_json::json;
use uuid::Uuid;
use zapier_embed_domain::*;

fn uuid(s: &str) -> Uuid {
    Uuid::parse_str(s).unwrap()
}

/// Seed 000, step 6 (variant A lease 201).
const LEASE_201_A: &str = r#"{
  "lease_id": "019ce2fe-5ed1-7318-8a60-33dffd911f6a",
  "leased_until": "2026-05-21T12:06:00.000000Z",
  "results": [
    {
      "id": "019ce2fe-5ed1-7318-8a60-33dffd911f6b",
      "created_at": "2026-05-21T12:01:00.000000Z",
      "status": "leased",
      "payload": {
        "text": "Hello from Slack",
        "user": "U0123456",
        "channel": "C0123ABC456"
      },
      "message_attributes": {
        "lease_count": 1,
        "error_message": null,
        "possible_duplicate_data": false
      }
    }
  ],
  "inbox_attributes": {
    "status": "active",
    "paused_reason": null
  }
}"#;

/// Seed 001, step 6 (variant B lease).
const LEASE_B: &str = r#"{
  "results": [
    {
      "id": "msg_abc123",
      "created_at": "2026-05-21T12:01:00.000000Z",
      "status": "leased",
      "lease_token": "lt_xyz789",
      "payload": {
        "text": "Hello from Slack",
        "user": "U0123456",
        "channel": "C0123ABC456"
      },
      "message_attributes": {
        "lease_count": 1,
        "error_message": null,
        "possible_duplicate_data": false
      }
    }
  ]
}"#;

/// Seeds 000 / 001, step 5 (the inbox response, identical in both variants).
const INBOX: &str = r#"{
  "id": "01960a3e-4d5f-7b8e-9c0a-1b2c3d4e5f6a",
  "name": "my-slack-inbox",
  "status": "active",
  "created_at": "2026-05-21T12:00:00.000000Z",
  "paused_reason": null,
  "notification_url": null,
  "subscription": {
    "connection_id": "CONNECTION_ID",
    "app_key": "SlackCLIAPI",
    "action_key": "channel_message",
    "inputs": { "channel": "C0123ABC456" }
  }
}"#;

#[test]
fn variant_a_lease_201() {
    let body: LeaseResponseBody = serde_json::from_str(LEASE_201_A).unwrap();
    let inbox = InboxRef::from(uuid("01960a3e-4d5f-7b8e-9c0a-1b2c3d4e5f6a"));
    let requested_at = Utc.with_ymd_and_hms(2026, 5, 21, 12, 1, 0).unwrap();
    let lease =
        Lease::from_response(&inbox, body, requested_at, LeaseSeconds::DEFAULT_BY_ID).unwrap();

    assert_eq!(lease.len(), 1);
    assert_eq!(
        lease.lease_id,
        Some(uuid("019ce2fe-5ed1-7318-8a60-33dffd911f6a"))
    );
    assert_eq!(lease.leased_until_source, LeasedUntilSource::Server);
    assert_eq!(
        lease.leased_until,
        Utc.with_ymd_and_hms(2026, 5, 21, 12, 6, 0).unwrap()
    );
    assert_eq!(lease.remaining(requested_at), Duration::from_secs(300));
    let attrs = lease.inbox_attributes.as_ref().unwrap();
    assert_eq!(attrs.status, InboxStatus::Active);
    assert_eq!(attrs.paused_reason, None);

    let msg = &lease.messages[0];
    assert_eq!(msg.id.as_str(), "019ce2fe-5ed1-7318-8a60-33dffd911f6b");
    assert_eq!(msg.status, MessageStatus::Leased);
    assert_eq!(msg.attempts(), 1);
    assert_eq!(msg.attempts_left(), 4);
    assert!(!msg.is_final_attempt());
    assert!(msg.hydration_error().is_none());
    assert!(!msg.possible_duplicate());
    assert_eq!(msg.payload["channel"], "C0123ABC456");
    assert_eq!(
        msg.ack,
        AckHandle::ById {
            inbox: uuid("01960a3e-4d5f-7b8e-9c0a-1b2c3d4e5f6a"),
            lease_id: uuid("019ce2fe-5ed1-7318-8a60-33dffd911f6a"),
            message_id: MessageId::new("019ce2fe-5ed1-7318-8a60-33dffd911f6b"),
        }
    );

    #[derive(serde::Deserialize)]
    struct SlackMessage {
        text: String,
        user: String,
    }
    let typed: SlackMessage = msg.payload_as().unwrap();
    assert_eq!(
        (typed.text.as_str(), typed.user.as_str()),
        ("Hello from Slack", "U0123456")
    );

    // Acking it all is one request without message_ids (seed 000, step 7).
    let reqs = lease.settle_all();
    assert_eq!(
        serde_json::to_value(reqs[0].to_body()).unwrap(),
        json!({"lease_id": "019ce2fe-5ed1-7318-8a60-33dffd911f6a"})
    );
    // Acking the one message names it (seed 000's Python example).
    let reqs = AckPlan::from_handles([msg.ack.clone()]);
    assert_eq!(
        serde_json::to_value(reqs[0].to_body()).unwrap(),
        json!({"lease_id": "019ce2fe-5ed1-7318-8a60-33dffd911f6a",
               "message_ids": ["019ce2fe-5ed1-7318-8a60-33dffd911f6b"]})
    );
}

#[test]
fn variant_a_lease_201_with_hydration_error_and_duplicate_flag() {
    let mut v: serde_json::Value = serde_json::from_str(LEASE_201_A).unwrap();
    v["results"][0]["message_attributes"] = json!({
        "lease_count": 4,
        "error_message": "Failed to hydrate: the Slack connection has expired.",
        "possible_duplicate_data": true
    });
    let body: LeaseResponseBody = serde_json::from_value(v).unwrap();
    let lease = Lease::from_response(
        &InboxRef::from(Uuid::nil()),
        body,
        Utc::now(),
        LeaseSeconds::DEFAULT_BY_ID,
    )
    .unwrap();
    let msg = &lease.messages[0];
    assert!(msg.is_final_attempt());
    assert!(msg.possible_duplicate());
    assert_eq!(
        msg.hydration_error().unwrap().message(),
        "Failed to hydrate: the Slack connection has expired."
    );
}

#[test]
fn variant_a_lease_200_empty_with_nulls() {
    let body: LeaseResponseBody = serde_json::from_str(
        r#"{"lease_id":null,"leased_until":null,"results":[],"inbox_attributes":{"status":"active","paused_reason":null}}"#,
    )
    .unwrap();
    let requested_at = Utc.with_ymd_and_hms(2026, 3, 12, 17, 0, 0).unwrap();
    let lease = Lease::from_response(
        &InboxRef::from(Uuid::nil()),
        body,
        requested_at,
        LeaseSeconds::new(60).unwrap(),
    )
    .unwrap();
    assert!(lease.is_empty());
    assert_eq!(lease.lease_id, None);
    assert_eq!(lease.leased_until_source, LeasedUntilSource::Computed);
    assert_eq!(
        lease.leased_until,
        requested_at + chrono::Duration::seconds(60)
    );
    assert!(lease.settle_all().is_empty());
}

#[test]
fn variant_a_lease_with_messages_but_no_lease_id_is_a_decode_error() {
    let mut v: serde_json::Value = serde_json::from_str(LEASE_201_A).unwrap();
    v["lease_id"] = json!(null);
    let body: LeaseResponseBody = serde_json::from_value(v).unwrap();
    let err = Lease::from_response(
        &InboxRef::from(Uuid::nil()),
        body,
        Utc::now(),
        LeaseSeconds::DEFAULT_BY_ID,
    )
    .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    assert_eq!(err.operation(), "lease messages");
}

#[test]
fn variant_b_lease_with_lease_token() {
    let body: LeaseResponseBody = serde_json::from_str(LEASE_B).unwrap();
    let inbox = InboxRef::name("my-slack-inbox").unwrap();
    let requested_at = Utc.with_ymd_and_hms(2026, 5, 21, 12, 1, 30).unwrap();
    let lease =
        Lease::from_response(&inbox, body, requested_at, LeaseSeconds::DEFAULT_BY_NAME).unwrap();
    assert_eq!(lease.lease_id, None);
    assert_eq!(lease.inbox_attributes, None);
    assert_eq!(lease.leased_until_source, LeasedUntilSource::Computed);
    assert_eq!(
        lease.leased_until,
        requested_at + chrono::Duration::seconds(30)
    );

    let msg = &lease.messages[0];
    assert_eq!(msg.id, MessageId::new("msg_abc123"));
    assert_eq!(msg.id.as_uuid(), None);
    assert_eq!(
        msg.ack,
        AckHandle::ByName {
            inbox: InboxName::new("my-slack-inbox").unwrap(),
            lease_token: "lt_xyz789".into(),
        }
    );
    // Seed 001, step 7.
    let reqs = lease.settle_all();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].inbox().to_string(), "my-slack-inbox");
    assert_eq!(
        serde_json::to_value(reqs[0].to_body()).unwrap(),
        json!({"lease_tokens": ["lt_xyz789"]})
    );
}

#[test]
fn variant_b_lease_without_token_is_a_decode_error() {
    let mut v: serde_json::Value = serde_json::from_str(LEASE_B).unwrap();
    v["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("lease_token");
    let body: LeaseResponseBody = serde_json::from_value(v).unwrap();
    let err = Lease::from_response(
        &InboxRef::name("my-slack-inbox").unwrap(),
        body,
        Utc::now(),
        LeaseSeconds::DEFAULT_BY_NAME,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("msg_abc123 has no lease_token"),
        "{err}"
    );
}

#[test]
fn ack_201_and_200() {
    let acked: AckResponse = serde_json::from_str(
        r#"{"acked_id":"019ce305-35be-764b-bcae-70ba567b7357","results":[{"id":"019ce303-cf30-7efb-aa91-89488a407dc2","created_at":"2026-03-12T16:59:47.185Z","status":"acked","message_attributes":{"lease_count":1,"error_message":null,"possible_duplicate_data":false}}]}"#,
    )
    .unwrap();
    assert_eq!(acked.id, Some(uuid("019ce305-35be-764b-bcae-70ba567b7357")));
    assert_eq!(acked.messages[0].status, MessageStatus::Acked);
    assert_eq!(acked.messages[0].attributes.lease_count, 1);

    let nothing: AckResponse = serde_json::from_str(r#"{"acked_id":null,"results":[]}"#).unwrap();
    assert!(nothing.is_empty());
    assert_eq!(nothing.id, None);

    let released: AckResponse = serde_json::from_str(
        r#"{"released_id":"019ce305-35be-764b-bcae-70ba567b7358","results":[{"id":"m","created_at":"2026-03-12T16:59:47.185Z","status":"available","message_attributes":{"lease_count":2,"error_message":null,"possible_duplicate_data":false}}]}"#,
    )
    .unwrap();
    assert_eq!(released.messages[0].status, MessageStatus::Available);
    assert!(released.id.is_some());
}

#[test]
fn inbox_json_of_both_variants() {
    let a: Inbox = serde_json::from_str(INBOX).unwrap();
    // Variant B documents the same body; newer editions add `key` next to the deprecated `name`.
    let mut b: serde_json::Value = serde_json::from_str(INBOX).unwrap();
    b["key"] = json!("my-slack-inbox");
    b["paused_reason"] = json!("");
    let b: Inbox = serde_json::from_value(b).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.name.as_deref(), Some("my-slack-inbox"));
    assert_eq!(
        a.name_ref().unwrap(),
        InboxRef::name("my-slack-inbox").unwrap()
    );
    assert_eq!(
        a.id_ref().to_string(),
        "01960a3e-4d5f-7b8e-9c0a-1b2c3d4e5f6a"
    );
    assert_eq!(a.subscription.app, "SlackCLIAPI");
    assert_eq!(a.subscription.inputs["channel"], "C0123ABC456");
}

#[test]
fn unknown_values_are_preserved_and_round_trip_everywhere() {
    let mut v: serde_json::Value = serde_json::from_str(LEASE_201_A).unwrap();
    v["results"][0]["status"] = json!("reserved");
    v["inbox_attributes"] = json!({"status": "throttled", "paused_reason": "maintenance"});
    v["future_field"] = json!([1, 2, 3]);
    v["results"][0]["future_attr"] = json!(true);
    let body: LeaseResponseBody = serde_json::from_value(v).unwrap();
    assert_eq!(
        body.results[0].status,
        MessageStatus::Unknown("reserved".into())
    );
    let attrs = body.inbox_attributes.clone().unwrap();
    assert_eq!(attrs.status, InboxStatus::Unknown("throttled".into()));
    assert_eq!(
        attrs.paused_reason,
        Some(PausedReason::Other("maintenance".into()))
    );

    let back = serde_json::to_value(&body).unwrap();
    assert_eq!(back["results"][0]["status"], "reserved");
    assert_eq!(back["inbox_attributes"]["status"], "throttled");
    assert_eq!(back["inbox_attributes"]["paused_reason"], "maintenance");
    let again: LeaseResponseBody = serde_json::from_value(back).unwrap();
    assert_eq!(again, body);

    // The domain Lease round-trips through its own JSON too.
    let lease = Lease::from_response(
        &InboxRef::from(Uuid::nil()),
        body,
        Utc::now(),
        LeaseSeconds::DEFAULT_BY_ID,
    )
    .unwrap();
    let json = serde_json::to_string(&lease).unwrap();
    assert_eq!(serde_json::from_str::<Lease>(&json).unwrap(), lease);
}

#[test]
fn seed_input_fields_validate_the_seed_inputs() {
    let fields: Vec<InputField> = serde_json::from_value(json!([
        {"key": "channel", "title": "Channel", "value_type": "STRING", "format": "SELECT",
         "is_required": true, "description": "Only channels you are a member of will appear in this list."},
        {"key": "listen_for_bots", "title": "Trigger for Bot Messages?", "value_type": "BOOLEAN",
         "format": "SELECT", "is_required": false, "default_value": "no"}
    ]))
    .unwrap();
    let ok = json!({"channel": "C0123ABC456"});
    let out = validate_inputs(&fields, ok.as_object().unwrap()).unwrap();
    assert_eq!(out["listen_for_bots"], "no");

    let bad = json!({"listen_for_bots": "maybe"});
    let err = validate_inputs(&fields, bad.as_object().unwrap()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid inputs: channel: required field is missing; listen_for_bots: expected BOOLEAN, got \"maybe\""
    );
}

#[test]
fn create_bodies_match_the_seeds() {
    let sub = Subscription::new("SlackCLIAPI", "channel_message")
        .with_connection("CONNECTION_ID")
        .with_input("channel", "C0123ABC456");
    // Seed 000, step 5, with notification_url.
    let name = InboxName::new("my-slack-inbox").unwrap();
    assert_eq!(
        serde_json::to_value(sub.to_nested_body(
            Some(&name),
            Some("https://your-server.example/trigger-webhook")
        ))
        .unwrap(),
        json!({
            "name": "my-slack-inbox",
            "subscription": {"app_key": "SlackCLIAPI", "action_key": "channel_message",
                             "connection_id": "CONNECTION_ID", "inputs": {"channel": "C0123ABC456"}},
            "notification_url": "https://your-server.example/trigger-webhook"
        })
    );
    // Seed 001, step 5.
    let flat = Subscription::new("slack", "channel_message")
        .with_connection("CONNECTION_ID")
        .with_input("channel", "C0123ABC456")
        .to_flat_body(None);
    assert_eq!(
        serde_json::to_value(flat).unwrap(),
        json!({"app": "slack", "action": "channel_message", "connection": "CONNECTION_ID",
               "inputs": {"channel": "C0123ABC456"}})
    );
    // Seed 000 / 001, step 6: lease bodies.
    let opts = LeaseOptions::new(
        LeaseSeconds::new(300).unwrap(),
        LeaseLimit::new(10).unwrap(),
    );
    assert_eq!(
        serde_json::to_value(opts.to_body(ApiVariant::ById)).unwrap(),
        json!({"lease_seconds": 300, "lease_limit": 10})
    );
    let opts = LeaseOptions::default_for(ApiVariant::ByName);
    assert_eq!(
        serde_json::to_value(opts.to_body(ApiVariant::ByName)).unwrap(),
        json!({"lease_seconds": 30, "max_messages": 10})
    );
}

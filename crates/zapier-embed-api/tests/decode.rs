//! The example bodies of Zapier's documents decode into the generated types.
//!
//! Bodies are the seeds' and the published spec's examples, verbatim where they are valid JSON.

use serde_json::json;
use zapier_embed_api::{
    by_id::types as a, by_name::types as b, oauth::types as o, partner::types as p,
};

fn decode<T: serde::de::DeserializeOwned>(body: serde_json::Value) -> T {
    serde_json::from_value(body).expect("documented body decodes")
}

#[test]
fn lease_201_with_messages() {
    let lease: a::LeaseResponse = decode(json!({
        "lease_id": "019ce2fe-5ed1-7318-8a60-33dffd911f6a",
        "leased_until": "2026-05-21T12:06:00.000000Z",
        "results": [{
            "id": "019ce2fe-5ed1-7318-8a60-33dffd911f6b",
            "created_at": "2026-05-21T12:01:00.000000Z",
            "status": "leased",
            "payload": {"text": "Hello from Slack", "user": "U0123456", "channel": "C0123ABC456"},
            "message_attributes": {"lease_count": 1, "error_message": null, "possible_duplicate_data": false}
        }],
        "inbox_attributes": {"status": "active", "paused_reason": null}
    }));
    assert!(lease.lease_id.is_some());
    assert_eq!(lease.results.len(), 1);
    assert_eq!(lease.results[0].message_attributes.lease_count, 1);
    assert_eq!(lease.results[0].payload["channel"], "C0123ABC456");
    assert_eq!(lease.inbox_attributes.paused_reason, None);
}

#[test]
fn lease_200_empty_with_nulls() {
    let lease: a::LeaseResponse = decode(json!({
        "lease_id": null, "leased_until": null, "results": [],
        "inbox_attributes": {"status": "active", "paused_reason": null}
    }));
    assert_eq!(lease.lease_id, None);
    assert_eq!(lease.leased_until, None);
    assert!(lease.results.is_empty());
}

#[test]
fn lease_409_paused_and_drained_decodes_as_the_conflict_arm() {
    let body: a::LeaseTriggerInboxMessagesErrorBody = decode(json!({
        "detail": "Inbox is paused and fully drained.",
        "inbox_attributes": {"status": "paused", "paused_reason": "authentication", "paused_at": "2026-03-12T16:59:47.185Z"}
    }));
    match body {
        a::LeaseTriggerInboxMessagesErrorBody::LeaseConflictResponse(c) => {
            assert_eq!(
                c.inbox_attributes.paused_reason.unwrap().0,
                "authentication"
            );
            assert!(c.inbox_attributes.paused_at.is_some());
        }
        other => panic!("expected the conflict arm, got {other:?}"),
    }
    // The ordinary envelope on the same operation decodes as the other arm.
    let body: a::LeaseTriggerInboxMessagesErrorBody = decode(json!({
        "errors": [{"code": "invalid", "detail": "lease_limit: must be at most 100."}]
    }));
    assert!(matches!(
        body,
        a::LeaseTriggerInboxMessagesErrorBody::Errors(_)
    ));
}

#[test]
fn ack_201_and_200() {
    let acked: a::AckResponse = decode(json!({
        "acked_id": "019ce305-35be-764b-bcae-70ba567b7357",
        "results": [{
            "id": "019ce303-cf30-7efb-aa91-89488a407dc2", "created_at": "2026-03-12T16:59:47.185Z",
            "status": "acked",
            "message_attributes": {"lease_count": 1, "error_message": null, "possible_duplicate_data": false}
        }]
    }));
    assert_eq!(acked.results[0].status.0, "acked");
    let nothing: a::AckResponse = decode(json!({"acked_id": null, "results": []}));
    assert_eq!(nothing.acked_id, None);
}

#[test]
fn error_envelope() {
    let errors: a::Errors = decode(json!({
        "errors": [{"code": "unauthenticated", "detail": "Token has expired.", "status": 400, "title": "Authentication error"}]
    }));
    assert_eq!(errors.errors[0].code, "unauthenticated");
    assert_eq!(errors.errors[0].status, Some(400));
}

#[test]
fn inbox_with_blank_paused_reason_unknown_status_and_new_fields() {
    let inbox: a::Inbox = decode(json!({
        "id": "01960a3e-4d5f-7b8e-9c0a-1b2c3d4e5f6a", "name": "my-slack-inbox",
        "status": "hibernating", "created_at": "2026-05-21T12:00:00.000000Z",
        "paused_reason": "", "notification_url": null, "key": "my-slack-inbox",
        "subscription": {"connection_id": 5678, "app_key": "SlackCLIAPI@1.0.0", "action_key": "channel_message",
                         "inputs": {"channel": "C0123ABC456"}}
    }));
    assert_eq!(inbox.status, "hibernating");
    assert_eq!(inbox.paused_reason.as_deref(), Some(""));
    assert_eq!(
        inbox.subscription.connection_id,
        Some(a::TriggerSubscriptionConnectionId::Integer(5678))
    );
}

#[test]
fn by_name_lease_with_lease_tokens() {
    let lease: b::LeaseResponse = decode(json!({
        "results": [{
            "id": "msg_abc123", "created_at": "2026-05-21T12:01:00.000000Z", "status": "leased",
            "lease_token": "lt_xyz789",
            "payload": {"text": "Hello from Slack", "user": "U0123456", "channel": "C0123ABC456"},
            "message_attributes": {"lease_count": 1, "error_message": null, "possible_duplicate_data": false}
        }]
    }));
    assert_eq!(lease.results[0].lease_token, "lt_xyz789");
    assert_eq!(lease.results[0].id, "msg_abc123");
}

#[test]
fn trigger_discovery_bodies() {
    let triggers: a::TriggerList = decode(json!({"results": [{
        "key": "channel_message", "title": "New Message Posted to Channel",
        "description": "Triggers when a new message is posted to a specific #channel you choose.",
        "app_key": "SlackCLIAPI"
    }]}));
    assert_eq!(triggers.results[0].key, "channel_message");
    let fields: a::TriggerInputFieldList = decode(json!({"results": [
        {"key": "channel", "title": "Channel", "value_type": "STRING", "format": "SELECT", "is_required": true,
         "description": "Only channels you are a member of will appear in this list."},
        {"key": "listen_for_bots", "title": "Trigger for Bot Messages?", "value_type": "BOOLEAN", "format": "SELECT",
         "is_required": false, "default_value": "no"}
    ]}));
    assert_eq!(fields.results[1].default_value.as_deref(), Some("no"));
}

#[test]
fn partner_bodies() {
    let auths: p::AuthenticationResponse = decode(json!({
        "links": {"next": null, "prev": null}, "meta": {"count": 1, "limit": 10, "offset": 0},
        "data": [{"type": "authentication", "id": "019487c8-6b2a-7c1e-9f3d-2a1b0c4d5e6f",
                  "app": "81f613aa-c98a-4383-a5fc-195e68647217", "is_expired": false,
                  "title": "Google Sheets some.user@mycompany.example"}]
    }));
    assert!(!auths.data[0].is_expired);
    let run: p::ActionRunResponse = decode(json!({
        "data": {"type": "run", "status": "error", "results": [],
                 "errors": [{"code": "throttled", "title": "Throttled", "detail": "Slow down.", "delay": 30, "meta": null}]}
    }));
    assert_eq!(run.data.errors[0].delay, Some(30));
    let error: p::ErrorResponse = decode(
        json!({"errors": [{"status": 400, "code": "parse_error", "title": "ParseError",
        "detail": "Malformed request.", "source": null,
        "meta": {"source": "ZAPIER", "full_details": {"message": "Malformed request.", "code": "parse_error"}}}]}),
    );
    assert_eq!(error.errors[0].code, "parse_error");
}

#[test]
fn oauth_token_response() {
    let token: o::TokenResponse =
        decode(json!({"access_token": "eyJ...", "token_type": "Bearer", "expires_in": 3600}));
    assert_eq!(token.expires_in, Some(3600));
}

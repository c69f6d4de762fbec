//! Lease, ack and release answers: empty and full leases of both variants, the paused 409, what
//! an ack or release answer marks, an expired lease counted rather than failed.

use super::*;

#[tokio::test]
async fn lease_200_is_an_empty_lease() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{A}/inboxes/{INBOX_ID}/messages/lease"));
            then.status(200).json_body(
                json!({"lease_id": null, "leased_until": null, "results": [],
                "inbox_attributes": {"status": "paused", "paused_reason": "user"}}),
            );
        })
        .await;
    let lease = client(&server, ApiVariant::ById)
        .messages(by_id())
        .lease(LeaseOptions::default())
        .await
        .expect("lease");
    assert!(lease.is_empty());
    let attrs = lease.inbox_attributes.expect("attributes");
    assert_eq!(attrs.status, InboxStatus::Paused);
    assert_eq!(attrs.paused_reason, Some(PausedReason::User));
}

#[tokio::test]
async fn lease_201_by_id_carries_the_server_expiry_and_typed_attributes() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{A}/inboxes/{INBOX_ID}/messages/lease"));
            then.status(201).json_body(json!({
                "lease_id": LEASE_ID, "leased_until": "2026-03-12T17:00:47.185Z",
                "results": [leased_message(MESSAGE_1, None)],
                "inbox_attributes": {"status": "active", "paused_reason": null}}));
        })
        .await;
    let lease = client(&server, ApiVariant::ById)
        .messages(by_id())
        .lease(LeaseOptions::default())
        .await
        .expect("lease");
    assert_eq!(
        lease.lease_id.map(|l| l.to_string()).as_deref(),
        Some(LEASE_ID)
    );
    assert_eq!(lease.leased_until_source, LeasedUntilSource::Server);
    assert_eq!(
        lease.leased_until.to_rfc3339(),
        "2026-03-12T17:00:47.185+00:00"
    );
    let message = &lease.messages[0];
    assert_eq!(message.attempts(), 4);
    assert!(message.is_final_attempt());
    assert!(message.possible_duplicate());
    assert_eq!(
        message
            .hydration_error()
            .map(|e| e.message().to_owned())
            .as_deref(),
        Some("The Slack connection expired")
    );
}

#[tokio::test]
async fn lease_201_by_name_computes_the_expiry_and_keeps_tokens() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{A}/inboxes/{INBOX_NAME}/messages/lease/"));
            then.status(201)
                .json_body(json!({"results": [leased_message("msg_abc123", Some("lt_xyz789"))]}));
        })
        .await;
    let before = chrono::Utc::now();
    let lease = client(&server, ApiVariant::ByName)
        .messages(by_name())
        .lease(LeaseOptions::default())
        .await
        .expect("lease");
    assert_eq!(lease.leased_until_source, LeasedUntilSource::Computed);
    assert!(lease.leased_until >= before + chrono::Duration::seconds(300));
    assert_eq!(lease.messages[0].ack.lease_token(), Some("lt_xyz789"));
}

#[tokio::test]
async fn lease_409_is_inbox_paused_with_reason() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{A}/inboxes/{INBOX_ID}/messages/lease"));
            then.status(409)
                .json_body(json!({"detail": "Inbox is paused and fully drained.",
                "inbox_attributes": {"status": "paused", "paused_reason": "authentication",
                                     "paused_at": "2026-03-12T16:59:47.185Z"}}));
        })
        .await;
    let err = client(&server, ApiVariant::ById)
        .messages(by_id())
        .lease(LeaseOptions::default())
        .await
        .expect_err("paused");
    match &err {
        Error::InboxPaused {
            reason: Some(reason),
            paused_at: Some(_),
            ..
        } => assert!(reason.needs_reconnect()),
        other => panic!("{other}"),
    }
    mock.assert_calls_async(1).await;
}

// ----- ack / release ---------------------------------------------------------------------------

#[tokio::test]
async fn ack_201_marks_listed_messages_and_200_marks_none() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{A}/inboxes/{INBOX_ID}/messages/ack"))
                .json_body_includes(json!({"lease_id": LEASE_ID}).to_string());
            then.status(201).json_body(json!({"acked_id": "019ce305-35be-764b-bcae-70ba567b7357",
                "results": [{"id": MESSAGE_1, "created_at": "2026-03-12T16:59:47.185Z", "status": "acked",
                             "message_attributes": {"lease_count": 1, "error_message": null, "possible_duplicate_data": false}}]}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{A}/inboxes/{INBOX_ID}/messages/ack"))
                .json_body_includes(json!({"lease_id": OTHER_LEASE_ID}).to_string());
            then.status(200)
                .json_body(json!({"acked_id": null, "results": []}));
        })
        .await;
    let handle = |lease: &str, message: &str| zapier_embed::messages::AckHandle::ById {
        inbox: inbox_id(),
        lease_id: uuid::Uuid::parse_str(lease).expect("uuid"),
        message_id: message.into(),
    };
    let acked = handle(LEASE_ID, MESSAGE_1);
    let not_listed = handle(LEASE_ID, MESSAGE_2);
    let other = handle(OTHER_LEASE_ID, MESSAGE_1);
    let report = client(&server, ApiVariant::ById)
        .messages(by_id())
        .ack([acked.clone(), not_listed.clone(), other.clone()])
        .await
        .expect("ack");
    assert_eq!(report.requests(), 2);
    assert_eq!(report.outcome(&acked), Some(AckOutcome::Acked));
    assert_eq!(report.outcome(&not_listed), Some(AckOutcome::NotHeld));
    assert_eq!(report.outcome(&other), Some(AckOutcome::NotHeld));
    assert!(!report.is_complete());
}

#[tokio::test]
async fn ack_400_lease_expired_is_counted_not_an_error() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{A}/inboxes/{INBOX_NAME}/messages/ack/"));
            then.status(400)
                .json_body(errors("lease_expired", "The lease has expired.", 400));
        })
        .await;
    let handles: Vec<_> = ["lt_1", "lt_2"]
        .iter()
        .map(|t| zapier_embed::messages::AckHandle::ByName {
            inbox: zapier_embed::InboxName::new(INBOX_NAME).expect("name"),
            lease_token: (*t).into(),
        })
        .collect();
    let report = client(&server, ApiVariant::ByName)
        .messages(by_name())
        .ack(handles)
        .await
        .expect("a lease_expired answer is reported, not returned as an error");
    assert_eq!(report.requests(), 1);
    assert_eq!(report.lease_expired().count(), 2);
    assert_eq!(report.settled(), 0);
    // Not retried: the answer is final.
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn release_201_by_name_marks_released() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{A}/inboxes/{INBOX_NAME}/messages/release/"))
                .json_body(json!({"lease_tokens": ["lt_1"]}));
            then.status(201).json_body(json!({"released_id": "019ce305-35be-764b-bcae-70ba567b7357",
                "results": [{"id": "msg_abc123", "created_at": "2026-03-12T16:59:47.185Z", "status": "available",
                             "message_attributes": {"lease_count": 1, "error_message": null, "possible_duplicate_data": false}}]}));
        })
        .await;
    let handle = zapier_embed::messages::AckHandle::ByName {
        inbox: zapier_embed::InboxName::new(INBOX_NAME).expect("name"),
        lease_token: "lt_1".into(),
    };
    let report = client(&server, ApiVariant::ByName)
        .messages(by_name())
        .release([handle.clone()])
        .await
        .expect("release");
    assert_eq!(report.outcome(&handle), Some(AckOutcome::Released));
}

//! Inbox answers: ensure, delete and resume statuses in both variants, 404, unknown enum values,
//! an initialization failure while waiting.

use super::*;

#[tokio::test]
async fn ensure_200_201_409_in_both_variants() {
    for variant in ApiVariant::ALL {
        for (status, expected) in [
            (200, Some(EnsureOutcome::Existing)),
            (201, Some(EnsureOutcome::Created)),
            (409, None),
        ] {
            let server = MockServer::start_async().await;
            let path = match variant {
                ApiVariant::ByName => format!("{A}/inboxes/{INBOX_NAME}/"),
                _ => format!("{A}/inboxes"),
            };
            server
                .mock_async(|when, then| {
                    when.method(PUT).path(path.clone());
                    if status == 409 {
                        then.status(409).json_body(errors(
                            "conflict",
                            "An inbox with this name exists with a different subscription.",
                            409,
                        ));
                    } else {
                        then.status(status).json_body(inbox_json("initializing"));
                    }
                })
                .await;
            let result = client(&server, variant)
                .inboxes()
                .ensure(INBOX_NAME, &subscription(), None)
                .await;
            match (result, expected) {
                (Ok(ensured), Some(outcome)) => {
                    assert_eq!(ensured.outcome, outcome);
                    assert_eq!(ensured.inbox.status, InboxStatus::Initializing);
                }
                (Err(Error::Conflict { .. }), None) => {}
                (other, _) => panic!("{variant:?} {status}: {other:?}"),
            }
        }
    }
}

#[tokio::test]
async fn delete_202_and_resume_202() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(DELETE).path(format!("{A}/inboxes/{INBOX_ID}"));
            then.status(202).json_body(inbox_json("deleting"));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{A}/inboxes/{INBOX_ID}/resume"));
            then.status(202).json_body(inbox_json("initializing"));
        })
        .await;
    let inboxes = client(&server, ApiVariant::ById).inboxes();
    assert_eq!(
        inboxes.delete(&by_id()).await.expect("delete").status,
        InboxStatus::Deleting
    );
    assert_eq!(
        inboxes.resume(&by_id()).await.expect("resume").status,
        InboxStatus::Initializing
    );
}

#[tokio::test]
async fn not_found_404() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{A}/inboxes/{INBOX_NAME}/"));
            then.status(404)
                .json_body(errors("not_found", "Inbox name does not exist", 404));
        })
        .await;
    let err = client(&server, ApiVariant::ByName)
        .inboxes()
        .get(&by_name())
        .await
        .expect_err("404");
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "get inbox: not found (HTTP 404, code not_found): Inbox name does not exist"
    );
}

#[tokio::test]
async fn unknown_enum_values_are_kept() {
    let server = MockServer::start_async().await;
    let mut inbox = inbox_json("hibernating");
    inbox["paused_reason"] = json!("cosmic_rays");
    server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{A}/inboxes/{INBOX_ID}"));
            then.status(200).json_body(inbox.clone());
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{A}/inboxes/{INBOX_ID}/messages"));
            then.status(200).json_body(json!({"next": null, "previous": null, "results": [
                {"id": MESSAGE_1, "created_at": "2026-03-12T16:59:47.185Z", "status": "frozen",
                 "message_attributes": {"lease_count": 5, "error_message": null, "possible_duplicate_data": false}}]}));
        })
        .await;
    let client = client(&server, ApiVariant::ById);
    let inbox = client.inboxes().get(&by_id()).await.expect("get");
    assert_eq!(inbox.status, InboxStatus::Unknown("hibernating".into()));
    assert_eq!(
        inbox.paused_reason,
        Some(PausedReason::Other("cosmic_rays".into()))
    );
    let messages: Vec<_> = client
        .messages(by_id())
        .list()
        .try_collect()
        .await
        .expect("list");
    assert_eq!(messages[0].status, MessageStatus::Unknown("frozen".into()));
    // The wait does not spin on an unknown status forever: it times out.
    let err = client
        .inboxes()
        .wait_until_active(&by_id(), Duration::from_millis(300))
        .await
        .expect_err("never active");
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
}

#[tokio::test]
async fn wait_until_active_fails_fast_on_initialization_failure() {
    let server = MockServer::start_async().await;
    let mut inbox = inbox_json("initialization_failure");
    inbox["paused_reason"] = json!("subscribe_failed");
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{A}/inboxes/{INBOX_ID}"));
            then.status(200).json_body(inbox.clone());
        })
        .await;
    let err = client(&server, ApiVariant::ById)
        .inboxes()
        .wait_until_active(&by_id(), Duration::from_secs(600))
        .await
        .expect_err("failed");
    assert!(
        matches!(
            &err,
            Error::InitializationFailed {
                reason: Some(PausedReason::SubscribeFailed),
                ..
            }
        ),
        "{err}"
    );
    mock.assert_calls_async(1).await;
}

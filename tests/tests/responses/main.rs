//! Response decoding of every documented status, against httpmock on 127.0.0.1: success shapes
//! of both variants, typed errors, retries (5xx, 429 with `Retry-After`), the refresh-and-retry
//! on an expired token, and unknown enum values kept verbatim.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::TryStreamExt;
use httpmock::Method::{DELETE, GET, POST, PUT};
use httpmock::MockServer;
use serde_json::json;
use zapier_embed::{
    ApiVariant, Client, Error, LeaseOptions, actions::RunErrorCode, auth::AccessToken, auth::Token,
    auth::TokenEndpoint, auth::TokenFuture, auth::TokenSource, inboxes::EnsureOutcome,
    inboxes::InboxStatus, inboxes::PausedReason, messages::AckOutcome, messages::LeasedUntilSource,
    messages::MessageStatus, retry::RetryPolicy,
};

use common::*;

const A: &str = "/trigger-inbox/api/v1";

fn client(server: &MockServer, variant: ApiVariant) -> Client {
    builder(variant)
        .api_url(server.base_url())
        .auth_url(server.base_url())
        .access_token("test-access-token")
        .build()
        .expect("client")
}

fn errors(code: &str, detail: &str, status: u16) -> serde_json::Value {
    json!({"errors": [{"code": code, "detail": detail, "status": status, "title": "Error"}]})
}

fn leased_message(id: &str, token: Option<&str>) -> serde_json::Value {
    let mut m = json!({
        "id": id, "created_at": "2026-03-12T16:59:47.185Z", "status": "leased",
        "payload": {"key": "value"},
        "message_attributes": {"lease_count": 4, "error_message": "The Slack connection expired",
                               "possible_duplicate_data": true}
    });
    if let Some(t) = token {
        m["lease_token"] = json!(t);
    }
    m
}

/// Hands out `t1`, `t2`, … and counts fetches.
#[derive(Default, Clone)]
struct Counting(Arc<AtomicUsize>);

impl TokenSource for Counting {
    fn fetch<'a>(&'a self, _: &'a TokenEndpoint) -> TokenFuture<'a> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        Box::pin(async move {
            Ok(Token::new(AccessToken::new(format!("t{n}"))).expires_in(Duration::from_secs(3600)))
        })
    }
}

// ----- lease -----------------------------------------------------------------------------------

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

// ----- inboxes ---------------------------------------------------------------------------------

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

// ----- retries, rate limits and tokens ---------------------------------------------------------

#[tokio::test]
async fn a_5xx_is_retried_for_reads_but_not_for_a_lease() {
    let server = MockServer::start_async().await;
    let failing = server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{A}/inboxes/{INBOX_ID}"));
            then.status(500).body("<html>oops</html>").up_to_n_times(1);
        })
        .await;
    let ok = server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{A}/inboxes/{INBOX_ID}"));
            then.status(200).json_body(inbox_json("active"));
        })
        .await;
    let lease = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{A}/inboxes/{INBOX_ID}/messages/lease"));
            then.status(500).body("<html>oops</html>");
        })
        .await;
    let client = client(&server, ApiVariant::ById);
    client.inboxes().get(&by_id()).await.expect("retried");
    failing.assert_calls_async(1).await;
    ok.assert_calls_async(1).await;
    let err = client
        .messages(by_id())
        .lease(LeaseOptions::default())
        .await
        .expect_err("500");
    assert!(matches!(err, Error::Server { .. }), "{err}");
    assert_eq!(
        err.context().body_excerpt.as_deref(),
        Some("<html>oops</html>")
    );
    lease.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_503_lease_is_retried() {
    let server = MockServer::start_async().await;
    let unavailable = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{A}/inboxes/{INBOX_ID}/messages/lease"));
            then.status(503).up_to_n_times(1);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{A}/inboxes/{INBOX_ID}/messages/lease"));
            then.status(200).json_body(
                json!({"lease_id": null, "leased_until": null, "results": [],
                "inbox_attributes": {"status": "active", "paused_reason": null}}),
            );
        })
        .await;
    client(&server, ApiVariant::ById)
        .messages(by_id())
        .lease(LeaseOptions::default())
        .await
        .expect("retried after 503");
    unavailable.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_429_waits_for_retry_after_and_a_long_one_fails_fast() {
    let server = MockServer::start_async().await;
    let limited = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{A}/inboxes/{INBOX_ID}/messages/lease"));
            then.status(429)
                .header("Retry-After", "1")
                .json_body(errors("rate_limited", "Too many requests", 429))
                .up_to_n_times(1);
        })
        .await;
    let ok = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{A}/inboxes/{INBOX_ID}/messages/lease"));
            then.status(200).json_body(
                json!({"lease_id": null, "leased_until": null, "results": [],
                "inbox_attributes": {"status": "active", "paused_reason": null}}),
            );
        })
        .await;
    let client = client(&server, ApiVariant::ById);
    client
        .messages(by_id())
        .lease(LeaseOptions::default())
        .await
        .expect("after Retry-After");
    limited.assert_calls_async(1).await;
    ok.assert_calls_async(1).await;

    let server = MockServer::start_async().await;
    let limited = server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{A}/inboxes/{INBOX_ID}"));
            then.status(429).header("Retry-After", "120");
        })
        .await;
    let client = builder(ApiVariant::ById)
        .api_url(server.base_url())
        .access_token("t")
        .retry_policy(RetryPolicy::default().with_max_retry_after(Duration::from_secs(60)))
        .build()
        .expect("client");
    let err = client
        .inboxes()
        .get(&by_id())
        .await
        .expect_err("too long to wait");
    match &err {
        Error::RateLimited { retry_after, .. } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(120)))
        }
        other => panic!("{other}"),
    }
    limited.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_400_unauthenticated_refreshes_the_token_and_retries_once() {
    let server = MockServer::start_async().await;
    let expired = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{A}/inboxes/{INBOX_ID}"))
                .header("authorization", "Bearer t1");
            then.status(400)
                .json_body(errors("unauthenticated", "Token has expired.", 400));
        })
        .await;
    let fresh = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{A}/inboxes/{INBOX_ID}"))
                .header("authorization", "Bearer t2");
            then.status(200).json_body(inbox_json("active"));
        })
        .await;
    let source = Counting::default();
    let client = builder(ApiVariant::ById)
        .api_url(server.base_url())
        .token_source(source.clone())
        .build()
        .expect("client");
    client.inboxes().get(&by_id()).await.expect("refreshed");
    expired.assert_calls_async(1).await;
    fresh.assert_calls_async(1).await;
    assert_eq!(source.0.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_401_refreshes_once_then_fails_and_a_static_token_never_refreshes() {
    let server = MockServer::start_async().await;
    let rejected = server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{A}/inboxes/{INBOX_ID}"));
            then.status(401).json_body(errors(
                "authentication_failed",
                "Missing or expired bearer token",
                401,
            ));
        })
        .await;
    let source = Counting::default();
    let refreshing = builder(ApiVariant::ById)
        .api_url(server.base_url())
        .token_source(source.clone())
        .build()
        .expect("client");
    let err = refreshing.inboxes().get(&by_id()).await.expect_err("401");
    assert!(matches!(err, Error::AuthenticationFailed { .. }), "{err}");
    rejected.assert_calls_async(2).await;
    assert_eq!(source.0.load(Ordering::SeqCst), 2);

    let fixed = client(&server, ApiVariant::ById);
    let err = fixed.inboxes().get(&by_id()).await.expect_err("401");
    assert!(matches!(err, Error::AuthenticationFailed { .. }), "{err}");
    rejected.assert_calls_async(3).await;
}

#[tokio::test]
async fn an_invalid_audience_is_not_refreshed() {
    let server = MockServer::start_async().await;
    let rejected = server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{A}/inboxes/{INBOX_ID}"));
            then.status(401).json_body(errors(
                "invalid_audience",
                "Token audience does not include trigger-inbox",
                401,
            ));
        })
        .await;
    let source = Counting::default();
    let client = builder(ApiVariant::ById)
        .api_url(server.base_url())
        .token_source(source.clone())
        .build()
        .expect("client");
    let err = client.inboxes().get(&by_id()).await.expect_err("401");
    assert!(matches!(err, Error::InvalidAudience { .. }), "{err}");
    rejected.assert_calls_async(1).await;
    assert_eq!(source.0.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_connection_refused_is_a_transport_error() {
    let client = builder(ApiVariant::ById)
        .api_url("http://127.0.0.1:9")
        .access_token("t")
        .retry_policy(RetryPolicy::no_retries())
        .build()
        .expect("client");
    let err = client
        .messages(by_id())
        .lease(LeaseOptions::default())
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::Transport { .. }), "{err}");
    assert!(err.is_retryable());
}

// ----- Action Runs -----------------------------------------------------------------------------

#[tokio::test]
async fn a_failed_action_run_has_typed_errors() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/actions");
            then.status(200).json_body(json!({"data": [
                {"id": "core:1", "key": "send_channel_message", "app": "a", "action_type": "NEW_KIND",
                 "title": "t", "description": "", "is_instant": false, "type": "action"}]}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/action-runs");
            then.status(200)
                .json_body(json!({"data": {"type": "run", "id": "run-9"}}));
        })
        .await;
    let polls = server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/action-runs/run-9");
            then.status(200)
                .json_body(json!({"data": {"type": "run", "status": "waiting", "errors": []}}))
                .up_to_n_times(1);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/action-runs/run-9");
            then.status(200).json_body(json!({"data": {"type": "run", "status": "error", "errors": [
                {"code": "user", "title": "Bad channel", "detail": "channel_not_found", "meta": null}]}}));
        })
        .await;
    let client = client(&server, ApiVariant::ById);
    let actions = client.actions().list("a", None).await.expect("list");
    assert_eq!(
        actions[0].action_type,
        zapier_embed::actions::ActionType::Other("NEW_KIND".into())
    );
    let err = client
        .actions()
        .run("a", "send_channel_message", None, serde_json::Map::new())
        .await
        .expect_err("run error");
    match &err {
        Error::ActionRunFailed { errors, .. } => {
            assert_eq!(errors[0].code, RunErrorCode::User);
            assert_eq!(errors[0].title.as_deref(), Some("Bad channel"));
        }
        other => panic!("{other}"),
    }
    polls.assert_calls_async(1).await;
}

#[tokio::test]
async fn undocumented_error_bodies_keep_their_status() {
    // Bodies that do not match the documented error envelope: a Django REST Framework 404, an
    // empty 401 and an HTML 429 from a gateway. Each keeps its status and meaning.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{A}/inboxes/{INBOX_ID}"));
            then.status(404).json_body(json!({"detail": "Not found."}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{A}/inboxes/{INBOX_NAME}/"));
            then.status(401);
        })
        .await;
    let limited = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{A}/inboxes/{INBOX_ID}/messages/lease"));
            then.status(429)
                .header("Retry-After", "90")
                .body("<html>slow down</html>");
        })
        .await;
    let err = client(&server, ApiVariant::ById)
        .inboxes()
        .get(&by_id())
        .await
        .expect_err("404");
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert_eq!(err.detail(), Some("Not found."));
    let err = client(&server, ApiVariant::ByName)
        .inboxes()
        .get(&by_name())
        .await
        .expect_err("401");
    assert!(matches!(err, Error::AuthenticationFailed { .. }), "{err}");
    let err = client(&server, ApiVariant::ById)
        .messages(by_id())
        .lease(LeaseOptions::default())
        .await
        .expect_err("429");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(90)), "{err}");
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
    limited.assert_calls_async(1).await;
}

//! Retries, rate limits and tokens: which 5xx are retried, `Retry-After`, refreshing a token once,
//! an invalid audience, a refused connection.

use super::*;

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
    assert_eq!(err.context().body_excerpt(), Some("<html>oops</html>"));
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
    // The message says what could not be reached (the builder refuses URLs with credentials).
    let lease_url =
        format!("http://127.0.0.1:9/trigger-inbox/api/v1/inboxes/{INBOX_ID}/messages/lease");
    assert_eq!(
        err.to_string(),
        format!("lease messages: transport error: could not connect ({lease_url})")
    );
}

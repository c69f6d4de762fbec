//! No arithmetic panics (absurd `Retry-After` values and token lifetimes saturate), and the
//! caller's budget wins over waits and hanging requests.

use super::*;

#[tokio::test]
async fn absurd_retry_after_values_fail_as_rate_limited_without_panicking() {
    bounded(async {
        for value in [
            "18446744073709551615",
            "99999999999999999999999999",
            "1e300",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "-5",
            "NaN",
        ] {
            for status in [429, 503] {
                let server = HostileServer::start().await;
                server.on("GET", &inbox_path(), Reply::retry_after(status, value));
                server.on("POST", "/oauth/token", Reply::retry_after(status, value));
                let client = against(&server)
                    .access_token(ACCESS_TOKEN)
                    .retry_policy(RetryPolicy::default())
                    .total_timeout(Some(Duration::from_secs(10)))
                    .build()
                    .expect("client");
                let err = client.inboxes().get(&by_id()).await.expect_err("limited");
                assert_eq!(err.status(), Some(status), "{value}: {err}");
                // A second call of the same identity fails at once: the pending wait (capped at
                // the policy's maximum) is longer than what is left of its budget.
                let before = server.requests().len();
                let second = client.inboxes().get(&by_id()).await;
                if err
                    .retry_after()
                    .is_some_and(|d| d > Duration::from_secs(60))
                {
                    assert!(
                        matches!(second, Err(Error::RateLimited { .. })),
                        "{second:?}"
                    );
                    assert_eq!(server.requests().len(), before, "nothing sent");
                }
                let creds = against(&server)
                    .client_credentials("id", CLIENT_SECRET)
                    .retry_policy(RetryPolicy::default())
                    .build()
                    .expect("client");
                assert!(creds.access_token().await.is_err());
            }
        }
    })
    .await;
}

#[tokio::test]
async fn a_retry_after_longer_than_the_budget_fails_at_once() {
    bounded(async {
        let server = HostileServer::start().await;
        server.on("GET", &inbox_path(), Reply::retry_after(429, "30"));
        let client = against(&server)
            .access_token(ACCESS_TOKEN)
            .retry_policy(RetryPolicy::default())
            .total_timeout(Some(Duration::from_secs(5)))
            .build()
            .expect("client");
        let err = client.inboxes().get(&by_id()).await.expect_err("limited");
        assert!(matches!(err, Error::RateLimited { .. }), "{err}");
        assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
        assert_eq!(
            server.requests().len(),
            1,
            "no retry inside a too-short budget"
        );
    })
    .await;
}

#[tokio::test]
async fn an_absurd_token_lifetime_saturates() {
    bounded(async {
        let server = HostileServer::start().await;
        // Past the document's integer type: a typed decode error.
        server.on("POST", "/oauth/token", Reply::token(ACCESS_TOKEN, u64::MAX));
        let client = against(&server)
            .client_credentials("id", CLIENT_SECRET)
            .build()
            .expect("client");
        let err = client.access_token().await.expect_err("out of range");
        assert!(matches!(err, Error::Decode { .. }), "{err}");
        // The largest it allows: saturates to a far expiry.
        server.on(
            "POST",
            "/oauth/token",
            Reply::token(ACCESS_TOKEN, i64::MAX.unsigned_abs()),
        );
        server.on("GET", &inbox_path(), Reply::json(200, inbox_json("active")));
        for _ in 0..3 {
            client.inboxes().get(&by_id()).await.expect("get");
        }
        assert_eq!(
            server.requests_to("/oauth/token").len(),
            2,
            "cached, not expired"
        );
    })
    .await;
}

// ----- 4. the caller's budget wins ----------------------------------------------------------------

#[tokio::test]
async fn waits_and_total_timeouts_bound_hanging_requests() {
    bounded(async {
        let server = HostileServer::start().await;
        server.on("GET", &inbox_path(), Reply::hang());
        server.on(
            "GET",
            "/v2/actions",
            Reply::json(
                200,
                json!({"data": [{"id": "core:1", "key": "send", "app": "a", "action_type": "write",
                                 "title": "t", "description": "", "is_instant": false,
                                 "type": "action"}]}),
            ),
        );
        server.on(
            "POST",
            "/v2/action-runs",
            Reply::json(200, json!({"data": {"type": "run", "id": "run-1"}})),
        );
        server.on("GET", "/v2/action-runs/run-1", Reply::hang());
        // Defaults: 30 s per attempt, 120 s per call; the caller's one second wins.
        let client = against(&server)
            .access_token(ACCESS_TOKEN)
            .build()
            .expect("client");
        let err = client
            .inboxes()
            .wait_until_active(&by_id(), Duration::from_secs(1))
            .await
            .expect_err("timed out");
        assert!(matches!(err, Error::Timeout { .. }), "{err}");
        let run = client
            .actions()
            .start("a", "send", None, serde_json::Map::new())
            .await
            .expect("started");
        let err = run
            .wait(Duration::from_secs(1))
            .await
            .expect_err("timed out");
        assert!(matches!(err, Error::Timeout { .. }), "{err}");
        let total = against(&server)
            .access_token(ACCESS_TOKEN)
            .total_timeout(Some(Duration::from_secs(1)))
            .build()
            .expect("client");
        let err = total.inboxes().get(&by_id()).await.expect_err("timed out");
        assert!(matches!(err, Error::Timeout { .. }), "{err}");
    })
    .await;
}

//! The client against a hostile or broken server (`zapier_embed_tests::hostile`): credentials
//! never leave their origin, every read is bounded, no arithmetic panics, the caller's budget
//! wins, and client-detectable mistakes are refused before any request.
//!
//! Every network test is bounded by a generous outer timeout that fails it instead of hanging;
//! no test asserts how long anything took.

mod common;

use std::future::Future;
use std::time::Duration;

use futures::StreamExt;
use serde_json::json;
use zapier_embed::{
    ApiVariant, Client, ClientBuilder, Error, InboxName, InboxRef, LeaseOptions, Subscription,
    auth::AccessToken, auth::ClientCredentials, auth::PartnerJwtExchange, inboxes::InboxFilter,
    retry::RetryPolicy,
};
use zapier_embed_tests::hostile::{HostileServer, Reply, Script};

use common::{INBOX_ID, LogBuffer, by_id, inbox_json};

/// Every network test is bounded by this; hitting it fails the test instead of hanging.
const OUTER: Duration = Duration::from_secs(60);
const A: &str = "/trigger-inbox/api/v1";
const CLIENT_SECRET: &str = "client-secret-hostile-0001";
const ACCESS_TOKEN: &str = "access-token-hostile-0002";
const ASSERTION: &str = "partner.jwt-assertion.hostile-0003";
const CONNECT_TOKEN: &str = "connect-token-hostile-0004";

async fn bounded<T>(work: impl Future<Output = T>) -> T {
    tokio::time::timeout(OUTER, work)
        .await
        .expect("the test finished within its outer timeout")
}

/// A client against `server` for both the API and the token endpoint, never retrying (so each
/// test sees one answer per call), with the given credentials set by the caller.
fn against(server: &HostileServer) -> ClientBuilder {
    Client::builder()
        .api_url(server.base_url())
        .auth_url(server.base_url())
        .connect_url(server.base_url())
        .variant(ApiVariant::ById)
        .retry_policy(RetryPolicy::no_retries())
}

fn inbox_path() -> String {
    format!("{A}/inboxes/{INBOX_ID}")
}

fn assert_no_secret(texts: &[String], secrets: &[&str]) {
    for text in texts {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret:?} leaked in: {text}");
        }
    }
}

// ----- the harness itself ----------------------------------------------------------------------

#[tokio::test]
async fn the_harness_scripts_sequences_records_requests_and_streams_endlessly() {
    bounded(async {
        let server = HostileServer::start().await;
        server.on(
            "POST",
            "/x",
            Script::new()
                .times(1, Reply::garbage())
                .then(Reply::endless_body(200)),
        );
        let http = reqwest::Client::new();
        let first = http
            .post(server.url("/x?q=1"))
            .body("hello")
            .send()
            .await
            .unwrap();
        assert_eq!(first.status(), 200);
        let mut second = http.post(server.url("/x")).send().await.unwrap();
        let mut received = 0usize;
        while received < 1024 * 1024 {
            received += second.chunk().await.unwrap().expect("endless").len();
        }
        let missing = http.get(server.url("/nothing")).send().await.unwrap();
        assert_eq!(missing.status(), 404);
        let requests = server.requests();
        assert_eq!(requests.len(), 3);
        assert_eq!(requests[0].body, "hello");
        assert_eq!(requests[0].query.as_deref(), Some("q=1"));
        assert_eq!(server.requests_to("/x").len(), 2);
    })
    .await;
}

// ----- 1. credentials never leave their origin ---------------------------------------------------

#[tokio::test]
async fn the_token_endpoint_never_follows_a_redirect() {
    bounded(async {
        for status in [301, 302, 303, 307, 308] {
            let server = HostileServer::start().await;
            let elsewhere = HostileServer::start().await;
            elsewhere.on_any(Reply::token(ACCESS_TOKEN, 3600));
            server.on(
                "POST",
                "/oauth/token",
                Reply::redirect(status, elsewhere.url("/oauth/token")),
            );
            let client = against(&server)
                .client_credentials("client-id", CLIENT_SECRET)
                .build()
                .expect("client");
            let err = client
                .access_token()
                .await
                .expect_err("a redirect is refused");
            assert_eq!(err.status(), Some(status), "{err}");
            assert!(
                elsewhere.requests().is_empty(),
                "{status}: the form crossed"
            );
            // Same origin or not: the token endpoint follows nothing.
            server.on(
                "POST",
                "/oauth/token",
                Reply::redirect(status, server.url("/oauth/token2")),
            );
            server.on("POST", "/oauth/token2", Reply::token(ACCESS_TOKEN, 3600));
            assert!(client.access_token().await.is_err());
            assert!(server.requests_to("/oauth/token2").is_empty());
            assert_no_secret(&[format!("{err} {err:?}")], &[CLIENT_SECRET]);
        }
    })
    .await;
}

#[tokio::test]
async fn a_bearer_token_never_follows_a_redirect_to_another_origin() {
    bounded(async {
        for status in [301, 302, 307, 308] {
            let server = HostileServer::start().await;
            let elsewhere = HostileServer::start().await;
            elsewhere.on_any(Reply::json(200, inbox_json("active")));
            server.on(
                "GET",
                &inbox_path(),
                Reply::redirect(status, elsewhere.url(&inbox_path())),
            );
            let client = against(&server)
                .access_token(ACCESS_TOKEN)
                .build()
                .expect("client");
            let err = client.inboxes().get(&by_id()).await.expect_err("refused");
            assert_eq!(err.status(), Some(status), "{err}");
            assert!(
                elsewhere.requests().is_empty(),
                "{status}: the request crossed"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_same_origin_redirect_is_followed_with_the_token() {
    bounded(async {
        let server = HostileServer::start().await;
        let moved = format!("{A}/moved/{INBOX_ID}");
        server.on(
            "GET",
            &inbox_path(),
            Reply::redirect(308, server.url(&moved)),
        );
        server.on("GET", &moved, Reply::json(200, inbox_json("active")));
        let client = against(&server)
            .access_token(ACCESS_TOKEN)
            .build()
            .expect("client");
        client.inboxes().get(&by_id()).await.expect("followed");
        let followed = server.requests_to(&moved);
        assert_eq!(followed.len(), 1);
        assert_eq!(
            followed[0].header("authorization"),
            Some(format!("Bearer {ACCESS_TOKEN}").as_str())
        );
    })
    .await;
}

// The subscriber is set for the current thread only, so the test runs on one thread.
#[tokio::test(flavor = "current_thread")]
async fn secrets_echoed_by_the_server_never_reach_an_error_or_a_log() {
    let (buffer, _guard) = LogBuffer::capture();
    bounded(async {
        let server = HostileServer::start().await;
        let mut texts = Vec::new();

        // The token endpoint echoes the client secret in free text (no `client_secret=` shape).
        server.on(
            "POST",
            "/oauth/token",
            Reply::json(
                401,
                json!({"error": "invalid_client",
                       "error_description": format!("client secret {CLIENT_SECRET} is wrong")}),
            ),
        );
        let client = against(&server)
            .token_source(ClientCredentials::new("client-id", CLIENT_SECRET))
            .build()
            .expect("client");
        let err = client.triggers().list("slack").await.expect_err("401");
        texts.push(format!("{err} {err:?}"));

        // A token is issued; then every API answer echoes it, as JSON detail and as HTML.
        server.on("POST", "/oauth/token", Reply::token(ACCESS_TOKEN, 3600));
        server.on(
            "GET",
            &inbox_path(),
            Script::new()
                .times(
                    1,
                    Reply::error(500, "server_error", &format!("your token {ACCESS_TOKEN}")),
                )
                .times(
                    1,
                    Reply::raw(
                        502,
                        "text/html",
                        format!("<html><pre>{ACCESS_TOKEN}</pre></html>"),
                    ),
                )
                .then(Reply::raw(
                    200,
                    "application/json",
                    format!("{{\"id\": \"{ACCESS_TOKEN}\""),
                )),
        );
        for _ in 0..3 {
            let err = client.inboxes().get(&by_id()).await.expect_err("echo");
            texts.push(format!("{err} {err:?}"));
        }
        assert!(
            server
                .requests_to(&inbox_path())
                .iter()
                .all(|r| r.header("authorization") == Some(&format!("Bearer {ACCESS_TOKEN}"))),
            "the echoed value really is the bearer token"
        );

        // A connect token, echoed back by a later error of the token endpoint.
        server.on(
            "POST",
            "/oauth/token",
            Script::new()
                .times(1, Reply::token(CONNECT_TOKEN, 360))
                .then(Reply::error(
                    400,
                    "invalid_request",
                    &format!("reused {CONNECT_TOKEN}"),
                )),
        );
        let connect = client.connect_token("slack").await.expect("connect token");
        assert_eq!(connect.expose_secret(), CONNECT_TOKEN);
        let err = client.connect_token("slack").await.expect_err("400");
        texts.push(format!("{err} {err:?}"));

        // A partner JWT assertion, echoed in the refusal of the exchange.
        server.on(
            "POST",
            "/oauth/token",
            Reply::json(
                400,
                json!({"error": "invalid_grant", "error_description": format!("bad {ASSERTION}")}),
            ),
        );
        let exchange = PartnerJwtExchange::new("client-id", CLIENT_SECRET, || async {
            Ok(AccessToken::new(ASSERTION))
        });
        let exchanged = against(&server)
            .token_source(exchange)
            .build()
            .expect("client");
        let err = exchanged.triggers().list("slack").await.expect_err("400");
        texts.push(format!("{err} {err:?}"));

        // A server reflecting the whole request back: the form with the client secret, then
        // the bearer header.
        server.on("POST", "/oauth/token", Reply::echo_request(400));
        let reflected = against(&server)
            .client_credentials("client-id", CLIENT_SECRET)
            .build()
            .expect("client");
        let err = reflected.access_token().await.expect_err("400");
        texts.push(format!("{err} {err:?}"));
        server.on("GET", &inbox_path(), Reply::echo_request(500));
        let err = client.inboxes().get(&by_id()).await.expect_err("500");
        assert!(
            err.to_string().contains("authorization"),
            "the request came back: {err}"
        );
        texts.push(format!("{err} {err:?}"));

        texts.push(buffer.text());
        assert_no_secret(
            &texts,
            &[CLIENT_SECRET, ACCESS_TOKEN, CONNECT_TOKEN, ASSERTION],
        );
        assert!(texts.iter().any(|t| t.contains("[redacted]")), "{texts:?}");
    })
    .await;
}

#[test]
fn urls_of_any_scheme_lose_their_userinfo_in_messages() {
    for url in [
        "ftp://user:hunter2pw@example.com/x",
        "socks5://user:hunter2pw@proxy:1080",
        "https://user:hunter2pw@example.com",
    ] {
        let err = Client::builder()
            .api_url(url)
            .access_token("t")
            .build()
            .expect_err("refused");
        let text = format!("{err} {err:?}");
        assert!(text.contains("api_url"), "{text}");
        assert!(!text.contains("hunter2pw"), "{text}");
    }
}

// ----- 2. every read is bounded -----------------------------------------------------------------

#[tokio::test]
async fn an_endless_success_body_is_a_typed_limit_error() {
    bounded(async {
        let server = HostileServer::start().await;
        server.on("GET", &inbox_path(), Reply::endless_body(200));
        server.on(
            "POST",
            &format!("{A}/inboxes/{INBOX_ID}/messages/lease"),
            Reply::endless_body(201),
        );
        let client = against(&server)
            .access_token(ACCESS_TOKEN)
            .max_response_bytes(256 * 1024)
            .build()
            .expect("client");
        let err = client.inboxes().get(&by_id()).await.expect_err("bounded");
        assert!(
            matches!(
                err,
                Error::LimitExceeded {
                    limit: "max_response_bytes",
                    max: 262_144,
                    ..
                }
            ),
            "{err}"
        );
        let err = client
            .messages(by_id())
            .lease(LeaseOptions::default())
            .await
            .expect_err("bounded");
        assert!(matches!(err, Error::LimitExceeded { .. }), "{err}");
        // The default limit holds too.
        let default = against(&server)
            .access_token(ACCESS_TOKEN)
            .build()
            .expect("client");
        let err = default.inboxes().get(&by_id()).await.expect_err("bounded");
        assert!(
            matches!(
                err,
                Error::LimitExceeded {
                    limit: "max_response_bytes",
                    ..
                }
            ),
            "{err}"
        );
    })
    .await;
}

#[tokio::test]
async fn an_endless_error_body_keeps_its_status() {
    bounded(async {
        let server = HostileServer::start().await;
        server.on("GET", &inbox_path(), Reply::endless_body(500));
        server.on("POST", "/oauth/token", Reply::endless_body(400));
        let client = against(&server)
            .client_credentials("id", CLIENT_SECRET)
            .max_error_body_bytes(1024)
            .build()
            .expect("client");
        let err = client.access_token().await.expect_err("400");
        assert_eq!(err.status(), Some(400), "{err}");
        let client = against(&server)
            .access_token(ACCESS_TOKEN)
            .build()
            .expect("client");
        let err = client.inboxes().get(&by_id()).await.expect_err("500");
        assert_eq!(err.status(), Some(500), "{err}");
        assert!(err.to_string().len() < 2048, "one bounded line");
    })
    .await;
}

#[tokio::test]
async fn an_event_that_never_ends_is_a_typed_limit_error() {
    bounded(async {
        let server = HostileServer::start().await;
        server.on(
            "GET",
            &format!("{A}/inboxes/{INBOX_ID}/events"),
            Reply::endless_sse_event(),
        );
        let client = against(&server)
            .access_token(ACCESS_TOKEN)
            .max_sse_event_bytes(8 * 1024)
            .build()
            .expect("client");
        let mut events = Box::pin(client.messages(by_id()).events());
        let first = events.next().await.expect("an item");
        assert!(
            matches!(
                first,
                Err(Error::LimitExceeded {
                    limit: "max_sse_event_bytes",
                    max: 8192,
                    ..
                })
            ),
            "{first:?}"
        );
        assert!(events.next().await.is_none(), "the stream ends");
    })
    .await;
}

#[tokio::test]
async fn a_listing_of_endless_empty_pages_ends() {
    bounded(async {
        let server = HostileServer::start().await;
        let path = format!("{A}/inboxes/{INBOX_ID}/messages");
        server.on("GET", &path, Reply::endless_empty_cursor_pages());
        server.on(
            "GET",
            &format!("{A}/inboxes"),
            Reply::endless_empty_cursor_pages(),
        );
        let client = against(&server)
            .access_token(ACCESS_TOKEN)
            .build()
            .expect("client");
        let messages: Vec<_> = client.messages(by_id()).list().collect().await;
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(server.requests_to(&path).len(), 1);
        let inboxes: Vec<_> = client.inboxes().list(InboxFilter::new()).collect().await;
        assert!(inboxes.is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_listing_of_endless_full_pages_stops_at_max_pages() {
    bounded(async {
        let server = HostileServer::start().await;
        let path = format!("{A}/inboxes/{INBOX_ID}/messages");
        let message = json!({"id": common::MESSAGE_1, "created_at": "2026-03-12T16:59:47.185Z",
            "status": "available", "payload": {},
            "message_attributes": {"lease_count": 0, "error_message": null,
                                   "possible_duplicate_data": false}});
        server.on("GET", &path, Reply::endless_cursor_pages(json!([message])));
        let client = against(&server)
            .access_token(ACCESS_TOKEN)
            .max_pages(5)
            .build()
            .expect("client");
        let items: Vec<_> = client.messages(by_id()).list().collect().await;
        assert_eq!(items.len(), 6, "five pages of one message, then the error");
        assert!(
            matches!(
                items.last(),
                Some(Err(Error::LimitExceeded {
                    limit: "max_pages",
                    max: 5,
                    ..
                }))
            ),
            "{:?}",
            items.last()
        );
        assert_eq!(server.requests_to(&path).len(), 5);
        // Offset paging (inboxes) too.
        let inboxes_path = format!("{A}/inboxes");
        server.on(
            "GET",
            &inboxes_path,
            Reply::endless_cursor_pages(json!([inbox_json("active")])),
        );
        let items: Vec<_> = client.inboxes().list(InboxFilter::new()).collect().await;
        assert!(
            matches!(items.last(), Some(Err(Error::LimitExceeded { .. }))),
            "{:?}",
            items.last()
        );
        assert_eq!(server.requests_to(&inboxes_path).len(), 5);
    })
    .await;
}

// ----- 3. no arithmetic panics --------------------------------------------------------------------

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

// ----- 7. client-detectable mistakes are refused before any request -------------------------------

#[tokio::test]
async fn mistakes_are_refused_naming_the_field_with_nothing_sent() {
    bounded(async {
        let server = HostileServer::start().await;
        server.on_any(Reply::hang());
        let by_name = against(&server)
            .variant(ApiVariant::ByName)
            .access_token(ACCESS_TOKEN)
            .build()
            .expect("client");
        let sub = Subscription::new("slack", "channel_message");
        for name in [".", "..", "a\\b"] {
            let err = by_name
                .inboxes()
                .ensure(name, &sub, None)
                .await
                .expect_err("refused");
            assert!(matches!(err, Error::Validation { .. }), "{name}: {err}");
            assert!(err.to_string().contains("name"), "{err}");
            assert!(InboxName::new(name).is_err());
        }
        let refusals: Vec<(&str, Result<(), Error>)> = vec![
            ("app", by_name.triggers().list("").await.map(drop)),
            (
                "trigger",
                by_name
                    .triggers()
                    .input_fields("slack", " ", None)
                    .await
                    .map(drop),
            ),
            ("app", by_name.connections().list("").await.map(drop)),
            ("app", by_name.actions().list("", None).await.map(drop)),
            (
                "action",
                by_name
                    .actions()
                    .start("slack", "", None, serde_json::Map::new())
                    .await
                    .map(drop),
            ),
            ("app", by_name.connect_token("").await.map(drop)),
            (
                "subscription.app",
                by_name
                    .inboxes()
                    .ensure("orders", &Subscription::new("", "t"), None)
                    .await
                    .map(drop),
            ),
            (
                "subscription.trigger",
                by_name
                    .inboxes()
                    .ensure("orders", &Subscription::new("slack", ""), None)
                    .await
                    .map(drop),
            ),
            (
                "page_size",
                Box::pin(by_name.inboxes().list(InboxFilter::new().page_size(0)))
                    .next()
                    .await
                    .expect("an item")
                    .map(drop),
            ),
            (
                "timeout",
                by_name
                    .inboxes()
                    .wait_until_active(&InboxRef::name("orders").expect("name"), Duration::ZERO)
                    .await
                    .map(drop),
            ),
        ];
        for (field, result) in refusals {
            let err = result.expect_err(field);
            assert!(matches!(err, Error::Validation { .. }), "{field}: {err}");
            assert_eq!(err.field_errors()[0].field, field, "{err}");
        }
        assert!(server.requests().is_empty(), "{:?}", server.requests());
    })
    .await;
}

#[test]
fn zero_timeouts_and_limits_are_refused_by_the_builder() {
    let base = || Client::builder().access_token("t");
    for (setting, builder) in [
        ("connect_timeout", base().connect_timeout(Duration::ZERO)),
        ("attempt_timeout", base().attempt_timeout(Duration::ZERO)),
        ("total_timeout", base().total_timeout(Some(Duration::ZERO))),
        ("max_response_bytes", base().max_response_bytes(0)),
        ("max_error_body_bytes", base().max_error_body_bytes(0)),
        ("max_sse_event_bytes", base().max_sse_event_bytes(0)),
        ("max_pages", base().max_pages(0)),
    ] {
        let err = builder.build().expect_err(setting);
        assert!(err.to_string().contains(setting), "{err}");
    }
    assert!(base().total_timeout(None).build().is_ok());
}

#[test]
fn overlong_values_are_not_echoed_back() {
    let long_name = "n".repeat(10_000);
    let err = InboxName::new(long_name.clone()).expect_err("too long");
    assert!(err.to_string().len() < 200, "{err}");
    let long_url = format!("https://example.com/{}", "p".repeat(10_000));
    let err = Client::builder()
        .api_url(format!("{long_url}?q=1"))
        .access_token("t")
        .build()
        .expect_err("query refused");
    assert!(err.to_string().len() < 1024, "{err}");
}

#[tokio::test]
async fn a_server_echoing_kilobytes_is_reported_in_one_bounded_line() {
    bounded(async {
        let server = HostileServer::start().await;
        let long = "k".repeat(20_000);
        server.on(
            "GET",
            &inbox_path(),
            Reply::error(400, "validation_error", &format!("{long}: {long}")),
        );
        let client = against(&server)
            .access_token(ACCESS_TOKEN)
            .build()
            .expect("client");
        let err = client.inboxes().get(&by_id()).await.expect_err("400");
        assert!(matches!(err, Error::Validation { .. }), "{err}");
        let line = err.to_string();
        assert!(line.len() < 1024 && !line.contains('\n'), "{line}");
    })
    .await;
}

//! End-to-end against the in-process emulator (127.0.0.1): the same user code in both API
//! variants, single-flight token refresh, refresh-and-retry on 400 `unauthenticated`,
//! `Retry-After` honoured, `InboxPaused` from the lease 409, validation before any request.

mod common;
mod live;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::TryStreamExt;
use live::{builder_for, emit, fault, slack_connection, start};
use serde_json::json;
use zapier_embed::{
    ApiVariant, Client, Error, InboxRef, LeaseOptions, Subscription, auth::ClientCredentials,
    auth::TokenEndpoint, auth::TokenFuture, auth::TokenSource, inboxes::EnsureOutcome,
    inboxes::InboxFilter, inboxes::PausedReason, messages::AckReport, retry::RetryPolicy,
};
use zapier_embed_emulator::models::control::EmitRequest;

/// The user code of the done-when criterion: ensure → wait until active → lease → ack. It does
/// not know which variant the client speaks.
async fn ensure_wait_lease_ack(
    client: &Client,
    subscription: &Subscription,
) -> zapier_embed::Result<(EnsureOutcome, usize, AckReport)> {
    let inbox = InboxRef::name("orders").expect("name");
    let inboxes = client.inboxes();
    let ensured = inboxes
        .ensure_validated("orders", subscription, None)
        .await?;
    inboxes
        .wait_until_active(&inbox, Duration::from_secs(10))
        .await?;
    let messages = client.messages(inbox);
    let lease = messages.lease(LeaseOptions::default()).await?;
    let report = messages.ack_lease(&lease).await?;
    Ok((ensured.outcome, lease.len(), report))
}

#[tokio::test]
async fn the_same_code_runs_in_both_variants() {
    for variant in ApiVariant::ALL {
        let handle = start().await;
        let client = builder_for(&handle, variant).build().expect("client");
        let connection = slack_connection(&client).await;
        let subscription = Subscription::new("slack", "channel_message")
            .with_connection(connection.connection_id())
            .with_input("channel", "C0123ABC456");

        // First run: created, active, nothing to lease yet.
        let (outcome, leased, report) = ensure_wait_lease_ack(&client, &subscription)
            .await
            .unwrap_or_else(|e| panic!("{variant:?}: {e}"));
        assert_eq!(
            (outcome, leased, report.requests()),
            (EnsureOutcome::Created, 0, 0)
        );

        // Events arrive; the same code leases and acks them, the inbox already exists.
        assert_eq!(emit(&handle, 3), 1);
        let (outcome, leased, report) = ensure_wait_lease_ack(&client, &subscription)
            .await
            .unwrap_or_else(|e| panic!("{variant:?}: {e}"));
        assert_eq!(outcome, EnsureOutcome::Existing, "{variant:?}");
        assert_eq!(leased, 3, "{variant:?}");
        assert_eq!((report.settled(), report.requests()), (3, 1), "{variant:?}");
        let stats = handle.emulator().stats();
        assert_eq!(
            (stats.messages_acked, stats.ack_requests),
            (3, 1),
            "{variant:?}"
        );

        // The inbox is listed once, by its name.
        let listed: Vec<_> = client
            .inboxes()
            .list(InboxFilter::new())
            .try_collect()
            .await
            .expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].name.as_deref(), Some("orders"));
        handle.shutdown().await;
    }
}

#[tokio::test]
async fn validation_errors_come_before_the_inbox_request() {
    let handle = start().await;
    let client = builder_for(&handle, ApiVariant::ById)
        .build()
        .expect("client");
    let connection = slack_connection(&client).await;
    let missing_channel = Subscription::new("slack", "channel_message")
        .with_connection(connection.connection_id())
        .with_input("listen_for_bots", "maybe");
    let err = client
        .inboxes()
        .ensure_validated("orders", &missing_channel, None)
        .await
        .expect_err("invalid");
    let fields: Vec<_> = err
        .field_errors()
        .iter()
        .map(|f| f.field.as_str())
        .collect();
    assert_eq!(fields, ["channel", "listen_for_bots"], "{err}");
    let listed: Vec<_> = client
        .inboxes()
        .list(InboxFilter::new())
        .try_collect()
        .await
        .expect("list");
    assert!(listed.is_empty(), "no inbox was created");
    handle.shutdown().await;
}

#[tokio::test]
async fn a_paused_and_drained_inbox_answers_inbox_paused_in_both_variants() {
    for variant in ApiVariant::ALL {
        let handle = start().await;
        let client = builder_for(&handle, variant).build().expect("client");
        let hook = Subscription::new("webhook", "hook_v2")
            .with_input("_zap_static_hook_code", "a1b2c3d4e5f6")
            .with_input("_zap_static_hook_seed", "0f1e2d3c4b5a");
        let inbox = InboxRef::name("hooks").expect("name");
        client
            .inboxes()
            .ensure("hooks", &hook, None)
            .await
            .expect("ensure");
        client
            .inboxes()
            .wait_until_active(&inbox, Duration::from_secs(10))
            .await
            .expect("active");
        client.inboxes().pause(&inbox).await.expect("pause");
        let err = client
            .messages(inbox.clone())
            .lease(LeaseOptions::default())
            .await
            .expect_err("paused and drained");
        assert!(
            matches!(
                &err,
                Error::InboxPaused {
                    reason: Some(PausedReason::User),
                    ..
                }
            ),
            "{variant:?}: {err}"
        );
        // Waiting cannot help either: the wait fails fast with the same reason.
        let err = client
            .inboxes()
            .wait_until_active(&inbox, Duration::from_secs(10))
            .await
            .expect_err("paused");
        assert!(
            matches!(err, Error::InboxPaused { .. }),
            "{variant:?}: {err}"
        );
        client.inboxes().resume(&inbox).await.expect("resume");
        client
            .inboxes()
            .wait_until_active(&inbox, Duration::from_secs(10))
            .await
            .expect("active again");
        handle.shutdown().await;
    }
}

/// Client credentials, counting the token requests.
#[derive(Clone)]
struct Counted {
    inner: ClientCredentials,
    fetches: Arc<AtomicUsize>,
}

impl TokenSource for Counted {
    fn fetch<'a>(&'a self, endpoint: &'a TokenEndpoint) -> TokenFuture<'a> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        self.inner.fetch(endpoint)
    }
}

fn counted() -> Counted {
    Counted {
        inner: ClientCredentials::new("test-client", "test-secret"),
        fetches: Arc::new(AtomicUsize::new(0)),
    }
}

#[tokio::test]
async fn concurrent_calls_share_one_token_request_and_one_refresh() {
    let handle = start().await;
    let source = counted();
    let client = builder_for(&handle, ApiVariant::ById)
        .token_source(source.clone())
        .build()
        .expect("client");

    // 32 calls find no token: one token request.
    let calls = (0..32).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.triggers().list("slack").await })
    });
    for call in futures::future::join_all(calls).await {
        call.expect("task").expect("call");
    }
    assert_eq!(source.fetches.load(Ordering::SeqCst), 1);

    // The emulator's clock passes the token's expiry: every call gets 400 `unauthenticated`,
    // and the 32 of them share one refresh before retrying.
    handle.emulator().advance_clock(Duration::from_secs(3601));
    let calls = (0..32).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.triggers().list("slack").await })
    });
    for call in futures::future::join_all(calls).await {
        call.expect("task").expect("refreshed and retried");
    }
    assert_eq!(source.fetches.load(Ordering::SeqCst), 2);
    let stats = handle.emulator().stats();
    assert_eq!(
        stats.requests_by_status.get("400").copied(),
        Some(32),
        "{stats:?}"
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn a_static_token_past_its_expiry_is_unauthenticated() {
    let handle = start().await;
    let client = builder_for(&handle, ApiVariant::ById)
        .build()
        .expect("client");
    let token = client.access_token().await.expect("token");
    let fixed = builder_for(&handle, ApiVariant::ById)
        .access_token(token)
        .build()
        .expect("client");
    fixed.triggers().list("slack").await.expect("valid");
    handle.emulator().advance_clock(Duration::from_secs(3601));
    let err = fixed.triggers().list("slack").await.expect_err("expired");
    assert!(matches!(err, Error::Unauthenticated { .. }), "{err}");
    assert!(err.should_refresh_token());
    handle.shutdown().await;
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let handle = start().await;
    let client = builder_for(&handle, ApiVariant::ById)
        .build()
        .expect("client");
    client
        .triggers()
        .list("slack")
        .await
        .expect("warm up the token");
    // The next two trigger-discovery requests answer 429 with `Retry-After: 1`.
    let burst = json!({"route": "/trigger-inbox/", "rate_limit_burst": 2, "retry_after_secs": 1});
    let control = handle.control().expect("control client");
    control
        .add_fault(&serde_json::from_value(burst).expect("a fault rule"))
        .await
        .expect("fault");
    let triggers = client
        .triggers()
        .list("slack")
        .await
        .expect("after two waits");
    assert!(triggers.iter().any(|t| t.key == "channel_message"));
    let stats = handle.emulator().stats();
    assert_eq!(
        stats.requests_by_status.get("429").copied(),
        Some(2),
        "{stats:?}"
    );
    // The emulator counts requests that arrive before their `Retry-After` elapsed.
    assert_eq!(stats.early_retries, 0, "{stats:?}");
    handle.shutdown().await;
}

#[tokio::test]
async fn partner_jwt_exchange_against_the_emulator() {
    use zapier_embed::{auth::AccessToken, auth::PartnerJwtExchange};
    let handle = start().await;
    let exchange = PartnerJwtExchange::new("test-client", "test-secret", || async {
        Ok(AccessToken::new(unsigned_partner_jwt("user-42", "acme")))
    });
    let client = builder_for(&handle, ApiVariant::ByName)
        .token_source(exchange)
        .build()
        .expect("client");
    let triggers = client
        .triggers()
        .list("slack")
        .await
        .expect("exchanged token works");
    assert!(!triggers.is_empty());
    handle.shutdown().await;
}

/// A partner JWT as the emulator accepts it (it checks the claims, not the signature).
fn unsigned_partner_jwt(sub: &str, org: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let b64 = |v: serde_json::Value| base64url(v.to_string().as_bytes());
    format!(
        "{}.{}.{}",
        b64(json!({"alg": "RS256", "typ": "JWT", "kid": "k1"})),
        b64(
            json!({"sub": sub, "org_id": org, "iss": "partner", "aud": "connect.zapier.com",
                   "iat": now, "nbf": now - 5, "exp": now + 300})
        ),
        base64url(b"signature")
    )
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

#[tokio::test]
async fn events_wake_up_the_consumer() {
    use futures::StreamExt;
    for variant in ApiVariant::ALL {
        let handle = start().await;
        let client = builder_for(&handle, variant).build().expect("client");
        let connection = slack_connection(&client).await;
        let subscription = Subscription::new("slack", "channel_message")
            .with_connection(connection.connection_id())
            .with_input("channel", "C0123ABC456");
        let inbox = InboxRef::name("orders").expect("name");
        client
            .inboxes()
            .ensure("orders", &subscription, None)
            .await
            .expect("ensure");
        client
            .inboxes()
            .wait_until_active(&inbox, Duration::from_secs(10))
            .await
            .expect("active");
        let mut events = Box::pin(client.messages(inbox).events());
        // The stream is lazy: poll it until connected while an event is emitted.
        let first = tokio::time::timeout(Duration::from_secs(10), async {
            let next = events.next();
            tokio::pin!(next);
            loop {
                tokio::select! {
                    item = &mut next => return item,
                    _ = tokio::time::sleep(Duration::from_millis(50)) => { emit(&handle, 1); }
                }
            }
        })
        .await
        .expect("an event within 10 s")
        .expect("stream open")
        .expect("event");
        assert!(first.count >= 1, "{variant:?}");
        handle.shutdown().await;
    }
}

async fn active_hook_inbox(client: &Client) -> InboxRef {
    let hook = Subscription::new("webhook", "hook_v2")
        .with_input("_zap_static_hook_code", "a1b2c3d4e5f6")
        .with_input("_zap_static_hook_seed", "0f1e2d3c4b5a");
    let inbox = InboxRef::name("hooks").expect("name");
    client
        .inboxes()
        .ensure("hooks", &hook, None)
        .await
        .expect("ensure");
    client
        .inboxes()
        .wait_until_active(&inbox, Duration::from_secs(10))
        .await
        .expect("active");
    inbox
}

#[tokio::test]
async fn a_lost_lease_answer_is_not_retried_but_a_lost_read_is() {
    let handle = start().await;
    let client = builder_for(&handle, ApiVariant::ById)
        .build()
        .expect("client");
    let inbox = active_hook_inbox(&client).await;
    // Every lease answer is lost: the connection is dropped after the request arrived.
    fault(
        &handle,
        json!({"route": "leaseTriggerInboxMessages", "drop_rate": 1.0}),
    )
    .await;
    let err = client
        .messages(inbox.clone())
        .lease(LeaseOptions::default())
        .await
        .expect_err("dropped");
    assert!(matches!(err, Error::Transport { .. }), "{err}");
    // The HTTP client's error is the source, kept whole (not flattened into the message), and
    // no link of the chain names the URL.
    let mut cause = std::error::Error::source(&err);
    assert!(
        cause.is_some(),
        "a transport error keeps its cause: {err:?}"
    );
    while let Some(link) = cause {
        assert!(
            !format!("{link} {link:?}").contains("127.0.0.1"),
            "{link:?}"
        );
        cause = link.source();
    }
    // Sent once: a retry could lease (and burn an attempt of) messages nobody would process.
    assert_eq!(handle.emulator().stats().lease_requests, 1);

    // The same loss on a read is retried until the attempts run out.
    fault(
        &handle,
        json!({"route": "getTriggerInbox", "drop_rate": 1.0}),
    )
    .await;
    let err = client.inboxes().get(&inbox).await.expect_err("dropped");
    assert!(matches!(err, Error::Transport { .. }), "{err}");
    let dropped = handle
        .emulator()
        .stats()
        .requests_by_status
        .get("dropped")
        .copied();
    assert_eq!(
        dropped,
        Some(1 + RetryPolicy::default().max_attempts() as u64)
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn an_attempt_that_outlives_its_timeout_fails_with_timeout() {
    let handle = start().await;
    let client = builder_for(&handle, ApiVariant::ByName)
        .attempt_timeout(Duration::from_millis(200))
        .retry_policy(RetryPolicy::no_retries())
        .build()
        .expect("client");
    client
        .triggers()
        .list("slack")
        .await
        .expect("warm up the token");
    fault(
        &handle,
        json!({"route": "/trigger-inbox/", "latency_ms": 2000}),
    )
    .await;
    let err = client.triggers().list("slack").await.expect_err("slow");
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    assert!(err.is_retryable());
    handle.shutdown().await;
}

#[tokio::test]
async fn an_ack_after_the_lease_expired_reports_lease_expired_in_both_variants() {
    use zapier_embed::{messages::AckOutcome, messages::LeaseSeconds};
    for variant in ApiVariant::ALL {
        let handle = start().await;
        let client = builder_for(&handle, variant).build().expect("client");
        let inbox = active_hook_inbox(&client).await;
        let request: EmitRequest = serde_json::from_value(json!({
            "app": "webhook", "action": "hook_v2", "payload": {"n": 1}, "count": 2
        }))
        .expect("emit");
        handle.emulator().emit(request).expect("emit");
        let messages = client.messages(inbox);
        let options = LeaseOptions::default().with_lease_seconds(LeaseSeconds::new(60).expect("s"));
        let lease = messages.lease(options).await.expect("lease");
        assert_eq!(lease.len(), 2, "{variant:?}");
        handle.emulator().advance_clock(Duration::from_secs(61));
        let report = messages
            .ack_lease(&lease)
            .await
            .expect("reported, not an error");
        assert_eq!(report.lease_expired().count(), 2, "{variant:?}: {report:?}");
        assert!(
            report
                .outcomes()
                .iter()
                .all(|(_, o)| *o == AckOutcome::LeaseExpired)
        );
        // The messages are back and counted as a second attempt.
        let again = messages.lease(options).await.expect("lease");
        assert_eq!(again.len(), 2, "{variant:?}");
        assert!(
            again
                .messages
                .iter()
                .all(|m| m.attempts() == 2 && m.attempts_left() == 3)
        );
        handle.shutdown().await;
    }
}

#[tokio::test]
async fn a_message_is_delivered_five_times_then_quarantined() {
    let handle = start().await;
    let client = builder_for(&handle, ApiVariant::ById)
        .build()
        .expect("client");
    let inbox = active_hook_inbox(&client).await;
    let request: EmitRequest = serde_json::from_value(json!({
        "app": "webhook", "action": "hook_v2", "payload": {"n": 1}
    }))
    .expect("emit");
    handle.emulator().emit(request).expect("emit");
    let messages = client.messages(inbox);
    for attempt in 1..=5u32 {
        let lease = messages
            .lease(LeaseOptions::default())
            .await
            .expect("lease");
        let message = &lease.messages[0];
        assert_eq!(message.attempts(), attempt);
        assert_eq!(message.attempts_left(), 5 - attempt);
        // The domain flags the last two deliveries, as the seed documents advise acking (or
        // dead-lettering) at `lease_count >= 4`.
        assert_eq!(message.is_final_attempt(), attempt >= 4);
        messages.release_lease(&lease).await.expect("release");
    }
    // Quarantined: no longer leased, still listed.
    assert!(
        messages
            .lease(LeaseOptions::default())
            .await
            .expect("lease")
            .is_empty()
    );
    let listed: Vec<_> = messages.list().try_collect().await.expect("list");
    assert_eq!(
        listed[0].status,
        zapier_embed::messages::MessageStatus::Quarantined
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn inbox_lists_stream_across_pages_in_both_variants() {
    for variant in ApiVariant::ALL {
        let handle = start().await;
        let client = builder_for(&handle, variant).build().expect("client");
        for i in 0..5 {
            let hook = Subscription::new("webhook", "hook_v2")
                .with_input("_zap_static_hook_code", format!("a1b2c3d4e5f{i}"))
                .with_input("_zap_static_hook_seed", "0f1e2d3c4b5a");
            client
                .inboxes()
                .ensure(&format!("hooks-{i}"), &hook, None)
                .await
                .expect("ensure");
        }
        let listed: Vec<_> = client
            .inboxes()
            .list(InboxFilter::new().page_size(2))
            .try_collect()
            .await
            .unwrap_or_else(|e| panic!("{variant:?}: {e}"));
        let mut names: Vec<_> = listed.iter().filter_map(|i| i.name.clone()).collect();
        names.sort();
        assert_eq!(
            names,
            ["hooks-0", "hooks-1", "hooks-2", "hooks-3", "hooks-4"],
            "{variant:?}"
        );
        let by_name: Vec<_> = client
            .inboxes()
            .list(InboxFilter::new().name("hooks-3"))
            .try_collect()
            .await
            .expect("list");
        assert_eq!(by_name.len(), 1, "{variant:?}");
        handle.shutdown().await;
    }
}

#[tokio::test]
async fn message_lists_stream_across_cursor_pages_in_both_variants() {
    for variant in ApiVariant::ALL {
        let handle = start().await;
        let client = builder_for(&handle, variant).build().expect("client");
        let inbox = active_hook_inbox(&client).await;
        let request: EmitRequest = serde_json::from_value(json!({
            "app": "webhook", "action": "hook_v2", "payload": {"n": 1}, "count": 250
        }))
        .expect("emit");
        handle.emulator().emit(request).expect("emit");
        let listed: Vec<_> = client
            .messages(inbox)
            .list()
            .try_collect()
            .await
            .unwrap_or_else(|e| panic!("{variant:?}: {e}"));
        assert_eq!(listed.len(), 250, "{variant:?}");
        let mut ids: Vec<_> = listed.iter().map(|m| m.id.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 250, "{variant:?}: pages overlap");
        handle.shutdown().await;
    }
}

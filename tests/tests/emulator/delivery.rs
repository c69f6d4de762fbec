//! Delivery against the emulator: event wake-ups, lost answers and timeouts, acks after expiry,
//! quarantine, and lists streamed across pages in both variants.

use super::*;

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

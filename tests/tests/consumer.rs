//! The consumer runtime against the in-process emulator (real HTTP on 127.0.0.1): throughput
//! without loss or duplicates, faults, overrunning handlers, graceful shutdown, the stream style,
//! several inboxes of several users, and a paused inbox. The crash-and-restart case is in
//! `consumer_crash.rs`.

mod live;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use tokio_util::sync::CancellationToken;
use zapier_embed::consumer::{
    Consumer, ConsumerBuilder, ConsumerEvent, DeliveryOutcome, Failure, Received, ShutdownReport,
};
use zapier_embed::{
    ApiVariant, Client, InboxRef, inboxes::PausedReason, messages::LeaseSeconds,
    messages::MessageStatus,
};
use zapier_embed_emulator::EmulatorHandle;

use live::{active_slack_inbox, builder_for, emit, emit_payloads, fault, start, stats};

/// Ids of processed messages, with how many times each was processed.
type Seen = Arc<Mutex<HashMap<String, u32>>>;

fn client(handle: &EmulatorHandle, variant: ApiVariant) -> Client {
    builder_for(handle, variant).build().expect("client")
}

/// A consumer tuned for tests: short idle backoff, so the end of a run is not a 30 s wait.
fn consumer(client: &Client, inbox: InboxRef) -> ConsumerBuilder {
    Consumer::builder(client, inbox)
        .idle_backoff(Duration::from_millis(20), Duration::from_millis(200))
        .error_backoff(Duration::from_millis(20), Duration::from_millis(200))
}

/// Cancels `shutdown` once the emulator has acked `n` messages (checked every 20 ms), or after
/// `limit` so that a broken runtime fails the test instead of hanging it.
fn stop_when_acked(
    handle: &EmulatorHandle,
    n: u64,
    limit: Duration,
    shutdown: &CancellationToken,
) -> tokio::task::JoinHandle<bool> {
    let emulator = handle.emulator().clone();
    let shutdown = shutdown.clone();
    tokio::spawn(async move {
        let deadline = tokio::time::Instant::now() + limit;
        let reached = loop {
            if emulator.stats().messages_acked >= n {
                break true;
            }
            if tokio::time::Instant::now() >= deadline {
                break false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        shutdown.cancel();
        reached
    })
}

/// A handler that records every processed message id.
fn recording(
    seen: &Seen,
) -> impl Fn(Received) -> futures::future::Ready<Result<(), String>> + use<> {
    let seen = seen.clone();
    move |msg: Received| {
        *seen.lock().unwrap().entry(msg.id.to_string()).or_insert(0) += 1;
        futures::future::ready(Ok(()))
    }
}

async fn throughput_run(variant: ApiVariant, messages: u64) {
    let handle = start().await;
    let client = client(&handle, variant);
    let inbox = active_slack_inbox(&client, "orders").await;
    assert_eq!(emit(&handle, messages), 1);

    let seen: Seen = Arc::default();
    let shutdown = CancellationToken::new();
    let done = stop_when_acked(&handle, messages, Duration::from_secs(300), &shutdown);
    let report = consumer(&client, inbox)
        .max_in_flight(64)
        .handler(recording(&seen))
        .run(shutdown)
        .await;
    assert!(done.await.unwrap(), "not every message was acked: {report}");

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len() as u64, messages, "{variant:?}: {report}");
    assert!(
        seen.values().all(|&n| n == 1),
        "{variant:?}: a message was processed twice"
    );
    let stats = stats(&handle);
    assert_eq!(stats.messages_acked, messages);
    assert_eq!(stats.messages_quarantined, 0);
    assert_eq!(stats.messages_released, 0);
    assert!(report.is_balanced(), "{report}");
    assert_eq!(report.acked, messages, "{report}");
    // At most one ack request per lease: acks of one lease are coalesced.
    assert!(report.ack_requests <= report.nonempty_leases, "{report}");
    assert_eq!(stats.ack_requests, report.ack_requests, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_messages_are_acked_exactly_once_with_64_in_flight() {
    throughput_run(ApiVariant::ById, 10_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_by_name_variant_is_consumed_the_same_way() {
    throughput_run(ApiVariant::ByName, 2_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_lose_nothing_quarantine_nothing_and_never_retry_early() {
    const MESSAGES: u64 = 1_000;
    let handle = start().await;
    let client = client(&handle, ApiVariant::ById);
    let inbox = active_slack_inbox(&client, "orders").await;
    assert_eq!(emit(&handle, MESSAGES), 1);

    // 5% 5xx and 2% dropped connections everywhere, plus three 429 bursts on lease. (The bursts
    // target the lease because the runtime leases one request at a time: the emulator can only
    // tell an early retry from a request that was already on the wire when the 429 went out by
    // looking at one operation, and acks are sent concurrently. The facade's retry tests cover
    // `Retry-After` on the other operations.)
    fault(
        &handle,
        json!({"seed": 7, "error_rate": 0.05, "error_status": 500, "drop_rate": 0.02}),
    )
    .await;
    let burst = json!({
        "route": "leaseTriggerInboxMessages", "rate_limit_burst": 2, "retry_after_secs": 1
    });
    fault(&handle, burst.clone()).await;
    let bursts = {
        let control = handle.control().expect("control client");
        let burst = serde_json::from_value(burst).expect("a fault rule");
        tokio::spawn(async move {
            for _ in 0..2 {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                control.add_fault(&burst).await.expect("fault");
            }
        })
    };

    let seen: Seen = Arc::default();
    let shutdown = CancellationToken::new();
    let done = stop_when_acked(&handle, MESSAGES, Duration::from_secs(300), &shutdown);
    let report = consumer(&client, inbox)
        .max_in_flight(32)
        // Short leases so the messages of a lease whose answer was lost come back soon.
        .lease_seconds(LeaseSeconds::new(3).unwrap())
        .handler(recording(&seen))
        .run(shutdown)
        .await;
    bursts.await.unwrap();
    assert!(done.await.unwrap(), "not every message was acked: {report}");

    let stats = stats(&handle);
    assert_eq!(stats.messages_acked, MESSAGES, "lost messages: {report}");
    assert_eq!(stats.messages_quarantined, 0, "{report}");
    assert_eq!(
        stats.early_retries, 0,
        "a request went out before its Retry-After elapsed"
    );
    assert!(
        stats.requests_by_status.get("429").copied().unwrap_or(0) > 0,
        "bursts applied"
    );
    assert!(
        stats.requests_by_status.get("500").copied().unwrap_or(0) > 0,
        "5xx applied"
    );
    assert!(
        stats
            .requests_by_status
            .get("dropped")
            .copied()
            .unwrap_or(0)
            > 0,
        "drops applied"
    );
    assert_eq!(seen.lock().unwrap().len() as u64, MESSAGES);
    assert!(report.is_balanced(), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overrunning_handler_is_released_before_expiry_and_dead_lettered_on_its_final_attempt() {
    let handle = start().await;
    let client = client(&handle, ApiVariant::ById);
    let inbox = active_slack_inbox(&client, "orders").await;
    assert_eq!(emit_payloads(&handle, vec![json!({"text": "slow"})]), 1);

    let attempts = Arc::new(Mutex::new(Vec::new()));
    let dead = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let shutdown = CancellationToken::new();
    let (a, d, stop) = (attempts.clone(), dead.clone(), shutdown.clone());
    let report = consumer(&client, inbox)
        .lease_seconds(LeaseSeconds::new(2).unwrap())
        .handler(move |msg: Received| {
            a.lock().unwrap().push(msg.attempts());
            async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok::<_, String>(())
            }
        })
        .dead_letter(move |msg, failure: Failure| {
            d.lock()
                .unwrap()
                .push((msg.id.to_string(), failure.to_string()));
            stop.cancel();
            async { Ok::<_, String>(()) }
        })
        .run(shutdown)
        .await;

    assert_eq!(*attempts.lock().unwrap(), vec![1, 2, 3, 4], "{report}");
    let dead = dead.lock().unwrap();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].1.contains("deadline"), "{}", dead[0].1);
    assert_eq!(report.deadline_exceeded, 4, "{report}");
    assert_eq!(
        (report.released, report.dead_lettered, report.acked),
        (3, 1, 1),
        "{report}"
    );
    let stats = stats(&handle);
    // Each attempt was released before its lease lapsed, and the last one acked.
    assert_eq!(stats.messages_expired, 0, "{report}");
    assert_eq!(stats.messages_released, 3);
    assert_eq!(stats.messages_quarantined, 0);
    assert_eq!(stats.messages_acked, 1);
    assert!(report.is_balanced(), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_leaves_no_message_leased_and_the_report_adds_up() {
    let handle = start().await;
    let client = client(&handle, ApiVariant::ById);
    let inbox = active_slack_inbox(&client, "orders").await;
    let payloads = (0..200).map(|n| json!({"n": n})).collect();
    assert_eq!(emit_payloads(&handle, payloads), 1);

    let shutdown = CancellationToken::new();
    let stop = stop_when_acked(&handle, 20, Duration::from_secs(120), &shutdown);
    let report: ShutdownReport = consumer(&client, inbox.clone())
        .max_in_flight(16)
        .shutdown_timeout(Duration::from_millis(300))
        .handler(|msg: Received| async move {
            // Every fourth message would run far past the shutdown timeout.
            let slow = msg.payload["n"].as_u64().unwrap_or(0) % 4 == 3;
            let pause = if slow { 3600 } else { 0 };
            tokio::time::sleep(Duration::from_millis(20) + Duration::from_secs(pause)).await;
            Ok::<_, String>(())
        })
        .run(shutdown)
        .await;
    assert!(stop.await.unwrap());

    assert!(report.is_balanced(), "{report}");
    assert!(report.acked >= 20, "{report}");
    assert!(
        report.released > 0,
        "the cut-off handlers' messages were released: {report}"
    );
    let listed: Vec<_> = client
        .messages(inbox)
        .list()
        .try_collect()
        .await
        .expect("list messages");
    let leased = listed
        .iter()
        .filter(|m| m.status == MessageStatus::Leased)
        .count();
    assert_eq!(leased, 0, "messages left leased after shutdown: {report}");
    let stats = stats(&handle);
    assert_eq!(stats.messages_acked, report.acked);
    assert_eq!(stats.messages_released, report.released);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_deliveries_are_acked_by_the_caller_and_released_when_dropped() {
    for variant in ApiVariant::ALL {
        let handle = start().await;
        let client = client(&handle, variant);
        let inbox = active_slack_inbox(&client, "orders").await;
        assert_eq!(emit(&handle, 10), 1);

        let shutdown = CancellationToken::new();
        let mut deliveries = consumer(&client, inbox)
            .max_in_flight(4)
            .stream(shutdown.clone());
        let mut acked = HashSet::new();
        let mut outcomes = Vec::new();
        while acked.len() < 10 {
            let delivery = deliveries.next().await.expect("a delivery");
            // The first delivery of every other message is dropped unsettled: released, so it
            // comes back with its attempt count raised.
            if delivery.attempts() == 1 && acked.len() % 2 == 0 {
                drop(delivery);
                continue;
            }
            acked.insert(delivery.id.to_string());
            outcomes.push(delivery.ack().await);
        }
        shutdown.cancel();
        let report = deliveries.finish().await;
        assert!(
            outcomes.iter().all(DeliveryOutcome::is_acked),
            "{variant:?}: {outcomes:?}"
        );
        assert!(report.is_balanced(), "{variant:?}: {report}");
        assert_eq!(report.acked, 10, "{variant:?}: {report}");
        assert!(report.released >= 1, "{variant:?}: {report}");
        let stats = stats(&handle);
        assert_eq!(stats.messages_acked, 10, "{variant:?}");
        assert_eq!(stats.messages_released, report.released, "{variant:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_runtime_consumes_the_inboxes_of_several_users_fairly() {
    let handle = start().await;
    let alice = client(&handle, ApiVariant::ById);
    let bob = builder_for(&handle, ApiVariant::ByName)
        .client_credentials("bob-client", "bob-secret")
        .build()
        .expect("client");
    let alice_inbox = active_slack_inbox(&alice, "orders").await;
    let bob_inbox = active_slack_inbox(&bob, "orders").await;
    // One event reaches both users' inboxes (both subscribe to the channel).
    assert_eq!(emit(&handle, 300), 2);

    let per_inbox = Arc::new(Mutex::new(HashMap::<String, u32>::new()));
    let shutdown = CancellationToken::new();
    let done = stop_when_acked(&handle, 600, Duration::from_secs(120), &shutdown);
    let p = per_inbox.clone();
    let report = consumer(&alice, alice_inbox)
        .inbox(&bob, bob_inbox)
        .max_in_flight(8)
        .handler(move |msg: Received| {
            *p.lock().unwrap().entry(msg.inbox().to_owned()).or_insert(0) += 1;
            async { Ok::<_, String>(()) }
        })
        .run(shutdown)
        .await;
    assert!(done.await.unwrap(), "{report}");
    let per_inbox = per_inbox.lock().unwrap();
    assert_eq!(per_inbox.len(), 2, "{per_inbox:?}");
    assert!(per_inbox.values().all(|&n| n == 300), "{per_inbox:?}");
    assert!(report.is_balanced(), "{report}");
    assert_eq!(report.acked, 600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_inbox_is_drained_then_reported_and_not_leased_again() {
    let handle = start().await;
    let client = client(&handle, ApiVariant::ById);
    let inbox = active_slack_inbox(&client, "orders").await;
    assert_eq!(emit(&handle, 5), 1);
    client.inboxes().pause(&inbox).await.expect("pause");

    let events = Arc::new(Mutex::new(Vec::new()));
    let shutdown = CancellationToken::new();
    let (e, stop) = (events.clone(), shutdown.clone());
    let report = consumer(&client, inbox)
        .paused_recheck(Duration::from_secs(3600))
        .on_event(move |event: &ConsumerEvent| {
            e.lock().unwrap().push(event.clone());
            if matches!(event, ConsumerEvent::InboxPaused { .. }) {
                stop.cancel();
            }
        })
        .handler(|_msg: Received| async { Ok::<_, String>(()) })
        .run(shutdown)
        .await;

    assert_eq!(
        report.acked, 5,
        "the paused backlog is still served: {report}"
    );
    let events = events.lock().unwrap();
    let paused = events
        .iter()
        .find_map(|e| match e {
            ConsumerEvent::InboxPaused {
                reason,
                needs_reconnect,
                ..
            } => Some((reason.clone(), *needs_reconnect)),
            _ => None,
        })
        .expect("an InboxPaused event");
    assert_eq!(paused, (Some(PausedReason::User), false));
    assert!(report.stopped_inboxes.is_empty(), "paused is not stopped");
}

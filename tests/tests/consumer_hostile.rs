//! The consumer runtime through the facade against a hostile server
//! (`zapier_embed_tests::hostile`): whatever a lease answers, no more handlers run than the
//! limit, no message runs twice, a garbage answer is retried, and the report adds up.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tokio_util::sync::CancellationToken;
use zapier_embed::consumer::{Consumer, ConsumerEvent, Received, ShutdownReport};
use zapier_embed::{ApiVariant, Client, InboxRef};
use zapier_embed_tests::hostile::{HostileServer, LEASE_ID, Reply, Script, message_ids};

/// Every test is bounded by this; hitting it fails the test instead of hanging.
const OUTER: Duration = Duration::from_secs(60);

fn client(server: &HostileServer, variant: ApiVariant) -> Client {
    Client::builder()
        .api_url(server.base_url())
        .variant(variant)
        .access_token("at_consumer_hostile")
        .build()
        .expect("client")
}

/// Runs handlers that record how many run at once and how often each message ran, until
/// `expected` runs happened.
async fn consume(
    client: &Client,
    inbox: InboxRef,
    limit: usize,
    expected: usize,
) -> (
    ShutdownReport,
    usize,
    HashMap<String, u32>,
    Vec<ConsumerEvent>,
) {
    let running = Arc::new(AtomicUsize::new(0));
    let max_running = Arc::new(AtomicUsize::new(0));
    let runs = Arc::new(Mutex::new(HashMap::<String, u32>::new()));
    let events = Arc::new(Mutex::new(Vec::new()));
    let shutdown = CancellationToken::new();
    let (r, m, p, stop) = (
        running.clone(),
        max_running.clone(),
        runs.clone(),
        shutdown.clone(),
    );
    let seen = events.clone();
    let report = Consumer::builder(client, inbox)
        .max_in_flight(limit)
        .wake_on_sse(false)
        .error_backoff(Duration::from_millis(50), Duration::from_millis(200))
        .idle_backoff(Duration::from_millis(20), Duration::from_millis(100))
        .on_event(move |event| seen.lock().unwrap().push(event.clone()))
        .handler(move |msg: Received| {
            let (r, m, p, stop) = (r.clone(), m.clone(), p.clone(), stop.clone());
            async move {
                let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                r.fetch_sub(1, Ordering::SeqCst);
                let mut runs = p.lock().unwrap();
                *runs.entry(msg.id.to_string()).or_insert(0) += 1;
                if runs.values().sum::<u32>() as usize >= expected {
                    stop.cancel();
                }
                Ok::<_, String>(())
            }
        })
        .run(shutdown)
        .await;
    let runs = runs.lock().unwrap().clone();
    let events = events.lock().unwrap().clone();
    (report, max_running.load(Ordering::SeqCst), runs, events)
}

#[tokio::test]
async fn an_over_full_lease_answer_with_a_message_twice_runs_each_once_within_the_limit() {
    tokio::time::timeout(OUTER, async {
        let server = HostileServer::start().await;
        let base = "/trigger-inbox/api/v1/inboxes/hostile/messages";
        // 23 entries for at most 2 asked: `m0` twice (under two lease tokens), 21 others.
        let ids = message_ids(22);
        let mut listed: Vec<&str> = vec![ids[0].as_str()];
        listed.extend(ids.iter().map(String::as_str));
        server.on(
            "POST",
            &format!("{base}/lease/"),
            Script::new()
                .times(1, Reply::lease_by_name(&listed))
                .then(Reply::lease_by_name(&[])),
        );
        for settle in ["ack", "release"] {
            server.on(
                "POST",
                &format!("{base}/{settle}/"),
                Reply::json(
                    200,
                    json!({"acked_id": null, "released_id": null, "results": []}),
                ),
            );
        }
        let client = client(&server, ApiVariant::ByName);
        let inbox = InboxRef::name("hostile").unwrap();
        let (report, max_running, runs, _) = consume(&client, inbox, 2, 2).await;

        assert!(max_running <= 2, "{max_running} handlers ran at once");
        assert_eq!(runs.len(), 2, "{runs:?}");
        assert!(runs.values().all(|&n| n == 1), "{runs:?}");
        assert_eq!(report.lease_duplicates, 1, "{report}");
        assert_eq!(report.surplus_released, 21, "{report}");
        assert_eq!(report.leased, 23, "{report}");
        assert!(report.is_balanced(), "{report}");
        // The surplus went back at once, the second hold of `m0` (`lt_1`) among it.
        let released: String = server
            .requests_to(&format!("{base}/release/"))
            .iter()
            .map(|r| r.body.clone())
            .collect();
        assert!(released.contains("\"lt_1\""), "{released}");
        assert!(!released.contains("\"lt_0\""), "{released}");
    })
    .await
    .expect("bounded");
}

#[tokio::test]
async fn a_garbage_lease_answer_is_retried_and_reported_not_a_stop() {
    tokio::time::timeout(OUTER, async {
        let server = HostileServer::start().await;
        let inbox = "019ce2fe-5ed1-7318-8a60-0000000000bb";
        let base = format!("/trigger-inbox/api/v1/inboxes/{inbox}/messages");
        let ids = message_ids(1);
        server.on(
            "POST",
            &format!("{base}/lease"),
            Script::new()
                .times(2, Reply::garbage())
                .times(1, Reply::lease_by_id(&[ids[0].as_str()]))
                .then(Reply::lease_by_id(&[])),
        );
        server.on(
            "POST",
            &format!("{base}/ack"),
            Reply::json(201, json!({"acked_id": LEASE_ID, "results": []})),
        );
        let client = client(&server, ApiVariant::ById);
        let inbox: InboxRef = inbox.parse().unwrap();
        let (report, _, runs, events) = consume(&client, inbox, 4, 1).await;

        assert_eq!(runs.len(), 1, "{runs:?}");
        assert!(report.stopped_inboxes.is_empty(), "{report}");
        let failed = events
            .iter()
            .filter(|e| matches!(e, ConsumerEvent::LeaseFailed { .. }))
            .count();
        assert_eq!(failed, 2, "{events:?}");
        assert_eq!(server.requests_to(&format!("{base}/ack")).len(), 1);
        assert!(report.is_balanced(), "{report}");
    })
    .await
    .expect("bounded");
}

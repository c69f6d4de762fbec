//! Messages per second of the consumer runtime against the in-process emulator, beside a
//! hand-written raw reqwest loop (lease 100, ack the whole lease in one request, repeat) measured
//! in the same run on the same emulator. Run with:
//!
//! ```text
//! cargo bench -p zapier-embed --bench consumer
//! ```
//!
//! Each round drains a fresh inbox with each contender, alternating, and the median of the rounds
//! is reported with the ratio to the raw batch loop. Two workloads:
//!
//! - **no work**: handlers return at once, so the runtime's own overhead shows. The raw batch loop
//!   (lease 100, ack the whole lease with one request) is the fastest correct thing a user could
//!   write by hand; the docs' own loop, which acks one message per request, is the baseline most
//!   users start from.
//! - **2 ms of I/O per message** (a `tokio::time::sleep`, like a database write): the raw loop as
//!   the docs structure it (one message after the other), the same loop with the messages of a
//!   lease processed concurrently, and the consumer.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use zapier_embed::consumer::{Consumer, Received};
use zapier_embed::{Client, InboxRef, Subscription};
use zapier_embed_emulator::models::control::EmitRequest;
use zapier_embed_emulator::{Emulator, EmulatorHandle};

const MESSAGES: u64 = 5_000;
const IO_MESSAGES: u64 = 2_000;
const IO_WORK: Duration = Duration::from_millis(2);
const ROUNDS: usize = 3;
const PREFIX: &str = "/trigger-inbox/api/v1";

struct Setup {
    handle: EmulatorHandle,
    client: Client,
    http: reqwest::Client,
    token: String,
    connection: String,
}

/// A fresh, active inbox whose subscription only matches `channel`, loaded with `count` messages.
async fn loaded_inbox(setup: &Setup, channel: &str, count: u64) -> InboxRef {
    let subscription = Subscription::new("slack", "channel_message")
        .with_connection(setup.connection.as_str())
        .with_input("channel", channel);
    let ensured = setup
        .client
        .inboxes()
        .ensure(channel, &subscription, None)
        .await
        .expect("ensure");
    let inbox = ensured.inbox.id_ref();
    setup
        .client
        .inboxes()
        .wait_until_active(&inbox, Duration::from_secs(10))
        .await
        .expect("active");
    let request: EmitRequest = serde_json::from_value(json!({
        "app": "slack", "action": "channel_message", "inputs": {"channel": channel},
        "payload": {"text": "bench", "channel": channel}, "count": count
    }))
    .expect("emit request");
    assert_eq!(setup.handle.emulator().emit(request).expect("emit"), 1);
    inbox
}

/// The hand-written loop: lease up to 100, process each (one after the other, or all at once when
/// `concurrent`), ack the whole lease, repeat until empty.
async fn raw_batch_loop(setup: &Setup, inbox: &InboxRef, work: Duration, concurrent: bool) -> u64 {
    let base = format!(
        "{}{PREFIX}/inboxes/{inbox}/messages",
        setup.handle.base_url()
    );
    let mut done = 0;
    loop {
        let lease: Value = post(setup, &format!("{base}/lease"), json!({"lease_limit": 100})).await;
        let results = lease["results"].as_array().cloned().unwrap_or_default();
        if results.is_empty() {
            return done;
        }
        if concurrent {
            futures::future::join_all(results.iter().map(|m| process(m, work))).await;
        } else {
            for message in &results {
                process(message, work).await;
            }
        }
        done += results.len() as u64;
        post(
            setup,
            &format!("{base}/ack"),
            json!({"lease_id": lease["lease_id"]}),
        )
        .await;
    }
}

/// The docs' loop: lease, then one ack request per message.
async fn raw_per_message_loop(setup: &Setup, inbox: &InboxRef) -> u64 {
    let base = format!(
        "{}{PREFIX}/inboxes/{inbox}/messages",
        setup.handle.base_url()
    );
    let mut done = 0;
    loop {
        let lease: Value = post(setup, &format!("{base}/lease"), json!({"lease_limit": 10})).await;
        let results = lease["results"].as_array().cloned().unwrap_or_default();
        if results.is_empty() {
            return done;
        }
        for message in results {
            let body = json!({"lease_id": lease["lease_id"], "message_ids": [message["id"]]});
            post(setup, &format!("{base}/ack"), body).await;
            done += 1;
        }
    }
}

/// The application's work on one message.
async fn process(payload: &Value, work: Duration) {
    std::hint::black_box(payload);
    if !work.is_zero() {
        tokio::time::sleep(work).await;
    }
}

async fn post(setup: &Setup, url: &str, body: Value) -> Value {
    setup
        .http
        .post(url)
        .bearer_auth(&setup.token)
        .json(&body)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json body")
}

async fn consumer(
    setup: &Setup,
    inbox: &InboxRef,
    count: u64,
    work: Duration,
    max_in_flight: usize,
) -> u64 {
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    let emulator = setup.handle.emulator().clone();
    let target = emulator.stats().messages_acked + count;
    tokio::spawn(async move {
        while emulator.stats().messages_acked < target {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        stop.cancel();
    });
    let report = Consumer::builder(&setup.client, inbox.clone())
        .max_in_flight(max_in_flight)
        .wake_on_sse(false)
        .idle_backoff(Duration::from_millis(5), Duration::from_millis(50))
        .handler(move |msg: Received| async move {
            process(&msg.payload, work).await;
            Ok::<_, std::io::Error>(())
        })
        .run(shutdown)
        .await;
    assert!(report.is_balanced(), "{report}");
    report.acked
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let handle = Emulator::builder()
        .activation_delay(Duration::from_millis(10))
        .start()
        .await
        .expect("emulator");
    let client = Client::builder()
        .api_url(handle.base_url())
        .auth_url(handle.base_url())
        .client_credentials("bench", "bench-secret")
        .build()
        .expect("client");
    let token = client.access_token().await.expect("token");
    let connection = client
        .connections()
        .first_valid("slack")
        .await
        .expect("connections")
        .expect("a seeded Slack connection")
        .connection_id()
        .to_string();
    let setup = Setup {
        handle,
        client,
        http: reqwest::Client::new(),
        token: token.expose_secret().to_owned(),
        connection,
    };

    println!("emulator on 127.0.0.1, median of {ROUNDS} rounds per contender");
    let no_work = [
        Contender::DocsLoop,
        Contender::RawBatch { concurrent: false },
        Contender::Consumer { max_in_flight: 64 },
        Contender::Consumer { max_in_flight: 100 },
    ];
    run_workload(&setup, "no work", MESSAGES, Duration::ZERO, &no_work).await;
    let io = [
        Contender::RawBatch { concurrent: false },
        Contender::RawBatch { concurrent: true },
        Contender::Consumer { max_in_flight: 64 },
        Contender::Consumer { max_in_flight: 100 },
    ];
    run_workload(&setup, "2 ms of I/O per message", IO_MESSAGES, IO_WORK, &io).await;
}

#[derive(Clone, Copy)]
enum Contender {
    DocsLoop,
    RawBatch { concurrent: bool },
    Consumer { max_in_flight: usize },
}

impl Contender {
    fn name(self) -> String {
        match self {
            Contender::DocsLoop => "raw loop, ack per message (docs)".into(),
            Contender::RawBatch { concurrent: false } => "raw loop, batch ack".into(),
            Contender::RawBatch { concurrent: true } => "raw loop, batch ack, concurrent".into(),
            Contender::Consumer { max_in_flight } => format!("consumer, {max_in_flight} in flight"),
        }
    }
}

async fn run_workload(
    setup: &Setup,
    label: &str,
    count: u64,
    work: Duration,
    contenders: &[Contender],
) {
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
    for round in 0..ROUNDS {
        for (i, (contender, rate)) in contenders.iter().zip(rates.iter_mut()).enumerate() {
            let channel = format!("bench-{}-{round}-{i}", label.len());
            let inbox = loaded_inbox(setup, &channel, count).await;
            let started = Instant::now();
            let done = match *contender {
                Contender::DocsLoop => raw_per_message_loop(setup, &inbox).await,
                Contender::RawBatch { concurrent } => {
                    raw_batch_loop(setup, &inbox, work, concurrent).await
                }
                Contender::Consumer { max_in_flight } => {
                    consumer(setup, &inbox, count, work, max_in_flight).await
                }
            };
            assert_eq!(done, count, "{}", contender.name());
            rate.push(done as f64 / started.elapsed().as_secs_f64());
        }
    }
    let medians: Vec<f64> = rates.into_iter().map(median).collect();
    // The reference is the raw batch loop as the docs structure it (sequential processing).
    let reference = contenders
        .iter()
        .position(|c| matches!(c, Contender::RawBatch { concurrent: false }))
        .map_or(1.0, |i| medians[i]);
    println!("{label} ({count} messages per run):");
    for (contender, rate) in contenders.iter().zip(&medians) {
        println!(
            "  {:<34} {rate:>9.0} msg/s   {:>6.2}x the raw batch loop",
            contender.name(),
            rate / reference
        );
    }
}

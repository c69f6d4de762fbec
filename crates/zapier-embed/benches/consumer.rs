//! Messages per second of the consumer runtime against the in-process emulator, beside
//! hand-written raw reqwest loops measured in the same run on the same emulator. Run with:
//!
//! ```text
//! cargo bench -p zapier-embed --bench consumer
//! ```
//!
//! Each round drains a fresh inbox with each contender, alternating, and the median of the rounds
//! is reported with the ratio to the raw batch loop and the inbox requests (lease, ack, release)
//! per message the emulator answered. Three workloads:
//!
//! - **no work**: handlers return at once, so the runtime's own overhead shows. The raw batch loop
//!   (lease 100, ack the whole lease with one request) is the fastest correct thing a user could
//!   write by hand; the docs' own loop, which acks one message per request, is the baseline most
//!   users start from.
//! - **2 ms of I/O per message** (a `tokio::time::sleep`, like a database write): the raw loop as
//!   the docs structure it (one message after the other), the same loop with the messages of a
//!   lease processed concurrently, and the consumer.
//! - **20 ms per request and 2 ms of I/O per message** (the emulator's `latency_ms` fault on the
//!   Trigger Inbox API): a real network's round trips, where a loop that waits for each lease and
//!   each ack before the next is bound by them, not by CPU.
//!
//! To profile one contender (e.g. under `valgrind --tool=callgrind`), run the bench binary with
//! `profile <workload> <contender> <messages>`, where workload is `no-work`, `io` or `latency` and
//! contender `docs`, `batch`, `batch-concurrent` or `consumer-<max in flight>`: it runs once and
//! prints the same line. With `BENCH_REPORT` set, each consumer run also prints on stderr when
//! (as the emulator saw it) its first message was leased and its last acked, when `run` returned,
//! and its `ShutdownReport` (lease, ack and release requests, outcomes): start-up and shut-down
//! apart from the steady drain. A watcher polling the emulator every millisecond cancels the
//! consumer once every message is acked (the raw loops stop on their first empty lease). With
//! `BENCH_TIMELINE` set, that watcher also prints the emulator's leased and acked messages and
//! lease and ack requests at each poll, which shows where a run stalls.

// Tests fail by panicking: `unwrap`, `expect` and `panic!` are their assertions (the crate
// denies them in library code, see `[workspace.lints.clippy]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use zapier_embed::consumer::{Consumer, Received};
use zapier_embed::{Client, InboxRef, Subscription};
use zapier_embed_emulator::models::control::{EmitRequest, FaultRequest, FaultRule, StatsSnapshot};
use zapier_embed_emulator::{Emulator, EmulatorHandle};

const ROUNDS: usize = 3;
const PREFIX: &str = "/trigger-inbox/api/v1";

struct Setup {
    handle: EmulatorHandle,
    client: Client,
    http: reqwest::Client,
    token: String,
    connection: String,
}

#[derive(Clone, Copy)]
struct Workload {
    /// Its name on the command line (`profile <workload> ...`).
    key: &'static str,
    label: &'static str,
    messages: u64,
    /// The application's work per message.
    work: Duration,
    /// Latency the emulator adds to every Trigger Inbox request.
    latency: Duration,
}

const NO_WORK: Workload = Workload {
    key: "no-work",
    label: "no work",
    messages: 5_000,
    work: Duration::ZERO,
    latency: Duration::ZERO,
};
const IO: Workload = Workload {
    key: "io",
    label: "2 ms of I/O per message",
    messages: 2_000,
    work: Duration::from_millis(2),
    latency: Duration::ZERO,
};
const LATENCY: Workload = Workload {
    key: "latency",
    label: "20 ms per request, 2 ms of I/O per message",
    messages: 2_000,
    work: Duration::from_millis(2),
    latency: Duration::from_millis(20),
};

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
    let baseline = emulator.stats();
    let target = baseline.messages_acked + count;
    let started = Instant::now();
    // When the first message was leased and when the last was acked, as the emulator saw them
    // (to tell start-up and shut-down from the steady drain with `BENCH_REPORT`).
    let watcher = tokio::spawn(async move {
        let mut first_leased = None;
        loop {
            let stats = emulator.stats();
            if first_leased.is_none() && stats.messages_leased > baseline.messages_leased {
                first_leased = Some(started.elapsed());
            }
            if stats.messages_acked >= target {
                break;
            }
            if std::env::var_os("BENCH_TIMELINE").is_some() {
                eprintln!(
                    "{:?} leased {} acked {} leases {} acks {}",
                    started.elapsed(),
                    stats.messages_leased - baseline.messages_leased,
                    stats.messages_acked - baseline.messages_acked,
                    stats.lease_requests - baseline.lease_requests,
                    stats.ack_requests - baseline.ack_requests
                );
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        stop.cancel();
        (first_leased.unwrap_or_default(), started.elapsed())
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
    let returned = started.elapsed();
    assert!(report.is_balanced(), "{report}");
    if std::env::var_os("BENCH_REPORT").is_some() {
        let (first_leased, all_acked) = watcher.await.expect("watcher");
        eprintln!(
            "first message leased after {first_leased:?}, all acked after {all_acked:?}, \
             report after {returned:?}\n{report}"
        );
    }
    report.acked
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Lease, ack and release requests the emulator answered so far.
fn inbox_requests(stats: &StatsSnapshot) -> u64 {
    stats.lease_requests + stats.ack_requests + stats.release_requests
}

async fn setup() -> Setup {
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
    Setup {
        handle,
        client,
        http: reqwest::Client::new(),
        token: token.expose_secret().to_owned(),
        connection,
    }
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; anything else selects the profiling mode.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let setup = setup().await;
    if args.first().map(String::as_str) == Some("profile") {
        return profile(&setup, &args[1..]).await;
    }

    println!("emulator on 127.0.0.1, median of {ROUNDS} rounds per contender");
    let no_work = [
        Contender::DocsLoop,
        Contender::RawBatch { concurrent: false },
        Contender::Consumer { max_in_flight: 64 },
        Contender::Consumer { max_in_flight: 100 },
    ];
    run_workload(&setup, NO_WORK, &no_work, ROUNDS).await;
    let with_work = [
        Contender::RawBatch { concurrent: false },
        Contender::RawBatch { concurrent: true },
        Contender::Consumer { max_in_flight: 64 },
        Contender::Consumer { max_in_flight: 100 },
    ];
    run_workload(&setup, IO, &with_work, ROUNDS).await;
    run_workload(&setup, LATENCY, &with_work, ROUNDS).await;
}

/// `profile <workload> <contender> <messages>`: one run of one contender.
async fn profile(setup: &Setup, args: &[String]) {
    let usage = "profile <no-work|io|latency> <docs|batch|batch-concurrent|consumer-N> <messages>";
    let [workload, contender, messages] = args else {
        panic!("usage: {usage}");
    };
    let mut workload = [NO_WORK, IO, LATENCY]
        .into_iter()
        .find(|w| w.key == workload)
        .unwrap_or_else(|| panic!("usage: {usage}"));
    workload.messages = messages.parse().expect(usage);
    let contender = match contender.as_str() {
        "docs" => Contender::DocsLoop,
        "batch" => Contender::RawBatch { concurrent: false },
        "batch-concurrent" => Contender::RawBatch { concurrent: true },
        other => Contender::Consumer {
            max_in_flight: other
                .strip_prefix("consumer-")
                .and_then(|n| n.parse().ok())
                .expect(usage),
        },
    };
    run_workload(setup, workload, &[contender], 1).await;
}

#[derive(Clone, Copy, PartialEq, Eq)]
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

/// Runs one drain of a fresh inbox; returns messages per second and requests per message.
async fn run_once(
    setup: &Setup,
    workload: Workload,
    contender: Contender,
    channel: &str,
) -> (f64, f64) {
    let count = workload.messages;
    let inbox = loaded_inbox(setup, channel, count).await;
    let before = inbox_requests(&setup.handle.emulator().stats());
    let started = Instant::now();
    let done = match contender {
        Contender::DocsLoop => raw_per_message_loop(setup, &inbox).await,
        Contender::RawBatch { concurrent } => {
            raw_batch_loop(setup, &inbox, workload.work, concurrent).await
        }
        Contender::Consumer { max_in_flight } => {
            consumer(setup, &inbox, count, workload.work, max_in_flight).await
        }
    };
    let rate = done as f64 / started.elapsed().as_secs_f64();
    let requests = inbox_requests(&setup.handle.emulator().stats()) - before;
    assert_eq!(done, count, "{}", contender.name());
    (rate, requests as f64 / count as f64)
}

async fn run_workload(setup: &Setup, workload: Workload, contenders: &[Contender], rounds: usize) {
    let control = setup.handle.control().expect("control client");
    if !workload.latency.is_zero() {
        let rule = FaultRequest {
            seed: None,
            rule: FaultRule {
                route: Some("/trigger-inbox/".into()),
                latency_ms: workload.latency.as_millis() as u64,
                ..FaultRule::default()
            },
        };
        control.add_fault(&rule).await.expect("latency fault");
    }
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
    let mut requests: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
    for round in 0..rounds {
        for (i, contender) in contenders.iter().enumerate() {
            let channel = format!("bench-{}-{round}-{i}", workload.key);
            let (rate, per_message) = run_once(setup, workload, *contender, &channel).await;
            rates[i].push(rate);
            requests[i].push(per_message);
        }
    }
    control.clear_faults().await.expect("clear faults");
    let rates: Vec<f64> = rates.into_iter().map(median).collect();
    let requests: Vec<f64> = requests.into_iter().map(median).collect();
    // The reference is the raw batch loop as the docs structure it (sequential processing).
    let reference = |which: Contender| {
        contenders
            .iter()
            .position(|c| *c == which)
            .map(|i| rates[i])
    };
    let batch = reference(Contender::RawBatch { concurrent: false }).unwrap_or(1.0);
    println!(
        "{} ({} messages per run):",
        workload.label, workload.messages
    );
    for ((contender, rate), per_message) in contenders.iter().zip(&rates).zip(&requests) {
        println!(
            "  {:<34} {rate:>9.0} msg/s   {:>6.2}x the raw batch loop   {per_message:.3} req/msg",
            contender.name(),
            rate / batch
        );
    }
    if let Some(concurrent) = reference(Contender::RawBatch { concurrent: true }) {
        for (contender, rate) in contenders.iter().zip(&rates) {
            if let Contender::Consumer { .. } = contender {
                println!(
                    "  {:<34} {:>6.2}x the concurrent loop",
                    contender.name(),
                    rate / concurrent
                );
            }
        }
    }
}

//! The emulator's queue at scale, in one run:
//!
//! 1. lease 10 + ack, measured directly on the queue against a 1k and a 1M message backlog, and
//!    the 1M/1k ratio of the two (1.0: the backlog costs nothing; the target is at least 0.8);
//! 2. the memory a queued 1 KiB message costs, index structures included (a counting global
//!    allocator: live bytes after enqueuing minus before, divided by the count);
//! 3. lease + ack throughput over real HTTP on loopback (variant A: `lease_limit` 10 and 100,
//!    then an ack by `lease_id`) at both backlog sizes.
//!
//! `cargo bench -p zapier-embed-emulator` prints the criterion estimates and, after them, one
//! summary line per figure. Speed is compared within the run, never against a fixed number.

// Tests fail by panicking: `unwrap`, `expect` and `panic!` are their assertions (the crate
// denies them in library code, see `[workspace.lints.clippy]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group};
use serde_json::json;
use zapier_embed_emulator::queue::{MessageQueue, Payload, Settle};

/// The system allocator, counting the bytes currently allocated.
struct Counting;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; the counter is only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is `System::alloc`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is `System::dealloc`'s.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is `System::alloc_zeroed`'s.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(new_size, Ordering::Relaxed);
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is `System::realloc`'s.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const BACKLOGS: [usize; 2] = [1_000, 1_000_000];

/// A queue holding `backlog` available messages that share one payload.
fn queue_with_backlog(backlog: usize) -> MessageQueue {
    let payload = Payload::from_value(&json!({"text": "hello", "user": "U1", "channel": "C1"}));
    let now = chrono::Utc::now();
    let mut q = MessageQueue::new(1_000);
    for _ in 0..backlog {
        q.enqueue(now, payload.clone());
    }
    q
}

/// One iteration: enqueue 10 (so the backlog stays the same), lease 10, ack them.
fn lease10_ack(q: &mut MessageQueue, payload: &Payload, now: chrono::DateTime<chrono::Utc>) {
    for _ in 0..10 {
        q.enqueue(now, payload.clone());
    }
    let grant = q
        .lease(now, chrono::Duration::seconds(30), 10)
        .expect("the backlog is never empty");
    black_box(
        q.settle(now, grant.lease_id, None, Settle::Ack)
            .expect("a live lease"),
    );
}

/// Per-iteration times of every sample criterion took, per backlog.
type Samples = Arc<Mutex<Vec<(usize, Duration)>>>;

fn lease_ack(c: &mut Criterion) {
    let samples: Samples = Arc::default();
    let mut group = c.benchmark_group("lease10_ack");
    for backlog in BACKLOGS {
        let mut q = queue_with_backlog(backlog);
        let payload = Payload::from_value(&json!({"text": "hello", "user": "U1", "channel": "C1"}));
        let now = chrono::Utc::now();
        let samples = Arc::clone(&samples);
        group.bench_with_input(BenchmarkId::from_parameter(backlog), &backlog, |b, _| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    lease10_ack(&mut q, &payload, now);
                }
                let elapsed = start.elapsed();
                let per_iter = elapsed / u32::try_from(iters.max(1)).unwrap_or(u32::MAX);
                samples.lock().expect("samples").push((backlog, per_iter));
                elapsed
            });
        });
    }
    group.finish();
    let median = |backlog: usize| {
        let mut times: Vec<Duration> = samples
            .lock()
            .expect("samples")
            .iter()
            .filter(|(b, _)| *b == backlog)
            .map(|(_, t)| *t)
            .collect();
        times.sort();
        times.get(times.len() / 2).copied().unwrap_or_default()
    };
    let (small, large) = (median(BACKLOGS[0]), median(BACKLOGS[1]));
    println!(
        "summary: lease10+ack median per iteration: {:.2} us at 1k, {:.2} us at 1M; \
         1M/1k speed ratio (time at 1k / time at 1M) = {:.2} (1.0 = backlog-independent; \
         target >= 0.8)",
        small.as_secs_f64() * 1e6,
        large.as_secs_f64() * 1e6,
        small.as_secs_f64() / large.as_secs_f64(),
    );
}

/// JSON text of exactly 1 KiB, distinct per `n`.
fn payload_of_1_kib(n: usize) -> Payload {
    let mut value = json!({"text": "", "user": "U024BE7LH", "channel": "C1", "ts": n.to_string()});
    let len = Payload::from_value(&value).len();
    value["text"] = json!("x".repeat(1024 - len));
    let payload = Payload::from_value(&value);
    assert_eq!(payload.len(), 1024);
    payload
}

fn memory_per_message(_: &mut Criterion) {
    const N: usize = 100_000;
    let now = chrono::Utc::now();
    let mut q = MessageQueue::new(1_000);
    let before = LIVE_BYTES.load(Ordering::Relaxed);
    for n in 0..N {
        q.enqueue(now, payload_of_1_kib(n));
    }
    let after = LIVE_BYTES.load(Ordering::Relaxed);
    let per_message = after.saturating_sub(before) as f64 / N as f64;
    drop(q);

    let shared = payload_of_1_kib(0);
    let mut q = MessageQueue::new(1_000);
    let before = LIVE_BYTES.load(Ordering::Relaxed);
    for _ in 0..N {
        q.enqueue(now, shared.clone());
    }
    let after = LIVE_BYTES.load(Ordering::Relaxed);
    let per_copy = after.saturating_sub(before) as f64 / N as f64;
    println!(
        "summary: memory per queued 1 KiB message: {per_message:.0} bytes = {:.2} KiB \
         (distinct payloads, {N} messages, index structures included; target <= 1.5 KiB); \
         {per_copy:.0} bytes per message when all share one payload",
        per_message / 1024.0,
    );
}

/// One inbox of the HTTP measurement, and the time its lease and ack calls took.
struct HttpInbox {
    channel: String,
    lease_path: String,
    ack_path: String,
    spent: Duration,
    moved: usize,
}

impl HttpInbox {
    /// An active inbox on its own channel, seeded with `backlog` messages through the control API.
    async fn seeded(env: &support::Env, token: &str, backlog: usize) -> Self {
        let channel = format!("C{backlog}");
        let inbox = env
            .active_inbox(token, &format!("bench-{backlog}"), &channel)
            .await;
        let mut seeded = 0;
        while seeded < backlog as u64 {
            let count = (backlog as u64 - seeded).min(100_000);
            env.emit(&channel, count).await;
            seeded += count;
        }
        Self {
            channel,
            lease_path: format!("{}/inboxes/{inbox}/messages/lease", support::A),
            ack_path: format!("{}/inboxes/{inbox}/messages/ack", support::A),
            spent: Duration::ZERO,
            moved: 0,
        }
    }

    /// Emits `batch` messages (untimed, so the backlog stays the same), then times a lease of
    /// `batch` and the ack of that lease.
    async fn round(&mut self, env: &support::Env, token: &str, batch: u64) {
        env.emit(&self.channel, batch).await;
        let start = Instant::now();
        let lease = json!({"lease_limit": batch, "lease_seconds": 300});
        let (status, grant) = env.post(&self.lease_path, token, lease).await;
        assert_eq!(status, 201, "{grant}");
        let ack = json!({"lease_id": grant["lease_id"]});
        let (status, acked) = env.post(&self.ack_path, token, ack).await;
        self.spent += start.elapsed();
        assert!(status.is_success(), "{status}: {acked}");
        self.moved += grant["results"].as_array().map_or(0, Vec::len);
    }

    /// Messages per second of lease and ack calls since the last call, and starts over.
    fn take_rate(&mut self) -> f64 {
        let rate = self.moved as f64 / self.spent.as_secs_f64();
        (self.spent, self.moved) = (Duration::ZERO, 0);
        rate
    }
}

/// Lease + ack throughput over HTTP (variant A), one emulator with one inbox per backlog size;
/// the rounds alternate between the two inboxes so the machine's load weighs on both alike.
fn http(_: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async {
        let env = support::start().await;
        let token = env.token("bench").await;
        let mut inboxes = Vec::new();
        for backlog in BACKLOGS {
            inboxes.push(HttpInbox::seeded(&env, &token, backlog).await);
        }
        for (batch, rounds) in [(10, 2_000), (100, 400)] {
            for _ in 0..rounds {
                for inbox in &mut inboxes {
                    inbox.round(&env, &token, batch).await;
                }
            }
            let rates: Vec<f64> = inboxes.iter_mut().map(HttpInbox::take_rate).collect();
            println!(
                "summary: HTTP lease {batch} + ack (variant A, loopback): {:.0} msg/s at 1k, \
                 {:.0} msg/s at 1M; 1M/1k speed ratio = {:.2}",
                rates[0],
                rates[1],
                rates[1] / rates[0],
            );
        }
        env.handle.shutdown().await;
    });
}

criterion_group!(benches, lease_ack, memory_per_message, http);

/// `LEASE_ACK_ONLY="<backlog> <iterations>"` runs just the fill and that many lease 10 + ack
/// iterations, nothing else, for counting instructions with callgrind (stable on a shared machine,
/// where seconds are not): the difference between two iteration counts at one backlog, divided by
/// the difference of the counts, is the instructions per iteration. See the crate's README.
fn main() {
    if let Ok(spec) = std::env::var("LEASE_ACK_ONLY") {
        let numbers: Vec<usize> = spec
            .split_whitespace()
            .map(|n| n.parse().expect("LEASE_ACK_ONLY: two numbers"))
            .collect();
        let [backlog, iterations] = numbers[..] else {
            panic!("LEASE_ACK_ONLY: \"<backlog> <iterations>\"");
        };
        let mut q = queue_with_backlog(backlog);
        let payload = Payload::from_value(&json!({"text": "hello", "user": "U1", "channel": "C1"}));
        let now = chrono::Utc::now();
        for _ in 0..iterations {
            lease10_ack(&mut q, &payload, now);
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}

//! Engine tests on an in-memory inbox with tokio's paused clock: the scheduling rules (no
//! prefetch burn, deadlines, coalescing, shutdown) in milliseconds of real time. The same
//! behaviours are tested over real HTTP against the emulator in `tests/consumer.rs`.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::messages::{MessageAttributes, MessageStatus};
use crate::{
    AckHandle, ApiVariant, Error, InboxRef, Lease, LeaseOptions, LeaseSeconds, LeasedMessage,
    MessageId,
};
use chrono::Utc;
use futures::StreamExt;
use futures::stream::BoxStream;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::source::{BoxFuture, SettleKind, Source};
use super::*;
use crate::AckOutcome;

mod lease_answers;

const QUARANTINE_AT: u32 = 5;

#[derive(Default)]
struct State {
    available: VecDeque<MessageId>,
    leased: HashMap<MessageId, (Uuid, Instant)>,
    lease_counts: HashMap<MessageId, u32>,
    acked: Vec<MessageId>,
    quarantined: Vec<MessageId>,
    max_leased: usize,
}

/// A variant-A inbox in memory: leases expire on tokio's clock, the fifth lease is the last.
struct FakeInbox {
    id: Uuid,
    label: String,
    state: Mutex<State>,
    lease_calls: AtomicU64,
    /// How long each lease call takes (a slow network or server).
    lease_delay: Duration,
    /// A misbehaving server: how many messages beyond the limit each lease answer holds.
    overfill: usize,
    /// A misbehaving server: every message of a lease answer is listed twice.
    duplicate: bool,
    /// A misbehaving server: the first lease calls fail with these errors, in order.
    failures: Mutex<VecDeque<Error>>,
}

impl FakeInbox {
    fn with_messages(n: usize) -> Arc<Self> {
        let inbox = FakeInbox {
            id: Uuid::new_v4(),
            label: "fake".into(),
            state: Mutex::new(State::default()),
            lease_calls: AtomicU64::new(0),
            lease_delay: Duration::ZERO,
            overfill: 0,
            duplicate: false,
            failures: Mutex::new(VecDeque::new()),
        };
        {
            let mut s = inbox.state.lock().unwrap();
            for i in 0..n {
                s.available.push_back(MessageId::new(format!("m{i:05}")));
            }
        }
        Arc::new(inbox)
    }

    fn requeue(state: &mut State, id: MessageId) {
        if state.lease_counts.get(&id).copied().unwrap_or(0) >= QUARANTINE_AT {
            state.quarantined.push(id);
        } else {
            state.available.push_back(id);
        }
    }

    fn expire(state: &mut State, now: Instant) {
        let expired: Vec<MessageId> = state
            .leased
            .iter()
            .filter(|(_, (_, until))| *until <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            state.leased.remove(&id);
            Self::requeue(state, id);
        }
    }

    fn snapshot(&self) -> (usize, usize, usize, usize) {
        let s = self.state.lock().unwrap();
        (
            s.acked.len(),
            s.leased.len(),
            s.quarantined.len(),
            s.max_leased,
        )
    }
}

impl Source for FakeInbox {
    fn label(&self) -> &str {
        &self.label
    }

    fn variant(&self) -> ApiVariant {
        ApiVariant::ById
    }

    fn lease(&self, options: LeaseOptions) -> BoxFuture<'_, Result<Lease, Error>> {
        Box::pin(async move {
            self.lease_calls.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(self.lease_delay).await;
            if let Some(error) = self.failures.lock().unwrap().pop_front() {
                return Err(error);
            }
            let now = Instant::now();
            let requested_at = Utc::now();
            let mut s = self.state.lock().unwrap();
            Self::expire(&mut s, now);
            let lease_id = Uuid::new_v4();
            let until = now + options.lease_seconds.as_duration();
            let mut messages = Vec::new();
            while messages.len() < options.limit.get() as usize + self.overfill {
                let Some(id) = s.available.pop_front() else {
                    break;
                };
                let count = s.lease_counts.entry(id.clone()).or_insert(0);
                *count += 1;
                let attributes = MessageAttributes::new(*count);
                s.leased.insert(id.clone(), (lease_id, until));
                let ack = AckHandle::ById {
                    inbox: self.id,
                    lease_id,
                    message_id: id.clone(),
                };
                messages.push(LeasedMessage::new(
                    id,
                    requested_at,
                    MessageStatus::Leased,
                    serde_json::json!({"n": 1}),
                    attributes,
                    ack,
                ));
            }
            s.max_leased = s.max_leased.max(s.leased.len());
            if self.duplicate {
                messages = messages.into_iter().flat_map(|m| [m.clone(), m]).collect();
            }
            let lease = Lease::new(
                InboxRef::from(self.id),
                messages,
                requested_at,
                options.lease_seconds,
            );
            Ok(if lease.is_empty() {
                lease
            } else {
                lease.with_lease_id(lease_id)
            })
        })
    }

    fn settle(
        &self,
        kind: SettleKind,
        handles: Vec<AckHandle>,
    ) -> BoxFuture<'_, Result<Vec<(AckHandle, AckOutcome)>, Error>> {
        Box::pin(async move {
            let now = Instant::now();
            let mut s = self.state.lock().unwrap();
            Self::expire(&mut s, now);
            let mut results = Vec::new();
            for handle in handles {
                let AckHandle::ById {
                    lease_id,
                    message_id,
                    ..
                } = &handle
                else {
                    unreachable!("the fake inbox is variant A")
                };
                let held = s.leased.get(message_id).is_some_and(|(l, _)| l == lease_id);
                if !held {
                    results.push((handle, AckOutcome::LeaseExpired));
                    continue;
                }
                let id = message_id.clone();
                s.leased.remove(&id);
                let outcome = match kind {
                    SettleKind::Ack => {
                        s.acked.push(id);
                        AckOutcome::Acked
                    }
                    SettleKind::Release => {
                        Self::requeue(&mut s, id);
                        AckOutcome::Released
                    }
                };
                results.push((handle, outcome));
            }
            Ok(results)
        })
    }

    fn wakeups(&self) -> Option<BoxStream<'static, Result<(), Error>>> {
        None
    }
}

fn builder(inbox: &Arc<FakeInbox>) -> ConsumerBuilder {
    ConsumerBuilder::from_source(inbox.clone())
        .lease_seconds(LeaseSeconds::new(10).unwrap())
        .idle_backoff(Duration::from_millis(50), Duration::from_millis(200))
}

/// Cancels `shutdown` once `done` holds, checking every 10 ms of (paused) time.
fn cancel_when(shutdown: &CancellationToken, done: impl Fn() -> bool + Send + 'static) {
    let shutdown = shutdown.clone();
    tokio::spawn(async move {
        while !done() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        shutdown.cancel();
    });
}

#[tokio::test(start_paused = true)]
async fn processes_everything_once_without_holding_more_than_it_can_run() {
    let inbox = FakeInbox::with_messages(500);
    let running = Arc::new(AtomicUsize::new(0));
    let max_running = Arc::new(AtomicUsize::new(0));
    // Least lease time any handler had left when it started: with no prefetch it starts at once.
    let least_left = Arc::new(Mutex::new(Duration::MAX));
    let processed = Arc::new(Mutex::new(HashMap::<MessageId, u32>::new()));
    let shutdown = CancellationToken::new();
    let watched = inbox.clone();
    cancel_when(&shutdown, move || watched.snapshot().0 == 500);

    let (r, m, p, l) = (
        running.clone(),
        max_running.clone(),
        processed.clone(),
        least_left.clone(),
    );
    let report = builder(&inbox)
        .max_in_flight(8)
        .handler(move |msg: Received| {
            let (r, m, p) = (r.clone(), m.clone(), p.clone());
            let left = msg.deadline().remaining();
            let mut least = l.lock().unwrap();
            *least = (*least).min(left);
            async move {
                let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(1 + msg.id.as_str().len() as u64 % 7))
                    .await;
                *p.lock().unwrap().entry(msg.id.clone()).or_insert(0) += 1;
                r.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, String>(())
            }
        })
        .run(shutdown)
        .await;

    assert!(report.is_balanced(), "{report}");
    assert_eq!(report.acked, 500, "{report}");
    let (acked, leased, quarantined, _) = inbox.snapshot();
    assert_eq!((acked, leased, quarantined), (500, 0, 0));
    assert!(max_running.load(Ordering::SeqCst) <= 8);
    // 10 s lease, 1 s margin, 20 ms batch linger at most: no message waited for a worker.
    let least = *least_left.lock().unwrap();
    assert!(
        least >= Duration::from_millis(8_900),
        "a message waited: {least:?} left at start"
    );
    assert!(processed.lock().unwrap().values().all(|&n| n == 1));
    assert!(report.ack_requests <= report.nonempty_leases, "{report}");
}

#[tokio::test(start_paused = true)]
async fn an_overrunning_handler_is_released_before_expiry_and_dead_lettered_on_its_final_attempt() {
    let inbox = FakeInbox::with_messages(1);
    let dead = Arc::new(Mutex::new(Vec::new()));
    let shutdown = CancellationToken::new();
    let d = dead.clone();
    let watched = dead.clone();
    cancel_when(&shutdown, move || !watched.lock().unwrap().is_empty());
    let attempts = Arc::new(Mutex::new(Vec::new()));
    let a = attempts.clone();

    let report = builder(&inbox)
        .handler(move |msg: Received| {
            a.lock().unwrap().push(msg.attempts());
            async move {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok::<_, String>(())
            }
        })
        .dead_letter(move |msg, failure| {
            d.lock()
                .unwrap()
                .push((msg.id.clone(), failure.to_string()));
            async { Ok::<_, String>(()) }
        })
        .run(shutdown)
        .await;

    // The final attempt is the fourth: see `LeasedMessage::is_final_attempt`.
    assert_eq!(*attempts.lock().unwrap(), vec![1, 2, 3, 4]);
    assert_eq!(dead.lock().unwrap().len(), 1);
    assert!(dead.lock().unwrap()[0].1.contains("deadline"));
    assert_eq!(report.deadline_exceeded, 4);
    assert_eq!(report.released, 3);
    assert_eq!(report.dead_lettered, 1);
    assert_eq!(report.acked, 1);
    assert_eq!(
        report.lease_expired, 0,
        "released before the lease lapsed: {report}"
    );
    assert!(report.is_balanced(), "{report}");
    let (acked, leased, quarantined, _) = inbox.snapshot();
    assert_eq!((acked, leased, quarantined), (1, 0, 0));
}

#[tokio::test(start_paused = true)]
async fn shutdown_releases_what_is_running_and_leaves_nothing_leased() {
    let inbox = FakeInbox::with_messages(20);
    let started = Arc::new(AtomicUsize::new(0));
    let shutdown = CancellationToken::new();
    let s = started.clone();
    cancel_when(&shutdown, move || s.load(Ordering::SeqCst) >= 4);
    let s = started.clone();
    let report = builder(&inbox)
        .max_in_flight(4)
        .shutdown_timeout(Duration::from_secs(1))
        .handler(move |_msg: Received| {
            s.fetch_add(1, Ordering::SeqCst);
            async {
                std::future::pending::<()>().await;
                Ok::<_, String>(())
            }
        })
        .run(shutdown)
        .await;
    assert!(report.is_balanced(), "{report}");
    assert_eq!(report.acked, 0);
    assert_eq!(report.released, report.leased);
    let (_, leased, _, _) = inbox.snapshot();
    assert_eq!(leased, 0);
}

#[tokio::test(start_paused = true)]
async fn stream_deliveries_are_settled_by_the_caller_and_released_when_dropped() {
    let inbox = FakeInbox::with_messages(6);
    let shutdown = CancellationToken::new();
    let mut deliveries = builder(&inbox).max_in_flight(2).stream(shutdown.clone());
    let mut outcomes = Vec::new();
    for i in 0..6 {
        let delivery = deliveries.next().await.expect("a delivery");
        if i % 2 == 0 {
            outcomes.push(delivery.ack().await);
        } else {
            drop(delivery);
        }
    }
    assert!(
        outcomes.iter().all(DeliveryOutcome::is_acked),
        "{outcomes:?}"
    );
    shutdown.cancel();
    let report = deliveries.finish().await;
    assert!(report.is_balanced(), "{report}");
    assert_eq!(report.acked, 3);
    let (acked, leased, _, _) = inbox.snapshot();
    assert_eq!((acked, leased), (3, 0));
}

#[tokio::test(start_paused = true)]
async fn a_slow_inbox_does_not_hold_back_the_others() {
    let fast = FakeInbox::with_messages(50);
    let mut slow = FakeInbox::with_messages(5);
    Arc::get_mut(&mut slow).unwrap().lease_delay = Duration::from_secs(30);
    let shutdown = CancellationToken::new();
    let started = Instant::now();
    let fast_done = Arc::new(Mutex::new(None));
    let (f, d) = (fast.clone(), fast_done.clone());
    let stop = shutdown.clone();
    tokio::spawn(async move {
        while f.snapshot().0 < 50 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        *d.lock().unwrap() = Some(started.elapsed());
        stop.cancel();
    });
    let report = builder(&fast)
        .add_source(slow.clone())
        .max_in_flight(8)
        .handler(|_msg: Received| async { Ok::<_, String>(()) })
        .run(shutdown)
        .await;
    let took = fast_done
        .lock()
        .unwrap()
        .expect("the fast inbox was drained");
    // The slow inbox's first lease takes 30 s; the fast one was drained while it was in flight.
    assert!(
        took < Duration::from_secs(30),
        "the fast inbox waited for the slow one: {took:?}"
    );
    assert_eq!(report.acked, 50, "{report}");
    assert!(report.is_balanced(), "{report}");
}

/// A [`Dedup`] over [`InMemoryDedup`] with scripted answers: `held` messages are claimed by
/// someone else on their first claim; marking `unmarkable` ones done fails; releases are recorded.
struct ScriptedDedup {
    inner: InMemoryDedup,
    held: Mutex<Vec<MessageId>>,
    unmarkable: Vec<MessageId>,
    released: Mutex<Vec<MessageId>>,
}

impl Dedup for ScriptedDedup {
    fn claim<'a>(
        &'a self,
        inbox: &'a str,
        id: &'a MessageId,
        ttl: Duration,
    ) -> futures::future::BoxFuture<'a, Result<Claim, DedupError>> {
        let mut held = self.held.lock().unwrap();
        if let Some(at) = held.iter().position(|h| h == id) {
            held.remove(at);
            return Box::pin(async { Ok(Claim::HeldElsewhere) });
        }
        self.inner.claim(inbox, id, ttl)
    }

    fn mark_done<'a>(
        &'a self,
        inbox: &'a str,
        id: &'a MessageId,
    ) -> futures::future::BoxFuture<'a, Result<(), DedupError>> {
        if self.unmarkable.contains(id) {
            return Box::pin(async { Err(DedupError::new("the store is read-only")) });
        }
        self.inner.mark_done(inbox, id)
    }

    fn release_claim<'a>(
        &'a self,
        inbox: &'a str,
        id: &'a MessageId,
    ) -> futures::future::BoxFuture<'a, Result<(), DedupError>> {
        self.released.lock().unwrap().push(id.clone());
        self.inner.release_claim(inbox, id)
    }
}

#[tokio::test(start_paused = true)]
async fn claims_guard_every_handler_and_store_answers_are_honoured() {
    let inbox = FakeInbox::with_messages(3);
    let (held, unmarkable, failing) = (
        MessageId::new("m00000"),
        MessageId::new("m00001"),
        MessageId::new("m00002"),
    );
    let dedup = Arc::new(ScriptedDedup {
        inner: InMemoryDedup::default(),
        held: Mutex::new(vec![held.clone()]),
        unmarkable: vec![unmarkable.clone()],
        released: Mutex::new(Vec::new()),
    });
    let runs = Arc::new(Mutex::new(HashMap::<MessageId, u32>::new()));
    let events = Arc::new(Mutex::new(Vec::new()));
    let shutdown = CancellationToken::new();
    let watched = inbox.clone();
    cancel_when(&shutdown, move || watched.snapshot().0 == 3);

    let (r, e, f) = (runs.clone(), events.clone(), failing.clone());
    let report = builder(&inbox)
        .dedup(dedup.clone())
        .on_event(move |event| e.lock().unwrap().push(event.clone()))
        .handler(move |msg: Received| {
            *r.lock().unwrap().entry(msg.id.clone()).or_insert(0) += 1;
            let fail = msg.id == f && msg.attempts() == 1;
            async move {
                if fail {
                    Err("first attempt fails".to_owned())
                } else {
                    Ok(())
                }
            }
        })
        .run(shutdown)
        .await;

    assert!(report.is_balanced(), "{report}");
    let runs = runs.lock().unwrap().clone();
    // Held elsewhere: left to its lease, run once on its redelivery.
    assert_eq!(runs.get(&held), Some(&1), "{runs:?}");
    assert_eq!(report.claims_held_elsewhere, 1, "{report}");
    assert_eq!(report.abandoned, 1, "{report}");
    // A failed handler gives its claim up, so its redelivery runs at once.
    assert_eq!(runs.get(&failing), Some(&2), "{runs:?}");
    assert_eq!(
        dedup.released.lock().unwrap().as_slice(),
        std::slice::from_ref(&failing)
    );
    // A failed mark still acks, and is reported.
    assert_eq!(runs.get(&unmarkable), Some(&1), "{runs:?}");
    assert_eq!(report.dedup_failures, 1, "{report}");
    let failures: Vec<_> = events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|event| match event {
            ConsumerEvent::DedupFailed {
                message_id,
                operation,
                ..
            } => Some((message_id.clone(), operation.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(failures, [("m00001".to_owned(), "mark_done".to_owned())]);
    assert_eq!(inbox.snapshot(), (3, 0, 0, inbox.snapshot().3));
}

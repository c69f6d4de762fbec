//! Engine tests on an in-memory inbox with tokio's paused clock: the scheduling rules (no
//! prefetch burn, deadlines, coalescing, shutdown) in milliseconds of real time. The same
//! behaviours are tested over real HTTP against the emulator in `tests/consumer.rs`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::messages::{MessageAttributes, MessageStatus};
use crate::{AckHandle, ApiVariant, Error, InboxRef, LeaseSeconds, LeasedMessage, MessageId};
use chrono::Utc;
use futures::StreamExt;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::source::{BoxFuture, InboxSource, Source};
use super::*;

pub(super) mod fake_inbox;
mod lease_answers;

use fake_inbox::FakeInbox;

/// The consumer's own source over `inbox`: a client whose Trigger Inbox calls go to the fake.
fn source(inbox: &Arc<FakeInbox>) -> Arc<dyn Source> {
    let client = crate::Client::with_inbox_api(ApiVariant::ById, inbox.clone());
    Arc::new(InboxSource::new(client.messages(InboxRef::from(inbox.id))))
}

fn builder(inbox: &Arc<FakeInbox>) -> ConsumerBuilder {
    ConsumerBuilder::from_source(source(inbox))
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

/// Dropping the future of `run` (instead of cancelling its token) cuts the running handlers off:
/// they are tracked, not owned by the future, so the runtime must tell them to stop, and their
/// messages go back at once rather than staying leased until their lease lapses.
#[tokio::test(start_paused = true)]
async fn dropping_run_cuts_running_handlers_off_and_releases_their_messages() {
    let inbox = FakeInbox::with_messages(6);
    let started = Arc::new(AtomicUsize::new(0));
    let cut_off = Arc::new(AtomicUsize::new(0));
    let (s, c) = (started.clone(), cut_off.clone());
    let run = builder(&inbox)
        .max_in_flight(3)
        .handler(move |_msg: Received| {
            s.fetch_add(1, Ordering::SeqCst);
            // Counts the handlers whose future was dropped before it finished.
            let guard = DropCounter(c.clone());
            async move {
                std::future::pending::<()>().await;
                drop(guard);
                Ok::<_, String>(())
            }
        })
        .run(CancellationToken::new());
    let s = started.clone();
    tokio::select! {
        _ = run => panic!("run ended without a shutdown"),
        _ = async move {
            while s.load(Ordering::SeqCst) < 3 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        } => {}
    }
    // `run` is dropped here; the released messages reach the inbox through the settler.
    while inbox.snapshot().1 > 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(cut_off.load(Ordering::SeqCst), 3);
    // The lease loop stopped with the runtime: nothing is leased again, and nothing was acked.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(started.load(Ordering::SeqCst), 3);
    let (acked, leased, _, _) = inbox.snapshot();
    assert_eq!((acked, leased), (0, 0));
}

struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
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
        .add_source(source(&slow))
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
        fake_inbox::message_id(0),
        fake_inbox::message_id(1),
        fake_inbox::message_id(2),
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
        .shared_dedup(dedup.clone())
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
    assert_eq!(
        failures,
        [(unmarkable.as_str().to_owned(), "mark_done".to_owned())]
    );
    assert_eq!(inbox.snapshot(), (3, 0, 0, inbox.snapshot().3));
}

//! The lease loop's sizing and pipelining rules, on tokio's paused clock with a minimal inbox
//! that records what was asked of it: never more messages asked (by lease calls in flight) plus
//! handlers running than `max_in_flight`, leases near 100 when the workers are free,
//! and more than one lease call of an inbox in flight when capacity frees up during a round trip.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use futures::future::BoxFuture;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::consumer::source::InboxSource;
use crate::consumer::tests::fake_inbox::{in_memory_inbox, leased, message_id, not_in_memory};
use crate::consumer::{ConsumerBuilder, Received};
use crate::wire::{
    EventBytes, InboxApi, InboxQuery, NewInbox, Page, Settle, SettleRequest, Settled, Transition,
    ops,
};
use crate::{
    ApiVariant, Client, Error, Inbox, InboxName, InboxRef, Lease, LeaseOptions, LeaseSeconds,
    Message, MessageId,
};

#[derive(Default)]
struct Ledger {
    available: VecDeque<MessageId>,
    /// Messages asked for by lease calls in flight.
    asked: usize,
    /// Handlers running.
    running: usize,
    /// The most `asked + running` ever was, checked whenever either grows.
    most_committed: usize,
    in_flight: usize,
    most_in_flight: usize,
    acked: usize,
    /// Sizes of the non-empty answers.
    sizes: Vec<usize>,
}

/// A variant-A inbox whose lease calls take `round_trip` and that never lapses a lease.
struct Recording {
    id: Uuid,
    round_trip: Duration,
    ledger: Mutex<Ledger>,
}

impl Recording {
    fn with_messages(n: usize, round_trip: Duration) -> Arc<Self> {
        let ledger = Ledger {
            available: (0..n).map(message_id).collect(),
            ..Ledger::default()
        };
        Arc::new(Recording {
            id: Uuid::new_v4(),
            round_trip,
            ledger: Mutex::new(ledger),
        })
    }

    fn ledger<T>(&self, read: impl FnOnce(&Ledger) -> T) -> T {
        read(&self.ledger.lock().unwrap())
    }
}

impl InboxApi for Recording {
    in_memory_inbox!();

    fn lease<'a>(
        &'a self,
        _client: &'a Client,
        _inbox: &'a InboxRef,
        options: LeaseOptions,
    ) -> BoxFuture<'a, Result<Lease, Error>> {
        Box::pin(async move {
            let limit = options.limit.get() as usize;
            {
                let mut l = self.ledger.lock().unwrap();
                l.asked += limit;
                l.in_flight += 1;
                l.most_committed = l.most_committed.max(l.asked + l.running);
                l.most_in_flight = l.most_in_flight.max(l.in_flight);
            }
            tokio::time::sleep(self.round_trip).await;
            let lease_id = Uuid::new_v4();
            let now = Utc::now();
            let mut l = self.ledger.lock().unwrap();
            l.asked -= limit;
            l.in_flight -= 1;
            let mut messages = Vec::new();
            while messages.len() < limit {
                let Some(id) = l.available.pop_front() else {
                    break;
                };
                messages.push(leased(self.id, lease_id, id, now, 1));
            }
            if !messages.is_empty() {
                l.sizes.push(messages.len());
            }
            let lease = Lease::new(
                InboxRef::from(self.id),
                messages,
                now,
                options.lease_seconds,
            );
            Ok(lease.with_lease_id(lease_id))
        })
    }

    fn settle<'a>(
        &'a self,
        _client: &'a Client,
        request: SettleRequest,
        settle: Settle,
        _label: &'a str,
    ) -> BoxFuture<'a, Result<Settled, Error>> {
        // Every message listed is settled (the recording inbox never lapses a lease); the 201
        // answer without a list says so for all of them.
        Box::pin(async move {
            let SettleRequest::ById {
                message_ids: Some(ids),
                ..
            } = request
            else {
                return Err(crate::inboxes::unsupported(
                    ops::settle_by_id(settle).name,
                    "the recording inbox settles listed variant-A messages only",
                ));
            };
            if settle == Settle::Ack {
                self.ledger.lock().unwrap().acked += ids.len();
            }
            Ok(Settled {
                status: 201,
                message_ids: Vec::new(),
            })
        })
    }
}

/// Runs a handler consumer of `inbox` until all `total` messages are acked.
async fn drain(inbox: &Arc<Recording>, total: usize, max_in_flight: usize, work: fn(&str) -> u64) {
    let linger = super::ConsumerOptions::default().batch_linger;
    drain_lingering(inbox, total, max_in_flight, work, linger).await;
}

/// [`drain`] with `linger` as the longest wait for half of the slots to be free.
async fn drain_lingering(
    inbox: &Arc<Recording>,
    total: usize,
    max_in_flight: usize,
    work: fn(&str) -> u64,
    linger: Duration,
) {
    let shutdown = CancellationToken::new();
    let (stop, watched) = (shutdown.clone(), inbox.clone());
    tokio::spawn(async move {
        while watched.ledger(|l| l.acked) < total {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        stop.cancel();
    });
    let client = Client::with_inbox_api(ApiVariant::ById, inbox.clone());
    let source = InboxSource::new(client.messages(InboxRef::from(inbox.id)));
    let mut builder = ConsumerBuilder::from_source(Arc::new(source));
    builder.options.batch_linger = linger;
    let report = builder
        .max_in_flight(max_in_flight)
        .lease_seconds(LeaseSeconds::new(60).unwrap())
        .idle_backoff(Duration::from_millis(10), Duration::from_millis(50))
        .handler({
            let inbox = inbox.clone();
            move |msg: Received| {
                let inbox = inbox.clone();
                async move {
                    {
                        let mut l = inbox.ledger.lock().unwrap();
                        l.running += 1;
                        l.most_committed = l.most_committed.max(l.asked + l.running);
                    }
                    let millis = work(msg.id.as_str());
                    if millis > 0 {
                        tokio::time::sleep(Duration::from_millis(millis)).await;
                    }
                    inbox.ledger.lock().unwrap().running -= 1;
                    Ok::<_, String>(())
                }
            }
        })
        .run(shutdown)
        .await;
    assert!(report.is_balanced(), "{report}");
    assert_eq!(report.acked, total as u64, "{report}");
}

#[tokio::test(start_paused = true)]
async fn leases_stay_near_100_when_the_workers_are_free() {
    let inbox = Recording::with_messages(2_000, Duration::from_millis(1));
    drain(&inbox, 2_000, 100, |_| 0).await;
    let (sizes, most) = inbox.ledger(|l| (l.sizes.clone(), l.most_committed));
    assert!(most <= 100, "asked + running reached {most}");
    // 2,000 messages in leases of about 100 each; leases of 25 (a quarter of the
    // slots) each time would be 80 of them.
    assert!(sizes.len() <= 25, "{} leases: {sizes:?}", sizes.len());
}

/// Handlers of uneven length: the n-th message (from 0) has the uuid n + 1, and its handler
/// takes (n % 4) * 30 ms.
fn uneven(id: &str) -> u64 {
    Uuid::parse_str(id).map_or(0, |u| (u.as_u128() - 1) as u64) % 4 * 30
}

#[tokio::test(start_paused = true)]
async fn lease_calls_overlap_when_workers_free_up_during_a_round_trip_but_never_ask_beyond_them() {
    // Handlers of uneven length free their slots at different times while a 50 ms lease call
    // is in flight: another call goes out for the slots free then.
    let inbox = Recording::with_messages(1_000, Duration::from_millis(50));
    drain(&inbox, 1_000, 40, uneven).await;
    let (most_committed, most_in_flight) = inbox.ledger(|l| (l.most_committed, l.most_in_flight));
    assert!(
        most_committed <= 40,
        "asked by calls in flight + running reached {most_committed}, beyond the 40 workers"
    );
    assert!(
        most_in_flight > 1,
        "no lease call was ever sent while another was in flight"
    );
}

#[tokio::test(start_paused = true)]
async fn lease_answers_are_dispatched_while_the_loop_lingers_for_free_slots() {
    // 40 workers, lease calls of 50 ms. Of the first lease's 40 messages, 35 are done at once:
    // a second lease call goes out for their 35 slots. The last 5 are done 10 ms later: too few
    // slots for a lease (half is 20) while others are taken, so the loop lingers for more.
    // Those others are the second call's, and they free up only once its answer is dispatched
    // and its messages run: a loop that read answers only between lease calls would sit out
    // its whole linger (an hour here, on the paused clock) with that answer unread. The outer
    // bound is virtual time; it fails the test only if the runtime waits out the linger.
    let inbox = Recording::with_messages(200, Duration::from_millis(50));
    let hour = Duration::from_secs(3600);
    let first_lease_tail = |id: &str| {
        let n = Uuid::parse_str(id).map_or(0, |u| u.as_u128() - 1);
        if (35..40).contains(&n) { 10 } else { 0 }
    };
    tokio::time::timeout(
        hour,
        drain_lingering(&inbox, 200, 40, first_lease_tail, hour),
    )
    .await
    .expect("the runtime sat out a linger with a lease answer unread");
}

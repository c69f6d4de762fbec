//! Ack / release coalescing: the settlements of one lease go out in as few requests as possible.
//!
//! Every lease is registered with the settler when its messages are dispatched. Settlements
//! (ack, release, abandon) of its messages are gathered and flushed when, whichever comes first:
//! every message of the lease is settled (the steady state: one ack request per lease), 100
//! handles are pending, the ack window since the first pending settlement has passed, or the
//! lease's deadline is reached (a settlement must reach the server before the lease lapses). On
//! shutdown everything pending is flushed before the settler exits.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::AckHandle;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::event::{self, ConsumerEvent, EventSink};
use super::report::{Counters, DeliveryOutcome};
use super::source::{SettleKind, Source};
use crate::AckOutcome;

/// Most handles per request (the API's `message_ids` / `lease_tokens` limit).
const MAX_PER_REQUEST: usize = 100;

/// How one message was settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Settlement {
    Ack,
    Release,
    /// Left to expire: no request, but the lease's bookkeeping must still see it.
    Abandon,
}

pub(crate) type Reply = Option<oneshot::Sender<DeliveryOutcome>>;

pub(crate) enum Command {
    /// A lease whose `size` messages are being dispatched; flush by `flush_by` at the latest.
    Open {
        key: u64,
        size: usize,
        source: Arc<dyn Source>,
        flush_by: Instant,
    },
    /// One message of lease `key` is settled.
    Settle {
        key: u64,
        handle: AckHandle,
        how: Settlement,
        reply: Reply,
    },
}

/// The sending side, held by the engine and by every delivery.
#[derive(Clone)]
pub(crate) struct SettleSender {
    tx: mpsc::UnboundedSender<Command>,
}

impl SettleSender {
    pub(crate) fn open(&self, key: u64, size: usize, source: Arc<dyn Source>, flush_by: Instant) {
        // The settler outlives every sender (it exits when they are all gone), so a send can
        // only fail during a process teardown, when there is nobody left to tell.
        let _ = self.tx.send(Command::Open {
            key,
            size,
            source,
            flush_by,
        });
    }

    pub(crate) fn settle(
        &self,
        key: u64,
        handle: AckHandle,
        how: Settlement,
        reply: Reply,
    ) -> bool {
        self.tx
            .send(Command::Settle {
                key,
                handle,
                how,
                reply,
            })
            .is_ok()
    }
}

struct Pending {
    source: Arc<dyn Source>,
    size: usize,
    settled: usize,
    acks: Vec<(AckHandle, Reply)>,
    releases: Vec<(AckHandle, Reply)>,
    first_pending: Option<Instant>,
    flush_by: Instant,
}

impl Pending {
    fn due_at(&self, window: Duration) -> Option<Instant> {
        self.first_pending
            .map(|first| (first + window).min(self.flush_by))
    }

    fn queued(&self) -> usize {
        self.acks.len() + self.releases.len()
    }
}

/// Starts the settler task; it ends once every [`SettleSender`] is dropped and all pending
/// settlements are flushed.
pub(crate) fn spawn(
    window: Duration,
    counters: Arc<Counters>,
    events: Option<EventSink>,
) -> (SettleSender, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(run(rx, window, counters, events));
    (SettleSender { tx }, task)
}

async fn run(
    mut rx: mpsc::UnboundedReceiver<Command>,
    window: Duration,
    counters: Arc<Counters>,
    events: Option<EventSink>,
) {
    let mut pending: HashMap<u64, Pending> = HashMap::new();
    let mut flights: JoinSet<()> = JoinSet::new();
    loop {
        let next_due = pending.values().filter_map(|p| p.due_at(window)).min();
        tokio::select! {
            command = rx.recv() => {
                let Some(command) = command else { break };
                match command {
                    Command::Open { key, size, source, flush_by } => {
                        let entry = pending.entry(key).or_insert_with(|| Pending {
                            source: source.clone(),
                            size,
                            settled: 0,
                            acks: Vec::new(),
                            releases: Vec::new(),
                            first_pending: None,
                            flush_by,
                        });
                        entry.size = size;
                        entry.flush_by = flush_by;
                    }
                    Command::Settle { key, handle, how, reply } => {
                        let Some(p) = pending.get_mut(&key) else {
                            // Unknown lease: only possible if a delivery outlived its runtime.
                            continue;
                        };
                        p.settled += 1;
                        match how {
                            Settlement::Ack => p.acks.push((handle, reply)),
                            Settlement::Release => p.releases.push((handle, reply)),
                            Settlement::Abandon => {
                                counters.outcome(&DeliveryOutcome::Abandoned);
                                if let Some(reply) = reply {
                                    let _ = reply.send(DeliveryOutcome::Abandoned);
                                }
                            }
                        }
                        if p.queued() > 0 && p.first_pending.is_none() {
                            p.first_pending = Some(Instant::now());
                        }
                        let complete = p.settled >= p.size;
                        if complete || p.queued() >= MAX_PER_REQUEST {
                            flush(&mut pending, key, complete, &mut flights, &counters, &events);
                        }
                    }
                }
            }
            _ = sleep_until_opt(next_due) => {
                let now = Instant::now();
                let due: Vec<u64> = pending
                    .iter()
                    .filter(|(_, p)| p.due_at(window).is_some_and(|at| at <= now))
                    .map(|(k, _)| *k)
                    .collect();
                for key in due {
                    flush(&mut pending, key, false, &mut flights, &counters, &events);
                }
            }
            Some(_) = flights.join_next(), if !flights.is_empty() => {}
        }
    }
    // Every sender is gone: flush what is left, then wait for the requests in flight.
    let keys: Vec<u64> = pending.keys().copied().collect();
    for key in keys {
        flush(&mut pending, key, true, &mut flights, &counters, &events);
    }
    while flights.join_next().await.is_some() {}
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Sends what lease `key` has queued; forgets the lease when `done`.
fn flush(
    pending: &mut HashMap<u64, Pending>,
    key: u64,
    done: bool,
    flights: &mut JoinSet<()>,
    counters: &Arc<Counters>,
    events: &Option<EventSink>,
) {
    let Some(p) = pending.get_mut(&key) else {
        return;
    };
    let acks = std::mem::take(&mut p.acks);
    let releases = std::mem::take(&mut p.releases);
    p.first_pending = None;
    let source = p.source.clone();
    if done {
        pending.remove(&key);
    }
    for (kind, batch) in [(SettleKind::Ack, acks), (SettleKind::Release, releases)] {
        if batch.is_empty() {
            continue;
        }
        let source = source.clone();
        let counters = counters.clone();
        let events = events.clone();
        flights.spawn(send(source, kind, batch, counters, events));
    }
}

async fn send(
    source: Arc<dyn Source>,
    kind: SettleKind,
    batch: Vec<(AckHandle, Reply)>,
    counters: Arc<Counters>,
    events: Option<EventSink>,
) {
    // The handler style asks for no receipt: then the outcomes are only counted, and no map of
    // replies is built (two hashes and a handle clone per message otherwise).
    let wants_receipts = batch.iter().any(|(_, reply)| reply.is_some());
    let (handles, mut replies): (Vec<AckHandle>, HashMap<AckHandle, Reply>) = if wants_receipts {
        let handles = batch.iter().map(|(h, _)| h.clone()).collect();
        (handles, batch.into_iter().collect())
    } else {
        (batch.into_iter().map(|(h, _)| h).collect(), HashMap::new())
    };
    let requests = handles.len().div_ceil(MAX_PER_REQUEST) as u64;
    let request_counter = match kind {
        SettleKind::Ack => &counters.ack_requests,
        SettleKind::Release => &counters.release_requests,
    };
    Counters::add(request_counter, requests);
    let total = handles.len();
    match source.settle(kind, handles).await {
        Ok(results) => {
            let mut expired = 0;
            let answered = results.len();
            // Outcomes are counted by runs of the same one (a lease's are usually all alike).
            let mut run: Option<(AckOutcome, u64)> = None;
            for (handle, result) in results {
                if result == AckOutcome::LeaseExpired {
                    expired += 1;
                }
                match &mut run {
                    Some((outcome, n)) if *outcome == result => *n += 1,
                    _ => {
                        if let Some((outcome, n)) = run.replace((result, 1)) {
                            counters.outcomes(&DeliveryOutcome::Server(outcome), n);
                        }
                    }
                }
                if wants_receipts && let Some(Some(reply)) = replies.remove(&handle) {
                    let _ = reply.send(DeliveryOutcome::Server(result));
                }
            }
            if let Some((outcome, n)) = run {
                counters.outcomes(&DeliveryOutcome::Server(outcome), n);
            }
            // A handle the source did not answer for is treated as not settled. The source
            // answers once per distinct handle it was given, and a batch holds each once.
            let unanswered = if wants_receipts {
                replies.len()
            } else {
                total.saturating_sub(answered)
            };
            count_failed(
                &counters,
                &mut replies,
                unanswered,
                "the server did not answer for this message",
            );
            if expired > 0 {
                event::emit(
                    &events,
                    ConsumerEvent::LeaseExpired {
                        inbox: source.label().to_owned(),
                        count: expired,
                    },
                );
            }
            if unanswered > 0 {
                event::emit(
                    &events,
                    ConsumerEvent::SettleFailed {
                        inbox: source.label().to_owned(),
                        count: unanswered,
                        error: "the server did not answer for these messages".into(),
                    },
                );
            }
        }
        Err(error) => {
            let text = error.to_string();
            count_failed(&counters, &mut replies, total, &text);
            event::emit(
                &events,
                ConsumerEvent::SettleFailed {
                    inbox: source.label().to_owned(),
                    count: total,
                    error: text,
                },
            );
        }
    }
}

/// Counts `unsettled` settlements as failed (`why`) and answers the receipts left in `replies`
/// (those of exactly these settlements when receipts were asked for, none otherwise).
fn count_failed(
    counters: &Counters,
    replies: &mut HashMap<AckHandle, Reply>,
    unsettled: usize,
    why: &str,
) {
    if unsettled > 0 {
        counters.outcomes(&DeliveryOutcome::Failed(why.to_owned()), unsettled as u64);
    }
    for (_, reply) in replies.drain() {
        if let Some(reply) = reply {
            let _ = reply.send(DeliveryOutcome::Failed(why.to_owned()));
        }
    }
}

//! The lease loop: decides when to lease, from which inbox, and how many messages.
//!
//! Rules, in order of importance:
//! 1. **Never lease what cannot start now.** Every leased message takes a worker slot (a semaphore
//!    permit) before the lease call and keeps it until settled, so the runtime never holds more
//!    leased-but-unstarted messages than free workers. A message that waits in a local buffer
//!    while its lease runs down would burn one of its five attempts.
//! 2. **Lease size follows free capacity** (1..=100): as many messages as there are free slots,
//!    up to the inbox's fair share when several inboxes share the slots. While messages are in
//!    flight the loop waits for half of the slots to be free (briefly), then takes the
//!    slots freed in the same instant too, so leases, and therefore ack requests, stay few and
//!    near 100 when the workers are free.
//! 3. **Pipelining over latency.** While an inbox's last answer was full, a further lease call
//!    may go out before the previous ones answered, each for the slots free when it is sent, so
//!    a lease's round trip need not leave freed workers idle. Acks and releases never wait in
//!    front of a lease: they go out from the settler, concurrently.
//! 4. **Idle inboxes back off** with jitter between a floor and a ceiling, and are woken early by
//!    their notification stream (SSE) or a webhook; the ceiling is the safety poll.
//! 5. **Failures never stop the loop silently:** a paused inbox is re-checked periodically and
//!    reported; transient errors (an answer that does not decode included) back off and are
//!    reported; unrecoverable ones stop that inbox only, and are reported and returned.
//! 6. **The answer is checked against the request:** only as many messages run as slots were
//!    taken; the surplus and second copies of a message are released or dropped, never run.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::{Error, InboxStatus, Lease, LeaseLimit, LeaseOptions, LeaseSeconds};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::backoff::Backoff;
use super::deadline::{Deadline, saturating_after};
use super::delivery::{Delivery, SettleToken, WorkerSlot};
use super::event::{self, ConsumerEvent, EventSink};
use super::lease_answer::sort_lease;
use super::options::ConsumerOptions;
use super::report::{Counters, StoppedInbox};
use super::settle::{SettleSender, Settlement};
use super::source::Source;

/// The most messages one lease call may ask for.
const MAX_LEASE: usize = 100;

/// The most lease calls of one inbox in flight at once. More than one hides a lease's round
/// trip behind another's when workers free up at different times; each still asks only for
/// worker slots that are free when it is sent.
const MAX_PIPELINED: usize = 4;

/// The longest a server's `Retry-After` holds an inbox back: a larger value (a broken or hostile
/// server can send any number) is read as this, so the inbox is tried again within the hour
/// instead of never, and no instant arithmetic can overflow.
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// One inbox as the engine sees it; `woken` is set by its wake-up sources.
#[derive(Clone)]
pub(crate) struct InboxEntry {
    pub source: Arc<dyn Source>,
    pub woken: Arc<AtomicBool>,
}

/// Everything the engine shares with the rest of the runtime.
pub(crate) struct Engine {
    pub options: Arc<ConsumerOptions>,
    pub counters: Arc<Counters>,
    pub events: Option<EventSink>,
    pub settler: SettleSender,
    pub slots: Arc<Semaphore>,
    /// Notified each time a worker slot is freed.
    pub freed: Arc<Notify>,
    pub wake: Arc<Notify>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Active,
    Paused,
    Failing,
    Stopped,
}

struct Slot {
    entry: InboxEntry,
    state: State,
    /// Lease calls of this inbox in flight.
    leasing: usize,
    /// The last answer was full: more messages are probably waiting, so another lease may go
    /// out while one is still in flight (pipelining), when free capacity allows.
    more: bool,
    next_at: Instant,
    idle: Backoff,
    errors: Backoff,
    reported_status: Option<InboxStatus>,
}

impl Engine {
    /// Runs until `cancel` fires or every inbox is stopped; returns the stopped inboxes.
    ///
    /// Lease calls run concurrently, so one slow inbox (or one slow tenant's token refresh) does
    /// not hold back the others. An inbox whose last answer was full may have up to
    /// `MAX_PIPELINED` calls in flight (each for slots free when it was sent); any other inbox
    /// has at most one.
    pub(super) async fn run(
        self,
        inboxes: Vec<InboxEntry>,
        out: mpsc::UnboundedSender<Vec<Delivery>>,
        cancel: CancellationToken,
    ) -> Vec<StoppedInbox> {
        let now = Instant::now();
        let mut slots: Vec<Slot> = inboxes
            .into_iter()
            .map(|entry| Slot {
                entry,
                state: State::Active,
                leasing: 0,
                more: false,
                next_at: now,
                idle: Backoff::new(self.options.idle_floor, self.options.idle_ceiling),
                errors: Backoff::new(self.options.error_floor, self.options.error_ceiling),
                reported_status: None,
            })
            .collect();
        let mut stopped = Vec::new();
        let mut leases: JoinSet<LeaseDone> = JoinSet::new();
        let mut cursor = 0usize;
        let mut lease_key = 0u64;
        let max = self.options.max_in_flight.max(1);

        loop {
            while let Some(done) = leases.try_join_next() {
                self.finish(&mut slots, done, &out, &mut stopped);
            }
            if cancel.is_cancelled()
                || (leases.is_empty() && slots.iter().all(|s| s.state == State::Stopped))
            {
                break;
            }

            // An inbox that is due (round robin), or wait for one.
            let now = Instant::now();
            let ready = (0..slots.len())
                .map(|i| (cursor + i) % slots.len())
                .find(|&i| slots[i].is_due(now));
            let Some(i) = ready else {
                let next = slots
                    .iter()
                    .filter(|s| s.state != State::Stopped && s.leasing == 0)
                    .map(|s| s.next_at)
                    .min()
                    .unwrap_or_else(|| saturating_after(now, self.options.idle_ceiling));
                tokio::select! {
                    Some(done) = leases.join_next(), if !leases.is_empty() => {
                        self.finish(&mut slots, done, &out, &mut stopped);
                    }
                    _ = tokio::time::sleep_until(next) => {}
                    _ = self.wake.notified() => {}
                    _ = cancel.cancelled() => break,
                }
                continue;
            };

            // Then capacity: one free slot, then as many as are free.
            let first = tokio::select! {
                permit = self.slots.clone().acquire_owned() => match permit {
                    Ok(p) => p,
                    Err(_) => break,
                },
                Some(done) = leases.join_next(), if !leases.is_empty() => {
                    self.finish(&mut slots, done, &out, &mut stopped);
                    continue;
                }
                _ = cancel.cancelled() => break,
            };
            let mut permits = Vec::with_capacity(MAX_LEASE);
            permits.push(first);
            gather(&self.slots, &mut permits, MAX_LEASE);
            let in_flight = max
                .saturating_sub(self.slots.available_permits())
                .saturating_sub(permits.len());
            if permits.len() < self.options.min_batch() && in_flight > 0 {
                // Wait (briefly) for more slots to free up, so that leases, and the one ack
                // request each of them costs, stay few; most batches finish close together.
                // Answers of lease calls in flight are dispatched meanwhile: their slots free
                // up only once their messages run, so leaving them unread would stall the
                // runtime until the linger ends.
                let linger = tokio::time::sleep(self.options.batch_linger);
                tokio::pin!(linger);
                loop {
                    tokio::select! {
                        _ = self.freed.notified() => {}
                        Some(done) = leases.join_next(), if !leases.is_empty() => {
                            self.finish(&mut slots, done, &out, &mut stopped);
                        }
                        _ = &mut linger => break,
                        _ = cancel.cancelled() => break,
                    }
                    gather(&self.slots, &mut permits, MAX_LEASE);
                    let busy = max
                        .saturating_sub(self.slots.available_permits())
                        .saturating_sub(permits.len());
                    if permits.len() >= self.options.min_batch() || busy == 0 {
                        break;
                    }
                }
                if cancel.is_cancelled() {
                    break;
                }
                if slots[i].state == State::Stopped {
                    // An answer read while lingering stopped this inbox; the slots go back.
                    continue;
                }
            }
            // The handlers of one lease tend to finish together (no work, or timers firing in
            // the same tick): let the tasks that are ready now run, and take the slots they free,
            // as long as that adds any, so that leases (and their ack requests) stay near 100
            // instead of going out for the first few slots freed.
            if in_flight > 0 {
                while permits.len() < MAX_LEASE {
                    let before = permits.len();
                    tokio::task::yield_now().await;
                    gather(&self.slots, &mut permits, MAX_LEASE);
                    if permits.len() == before {
                        break;
                    }
                }
            }

            cursor = (i + 1) % slots.len();
            let active = slots
                .iter()
                .filter(|s| s.state != State::Stopped)
                .count()
                .max(1);
            let fair_share = max.div_ceil(active).max(1);
            permits.truncate(fair_share.min(MAX_LEASE));

            let slot = &mut slots[i];
            slot.entry.woken.store(false, Ordering::Relaxed);
            slot.leasing += 1;
            lease_key += 1;
            Counters::add(&self.counters.lease_requests, 1);
            let source = slot.entry.source.clone();
            let lease_seconds = self.options.lease_seconds_for(source.variant());
            leases.spawn(lease(i, lease_key, source, lease_seconds, permits));
        }
        // A lease cut short by shutdown may still have leased messages on the server; they return
        // after their lease, having spent one attempt. Only a shutdown does this.
        leases.abort_all();
        while leases.join_next().await.is_some() {}
        stopped
    }

    /// Applies a finished lease call to its inbox: bookkeeping, events, and the dispatch of its
    /// messages.
    fn finish(
        &self,
        slots: &mut [Slot],
        done: Result<LeaseDone, tokio::task::JoinError>,
        out: &mpsc::UnboundedSender<Vec<Delivery>>,
        stopped: &mut Vec<StoppedInbox>,
    ) {
        let done = match done {
            Ok(done) => done,
            // Only an abort (at shutdown) or a panic in the lease future ends up here; the
            // inbox's `leasing` flag no longer matters at shutdown, and a panic is a bug that
            // must not take the runtime down.
            Err(error) => {
                tracing::error!(%error, "a lease call did not complete");
                return;
            }
        };
        let slot = &mut slots[done.index];
        slot.leasing = slot.leasing.saturating_sub(1);
        slot.more = false;
        let source = slot.entry.source.clone();
        metrics::histogram!("zapier_embed_consumer_lease_seconds", "inbox" => source.label().to_owned())
            .record(done.sent.elapsed().as_secs_f64());
        let now = Instant::now();
        let lease = match done.result {
            Ok(lease) => lease,
            Err(error) => {
                self.on_lease_error(slot, &error, now);
                if let Outcome::Permanent = classify(&error) {
                    slot.state = State::Stopped;
                    let label = source.label().to_owned();
                    event::emit(
                        &self.events,
                        ConsumerEvent::InboxStopped {
                            inbox: label.clone(),
                            error: error.to_string(),
                        },
                    );
                    stopped.push(StoppedInbox {
                        inbox: label,
                        error: error.to_string(),
                    });
                }
                return;
            }
        };

        if matches!(slot.state, State::Paused | State::Failing) && !lease.is_empty() {
            event::emit(
                &self.events,
                ConsumerEvent::InboxResumed {
                    inbox: source.label().to_owned(),
                },
            );
        }
        if !lease.is_empty() || slot.state == State::Failing {
            slot.state = State::Active;
        }
        slot.errors.reset();
        self.report_status(slot, &lease);

        if lease.is_empty() {
            slot.next_at = saturating_after(now, slot.idle.next());
            return;
        }
        slot.idle.reset();
        // A full lease means more may be waiting: lease again as soon as there is room, even
        // before the other lease calls of this inbox have answered.
        slot.next_at = now;
        slot.more = lease.len() >= done.permits.len();

        let margin = self.options.margin_for(done.lease_seconds);
        let deadline = Deadline::for_lease(
            done.sent,
            done.lease_seconds.as_duration(),
            Some(lease.leased_until),
            margin,
        );
        let sorted = sort_lease(lease.messages, done.permits.len());
        if sorted.duplicates > 0 {
            Counters::add(&self.counters.lease_duplicates, sorted.duplicates as u64);
        }
        if !sorted.surplus.is_empty() {
            Counters::add(&self.counters.surplus_released, sorted.surplus.len() as u64);
        }
        let count = sorted.run.len() + sorted.surplus.len();
        if sorted.duplicates > 0 || !sorted.surplus.is_empty() {
            tracing::warn!(
                inbox = source.label(),
                asked = done.permits.len(),
                duplicates = sorted.duplicates,
                surplus = sorted.surplus.len(),
                "the lease answer held more than was asked for: the extra messages are not run"
            );
        }
        Counters::add(&self.counters.nonempty_leases, 1);
        Counters::add(&self.counters.leased, count as u64);
        metrics::counter!("zapier_embed_consumer_leased_total", "inbox" => source.label().to_owned())
            .increment(count as u64);
        let label: Arc<str> = Arc::from(source.label());
        let key = done.key;
        self.settler.open(key, count, source, deadline.instant());
        // Messages beyond the worker slots taken for this lease (a server that answered more
        // than asked, or a second hold on a message already in it) never start: they go back
        // at once, so the number of running handlers never exceeds `max_in_flight`.
        for message in sorted.surplus {
            SettleToken::new(key, message.ack, self.settler.clone(), None)
                .settle_detached(Settlement::Release);
        }
        // The lease's deliveries travel together: one channel hop per lease, not per message.
        let mut deliveries = Vec::with_capacity(sorted.run.len());
        for (message, permit) in sorted.run.into_iter().zip(done.permits) {
            let slot = WorkerSlot::new(permit, self.freed.clone());
            let token =
                SettleToken::new(key, message.ack.clone(), self.settler.clone(), Some(slot));
            deliveries.push(Delivery::new(message, deadline, label.clone(), token));
        }
        // If nobody consumes deliveries any more, the send fails and dropping the deliveries
        // releases their messages.
        let _ = out.send(deliveries);
    }

    fn on_lease_error(&self, slot: &mut Slot, error: &Error, now: Instant) {
        let label = slot.entry.source.label().to_owned();
        match classify(error) {
            Outcome::Paused => {
                let reason = match error {
                    Error::InboxPaused { reason, .. } => reason.clone(),
                    _ => None,
                };
                if slot.state != State::Paused {
                    event::emit(
                        &self.events,
                        ConsumerEvent::InboxPaused {
                            inbox: label,
                            needs_reconnect: reason.as_ref().is_some_and(|r| r.needs_reconnect()),
                            reason,
                        },
                    );
                }
                slot.state = State::Paused;
                slot.next_at = saturating_after(now, self.options.paused_recheck);
            }
            Outcome::Transient => {
                slot.state = State::Failing;
                // Never lease again before the server's Retry-After has elapsed.
                let retry_in = slot
                    .errors
                    .next()
                    .max(error.retry_after().unwrap_or_default().min(MAX_RETRY_AFTER));
                slot.next_at = saturating_after(now, retry_in);
                event::emit(
                    &self.events,
                    ConsumerEvent::LeaseFailed {
                        inbox: label,
                        error: error.to_string(),
                        retry_in,
                    },
                );
            }
            Outcome::Permanent => {}
        }
    }

    /// Reports a change of the inbox status seen on a lease (e.g. paused while draining).
    fn report_status(&self, slot: &mut Slot, lease: &crate::Lease) {
        let Some(attributes) = &lease.inbox_attributes else {
            return;
        };
        if slot.reported_status.as_ref() == Some(&attributes.status) {
            return;
        }
        let first = slot.reported_status.is_none();
        slot.reported_status = Some(attributes.status.clone());
        if first && attributes.status.is_active() {
            return;
        }
        event::emit(
            &self.events,
            ConsumerEvent::InboxStatus {
                inbox: slot.entry.source.label().to_owned(),
                status: attributes.status.clone(),
                reason: attributes.paused_reason.clone(),
            },
        );
    }
}

impl Slot {
    fn is_due(&self, now: Instant) -> bool {
        if self.leasing > 0 {
            // Pipelining: another lease call while some are in flight, only for an active inbox
            // whose last answer was full (the engine asks only for slots that are free now).
            return self.state == State::Active && self.more && self.leasing < MAX_PIPELINED;
        }
        match self.state {
            State::Stopped => false,
            // A wake-up (SSE frame, webhook) makes an idle inbox due at once; a failing one
            // still waits out its backoff (and any Retry-After).
            State::Active | State::Paused => {
                self.next_at <= now || self.entry.woken.load(Ordering::Relaxed)
            }
            State::Failing => self.next_at <= now,
        }
    }
}

/// What a lease call returns to the engine.
struct LeaseDone {
    index: usize,
    key: u64,
    lease_seconds: LeaseSeconds,
    /// When the request was sent: the deadline counts from here.
    sent: Instant,
    /// The worker slots taken for it; those not used by a message are freed when dropped.
    permits: Vec<OwnedSemaphorePermit>,
    result: Result<Lease, Error>,
}

/// One lease call on inbox `index`, asking for as many messages as there are `permits`.
async fn lease(
    index: usize,
    key: u64,
    source: Arc<dyn Source>,
    lease_seconds: LeaseSeconds,
    permits: Vec<OwnedSemaphorePermit>,
) -> LeaseDone {
    let options = LeaseOptions::default_for(source.variant())
        .with_lease_seconds(lease_seconds)
        .with_limit(LeaseLimit::clamped(permits.len() as u64));
    let sent = Instant::now();
    let result = source.lease(options).await;
    LeaseDone {
        index,
        key,
        lease_seconds,
        sent,
        permits,
        result,
    }
}

enum Outcome {
    Paused,
    Transient,
    Permanent,
}

fn classify(error: &Error) -> Outcome {
    match error {
        Error::InboxPaused { .. } => Outcome::Paused,
        e if e.is_retryable() => Outcome::Transient,
        // An answer that does not decode (a garbage 200 from a proxy, a truncated body) or that
        // crossed a read limit says nothing about the inbox: the next lease may well succeed,
        // so it is retried with backoff like a 5xx (and reported), not a stop.
        Error::Decode { .. } | Error::LimitExceeded { .. } => Outcome::Transient,
        // A token that expired mid-run is refreshed by the client; seeing it here means the
        // refresh itself failed, which may be temporary (the token endpoint was down).
        Error::Unauthenticated { .. } => Outcome::Transient,
        _ => Outcome::Permanent,
    }
}

fn gather(semaphore: &Arc<Semaphore>, permits: &mut Vec<OwnedSemaphorePermit>, max: usize) {
    while permits.len() < max {
        match semaphore.clone().try_acquire_owned() {
            Ok(p) => permits.push(p),
            Err(_) => break,
        }
    }
}

#[cfg(test)]
#[path = "lease_loop_tests.rs"]
mod tests;

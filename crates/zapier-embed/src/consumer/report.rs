//! Outcome counters: what the runtime did with every message it leased.
//!
//! Every leased message ends in exactly one outcome: acked, released, lease expired (the
//! settlement arrived too late), not held, unconfirmed, settle failed (the request failed for
//! good), or abandoned (left to expire by policy). [`ShutdownReport::is_balanced`] checks that
//! they add up.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use crate::AckOutcome;

/// What the settlement (ack or release) of one delivered message came to.
///
/// ```
/// use zapier_embed::messages::AckOutcome;
/// use zapier_embed::consumer::DeliveryOutcome;
///
/// let outcome = DeliveryOutcome::Server(AckOutcome::Acked);
/// assert!(outcome.is_acked());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryOutcome {
    /// The server's answer: acked, released, or `LeaseExpired` when the settlement arrived after
    /// the lease lapsed (the message will be redelivered; counted, never swallowed).
    Server(AckOutcome),
    /// Left to expire on purpose ([`FailurePolicy::LeaveToExpire`](super::FailurePolicy)).
    Abandoned,
    /// The settle request failed for good (after the client's retries); the message will be
    /// redelivered when its lease lapses. Carries the error's one-line description.
    Failed(String),
}

impl DeliveryOutcome {
    /// A short label for metrics.
    fn label(&self) -> &'static str {
        match self {
            DeliveryOutcome::Server(AckOutcome::Acked) => "acked",
            DeliveryOutcome::Server(AckOutcome::Released) => "released",
            DeliveryOutcome::Server(AckOutcome::LeaseExpired) => "lease_expired",
            DeliveryOutcome::Server(AckOutcome::NotHeld) => "not_held",
            DeliveryOutcome::Server(_) => "unconfirmed",
            DeliveryOutcome::Abandoned => "abandoned",
            DeliveryOutcome::Failed(_) => "failed",
        }
    }

    /// Whether the server acknowledged the message.
    ///
    /// ```
    /// use zapier_embed::consumer::DeliveryOutcome;
    /// assert!(!DeliveryOutcome::Abandoned.is_acked());
    /// ```
    pub fn is_acked(&self) -> bool {
        *self == DeliveryOutcome::Server(AckOutcome::Acked)
    }
}

#[derive(Default)]
pub(crate) struct Counters {
    pub leased: AtomicU64,
    pub lease_requests: AtomicU64,
    pub nonempty_leases: AtomicU64,
    pub acked: AtomicU64,
    pub released: AtomicU64,
    pub lease_expired: AtomicU64,
    pub settle_failed: AtomicU64,
    pub not_held: AtomicU64,
    pub unconfirmed: AtomicU64,
    pub abandoned: AtomicU64,
    pub ack_requests: AtomicU64,
    pub release_requests: AtomicU64,
    pub handler_errors: AtomicU64,
    pub deadline_exceeded: AtomicU64,
    pub released_unstarted: AtomicU64,
    pub dead_lettered: AtomicU64,
    pub duplicates_skipped: AtomicU64,
    pub claims_held_elsewhere: AtomicU64,
    pub dedup_failures: AtomicU64,
    pub surplus_released: AtomicU64,
    pub lease_duplicates: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Relaxed);
    }

    pub(crate) fn outcome(&self, outcome: &DeliveryOutcome) {
        self.outcomes(outcome, 1);
    }

    /// Counts `n` settlements with the same outcome (one metrics update for them all).
    pub(crate) fn outcomes(&self, outcome: &DeliveryOutcome, n: u64) {
        metrics::counter!("zapier_embed_consumer_settled_total", "outcome" => outcome.label())
            .increment(n);
        let counter = match outcome {
            DeliveryOutcome::Server(AckOutcome::Acked) => &self.acked,
            DeliveryOutcome::Server(AckOutcome::Released) => &self.released,
            DeliveryOutcome::Server(AckOutcome::LeaseExpired) => &self.lease_expired,
            DeliveryOutcome::Server(AckOutcome::NotHeld) => &self.not_held,
            DeliveryOutcome::Server(_) => &self.unconfirmed,
            DeliveryOutcome::Abandoned => &self.abandoned,
            DeliveryOutcome::Failed(_) => &self.settle_failed,
        };
        Self::add(counter, n);
    }

    pub(crate) fn snapshot(
        &self,
        elapsed: Duration,
        stopped_inboxes: Vec<StoppedInbox>,
    ) -> ShutdownReport {
        let g = |c: &AtomicU64| c.load(Relaxed);
        ShutdownReport {
            leased: g(&self.leased),
            acked: g(&self.acked),
            released: g(&self.released),
            lease_expired: g(&self.lease_expired),
            settle_failed: g(&self.settle_failed),
            not_held: g(&self.not_held),
            unconfirmed: g(&self.unconfirmed),
            abandoned: g(&self.abandoned),
            dead_lettered: g(&self.dead_lettered),
            duplicates_skipped: g(&self.duplicates_skipped),
            claims_held_elsewhere: g(&self.claims_held_elsewhere),
            dedup_failures: g(&self.dedup_failures),
            surplus_released: g(&self.surplus_released),
            lease_duplicates: g(&self.lease_duplicates),
            handler_errors: g(&self.handler_errors),
            deadline_exceeded: g(&self.deadline_exceeded),
            released_unstarted: g(&self.released_unstarted),
            lease_requests: g(&self.lease_requests),
            nonempty_leases: g(&self.nonempty_leases),
            ack_requests: g(&self.ack_requests),
            release_requests: g(&self.release_requests),
            elapsed,
            stopped_inboxes,
        }
    }
}

/// An inbox the runtime stopped consuming because of an error it cannot recover from (for
/// example the inbox was deleted, or the token was rejected).
///
/// ```
/// # fn show(report: &zapier_embed::consumer::ShutdownReport) {
/// for stopped in &report.stopped_inboxes {
///     eprintln!("stopped consuming {}: {}", stopped.inbox, stopped.error);
/// }
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoppedInbox {
    /// The inbox label (id or name).
    pub inbox: String,
    /// The error's one-line description.
    pub error: String,
}

/// What a consumer did, returned when it stops.
///
/// ```
/// # use zapier_embed::consumer::ShutdownReport;
/// fn check(report: &ShutdownReport) {
///     assert!(report.is_balanced(), "{report}");
///     println!("{} acked in {:?}", report.acked, report.elapsed);
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// Messages leased.
    pub leased: u64,
    /// Messages acknowledged (dead-lettered and de-duplicated ones included).
    pub acked: u64,
    /// Messages released back to the inbox.
    pub released: u64,
    /// Settlements that arrived after the lease lapsed (the messages will be redelivered).
    pub lease_expired: u64,
    /// Settlements whose request failed for good.
    pub settle_failed: u64,
    /// Settlements the server answered with "not held under this lease" (already settled, or
    /// its lease lapsed and it was leased again).
    pub not_held: u64,
    /// Variant B settlements the server took without saying which tokens it settled.
    pub unconfirmed: u64,
    /// Messages left to expire by policy.
    pub abandoned: u64,
    /// Messages handed to the dead-letter hook on their final attempt (then acked).
    pub dead_lettered: u64,
    /// Messages acked without running the handler because [`Dedup`](super::Dedup) had them done.
    pub duplicates_skipped: u64,
    /// Messages left to their lease without running the handler because another worker held a
    /// claim on them ([`Claim::HeldElsewhere`](super::Claim::HeldElsewhere)).
    pub claims_held_elsewhere: u64,
    /// Failed [`Dedup`](super::Dedup) calls (each also a
    /// [`ConsumerEvent::DedupFailed`](super::ConsumerEvent::DedupFailed)); a failed claim leaves
    /// its message to its lease.
    pub dedup_failures: u64,
    /// Messages a lease answer held beyond what was asked for (a misbehaving server), released
    /// at once without running, so no more handlers run than `max_in_flight` allows. Counted in
    /// `leased` and settled like any other message.
    pub surplus_released: u64,
    /// Messages a lease answer listed more than once: each runs once. A copy under the same ack
    /// handle has nothing left to settle and is counted only here (not in `leased`); a copy
    /// under another handle is also counted in `surplus_released` and released.
    pub lease_duplicates: u64,
    /// Handler runs that returned an error.
    pub handler_errors: u64,
    /// Handler runs cut off at their deadline.
    pub deadline_exceeded: u64,
    /// Messages released without starting because too little lease time was left.
    pub released_unstarted: u64,
    /// Lease requests sent.
    pub lease_requests: u64,
    /// Lease requests that returned at least one message.
    pub nonempty_leases: u64,
    /// Ack requests sent.
    pub ack_requests: u64,
    /// Release requests sent.
    pub release_requests: u64,
    /// How long the consumer ran.
    pub elapsed: Duration,
    /// Inboxes stopped by an unrecoverable error.
    pub stopped_inboxes: Vec<StoppedInbox>,
}

impl ShutdownReport {
    /// Whether every leased message has exactly one recorded outcome.
    ///
    /// ```
    /// # fn check(report: &zapier_embed::consumer::ShutdownReport) {
    /// assert!(report.is_balanced(), "{report}");
    /// # }
    /// ```
    pub fn is_balanced(&self) -> bool {
        self.leased
            == self.acked
                + self.released
                + self.lease_expired
                + self.settle_failed
                + self.not_held
                + self.unconfirmed
                + self.abandoned
    }
}

impl fmt::Display for ShutdownReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "leased {}: acked {}, released {}, lease expired {}, settle failed {}, not held {}, \
             unconfirmed {}, abandoned {} \
             (dead-lettered {}, duplicates skipped {}, claimed elsewhere {}, dedup failures {}, \
             handler errors {}, deadline exceeded {}, \
             surplus released {}, duplicates in leases {}); \
             {} lease requests ({} non-empty), {} ack requests, {} release requests in {:.1?}",
            self.leased,
            self.acked,
            self.released,
            self.lease_expired,
            self.settle_failed,
            self.not_held,
            self.unconfirmed,
            self.abandoned,
            self.dead_lettered,
            self.duplicates_skipped,
            self.claims_held_elsewhere,
            self.dedup_failures,
            self.handler_errors,
            self.deadline_exceeded,
            self.surplus_released,
            self.lease_duplicates,
            self.lease_requests,
            self.nonempty_leases,
            self.ack_requests,
            self.release_requests,
            self.elapsed,
        )
    }
}

//! The runtime's knobs and policies, with the reasons for their defaults.

use std::time::Duration;

use crate::{ApiVariant, LeaseSeconds};

/// What happens to a message whose handler is still running at its [`Deadline`](super::Deadline).
///
/// The API cannot extend a lease, so a handler that overruns would otherwise let the lease lapse
/// silently: the message would come back later with one attempt fewer, and the handler's eventual
/// ack would fail with `lease_expired`.
///
/// ```
/// use zapier_embed::consumer::DeadlinePolicy;
/// assert_eq!(DeadlinePolicy::default(), DeadlinePolicy::CancelAndRelease);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeadlinePolicy {
    /// Cancel the handler (drop its future) and release the message at once. The default: the
    /// work is abandoned before the server would hand the message to another consumer.
    #[default]
    CancelAndRelease,
    /// Release the message at once but let the handler run to completion in the background; its
    /// result is ignored. For handlers that must not be interrupted half-way and are idempotent.
    ReleaseAndDetach,
}

/// What happens to a message whose handler returned an error.
///
/// ```
/// use zapier_embed::consumer::FailurePolicy;
/// assert_eq!(FailurePolicy::default(), FailurePolicy::Release);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailurePolicy {
    /// Release the message so it is redelivered at once (spends one of its five attempts).
    #[default]
    Release,
    /// Do nothing: the message is redelivered when its lease lapses, which delays the retry by up
    /// to the lease length.
    LeaveToExpire,
}

/// What graceful shutdown does with handlers still running.
///
/// ```
/// use zapier_embed::consumer::ShutdownPolicy;
/// assert_eq!(ShutdownPolicy::default(), ShutdownPolicy::WaitForHandlers);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShutdownPolicy {
    /// Let running handlers finish within the shutdown timeout, then cancel the rest and release
    /// their messages.
    #[default]
    WaitForHandlers,
    /// Cancel every running handler and release its message at once.
    ReleaseImmediately,
}

/// Every setting of a consumer; built through [`ConsumerBuilder`](super::ConsumerBuilder).
#[derive(Clone, Debug)]
pub(crate) struct ConsumerOptions {
    pub max_in_flight: usize,
    pub lease_seconds: Option<LeaseSeconds>,
    pub safety_margin: Option<Duration>,
    pub min_start_budget: Duration,
    pub min_batch: Option<usize>,
    pub batch_linger: Duration,
    pub ack_window: Duration,
    pub idle_floor: Duration,
    pub idle_ceiling: Duration,
    pub error_floor: Duration,
    pub error_ceiling: Duration,
    pub paused_recheck: Duration,
    pub wake_on_sse: bool,
    pub shutdown_timeout: Duration,
    pub shutdown_policy: ShutdownPolicy,
    pub deadline_policy: DeadlinePolicy,
    pub failure_policy: FailurePolicy,
}

impl Default for ConsumerOptions {
    fn default() -> Self {
        ConsumerOptions {
            max_in_flight: 16,
            lease_seconds: None,
            safety_margin: None,
            // A handler that cannot get at least this long is not started: its message is
            // released for another consumer instead of being cut off half-way.
            min_start_budget: Duration::from_millis(500),
            min_batch: None,
            batch_linger: Duration::from_millis(20),
            // Long enough to gather the acks of one lease into one request, short enough that a
            // crash loses little acknowledged-but-unsent work (it is redelivered, not lost).
            ack_window: Duration::from_millis(250),
            idle_floor: Duration::from_millis(250),
            idle_ceiling: Duration::from_secs(30),
            error_floor: Duration::from_millis(500),
            error_ceiling: Duration::from_secs(30),
            paused_recheck: Duration::from_secs(60),
            wake_on_sse: true,
            shutdown_timeout: Duration::from_secs(30),
            shutdown_policy: ShutdownPolicy::default(),
            deadline_policy: DeadlinePolicy::default(),
            failure_policy: FailurePolicy::default(),
        }
    }
}

impl ConsumerOptions {
    /// The lease length for an inbox of `variant` (the variant's documented default unless set).
    pub(crate) fn lease_seconds_for(&self, variant: ApiVariant) -> LeaseSeconds {
        self.lease_seconds
            .unwrap_or_else(|| LeaseSeconds::default_for(variant))
    }

    /// Time kept in reserve between a handler's deadline and the lease expiry, for the settle
    /// request's round trip: a tenth of the lease, between 200 ms and 30 s, unless set.
    pub(crate) fn margin_for(&self, lease_seconds: LeaseSeconds) -> Duration {
        self.safety_margin.unwrap_or_else(|| {
            (lease_seconds.as_duration() / 10)
                .clamp(Duration::from_millis(200), Duration::from_secs(30))
        })
    }

    /// Fewest free workers worth a lease call while other messages are in flight: half of
    /// `max_in_flight` unless set, so leases stay big enough for one ack request each to matter.
    pub(crate) fn min_batch(&self) -> usize {
        self.min_batch
            .unwrap_or(self.max_in_flight / 2)
            .clamp(1, self.max_in_flight.max(1))
    }
}

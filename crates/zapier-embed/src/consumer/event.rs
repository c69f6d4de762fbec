//! Status events: how the runtime tells the application about inbox states and failures, so that
//! nothing goes wrong silently.

use std::sync::Arc;
use std::time::Duration;

use crate::{InboxStatus, PausedReason};

/// Something the application may want to act on. Every event is also logged with `tracing`.
///
/// ```
/// use zapier_embed::consumer::ConsumerEvent;
///
/// fn on_event(event: &ConsumerEvent) {
///     if let ConsumerEvent::InboxPaused { inbox, needs_reconnect: true, .. } = event {
///         eprintln!("ask the user to reconnect the app account of {inbox}");
///     }
/// }
/// # on_event(&ConsumerEvent::InboxResumed { inbox: "orders".into() });
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConsumerEvent {
    /// The inbox is paused and drained (lease answered 409): leasing stops and is re-checked
    /// periodically. `needs_reconnect` is true for the `authentication*` reasons, which only the
    /// user can fix by reconnecting the app account.
    InboxPaused {
        /// The inbox label.
        inbox: String,
        /// Why Zapier paused it, when it said.
        reason: Option<PausedReason>,
        /// Whether the user must reconnect the app account.
        needs_reconnect: bool,
    },
    /// A lease reported a non-active inbox (for example paused while its backlog drains).
    InboxStatus {
        /// The inbox label.
        inbox: String,
        /// The status the lease reported.
        status: InboxStatus,
        /// The pause reason, if any.
        reason: Option<PausedReason>,
    },
    /// A previously paused or failing inbox delivered messages again.
    InboxResumed {
        /// The inbox label.
        inbox: String,
    },
    /// A lease failed with a transient error; the runtime retries after `retry_in`.
    LeaseFailed {
        /// The inbox label.
        inbox: String,
        /// The error's one-line description.
        error: String,
        /// When the next attempt is made.
        retry_in: Duration,
    },
    /// The runtime stopped consuming an inbox because of an unrecoverable error.
    InboxStopped {
        /// The inbox label.
        inbox: String,
        /// The error's one-line description.
        error: String,
    },
    /// Settlements arrived after their lease lapsed; those messages will be redelivered.
    LeaseExpired {
        /// The inbox label.
        inbox: String,
        /// How many messages.
        count: usize,
    },
    /// A settle request failed for good; those messages will be redelivered after their lease.
    SettleFailed {
        /// The inbox label.
        inbox: String,
        /// How many messages.
        count: usize,
        /// The error's one-line description.
        error: String,
    },
    /// The dead-letter hook failed; the message was released and will be quarantined.
    DeadLetterFailed {
        /// The inbox label.
        inbox: String,
        /// The message id.
        message_id: String,
        /// The hook's error.
        error: String,
    },
    /// The idempotency store ([`Dedup`](super::Dedup)) failed. After a failed `claim` the
    /// handler was not run and the message is left to its lease (it comes back after it); after
    /// a failed `mark_done` the message was acked anyway; after a failed `release_claim` the
    /// claim lapses by itself.
    DedupFailed {
        /// The inbox label.
        inbox: String,
        /// The message id.
        message_id: String,
        /// `claim`, `mark_done` or `release_claim`.
        operation: String,
        /// The store's error.
        error: String,
    },
    /// The inbox's notification stream failed; the runtime reconnects and keeps its safety poll.
    WakeupStreamFailed {
        /// The inbox label.
        inbox: String,
        /// The error's one-line description.
        error: String,
    },
}

pub(crate) type EventSink = Arc<dyn Fn(&ConsumerEvent) + Send + Sync>;

/// Logs the event and hands it to the application's callback, if any.
pub(crate) fn emit(sink: &Option<EventSink>, event: ConsumerEvent) {
    match &event {
        ConsumerEvent::InboxStatus { .. } | ConsumerEvent::InboxResumed { .. } => {
            tracing::info!(?event, "consumer event")
        }
        _ => tracing::warn!(?event, "consumer event"),
    }
    if let Some(sink) = sink {
        sink(&event);
    }
}

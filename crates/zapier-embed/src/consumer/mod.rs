//! The consumer runtime: process inboxes at full speed without losing, burning or duplicating
//! messages.
//!
//! Two styles over one lease loop:
//!
//! - **Handler**: `Consumer::builder(&client, inbox).handler(|msg| async { ... }).run(shutdown)`.
//!   `Ok` acks, `Err` releases (or leaves the message to expire, by [`FailurePolicy`]).
//! - **Stream**: `Consumer::builder(&client, inbox).stream(shutdown)` yields [`Delivery`] items
//!   that the application acks or releases itself; a dropped delivery is released.
//!
//! What the runtime guarantees, and why (the API cannot extend a lease, and every lease, even one
//! that ends in a release, spends one of a message's five attempts before quarantine):
//!
//! - **No prefetch burn.** It leases only as many messages as it has free workers
//!   (`max_in_flight`), so no message waits in a buffer while its lease runs down.
//! - **Deadlines.** Every message gets a [`Deadline`]: the lease expiry minus a safety margin,
//!   measured from when the lease request was sent. A handler still running then is cancelled and
//!   its message released ([`DeadlinePolicy`]); a message with too little time left is released
//!   without being started.
//! - **Nothing is lost.** A message is acked only after its handler succeeded. Acks of one lease
//!   are coalesced into one request; `lease_expired` answers are counted and reported
//!   ([`DeliveryOutcome`], [`ShutdownReport::lease_expired`]), never swallowed.
//! - **Poison messages are seen.** On a message's final attempt a failure goes to the dead-letter
//!   hook, which then acks it, instead of the message disappearing into quarantine.
//! - **Idempotency.** Every message is claimed in a [`Dedup`] store before its handler runs and
//!   marked done after it succeeded, so a redelivered message (lease lapsed, ack lost, or flagged
//!   `possible_duplicate_data`) is acked without re-running the handler, and one another worker is
//!   running is left alone. The default store is in memory, per process; a fleet of consumer
//!   processes shares `RedisDedup` (feature `redis`). A store failure never runs a handler
//!   unguarded: the message is left to its lease and [`ConsumerEvent::DedupFailed`] is emitted.
//! - **It never dies silently.** Paused inboxes, transient failures and unrecoverable errors are
//!   reported as [`ConsumerEvent`]s and in the [`ShutdownReport`]. A lease answer that does not
//!   decode (a proxy's error page with status 200, a truncated body) is transient: retried with
//!   backoff like a 5xx. A server's `Retry-After` holds an inbox back for at most an hour.
//! - **The server is not trusted with the limits.** A lease answer holding more messages than
//!   were asked for never runs more than `max_in_flight` handlers: the surplus is released at
//!   once ([`ShutdownReport::surplus_released`]); a message listed twice in one answer runs once
//!   ([`ShutdownReport::lease_duplicates`]). The report still adds up.
//! - **Graceful shutdown.** Cancelling the token stops leasing, lets running handlers finish within
//!   a timeout ([`ShutdownPolicy`]), releases the rest, flushes every pending ack and returns a
//!   report whose counts add up.
//!
//! One runtime can consume several inboxes, of several clients (one per end user's token), with
//! round-robin scheduling and one shared concurrency limit.
//!
//! # Observability
//!
//! Every handler runs in a `tracing` span `zapier_embed.message` (inbox, message id, attempt,
//! milliseconds to the deadline). Metrics go through the vendor-neutral [`metrics`] facade (install
//! any recorder, for example `metrics-exporter-prometheus`): the counters
//! `zapier_embed_consumer_leased_total{inbox}`, `zapier_embed_consumer_settled_total{outcome}`,
//! `zapier_embed_consumer_duplicates_skipped_total{inbox}`,
//! `zapier_embed_consumer_claims_held_elsewhere_total{inbox}` and
//! `zapier_embed_consumer_dedup_failures_total{inbox,operation}`, and the histograms
//! `zapier_embed_consumer_lease_seconds{inbox}` and `zapier_embed_consumer_handler_seconds{inbox}`.
//!
//! # Attempts
//!
//! Zapier quarantines a message "at a `lease_count` of 5"; whether a fifth delivery happens first is
//! not documented. [`LeasedMessage::is_final_attempt`] is therefore true from the fourth delivery,
//! and the dead-letter hook runs then, so that under either reading no message disappears into
//! quarantine unseen.

mod backoff;
mod builder;
mod deadline;
mod dedup;
mod dedup_guard;
#[cfg(feature = "redis")]
mod dedup_redis;
mod delivery;
mod event;
mod handler_pool;
mod lease_answer;
mod lease_loop;
mod lifecycle;
mod options;
mod report;
mod settle;
pub(crate) mod source;
mod stream;
mod wake;
#[cfg(feature = "webhook")]
mod webhook;

use std::sync::Arc;

use crate::{Client, InboxRef, LeasedMessage};
use tokio_util::sync::CancellationToken;

pub use builder::ConsumerBuilder;
pub use deadline::Deadline;
pub use dedup::{Claim, Dedup, DedupError, InMemoryDedup};
#[cfg(feature = "redis")]
pub use dedup_redis::RedisDedup;
pub use delivery::{AckReceipt, Delivery};
pub use event::ConsumerEvent;
pub use handler_pool::{Failure, HandlerError, Received};
pub use options::{DeadlinePolicy, FailurePolicy, ShutdownPolicy};
pub use report::{DeliveryOutcome, ShutdownReport, StoppedInbox};
pub use stream::Deliveries;
pub use wake::WakeHandle;
#[cfg(feature = "webhook")]
#[cfg_attr(docsrs, doc(cfg(feature = "webhook")))]
pub use webhook::webhook_router;

use handler_pool::{Handler, HandlerContext};
use source::InboxSource;

/// A handler-style consumer, ready to [`run`](Self::run).
///
/// ```
/// # fn demo(client: &zapier_embed::Client) -> zapier_embed::consumer::Consumer {
/// use zapier_embed::InboxRef;
/// use zapier_embed::consumer::{Consumer, Received};
///
/// Consumer::builder(client, InboxRef::name("orders").unwrap())
///     .handler(|_msg: Received| async { Ok::<_, std::io::Error>(()) })
/// # }
/// ```
pub struct Consumer {
    builder: ConsumerBuilder,
    handler: Handler,
}

impl Consumer {
    /// Starts configuring a consumer of `inbox` (add more with [`ConsumerBuilder::inbox`]).
    ///
    /// ```no_run
    /// # async fn demo(client: zapier_embed::Client) {
    /// use tokio_util::sync::CancellationToken;
    /// use zapier_embed::InboxRef;
    /// use zapier_embed::consumer::{Consumer, Received};
    ///
    /// let shutdown = CancellationToken::new();
    /// let report = Consumer::builder(&client, InboxRef::name("orders").unwrap())
    ///     .max_in_flight(16)
    ///     .handler(|msg: Received| async move {
    ///         println!("{}", msg.payload);
    ///         Ok::<_, std::io::Error>(())
    ///     })
    ///     .run(shutdown)
    ///     .await;
    /// assert!(report.is_balanced());
    /// # }
    /// ```
    pub fn builder(client: &Client, inbox: impl Into<InboxRef>) -> ConsumerBuilder {
        ConsumerBuilder::from_source(Arc::new(InboxSource::new(client.messages(inbox))))
    }

    /// Same as [`ConsumerBuilder::dead_letter`], for when the hook reads better after the handler.
    ///
    /// ```
    /// # fn configure(consumer: zapier_embed::consumer::Consumer) -> zapier_embed::consumer::Consumer {
    /// consumer.dead_letter(|msg, failure| async move {
    ///     eprintln!("parking {}: {failure}", msg.id);
    ///     Ok::<_, std::io::Error>(())
    /// })
    /// # }
    /// ```
    pub fn dead_letter<F, Fut, E>(mut self, hook: F) -> Self
    where
        F: Fn(Arc<LeasedMessage>, Failure) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<(), E>> + Send + 'static,
        E: Into<HandlerError>,
    {
        self.builder = self.builder.dead_letter(hook);
        self
    }

    /// Runs until `shutdown` is cancelled (or every inbox stopped on an unrecoverable error),
    /// then shuts down gracefully and reports.
    ///
    /// ```no_run
    /// # async fn demo(consumer: zapier_embed::consumer::Consumer) {
    /// use tokio_util::sync::CancellationToken;
    ///
    /// let shutdown = CancellationToken::new();
    /// let stop = shutdown.clone();
    /// tokio::spawn(async move {
    ///     tokio::signal::ctrl_c().await.ok();
    ///     stop.cancel(); // stop leasing, finish or release in-flight work, flush acks
    /// });
    /// let report = consumer.run(shutdown).await;
    /// println!("{report}");
    /// # }
    /// ```
    pub async fn run(self, shutdown: CancellationToken) -> ShutdownReport {
        let runtime = self.builder.start(&shutdown);
        let context = HandlerContext {
            handler: self.handler,
            dead_letter: self.builder.dead_letter,
            dedup: self.builder.dedup,
            options: Arc::new(self.builder.options),
            counters: runtime.counters().clone(),
            events: self.builder.events,
        };
        handler_pool::run(runtime, context, shutdown).await
    }
}

impl std::fmt::Debug for Consumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer")
            .field("builder", &self.builder)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;

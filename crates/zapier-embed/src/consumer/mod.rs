//! The consumer runtime: process inboxes at full speed without losing, burning or duplicating
//! messages.
//!
//! Two styles over one engine:
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
//! - **Idempotency.** Messages flagged `possible_duplicate_data` or delivered more than once are
//!   checked against a [`Dedup`] store and acked without re-running the handler when already done.
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
//! any recorder): `zapier_embed_consumer_leased_total{inbox}`,
//! `zapier_embed_consumer_settled_total{outcome}`, and the histograms
//! `zapier_embed_consumer_lease_seconds{inbox}` and `zapier_embed_consumer_handler_seconds{inbox}`.
//!
//! # Attempts
//!
//! Zapier quarantines a message "at a `lease_count` of 5"; whether a fifth delivery happens first is
//! not documented. [`LeasedMessage::is_final_attempt`] is therefore true from the fourth delivery,
//! and the dead-letter hook runs then, so that under either reading no message disappears into
//! quarantine unseen.

mod backoff;
mod deadline;
mod dedup;
mod delivery;
mod engine;
mod event;
mod options;
mod report;
mod runner;
mod runtime;
mod settle;
pub(crate) mod source;
mod stream;
mod wake;
#[cfg(feature = "webhook")]
mod webhook;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::{Client, InboxRef, LeaseSeconds, LeasedMessage};
use futures::future::BoxFuture;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

pub use deadline::Deadline;
pub use dedup::{Dedup, InMemoryDedup};
pub use delivery::{AckReceipt, Delivery};
pub use event::ConsumerEvent;
pub use options::{DeadlinePolicy, FailurePolicy, ShutdownPolicy};
pub use report::{DeliveryOutcome, ShutdownReport, StoppedInbox};
pub use runner::{Failure, HandlerError, Received};
pub use stream::Deliveries;
pub use wake::WakeHandle;
#[cfg(feature = "webhook")]
pub use webhook::webhook_router;

use engine::InboxEntry;
use event::EventSink;
use options::ConsumerOptions;
use report::Counters;
use runner::{DeadLetter, Handler, HandlerContext};
use runtime::Runtime;
use source::{InboxSource, Source};

/// Configures a consumer; finish with [`handler`](Self::handler) + [`Consumer::run`], or with
/// [`stream`](Self::stream).
///
/// ```
/// # fn demo(client: &zapier_embed::Client) {
/// use zapier_embed::InboxRef;
/// use zapier_embed::consumer::Consumer;
///
/// let builder = Consumer::builder(client, InboxRef::name("orders").unwrap()).max_in_flight(32);
/// # let _ = builder;
/// # }
/// ```
pub struct ConsumerBuilder {
    inboxes: Vec<InboxEntry>,
    options: ConsumerOptions,
    events: Option<EventSink>,
    dedup: Arc<dyn Dedup>,
    dead_letter: Option<DeadLetter>,
    wake: Arc<Notify>,
}

impl ConsumerBuilder {
    /// Adds another inbox, possibly of another client (another end user's token): one runtime
    /// consumes them all with round-robin scheduling and one shared `max_in_flight`.
    ///
    /// ```no_run
    /// # async fn demo(alice: zapier_embed::Client, bob: zapier_embed::Client) {
    /// use zapier_embed::InboxRef;
    /// use zapier_embed::consumer::Consumer;
    ///
    /// let consumer = Consumer::builder(&alice, InboxRef::name("orders").unwrap())
    ///     .inbox(&bob, InboxRef::name("orders").unwrap())
    ///     .max_in_flight(32);
    /// # let _ = consumer;
    /// # }
    /// ```
    pub fn inbox(self, client: &Client, inbox: impl Into<InboxRef>) -> Self {
        self.add_source(Arc::new(InboxSource::new(client.messages(inbox))))
    }

    pub(crate) fn from_source(source: Arc<dyn Source>) -> Self {
        ConsumerBuilder {
            inboxes: Vec::new(),
            options: ConsumerOptions::default(),
            events: None,
            dedup: Arc::new(InMemoryDedup::default()),
            dead_letter: None,
            wake: Arc::new(Notify::new()),
        }
        .add_source(source)
    }

    pub(crate) fn add_source(mut self, source: Arc<dyn Source>) -> Self {
        self.inboxes.push(InboxEntry {
            source,
            woken: Arc::new(AtomicBool::new(false)),
        });
        self
    }

    /// Most messages processed at once, across all inboxes (default 16). It is also the most the
    /// runtime ever holds leased.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # fn configure(builder: zapier_embed::consumer::ConsumerBuilder) -> zapier_embed::consumer::ConsumerBuilder {
    /// builder.max_in_flight(64)
    /// # }
    /// ```
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.options.max_in_flight = n.max(1);
        self
    }

    /// Lease length (default: the variant's documented default, 300 s by id, 30 s by name).
    /// Choose it longer than the slowest handler: the API cannot extend a lease.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # fn configure(builder: zapier_embed::consumer::ConsumerBuilder) -> zapier_embed::consumer::ConsumerBuilder {
    /// builder.lease_seconds(zapier_embed::messages::LeaseSeconds::new(120).unwrap())
    /// # }
    /// ```
    pub fn lease_seconds(mut self, seconds: LeaseSeconds) -> Self {
        self.options.lease_seconds = Some(seconds);
        self
    }

    /// Time kept between a handler's deadline and the lease expiry for the settle request
    /// (default: a tenth of the lease, between 200 ms and 30 s).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # fn configure(builder: zapier_embed::consumer::ConsumerBuilder) -> zapier_embed::consumer::ConsumerBuilder {
    /// builder.safety_margin(Duration::from_secs(5))
    /// # }
    /// ```
    pub fn safety_margin(mut self, margin: Duration) -> Self {
        self.options.safety_margin = Some(margin);
        self
    }

    /// Least lease time a message must have left to be started (default 500 ms); with less it
    /// is released for a fresh lease instead.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # fn configure(builder: zapier_embed::consumer::ConsumerBuilder) -> zapier_embed::consumer::ConsumerBuilder {
    /// builder.min_start_budget(Duration::from_secs(2))
    /// # }
    /// ```
    pub fn min_start_budget(mut self, budget: Duration) -> Self {
        self.options.min_start_budget = budget;
        self
    }

    /// Fewest free workers worth a lease call while others are busy (default a quarter of
    /// `max_in_flight`); bigger batches mean fewer lease and ack requests.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # fn configure(builder: zapier_embed::consumer::ConsumerBuilder) -> zapier_embed::consumer::ConsumerBuilder {
    /// builder.min_batch(8)
    /// # }
    /// ```
    pub fn min_batch(mut self, n: usize) -> Self {
        self.options.min_batch = Some(n.max(1));
        self
    }

    /// Longest an ack or release waits to be coalesced with others of its lease (default 250 ms;
    /// never past the message's deadline).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # fn configure(builder: zapier_embed::consumer::ConsumerBuilder) -> zapier_embed::consumer::ConsumerBuilder {
    /// builder.ack_window(Duration::from_millis(100))
    /// # }
    /// ```
    pub fn ack_window(mut self, window: Duration) -> Self {
        self.options.ack_window = window;
        self
    }

    /// Backoff between leases of an empty inbox (default 250 ms up to 30 s). The ceiling is the
    /// safety poll that catches a missed notification.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # fn configure(builder: zapier_embed::consumer::ConsumerBuilder) -> zapier_embed::consumer::ConsumerBuilder {
    /// builder.idle_backoff(Duration::from_millis(500), Duration::from_secs(60))
    /// # }
    /// ```
    pub fn idle_backoff(mut self, floor: Duration, ceiling: Duration) -> Self {
        self.options.idle_floor = floor;
        self.options.idle_ceiling = ceiling.max(floor);
        self
    }

    /// Backoff after a transient lease failure (default 500 ms up to 30 s; never shorter than the
    /// server's `Retry-After`).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # fn configure(builder: zapier_embed::consumer::ConsumerBuilder) -> zapier_embed::consumer::ConsumerBuilder {
    /// builder.error_backoff(Duration::from_secs(1), Duration::from_secs(60))
    /// # }
    /// ```
    pub fn error_backoff(mut self, floor: Duration, ceiling: Duration) -> Self {
        self.options.error_floor = floor;
        self.options.error_ceiling = ceiling.max(floor);
        self
    }

    /// How often a paused-and-drained inbox is checked again (default 60 s).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # fn configure(builder: zapier_embed::consumer::ConsumerBuilder) -> zapier_embed::consumer::ConsumerBuilder {
    /// builder.paused_recheck(Duration::from_secs(300))
    /// # }
    /// ```
    pub fn paused_recheck(mut self, every: Duration) -> Self {
        self.options.paused_recheck = every;
        self
    }

    /// Whether to listen to each inbox's notification stream (SSE) to lease as soon as messages
    /// arrive (default true).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # fn configure(builder: zapier_embed::consumer::ConsumerBuilder) -> zapier_embed::consumer::ConsumerBuilder {
    /// builder.wake_on_sse(false)
    /// # }
    /// ```
    pub fn wake_on_sse(mut self, enabled: bool) -> Self {
        self.options.wake_on_sse = enabled;
        self
    }

    /// How long graceful shutdown waits for running handlers and pending settlements (default 30 s).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # fn configure(builder: zapier_embed::consumer::ConsumerBuilder) -> zapier_embed::consumer::ConsumerBuilder {
    /// builder.shutdown_timeout(Duration::from_secs(10))
    /// # }
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.options.shutdown_timeout = timeout;
        self
    }

    /// What shutdown does with running handlers (default: wait for them).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # fn configure(builder: zapier_embed::consumer::ConsumerBuilder) -> zapier_embed::consumer::ConsumerBuilder {
    /// builder.shutdown_policy(zapier_embed::consumer::ShutdownPolicy::ReleaseImmediately)
    /// # }
    /// ```
    pub fn shutdown_policy(mut self, policy: ShutdownPolicy) -> Self {
        self.options.shutdown_policy = policy;
        self
    }

    /// What happens at a handler's deadline (default: cancel it and release the message).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # fn configure(builder: zapier_embed::consumer::ConsumerBuilder) -> zapier_embed::consumer::ConsumerBuilder {
    /// builder.deadline_policy(zapier_embed::consumer::DeadlinePolicy::ReleaseAndDetach)
    /// # }
    /// ```
    pub fn deadline_policy(mut self, policy: DeadlinePolicy) -> Self {
        self.options.deadline_policy = policy;
        self
    }

    /// What happens when a handler fails (default: release the message).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # fn configure(builder: zapier_embed::consumer::ConsumerBuilder) -> zapier_embed::consumer::ConsumerBuilder {
    /// builder.failure_policy(zapier_embed::consumer::FailurePolicy::LeaveToExpire)
    /// # }
    /// ```
    pub fn failure_policy(mut self, policy: FailurePolicy) -> Self {
        self.options.failure_policy = policy;
        self
    }

    /// The idempotency store (default: [`InMemoryDedup`]).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # fn configure(builder: zapier_embed::consumer::ConsumerBuilder) -> zapier_embed::consumer::ConsumerBuilder {
    /// builder.dedup(zapier_embed::consumer::InMemoryDedup::with_capacity(10_000))
    /// # }
    /// ```
    pub fn dedup(mut self, dedup: impl Dedup) -> Self {
        self.dedup = Arc::new(dedup);
        self
    }

    /// Receives every [`ConsumerEvent`] (paused inboxes, failures) as it happens; keep it fast.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # fn configure(builder: zapier_embed::consumer::ConsumerBuilder) -> zapier_embed::consumer::ConsumerBuilder {
    /// builder.on_event(|event| eprintln!("{event:?}"))
    /// # }
    /// ```
    pub fn on_event(mut self, callback: impl Fn(&ConsumerEvent) + Send + Sync + 'static) -> Self {
        self.events = Some(Arc::new(callback));
        self
    }

    /// Called on a message's final attempt when its handler failed or overran, with the message
    /// and the failure; when the hook returns `Ok` the message is acked (so it does not vanish
    /// into quarantine unseen), when it returns `Err` the message is released and will be
    /// quarantined. Handler style only.
    ///
    /// ```
    /// # fn configure(builder: zapier_embed::consumer::ConsumerBuilder) -> zapier_embed::consumer::ConsumerBuilder {
    /// builder.dead_letter(|msg, failure| async move {
    ///     eprintln!("parking {} after: {failure}", msg.id);
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
        let hook = Arc::new(hook);
        self.dead_letter = Some(Arc::new(move |message, failure| {
            let hook = hook.clone();
            Box::pin(async move { hook(message, failure).await.map_err(Into::into) })
                as BoxFuture<'static, _>
        }));
        self
    }

    /// A handle that wakes this consumer's inboxes, for a notification-URL receiver.
    ///
    /// ```
    /// # fn configure(builder: zapier_embed::consumer::ConsumerBuilder) -> zapier_embed::consumer::ConsumerBuilder {
    /// {
    ///     let wake = builder.wake_handle();
    ///     wake.wake("01960a3e-4d5f-7b8e-9c0a-1b2c3d4e5f6a");
    ///     builder
    /// }
    /// # }
    /// ```
    pub fn wake_handle(&self) -> WakeHandle {
        WakeHandle::new(
            self.inboxes
                .iter()
                .map(|e| (e.source.label().to_owned(), e.woken.clone()))
                .collect(),
            self.wake.clone(),
        )
    }

    /// Processes every message with `handler`: `Ok` acks, `Err` releases (see
    /// [`failure_policy`](Self::failure_policy)).
    ///
    /// ```
    /// # fn configure(builder: zapier_embed::consumer::ConsumerBuilder) -> zapier_embed::consumer::Consumer {
    /// builder.handler(|msg: zapier_embed::consumer::Received| async move {
    ///     println!("{}", msg.payload);
    ///     Ok::<_, std::io::Error>(())
    /// })
    /// # }
    /// ```
    pub fn handler<F, Fut, E>(self, handler: F) -> Consumer
    where
        F: Fn(Received) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<(), E>> + Send + 'static,
        E: Into<HandlerError>,
    {
        let handler: Handler = Arc::new(move |received| {
            let running = handler(received);
            Box::pin(async move { running.await.map_err(Into::into) }) as BoxFuture<'static, _>
        });
        Consumer {
            builder: self,
            handler,
        }
    }

    /// Starts leasing and returns the stream of deliveries. Cancelling `shutdown` stops leasing;
    /// then call [`Deliveries::finish`] for the report.
    ///
    /// ```no_run
    /// # async fn demo(builder: zapier_embed::consumer::ConsumerBuilder) {
    /// use futures::StreamExt;
    /// use tokio_util::sync::CancellationToken;
    ///
    /// let shutdown = CancellationToken::new();
    /// let mut deliveries = builder.stream(shutdown.clone());
    /// while let Some(delivery) = deliveries.next().await {
    ///     let _ = delivery.ack().await;
    /// }
    /// let report = deliveries.finish().await;
    /// # }
    /// ```
    pub fn stream(self, shutdown: CancellationToken) -> Deliveries {
        Deliveries::new(self.start(&shutdown))
    }

    fn start(&self, shutdown: &CancellationToken) -> Runtime {
        Runtime::start(
            shutdown.child_token(),
            self.inboxes.clone(),
            Arc::new(self.options.clone()),
            self.events.clone(),
            self.wake.clone(),
            Arc::new(Counters::default()),
        )
    }
}

impl std::fmt::Debug for ConsumerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsumerBuilder")
            .field(
                "inboxes",
                &self
                    .inboxes
                    .iter()
                    .map(|e| e.source.label())
                    .collect::<Vec<_>>(),
            )
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

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
        runner::run(runtime, context, shutdown).await
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

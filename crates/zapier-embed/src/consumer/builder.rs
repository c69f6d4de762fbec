//! [`ConsumerBuilder`]: the inboxes a consumer reads and the options it runs with, finished
//! into a handler-style [`Consumer`] or a [`Deliveries`] stream.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::{Client, InboxRef, LeaseSeconds, LeasedMessage};
use futures::future::BoxFuture;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::Consumer;
use super::dedup::{Dedup, InMemoryDedup};
use super::event::{ConsumerEvent, EventSink};
use super::handler_pool::{DeadLetter, Failure, Handler, HandlerError, Received};
use super::lease_loop::InboxEntry;
use super::lifecycle::Runtime;
use super::options::{ConsumerOptions, DeadlinePolicy, FailurePolicy, ShutdownPolicy};
use super::report::Counters;
use super::source::{InboxSource, Source};
use super::stream::Deliveries;
use super::wake::WakeHandle;

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
    pub(super) options: ConsumerOptions,
    pub(super) events: Option<EventSink>,
    pub(super) dedup: Arc<dyn Dedup>,
    pub(super) dead_letter: Option<DeadLetter>,
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

    /// Fewest free workers worth a lease call while others are busy (default half of
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

    /// The idempotency store every message is claimed in before its handler runs (default:
    /// [`InMemoryDedup`], per process; a fleet of processes shares `RedisDedup`, feature `redis`).
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

    /// Like [`dedup`](Self::dedup), for a store that is already shared: one store (one `Arc`)
    /// can serve several consumers of one process.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zapier_embed::consumer::{ConsumerBuilder, InMemoryDedup};
    ///
    /// fn configure(a: ConsumerBuilder, b: ConsumerBuilder) -> (ConsumerBuilder, ConsumerBuilder) {
    ///     let shared = Arc::new(InMemoryDedup::default());
    ///     (a.shared_dedup(shared.clone()), b.shared_dedup(shared))
    /// }
    /// # let _ = configure;
    /// ```
    pub fn shared_dedup(mut self, dedup: Arc<dyn Dedup>) -> Self {
        self.dedup = dedup;
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

    pub(super) fn start(&self, shutdown: &CancellationToken) -> Runtime {
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

//! The handler style: `Ok` acks, `Err` releases (or leaves the message to expire), a deadline cuts
//! the handler off, and the final attempt goes to the dead-letter hook.

use std::error::Error as StdError;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Instant as StdInstant;

use crate::LeasedMessage;
use futures::future::BoxFuture;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use super::deadline::Deadline;
use super::dedup::Dedup;
use super::dedup_guard;
use super::delivery::{Delivery, SettleToken};
use super::event::{self, ConsumerEvent, EventSink};
use super::lifecycle::Runtime;
use super::options::{ConsumerOptions, DeadlinePolicy, FailurePolicy, ShutdownPolicy};
use super::report::{Counters, ShutdownReport};
use super::settle::Settlement;

/// The error type handlers return (anything that converts, e.g. `anyhow::Error` or `String`).
///
/// ```
/// let error: zapier_embed::consumer::HandlerError = "the database is down".into();
/// assert_eq!(error.to_string(), "the database is down");
/// ```
pub type HandlerError = Box<dyn StdError + Send + Sync + 'static>;

pub(crate) type Handler =
    Arc<dyn Fn(Received) -> BoxFuture<'static, Result<(), HandlerError>> + Send + Sync>;
pub(crate) type DeadLetter = Arc<
    dyn Fn(Arc<LeasedMessage>, Failure) -> BoxFuture<'static, Result<(), HandlerError>>
        + Send
        + Sync,
>;

/// A message handed to a handler: the leased message and its deadline.
///
/// It dereferences to [`LeasedMessage`], so `received.payload`, `received.attempts()` and
/// `received.is_final_attempt()` work directly.
///
/// ```
/// # use zapier_embed::consumer::Received;
/// async fn handle(received: Received) -> Result<(), String> {
///     if received.is_final_attempt() {
///         tracing::warn!(id = %received.id, "last attempt before quarantine");
///     }
///     let text = received.payload["text"].as_str().ok_or("no text")?;
///     println!("{text} ({:?} left)", received.deadline().remaining());
///     Ok(())
/// }
/// ```
#[derive(Clone)]
pub struct Received {
    message: Arc<LeasedMessage>,
    deadline: Deadline,
    inbox: Arc<str>,
}

impl Received {
    /// The leased message (shared, cheap to clone).
    ///
    /// ```
    /// # fn keep(received: &zapier_embed::consumer::Received) -> std::sync::Arc<zapier_embed::messages::LeasedMessage> {
    /// received.message().clone()
    /// # }
    /// ```
    pub fn message(&self) -> &Arc<LeasedMessage> {
        &self.message
    }

    /// When the message must be settled by; the runtime cuts the handler off then.
    ///
    /// ```
    /// # fn show(received: &zapier_embed::consumer::Received) {
    /// println!("{:?} left", received.deadline().remaining());
    /// # }
    /// ```
    pub fn deadline(&self) -> Deadline {
        self.deadline
    }

    /// The inbox the message came from (its id or name).
    ///
    /// ```
    /// # fn show(received: &zapier_embed::consumer::Received) {
    /// println!("from {}", received.inbox());
    /// # }
    /// ```
    pub fn inbox(&self) -> &str {
        &self.inbox
    }
}

impl Deref for Received {
    type Target = LeasedMessage;

    fn deref(&self) -> &LeasedMessage {
        &self.message
    }
}

impl fmt::Debug for Received {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Received")
            .field("inbox", &self.inbox)
            .field("message_id", &self.message.id)
            .field("attempts", &self.message.attempts())
            .field("deadline", &self.deadline)
            .finish()
    }
}

/// Why a message's processing failed; what the dead-letter hook receives.
///
/// ```
/// use zapier_embed::consumer::Failure;
/// assert!(Failure::DeadlineExceeded.to_string().contains("deadline"));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Failure {
    /// The handler returned this error.
    Handler(Arc<dyn StdError + Send + Sync + 'static>),
    /// The handler was still running at the deadline.
    DeadlineExceeded,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Handler(e) => write!(f, "handler failed: {e}"),
            Failure::DeadlineExceeded => f.write_str("handler still running at its deadline"),
        }
    }
}

/// Everything a handler task needs, shared.
pub(crate) struct HandlerContext {
    pub handler: Handler,
    pub dead_letter: Option<DeadLetter>,
    pub dedup: Arc<dyn Dedup>,
    pub options: Arc<ConsumerOptions>,
    pub counters: Arc<Counters>,
    pub events: Option<EventSink>,
}

/// Runs handlers for every delivery until `shutdown`, then shuts down gracefully.
pub(crate) async fn run(
    mut runtime: Runtime,
    context: HandlerContext,
    shutdown: CancellationToken,
) -> ShutdownReport {
    let context = Arc::new(context);
    let hard_stop = CancellationToken::new();
    // Dropping this future (instead of cancelling `shutdown`) cuts every handler off: their
    // messages are released, as a graceful shutdown's timeout would.
    let _cut_off_on_drop = hard_stop.clone().drop_guard();
    // A tracker, not a `JoinSet`: a finished handler task only decrements a counter, so it
    // neither wakes this loop nor waits to be reaped (one wake-up per message otherwise).
    let tasks = TaskTracker::new();
    loop {
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            batch = runtime.next_batch() => match batch {
                Some(batch) => {
                    // Per lease, not per message: the metric handle (its label is an owned
                    // string) and the inbox label.
                    let Some(first) = batch.first() else { continue };
                    let seconds = metrics::histogram!(
                        "zapier_embed_consumer_handler_seconds",
                        "inbox" => first.inbox().to_owned()
                    );
                    for delivery in batch {
                        let task = handle(delivery, context.clone(), hard_stop.clone(), seconds.clone());
                        tasks.spawn(task);
                    }
                }
                // The engine stopped by itself: every inbox hit an unrecoverable error.
                None => break,
            },
        }
    }
    tasks.close();

    // 1. Stop leasing; release what was leased but not started.
    runtime.stop_leasing().await;
    // 2. Let running handlers finish (or not), then cut off the rest: their messages are released.
    if context.options.shutdown_policy == ShutdownPolicy::ReleaseImmediately {
        hard_stop.cancel();
    }
    let finished = tokio::time::timeout(context.options.shutdown_timeout, tasks.wait()).await;
    if finished.is_err() {
        hard_stop.cancel();
        tasks.wait().await;
    }
    // 3. Flush every pending ack and release.
    runtime.finish().await
}

async fn handle(
    delivery: Delivery,
    context: Arc<HandlerContext>,
    hard_stop: CancellationToken,
    seconds: metrics::Histogram,
) {
    let (message, deadline, inbox, token) = delivery.into_parts();
    let span = tracing::info_span!(
        "zapier_embed.message",
        inbox = %inbox,
        message_id = %message.id,
        // The ids every request of the handler carries (`Correlation::scope_message`).
        correlation_id = %message.id,
        causation_id = %message.id,
        attempt = message.attempts(),
        ms_to_deadline = deadline.remaining().as_millis() as u64,
    );
    let running = Running {
        context,
        hard_stop,
        seconds,
    };
    process(message, deadline, inbox, token, running)
        .instrument(span)
        .await
}

/// What a handler task shares with the rest of the runtime.
struct Running {
    context: Arc<HandlerContext>,
    hard_stop: CancellationToken,
    /// `zapier_embed_consumer_handler_seconds` of the message's inbox, registered once per lease.
    seconds: metrics::Histogram,
}

async fn process(
    message: Arc<LeasedMessage>,
    deadline: Deadline,
    inbox: Arc<str>,
    token: SettleToken,
    running_in: Running,
) {
    let Running {
        context,
        hard_stop,
        seconds,
    } = running_in;
    let counters = &context.counters;
    if let Some(settlement) = dedup_guard::claim(&context, &inbox, &message, deadline).await {
        token.settle_detached(settlement);
        return;
    }
    if deadline.remaining() < context.options.min_start_budget {
        tracing::debug!("too little lease time left to start: releasing");
        Counters::add(&counters.released_unstarted, 1);
        dedup_guard::release_claim(&context, &inbox, &message).await;
        token.settle_detached(Settlement::Release);
        return;
    }

    let received = Received {
        message: message.clone(),
        deadline,
        inbox: inbox.clone(),
    };
    let started = StdInstant::now();
    // Every request the handler makes carries the message as its correlation and cause.
    let mut running =
        crate::client::Correlation::scope_message(message.id.as_str(), (context.handler)(received));
    // Biased, handler first: a handler that is done at its first poll never registers the
    // deadline's timer (a timer per message costs a lock on the shared timer wheel).
    let result = tokio::select! {
        biased;
        result = &mut running => Some(result),
        _ = tokio::time::sleep_until(deadline.instant()) => None,
        _ = hard_stop.cancelled() => {
            tracing::info!("shutdown cut the handler off: releasing");
            dedup_guard::release_claim(&context, &inbox, &message).await;
            token.settle_detached(Settlement::Release);
            return;
        }
    };
    seconds.record(started.elapsed().as_secs_f64());

    let failure = match result {
        Some(Ok(())) => {
            dedup_guard::mark_done(&context, &inbox, &message).await;
            token.settle_detached(Settlement::Ack);
            return;
        }
        Some(Err(error)) => {
            Counters::add(&counters.handler_errors, 1);
            dedup_guard::release_claim(&context, &inbox, &message).await;
            tracing::info!(%error, "handler failed");
            Failure::Handler(Arc::from(error))
        }
        None => {
            Counters::add(&counters.deadline_exceeded, 1);
            tracing::warn!("handler still running at its deadline");
            if context.options.deadline_policy == DeadlinePolicy::ReleaseAndDetach {
                // The detached handler keeps its claim until it lapses: no other worker starts
                // the message while this one may still be running it.
                tokio::spawn(async move {
                    let _ = running.await;
                });
            } else {
                dedup_guard::release_claim(&context, &inbox, &message).await;
            }
            Failure::DeadlineExceeded
        }
    };

    if message.is_final_attempt()
        && let Some(dead_letter) = &context.dead_letter
    {
        match dead_letter(message.clone(), failure).await {
            Ok(()) => {
                Counters::add(&counters.dead_lettered, 1);
                token.settle_detached(Settlement::Ack);
            }
            Err(error) => {
                event::emit(
                    &context.events,
                    ConsumerEvent::DeadLetterFailed {
                        inbox: inbox.to_string(),
                        message_id: message.id.to_string(),
                        error: error.to_string(),
                    },
                );
                token.settle_detached(Settlement::Release);
            }
        }
        return;
    }
    match (context.options.failure_policy, &failure) {
        (FailurePolicy::LeaveToExpire, Failure::Handler(_)) => {
            token.settle_detached(Settlement::Abandon)
        }
        _ => token.settle_detached(Settlement::Release),
    }
}

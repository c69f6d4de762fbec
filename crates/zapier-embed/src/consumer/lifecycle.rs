//! The lease loop, the settler and the wake-up watchers, started and stopped together. Both consumer
//! styles (handler and stream) run on one [`Runtime`].

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant as StdInstant;

use tokio::sync::{Notify, Semaphore, mpsc};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::delivery::Delivery;
use super::event::EventSink;
use super::lease_loop::{Engine, InboxEntry};
use super::options::ConsumerOptions;
use super::report::{Counters, ShutdownReport, StoppedInbox};
use super::settle::{self, Settlement};
use super::wake::watch_wakeups;

pub(crate) struct Runtime {
    /// One batch per lease (one channel hop per lease, not per message).
    deliveries: mpsc::UnboundedReceiver<Vec<Delivery>>,
    /// Deliveries of a received batch not yet handed out one by one (the stream style).
    buffered: VecDeque<Delivery>,
    stop: CancellationToken,
    engine: Option<JoinHandle<Vec<StoppedInbox>>>,
    stopped: Vec<StoppedInbox>,
    settler: JoinHandle<()>,
    watchers: Vec<JoinHandle<()>>,
    counters: Arc<Counters>,
    options: Arc<ConsumerOptions>,
    started: StdInstant,
}

/// A runtime dropped without [`Runtime::finish`] (its consumer's future was dropped) stops
/// leasing: nobody would take the deliveries, so every further lease would only spend an attempt.
impl Drop for Runtime {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl Runtime {
    /// Starts everything; cancelling `stop` (a child of the caller's shutdown token) stops leasing.
    pub(crate) fn start(
        stop: CancellationToken,
        inboxes: Vec<InboxEntry>,
        options: Arc<ConsumerOptions>,
        events: Option<EventSink>,
        wake: Arc<Notify>,
        counters: Arc<Counters>,
    ) -> Runtime {
        let (settler_tx, settler) =
            settle::spawn(options.ack_window, counters.clone(), events.clone());
        let watchers = if options.wake_on_sse {
            inboxes
                .iter()
                .map(|entry| {
                    tokio::spawn(watch_wakeups(
                        entry.clone(),
                        wake.clone(),
                        events.clone(),
                        stop.clone(),
                    ))
                })
                .collect()
        } else {
            Vec::new()
        };
        let engine = Engine {
            options: options.clone(),
            counters: counters.clone(),
            events,
            settler: settler_tx,
            slots: Arc::new(Semaphore::new(options.max_in_flight.max(1))),
            freed: Arc::new(Notify::new()),
            wake,
        };
        let (out, deliveries) = mpsc::unbounded_channel();
        let engine = tokio::spawn(engine.run(inboxes, out, stop.clone()));
        Runtime {
            deliveries,
            buffered: VecDeque::new(),
            stop,
            engine: Some(engine),
            stopped: Vec::new(),
            settler,
            watchers,
            counters,
            options,
            started: StdInstant::now(),
        }
    }

    /// The deliveries of the next lease; `None` once the engine has stopped and every delivery
    /// was taken.
    pub(crate) async fn next_batch(&mut self) -> Option<Vec<Delivery>> {
        if !self.buffered.is_empty() {
            return Some(self.buffered.drain(..).collect());
        }
        self.deliveries.recv().await
    }

    /// The next leased message, one at a time.
    pub(crate) fn poll_delivery(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Delivery>> {
        loop {
            if let Some(delivery) = self.buffered.pop_front() {
                return std::task::Poll::Ready(Some(delivery));
            }
            match self.deliveries.poll_recv(cx) {
                std::task::Poll::Ready(Some(batch)) => self.buffered.extend(batch),
                other => return other.map(|_| None),
            }
        }
    }

    pub(crate) fn counters(&self) -> &Arc<Counters> {
        &self.counters
    }

    pub(crate) fn options(&self) -> &ConsumerOptions {
        &self.options
    }

    /// Stops leasing, waits for the engine, and releases every delivery not yet handed out.
    pub(crate) async fn stop_leasing(&mut self) {
        self.stop.cancel();
        if let Some(engine) = self.engine.take() {
            // The engine only returns data; a panic in it would be a bug, reported as a stopped inbox.
            self.stopped = engine.await.unwrap_or_else(|e| {
                vec![StoppedInbox {
                    inbox: "*".into(),
                    error: format!("the lease loop panicked: {e}"),
                }]
            });
        }
        for watcher in self.watchers.drain(..) {
            watcher.abort();
        }
        self.deliveries.close();
        let mut unstarted: Vec<Delivery> = self.buffered.drain(..).collect();
        while let Some(batch) = self.deliveries.recv().await {
            unstarted.extend(batch);
        }
        for delivery in unstarted {
            let (_, _, _, token) = delivery.into_parts();
            Counters::add(&self.counters.released_unstarted, 1);
            token.settle_detached(Settlement::Release);
        }
    }

    /// Flushes every pending settlement (within the shutdown timeout) and reports.
    pub(crate) async fn finish(mut self) -> ShutdownReport {
        self.stop_leasing().await;
        let timeout = self.options.shutdown_timeout;
        // The settler ends once every delivery is settled or dropped; a stream consumer may
        // still hold some, which is why this waits at most the shutdown timeout.
        if tokio::time::timeout(timeout, &mut self.settler)
            .await
            .is_err()
        {
            tracing::warn!(
                ?timeout,
                "deliveries still held after the shutdown timeout; their leases will lapse"
            );
        }
        let elapsed = self.started.elapsed();
        let stopped = std::mem::take(&mut self.stopped);
        self.counters.snapshot(elapsed, stopped)
    }
}

//! The stream style: the application takes each [`Delivery`] and settles it itself.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;

use super::delivery::Delivery;
use super::lifecycle::Runtime;
use super::report::{Counters, ShutdownReport};
use super::settle::Settlement;

/// A stream of leased messages; see [`ConsumerBuilder::stream`](super::ConsumerBuilder::stream).
///
/// The stream ends when its shutdown token fires (after the deliveries already leased) or when
/// every inbox stopped. Then call [`finish`](Self::finish) for the report: it waits for the
/// settlements still pending.
///
/// A delivery that has too little lease time left to be worth starting is released instead of
/// being yielded.
///
/// ```
/// # async fn demo(builder: zapier_embed::consumer::ConsumerBuilder) {
/// use futures::StreamExt;
///
/// let shutdown = tokio_util::sync::CancellationToken::new();
/// let mut deliveries = builder.stream(shutdown);
/// if let Some(delivery) = deliveries.next().await {
///     let _ = delivery.ack().await;
/// }
/// # }
/// ```
pub struct Deliveries {
    runtime: Runtime,
}

impl Deliveries {
    pub(crate) fn new(runtime: Runtime) -> Self {
        Deliveries { runtime }
    }

    /// Stops leasing, releases what was leased but not yet taken, waits (up to the shutdown
    /// timeout) for the settlements of deliveries still held, and reports.
    ///
    /// ```
    /// # async fn stop(deliveries: zapier_embed::consumer::Deliveries) {
    /// let report = deliveries.finish().await;
    /// assert!(report.is_balanced(), "{report}");
    /// # }
    /// ```
    pub async fn finish(self) -> ShutdownReport {
        self.runtime.finish().await
    }
}

impl Stream for Deliveries {
    type Item = Delivery;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Delivery>> {
        loop {
            let polled = self.runtime.poll_delivery(cx);
            match polled {
                Poll::Ready(Some(delivery)) => {
                    if delivery.deadline().remaining() < self.runtime.options().min_start_budget {
                        let (_, _, _, token) = delivery.into_parts();
                        Counters::add(&self.runtime.counters().released_unstarted, 1);
                        token.settle_detached(Settlement::Release);
                        continue;
                    }
                    return Poll::Ready(Some(delivery));
                }
                other => return other,
            }
        }
    }
}

impl fmt::Debug for Deliveries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deliveries").finish_non_exhaustive()
    }
}

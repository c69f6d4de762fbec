//! A leased message handed to the application, with the obligation to settle it.

use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::{AckHandle, LeasedMessage};
use tokio::sync::{Notify, OwnedSemaphorePermit, oneshot};

use super::deadline::Deadline;
use super::report::DeliveryOutcome;
use super::settle::{Reply, SettleSender, Settlement};

/// One worker slot (a permit of the runtime's `max_in_flight` semaphore). Freeing it wakes the
/// lease loop when it is waiting for enough free slots to make a lease worthwhile.
pub(crate) struct WorkerSlot {
    permit: Option<OwnedSemaphorePermit>,
    freed: Arc<Notify>,
}

impl WorkerSlot {
    pub(crate) fn new(permit: OwnedSemaphorePermit, freed: Arc<Notify>) -> Self {
        WorkerSlot {
            permit: Some(permit),
            freed,
        }
    }
}

impl Drop for WorkerSlot {
    fn drop(&mut self) {
        self.permit.take();
        self.freed.notify_one();
    }
}

/// The right (and duty) to settle one message exactly once, plus the worker slot it occupies.
///
/// Dropping it unsettled releases the message, so a message is never left leased just because
/// the code holding it returned early, panicked or was cancelled.
pub(crate) struct SettleToken {
    lease_key: u64,
    handle: Option<AckHandle>,
    settler: SettleSender,
    /// Held until the message is settled: the runtime leases only as many messages as it has
    /// free slots, so a held slot is what keeps it from leasing messages it cannot start.
    slot: Option<WorkerSlot>,
}

impl SettleToken {
    /// `slot` is `None` only for a message the server returned beyond what was asked.
    pub(crate) fn new(
        lease_key: u64,
        handle: AckHandle,
        settler: SettleSender,
        slot: Option<WorkerSlot>,
    ) -> Self {
        SettleToken {
            lease_key,
            handle: Some(handle),
            settler,
            slot,
        }
    }

    /// Settles the message; the returned receipt resolves when the server answered.
    pub(crate) fn settle(mut self, how: Settlement) -> AckReceipt {
        let (tx, rx) = oneshot::channel();
        if self.dispatch(how, Some(tx)) {
            AckReceipt { rx: Some(rx) }
        } else {
            AckReceipt::ready(DeliveryOutcome::Failed("the consumer has shut down".into()))
        }
    }

    /// Settles without a receipt (fire and forget; the outcome is still counted).
    pub(crate) fn settle_detached(mut self, how: Settlement) {
        self.dispatch(how, None);
    }

    /// Frees the worker slot and hands the settlement to the settler; false if it is gone.
    fn dispatch(&mut self, how: Settlement, reply: Reply) -> bool {
        self.slot.take();
        match self.handle.take() {
            Some(handle) => self.settler.settle(self.lease_key, handle, how, reply),
            None => false,
        }
    }
}

impl Drop for SettleToken {
    fn drop(&mut self) {
        if self.handle.is_some() {
            tracing::debug!("delivery dropped without an outcome: releasing it");
            self.dispatch(Settlement::Release, None);
        }
    }
}

/// Resolves to the verdict on a settlement: the server's [`AckOutcome`](crate::messages::AckOutcome) once
/// the coalesced request carrying it was answered (`Acked`, or `LeaseExpired` if it arrived too
/// late), or why it was not sent.
///
/// Awaiting it is optional: the settlement is sent whether or not anyone waits.
///
/// ```
/// # async fn demo(delivery: zapier_embed::consumer::Delivery) {
/// use zapier_embed::messages::AckOutcome;
/// use zapier_embed::consumer::DeliveryOutcome;
///
/// match delivery.ack().await {
///     DeliveryOutcome::Server(AckOutcome::Acked) => {}
///     other => eprintln!("not acked: {other:?}"),
/// }
/// # }
/// ```
#[must_use = "the settlement is sent anyway; await the receipt to learn its outcome"]
pub struct AckReceipt {
    rx: Option<oneshot::Receiver<DeliveryOutcome>>,
}

impl AckReceipt {
    fn ready(outcome: DeliveryOutcome) -> Self {
        let (tx, rx) = oneshot::channel();
        let _ = tx.send(outcome);
        AckReceipt { rx: Some(rx) }
    }
}

impl Future for AckReceipt {
    type Output = DeliveryOutcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<DeliveryOutcome> {
        match self.rx.as_mut() {
            Some(rx) => Pin::new(rx).poll(cx).map(|r| {
                r.unwrap_or_else(|_| DeliveryOutcome::Failed("the consumer has shut down".into()))
            }),
            None => Poll::Ready(DeliveryOutcome::Failed("no receipt was requested".into())),
        }
    }
}

impl fmt::Debug for AckReceipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AckReceipt").finish_non_exhaustive()
    }
}

/// One leased message from a [`Deliveries`](super::Deliveries) stream.
///
/// Settle it with [`ack`](Self::ack) or [`release`](Self::release) before its
/// [`deadline`](Self::deadline); dropping it unsettled releases it. It dereferences to the
/// [`LeasedMessage`].
///
/// ```no_run
/// # async fn example(mut deliveries: zapier_embed::consumer::Deliveries) {
/// use futures::StreamExt;
///
/// while let Some(delivery) = deliveries.next().await {
///     if delivery.payload.get("text").is_some() {
///         let outcome = delivery.ack().await;
///         println!("{outcome:?}");
///     } else {
///         delivery.release();
///     }
/// }
/// # }
/// ```
pub struct Delivery {
    message: Arc<LeasedMessage>,
    deadline: Deadline,
    inbox: Arc<str>,
    token: SettleToken,
}

impl Delivery {
    pub(crate) fn new(
        message: LeasedMessage,
        deadline: Deadline,
        inbox: Arc<str>,
        token: SettleToken,
    ) -> Self {
        Delivery {
            message: Arc::new(message),
            deadline,
            inbox,
            token,
        }
    }

    /// The leased message.
    ///
    /// ```
    /// # fn show(delivery: &zapier_embed::consumer::Delivery) {
    /// println!("{}", delivery.message().payload);
    /// # }
    /// ```
    pub fn message(&self) -> &LeasedMessage {
        &self.message
    }

    /// When the message must be settled by.
    ///
    /// ```
    /// # fn show(delivery: &zapier_embed::consumer::Delivery) {
    /// println!("{:?} left", delivery.deadline().remaining());
    /// # }
    /// ```
    pub fn deadline(&self) -> Deadline {
        self.deadline
    }

    /// The inbox the message came from (its id or name).
    ///
    /// ```
    /// # fn show(delivery: &zapier_embed::consumer::Delivery) {
    /// println!("from {}", delivery.inbox());
    /// # }
    /// ```
    pub fn inbox(&self) -> &str {
        &self.inbox
    }

    /// Acknowledges the message (removes it from the inbox). The ack is coalesced with the other
    /// acks of its lease; the receipt resolves when the request carrying it was answered.
    ///
    /// ```
    /// # async fn done(delivery: zapier_embed::consumer::Delivery) {
    /// let outcome = delivery.ack().await;
    /// assert!(outcome.is_acked(), "{outcome:?}");
    /// # }
    /// ```
    pub fn ack(self) -> AckReceipt {
        self.token.settle(Settlement::Ack)
    }

    /// Releases the message back to the inbox at once (the attempt is spent).
    ///
    /// ```
    /// # fn retry_later(delivery: zapier_embed::consumer::Delivery) {
    /// // The receipt need not be awaited: the release is sent either way.
    /// let _receipt = delivery.release();
    /// # }
    /// ```
    pub fn release(self) -> AckReceipt {
        self.token.settle(Settlement::Release)
    }

    pub(crate) fn into_parts(self) -> (Arc<LeasedMessage>, Deadline, Arc<str>, SettleToken) {
        (self.message, self.deadline, self.inbox, self.token)
    }
}

impl Deref for Delivery {
    type Target = LeasedMessage;

    fn deref(&self) -> &LeasedMessage {
        &self.message
    }
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("inbox", &self.inbox)
            .field("message_id", &self.message.id)
            .field("attempts", &self.message.attempts())
            .field("deadline", &self.deadline)
            .finish()
    }
}

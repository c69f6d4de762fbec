//! What the runtime needs from one inbox: lease, settle, and (optionally) wake-ups.
//!
//! The engine talks to inboxes only through [`Source`], the seam between the runtime's scheduling
//! logic and the facade's HTTP calls (as the Pub/Sub client's `Leaser` trait is). [`Messages`]
//! implements it, and is its only implementation: the engine's unit tests substitute an in-memory
//! inbox one level lower, at the wire layer's `InboxApi` seam, so they run `Messages` too.

use std::future::Future;
use std::pin::Pin;

use futures::StreamExt;
use futures::stream::BoxStream;

use crate::wire::Settle;
use crate::{AckHandle, AckOutcome, ApiVariant, Error, Lease, LeaseOptions, Messages};

/// A boxed, sendable future (the trait is object-safe so one runtime can mix inboxes of several
/// clients and tokens).
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Acknowledge (remove) or release (return to the pool).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum SettleKind {
    Ack,
    Release,
}

pub(crate) trait Source: Send + Sync + 'static {
    /// A short label for logs, spans and metrics (the inbox id or name).
    fn label(&self) -> &str;

    /// Which API variant the inbox speaks (decides the default lease length).
    fn variant(&self) -> ApiVariant;

    /// One lease call.
    fn lease(&self, options: LeaseOptions) -> BoxFuture<'_, Result<Lease, Error>>;

    /// Acks or releases `handles` (each distinct, as a settler batch holds them) in the fewest
    /// requests; one outcome per handle.
    fn settle(
        &self,
        kind: SettleKind,
        handles: Vec<AckHandle>,
    ) -> BoxFuture<'_, Result<Vec<(AckHandle, AckOutcome)>, Error>>;

    /// A stream that yields each time the server says messages became available (the inbox's SSE
    /// stream), or `None` when the source has none. The runtime reconnects when it ends.
    fn wakeups(&self) -> Option<BoxStream<'static, Result<(), Error>>>;
}

/// An inbox of a [`Client`](crate::Client): its label is fixed when the consumer is built.
pub(crate) struct InboxSource {
    label: String,
    messages: Messages,
}

impl InboxSource {
    pub(crate) fn new(messages: Messages) -> Self {
        InboxSource {
            label: messages.inbox().to_string(),
            messages,
        }
    }
}

impl Source for InboxSource {
    fn label(&self) -> &str {
        &self.label
    }

    fn variant(&self) -> ApiVariant {
        self.messages.client().variant()
    }

    fn lease(&self, options: LeaseOptions) -> BoxFuture<'_, Result<Lease, Error>> {
        Box::pin(self.messages.lease(options))
    }

    fn settle(
        &self,
        kind: SettleKind,
        handles: Vec<AckHandle>,
    ) -> BoxFuture<'_, Result<Vec<(AckHandle, AckOutcome)>, Error>> {
        let settle = match kind {
            SettleKind::Ack => Settle::Ack,
            SettleKind::Release => Settle::Release,
        };
        Box::pin(async move {
            Ok(self
                .messages
                .settle(settle, handles, None)
                .await?
                .into_outcomes())
        })
    }

    fn wakeups(&self) -> Option<BoxStream<'static, Result<(), Error>>> {
        Some(
            self.messages
                .events()
                .map(|event| event.map(|_| ()))
                .boxed(),
        )
    }
}

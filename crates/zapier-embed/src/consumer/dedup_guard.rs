//! How the handler pool uses the [`Dedup`](super::Dedup) store: claim before the handler runs,
//! mark done after it succeeded, release the claim when it failed, and what a store failure
//! does (the handler is never run unguarded; see the trait's documentation).

use crate::LeasedMessage;

use super::deadline::Deadline;
use super::dedup::Claim;
use super::event::{self, ConsumerEvent};
use super::handler_pool::HandlerContext;
use super::report::Counters;
use super::settle::Settlement;

/// A store operation, as events and metrics name it.
#[derive(Clone, Copy)]
enum Operation {
    Claim,
    MarkDone,
    ReleaseClaim,
}

impl Operation {
    fn label(self) -> &'static str {
        match self {
            Operation::Claim => "claim",
            Operation::MarkDone => "mark_done",
            Operation::ReleaseClaim => "release_claim",
        }
    }
}

/// Claims `message` before its handler runs: `None` to run it, or how to settle it instead.
///
/// The claim lives twice the handler's remaining budget: past the lease's expiry (the deadline
/// keeps a safety margin before it), so no other worker runs the message while this one may; and
/// gone before the redelivery after the next one, so a crashed worker's claim costs the message
/// one extra delivery at most, not its five attempts.
pub(super) async fn claim(
    context: &HandlerContext,
    inbox: &str,
    message: &LeasedMessage,
    deadline: Deadline,
) -> Option<Settlement> {
    let ttl = deadline.remaining().saturating_mul(2);
    match context.dedup.claim(inbox, &message.id, ttl).await {
        Ok(Claim::Granted) => None,
        Ok(Claim::AlreadyDone) => {
            tracing::debug!("already processed: acking without running the handler");
            Counters::add(&context.counters.duplicates_skipped, 1);
            metrics::counter!("zapier_embed_consumer_duplicates_skipped_total", "inbox" => inbox.to_owned())
                .increment(1);
            Some(Settlement::Ack)
        }
        // Claim is non-exhaustive for stores; anything else is someone else's claim.
        Ok(_) => {
            tracing::debug!("claimed by another worker: leaving it to its lease");
            Counters::add(&context.counters.claims_held_elsewhere, 1);
            metrics::counter!("zapier_embed_consumer_claims_held_elsewhere_total", "inbox" => inbox.to_owned())
                .increment(1);
            Some(Settlement::Abandon)
        }
        Err(error) => {
            failed(context, inbox, message, Operation::Claim, error);
            Some(Settlement::Abandon)
        }
    }
}

/// Records that `message`'s handler succeeded; a failure is reported, and the ack goes out anyway.
pub(super) async fn mark_done(context: &HandlerContext, inbox: &str, message: &LeasedMessage) {
    if let Err(error) = context.dedup.mark_done(inbox, &message.id).await {
        failed(context, inbox, message, Operation::MarkDone, error);
    }
}

/// Gives the claim on `message` up, so that its redelivery can run at once; a failure is reported
/// (the claim then lapses by itself).
pub(super) async fn release_claim(context: &HandlerContext, inbox: &str, message: &LeasedMessage) {
    if let Err(error) = context.dedup.release_claim(inbox, &message.id).await {
        failed(context, inbox, message, Operation::ReleaseClaim, error);
    }
}

fn failed(
    context: &HandlerContext,
    inbox: &str,
    message: &LeasedMessage,
    operation: Operation,
    error: super::DedupError,
) {
    Counters::add(&context.counters.dedup_failures, 1);
    metrics::counter!(
        "zapier_embed_consumer_dedup_failures_total",
        "inbox" => inbox.to_owned(),
        "operation" => operation.label()
    )
    .increment(1);
    event::emit(
        &context.events,
        ConsumerEvent::DedupFailed {
            inbox: inbox.to_owned(),
            message_id: message.id.to_string(),
            operation: operation.label().to_owned(),
            error: error.to_string(),
        },
    );
}

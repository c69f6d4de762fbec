//! What an ack or release did: one outcome per handle, and how each is read from the server's
//! answer.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AckRequest;
use crate::messages::{AckHandle, MessageId};
use crate::wire::{Settle, Settled};

/// What happened to one leased message in an ack or release call.
///
/// ```
/// use zapier_embed::messages::AckOutcome;
/// assert!(AckOutcome::Acked.is_settled());
/// assert!(!AckOutcome::LeaseExpired.is_settled());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AckOutcome {
    /// The server acknowledged the message: it is removed from the inbox.
    Acked,
    /// The server released the message: it is available again (the lease still counted as one
    /// of its five attempts).
    Released,
    /// The lease had expired (400 `lease_expired`): the message went back to the pool and will
    /// be delivered again, so its processing may run twice.
    LeaseExpired,
    /// The server settled nothing for this message: it was already acked or released, or is
    /// not held under this lease.
    NotHeld,
    /// Variant B only: the server settled some of the request's tokens but its answer (message
    /// ids, not tokens) does not say which.
    Unconfirmed,
}

impl AckOutcome {
    /// Whether the ack or release took effect for this message.
    ///
    /// ```
    /// assert!(zapier_embed::messages::AckOutcome::Released.is_settled());
    /// ```
    pub fn is_settled(self) -> bool {
        matches!(self, AckOutcome::Acked | AckOutcome::Released)
    }
}

/// The outcome of an ack or release call: one [`AckOutcome`] per distinct handle, in the order
/// given, and the number of requests sent.
///
/// A `lease_expired` answer marks its request's handles [`AckOutcome::LeaseExpired`]; it is
/// counted and returned here, never swallowed, and never fails the whole call.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let emulator = zapier_embed_emulator::Emulator::builder()
/// #     .activation_delay(std::time::Duration::ZERO)
/// #     .action_run_delay(std::time::Duration::ZERO)
/// #     .start().await.unwrap();
/// # let host = emulator.addr().to_string();
/// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
/// # let hook = zapier_embed::Subscription::new("webhook", "hook_v2")
/// #     .with_input("_zap_static_hook_code", "a1b2c3d4e5f6")
/// #     .with_input("_zap_static_hook_seed", "0f1e2d3c4b5a");
/// # let inbox: zapier_embed::InboxRef = "hooks".parse().unwrap();
/// # client.inboxes().ensure("hooks", &hook, None).await?;
/// # client.inboxes().wait_until_active(&inbox, std::time::Duration::from_secs(5)).await?;
/// # emulator.emulator().emit(serde_json::from_value(serde_json::json!(
/// #     {"app": "webhook", "action": "hook_v2", "payload": {"n": 1}, "count": 2})).unwrap()).unwrap();
/// # let messages = client.messages(inbox.clone());
/// # let lease = messages.lease(zapier_embed::LeaseOptions::default()).await?;
/// let report = messages.ack(lease.handles().cloned()).await?;
/// println!("{} acked in {} request(s)", report.settled(), report.requests());
/// for handle in report.lease_expired() {
///     eprintln!("lease expired before the ack; expect a redelivery: {handle:?}");
/// }
/// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AckReport {
    pub(super) outcomes: Vec<(AckHandle, AckOutcome)>,
    pub(super) requests: usize,
}

impl AckReport {
    /// Every handle with its outcome.
    ///
    /// ```
    /// assert!(zapier_embed::messages::AckReport::default().outcomes().is_empty());
    /// ```
    pub fn outcomes(&self) -> &[(AckHandle, AckOutcome)] {
        &self.outcomes
    }

    /// The outcomes, owned (the consumer's settler hands them on without copying).
    #[cfg(feature = "consumer")]
    pub(crate) fn into_outcomes(self) -> Vec<(AckHandle, AckOutcome)> {
        self.outcomes
    }

    /// The outcome for one handle, if it was part of the call.
    ///
    /// ```
    /// # use zapier_embed::{messages::AckHandle, messages::AckReport, InboxName};
    /// let h = AckHandle::ByName { inbox: InboxName::new("o").unwrap(), lease_token: "t".into() };
    /// assert_eq!(AckReport::default().outcome(&h), None);
    /// ```
    pub fn outcome(&self, handle: &AckHandle) -> Option<AckOutcome> {
        self.outcomes
            .iter()
            .find(|(h, _)| h == handle)
            .map(|(_, o)| *o)
    }

    /// How many ack / release requests were sent (retries of one request not counted).
    ///
    /// ```
    /// assert_eq!(zapier_embed::messages::AckReport::default().requests(), 0);
    /// ```
    pub fn requests(&self) -> usize {
        self.requests
    }

    /// How many messages were acked or released.
    ///
    /// ```
    /// assert_eq!(zapier_embed::messages::AckReport::default().settled(), 0);
    /// ```
    pub fn settled(&self) -> usize {
        self.outcomes.iter().filter(|(_, o)| o.is_settled()).count()
    }

    /// The handles whose lease had expired (their messages will be redelivered).
    ///
    /// ```
    /// assert_eq!(zapier_embed::messages::AckReport::default().lease_expired().count(), 0);
    /// ```
    pub fn lease_expired(&self) -> impl Iterator<Item = &AckHandle> {
        self.outcomes
            .iter()
            .filter(|(_, o)| *o == AckOutcome::LeaseExpired)
            .map(|(h, _)| h)
    }

    /// Whether every handle was acked or released.
    ///
    /// ```
    /// assert!(zapier_embed::messages::AckReport::default().is_complete());
    /// ```
    pub fn is_complete(&self) -> bool {
        self.outcomes.iter().all(|(_, o)| o.is_settled())
    }
}

/// The ids an answer lists, indexed once per answer so that reading the outcome of every handle
/// it covers costs one lookup each (not a scan of the list, with two uuid parses per comparison).
pub(super) struct ListedIds<'a> {
    uuids: HashSet<Uuid>,
    texts: HashSet<&'a str>,
}

impl<'a> ListedIds<'a> {
    pub(super) fn new(settled: &'a Settled) -> Self {
        ListedIds {
            uuids: settled
                .message_ids
                .iter()
                .filter_map(MessageId::as_uuid)
                .collect(),
            texts: settled.message_ids.iter().map(MessageId::as_str).collect(),
        }
    }

    /// Message ids compare as uuids when both are (case and hyphenation may differ), else as
    /// text; two ids with the same text are both uuids or neither, so one lookup decides.
    fn contains(&self, id: &MessageId) -> bool {
        match id.as_uuid() {
            Some(uuid) => self.uuids.contains(&uuid),
            None => self.texts.contains(id.as_str()),
        }
    }
}

/// The outcome of one handle, from the answer to the request that covered it (`listed` indexes
/// that answer's ids).
pub(super) fn outcome_of(
    settle: Settle,
    request: &AckRequest,
    settled: &Settled,
    listed: &ListedIds<'_>,
    handle: &AckHandle,
) -> AckOutcome {
    let listed = match handle {
        AckHandle::ById { message_id, .. } => Some(listed.contains(message_id)),
        _ => None,
    };
    answered(settle, settled, listed, request.len())
}

/// The outcome of one message of a request, from the request's answer: `listed` says whether
/// the answer lists the message (variant A; `None` for variant B, whose answer lists message ids,
/// not the tokens sent), `sent` how many messages the request named (`None`: a whole lease).
pub(super) fn answered(
    settle: Settle,
    settled: &Settled,
    listed: Option<bool>,
    sent: Option<usize>,
) -> AckOutcome {
    let done = match settle {
        Settle::Ack => AckOutcome::Acked,
        Settle::Release => AckOutcome::Released,
    };
    if settled.message_ids.is_empty() {
        // 201 without a list still means "settled"; 200 means "nothing was".
        return if settled.status == 201 {
            done
        } else {
            AckOutcome::NotHeld
        };
    }
    match (listed, sent) {
        (Some(true), _) => done,
        (Some(false), _) => AckOutcome::NotHeld,
        (None, Some(sent)) if settled.message_ids.len() >= sent => done,
        (None, _) => AckOutcome::Unconfirmed,
    }
}

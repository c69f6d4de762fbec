//! A variant-A Trigger Inbox in memory, behind the wire layer's `InboxApi` seam: the consumer
//! tests run the real `Messages` (ack planning and coalescing, release, outcome reports) and the
//! real `InboxSource` over it, with leases that expire on tokio's (paused) clock.
//!
//! It answers what the consumer sends (lease, ack, release, the event stream, which stays
//! silent) and refuses every other operation, which no consumer test makes.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use tokio::time::Instant;
use uuid::Uuid;

use crate::messages::{MessageAttributes, MessageStatus};
use crate::wire::{
    EventBytes, InboxApi, InboxQuery, NewInbox, Page, Settle, SettleRequest, Settled, Transition,
    ops,
};
use crate::{
    AckHandle, Client, Error, Inbox, InboxName, InboxRef, Lease, LeaseOptions, LeasedMessage,
    Message, MessageId,
};
use zapier_embed_domain::ErrorContext;

/// The id of the inbox's `i`-th message (from 0), a uuid as variant A's ids are.
pub(crate) fn message_id(i: usize) -> MessageId {
    MessageId::new(Uuid::from_u128(i as u128 + 1).to_string())
}

/// Message `id` of the variant-A inbox `inbox`, leased under `lease_id` at `at`, its
/// `attempts`-th delivery.
pub(crate) fn leased(
    inbox: Uuid,
    lease_id: Uuid,
    id: MessageId,
    at: DateTime<Utc>,
    attempts: u32,
) -> LeasedMessage {
    let ack = AckHandle::ById {
        inbox,
        lease_id,
        message_id: id.clone(),
    };
    LeasedMessage::new(
        id,
        at,
        MessageStatus::Leased,
        serde_json::json!({"n": 1}),
        MessageAttributes::new(attempts),
        ack,
    )
}

/// The lease after which a message is quarantined instead of made available again.
const QUARANTINE_AT: u32 = 5;

#[derive(Default)]
struct State {
    available: VecDeque<MessageId>,
    /// Leased messages: their lease and when it lapses.
    leased: HashMap<MessageId, (Uuid, Instant)>,
    /// When each lease lapses (an ack or release after that answers `lease_expired`).
    leases: HashMap<Uuid, Instant>,
    lease_counts: HashMap<MessageId, u32>,
    acked: Vec<MessageId>,
    quarantined: Vec<MessageId>,
    max_leased: usize,
}

/// A variant-A inbox in memory: leases expire on tokio's clock, the fifth lease is the last.
pub(super) struct FakeInbox {
    pub(super) id: Uuid,
    state: Mutex<State>,
    pub(super) lease_calls: AtomicU64,
    /// How long each lease call takes (a slow network or server).
    pub(super) lease_delay: Duration,
    /// A misbehaving server: how many messages beyond the limit each lease answer holds.
    pub(super) overfill: usize,
    /// A misbehaving server: every message of a lease answer is listed twice.
    pub(super) duplicate: bool,
    /// A misbehaving server: the first lease calls fail with these errors, in order.
    pub(super) failures: Mutex<VecDeque<Error>>,
}

impl FakeInbox {
    /// An inbox holding `n` messages (uuid ids, as variant A's are).
    pub(super) fn with_messages(n: usize) -> std::sync::Arc<Self> {
        let inbox = FakeInbox {
            id: Uuid::new_v4(),
            state: Mutex::new(State::default()),
            lease_calls: AtomicU64::new(0),
            lease_delay: Duration::ZERO,
            overfill: 0,
            duplicate: false,
            failures: Mutex::new(VecDeque::new()),
        };
        {
            let mut s = inbox.state.lock().unwrap();
            s.available.extend((0..n).map(message_id));
        }
        std::sync::Arc::new(inbox)
    }

    fn requeue(state: &mut State, id: MessageId) {
        if state.lease_counts.get(&id).copied().unwrap_or(0) >= QUARANTINE_AT {
            state.quarantined.push(id);
        } else {
            state.available.push_back(id);
        }
    }

    fn expire(state: &mut State, now: Instant) {
        let expired: Vec<MessageId> = state
            .leased
            .iter()
            .filter(|(_, (_, until))| *until <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            state.leased.remove(&id);
            Self::requeue(state, id);
        }
    }

    /// Acked, leased, quarantined, and the most ever leased at once.
    pub(super) fn snapshot(&self) -> (usize, usize, usize, usize) {
        let s = self.state.lock().unwrap();
        (
            s.acked.len(),
            s.leased.len(),
            s.quarantined.len(),
            s.max_leased,
        )
    }

    fn lease_now(&self, options: LeaseOptions) -> Lease {
        let now = Instant::now();
        let requested_at = Utc::now();
        let mut s = self.state.lock().unwrap();
        Self::expire(&mut s, now);
        let lease_id = Uuid::new_v4();
        let until = now + options.lease_seconds.as_duration();
        let mut messages = Vec::new();
        while messages.len() < options.limit.get() as usize + self.overfill {
            let Some(id) = s.available.pop_front() else {
                break;
            };
            let count = s.lease_counts.entry(id.clone()).or_insert(0);
            *count += 1;
            let attempts = *count;
            s.leased.insert(id.clone(), (lease_id, until));
            messages.push(leased(self.id, lease_id, id, requested_at, attempts));
        }
        s.max_leased = s.max_leased.max(s.leased.len());
        if !messages.is_empty() {
            s.leases.insert(lease_id, until);
        }
        if self.duplicate {
            messages = messages.into_iter().flat_map(|m| [m.clone(), m]).collect();
        }
        let lease = Lease::new(
            InboxRef::from(self.id),
            messages,
            requested_at,
            options.lease_seconds,
        );
        if lease.is_empty() {
            lease
        } else {
            lease.with_lease_id(lease_id)
        }
    }

    /// One variant-A ack or release: `lease_expired` once the lease lapsed (as the server
    /// answers), else the messages settled, listed (201), or none (200).
    fn settle_now(
        &self,
        settle: Settle,
        lease_id: Uuid,
        message_ids: Option<Vec<Uuid>>,
    ) -> Result<Settled, Error> {
        let now = Instant::now();
        let mut s = self.state.lock().unwrap();
        Self::expire(&mut s, now);
        if s.leases.get(&lease_id).is_some_and(|until| *until <= now) {
            let op = match settle {
                Settle::Ack => ops::ACK_BY_ID.name,
                Settle::Release => ops::RELEASE_BY_ID.name,
            };
            let context = ErrorContext::new(op)
                .with_status(400)
                .with_code("lease_expired");
            return Err(Error::LeaseExpired {
                context: Box::new(context),
            });
        }
        let held: Vec<MessageId> = s
            .leased
            .iter()
            .filter(|(id, (lease, _))| {
                *lease == lease_id
                    && message_ids
                        .as_ref()
                        .is_none_or(|ids| id.as_uuid().is_some_and(|u| ids.contains(&u)))
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in &held {
            s.leased.remove(id);
            match settle {
                Settle::Ack => s.acked.push(id.clone()),
                Settle::Release => Self::requeue(&mut s, id.clone()),
            }
        }
        Ok(Settled {
            status: if held.is_empty() { 200 } else { 201 },
            message_ids: held,
        })
    }
}

/// What the fake answers for an operation no consumer test makes.
pub(crate) fn not_in_memory<T: Send + 'static>(
    operation: &'static str,
) -> BoxFuture<'static, Result<T, Error>> {
    Box::pin(std::future::ready(Err(crate::inboxes::unsupported(
        operation,
        "the in-memory inbox only leases, acks, releases and streams events",
    ))))
}

/// The [`InboxApi`] methods an in-memory inbox shares (stamped into its `impl`, which adds
/// `lease` and `settle`): the event stream stays open and silent (the consumer polls), every
/// operation the consumer does not make is refused.
macro_rules! in_memory_inbox {
    () => {
        fn create<'a>(
            &'a self,
            _client: &'a Client,
            _new: NewInbox<'a, Option<InboxName>>,
        ) -> BoxFuture<'a, Result<Inbox, Error>> {
            not_in_memory(ops::CREATE.name)
        }

        fn ensure<'a>(
            &'a self,
            _client: &'a Client,
            _new: NewInbox<'a, InboxName>,
        ) -> BoxFuture<'a, Result<(Inbox, bool), Error>> {
            not_in_memory(ops::ENSURE_BY_ID.name)
        }

        fn find_by_name<'a>(
            &'a self,
            _client: &'a Client,
            _name: &'a InboxName,
        ) -> BoxFuture<'a, Result<Inbox, Error>> {
            not_in_memory(ops::RESOLVE_ID_BY_LIST.name)
        }

        fn get<'a>(
            &'a self,
            _client: &'a Client,
            _inbox: &'a InboxRef,
        ) -> BoxFuture<'a, Result<Inbox, Error>> {
            not_in_memory(ops::GET_BY_ID.name)
        }

        fn list<'a>(
            &'a self,
            _client: &'a Client,
            _query: InboxQuery,
        ) -> BoxFuture<'a, Result<Page<Inbox>, Error>> {
            not_in_memory(ops::LIST_BY_ID.name)
        }

        fn patch<'a>(
            &'a self,
            _client: &'a Client,
            _inbox: &'a InboxRef,
            _notification_url: Option<String>,
        ) -> BoxFuture<'a, Result<Inbox, Error>> {
            not_in_memory(ops::PATCH.name)
        }

        fn transition<'a>(
            &'a self,
            _client: &'a Client,
            _inbox: &'a InboxRef,
            transition: Transition,
        ) -> BoxFuture<'a, Result<Inbox, Error>> {
            not_in_memory(ops::transition_by_id(transition).name)
        }

        fn list_messages<'a>(
            &'a self,
            _client: &'a Client,
            _inbox: &'a InboxRef,
            _cursor: Option<String>,
        ) -> BoxFuture<'a, Result<Page<Message>, Error>> {
            not_in_memory(ops::LIST_MESSAGES_BY_ID.name)
        }

        fn events<'a>(
            &'a self,
            _client: &'a Client,
            _inbox: &'a InboxRef,
        ) -> BoxFuture<'a, Result<EventBytes, Error>> {
            Box::pin(std::future::ready(Ok(futures::stream::StreamExt::boxed(
                futures::stream::pending(),
            ))))
        }
    };
}
pub(crate) use in_memory_inbox;

impl InboxApi for FakeInbox {
    in_memory_inbox!();

    fn lease<'a>(
        &'a self,
        _client: &'a Client,
        _inbox: &'a InboxRef,
        options: LeaseOptions,
    ) -> BoxFuture<'a, Result<Lease, Error>> {
        Box::pin(async move {
            self.lease_calls.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(self.lease_delay).await;
            if let Some(error) = self.failures.lock().unwrap().pop_front() {
                return Err(error);
            }
            Ok(self.lease_now(options))
        })
    }

    fn settle<'a>(
        &'a self,
        _client: &'a Client,
        request: SettleRequest,
        settle: Settle,
        _label: &'a str,
    ) -> BoxFuture<'a, Result<Settled, Error>> {
        Box::pin(async move {
            match request {
                SettleRequest::ById {
                    lease_id,
                    message_ids,
                    ..
                } => self.settle_now(settle, lease_id, message_ids),
                SettleRequest::ByName { .. } => Err(crate::inboxes::unsupported(
                    ops::settle_by_name(settle).name,
                    "the in-memory inbox is variant A",
                )),
            }
        })
    }
}

//! One inbox's message queue: the data structure that keeps lease and ack cost independent of
//! the backlog.
//!
//! | structure | role | cost per call |
//! |---|---|---|
//! | `slots: Slots` (deque of 64-message chunks) | every listable message, addressed by sequence number | `O(1)` per touched message |
//! | `ids: MessageIds` | message id ↔ sequence number by arithmetic (ids embed it) | `O(1)`, no memory per message |
//! | `next_fresh` | never-leased messages are exactly `next_fresh..next_seq` | `O(1)`, no memory per message |
//! | `returned: BTreeSet<seq>` | released or expired messages, leased again first, oldest first | `O(log r)`, `r` = returned ones |
//! | `leases: HashMap<lease_id, Lease>` | live leases and their (≤ 100) members | `O(1)` |
//! | `expiries: BinaryHeap<Reverse<(leased_until, lease_id)>>` | min-heap of deadlines, popped lazily | only expired leases are touched |
//! | `expired: HashSet` + FIFO | recently expired lease ids, to answer `lease_expired` | bounded |
//! | `acked_order: VecDeque<seq>` | acked messages kept listable, oldest forgotten first | bounded |
//!
//! No call scans the queue: a lease touches the `k` messages it returns plus the leases that have
//! expired since the previous call, an ack touches its lease's members. A queued message costs
//! its payload (shared by every copy of an event, see [`Payload`]) plus a 48-byte slot; there is
//! no per-message index. The benchmark `benches/lease_ack.rs` compares a 1k and a 1M backlog
//! and measures the memory per message.
//!
//! The emulator's routes drive one [`MessageQueue`] per inbox; it is public so that benchmarks
//! (and curious readers) can exercise it without HTTP. Times are passed in, never read.
//!
//! ```
//! use zapier_embed_emulator::queue::{MessageQueue, MessageStatus, Payload, Settle};
//!
//! let now = chrono::Utc::now();
//! let mut q = MessageQueue::new(1_000);
//! q.enqueue(now, Payload::from_value(&serde_json::json!({"n": 1})));
//! let grant = q.lease(now, chrono::Duration::seconds(30), 10).unwrap();
//! let released = q.settle(now, grant.lease_id, None, Settle::Release).unwrap();
//! assert_eq!(released[0].status, MessageStatus::Available);
//! ```

mod ids;
mod payload;
mod slots;
#[cfg(test)]
mod tests;
mod views;

pub use payload::Payload;

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap, HashSet, VecDeque};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use ids::MessageIds;
use slots::{Slot, Slots};

/// At this `lease_count` a message that comes back (release or expiry) is quarantined.
///
/// ```
/// use zapier_embed_emulator::queue::{MessageQueue, Payload};
/// let now = chrono::Utc::now();
/// let mut q = MessageQueue::new(100);
/// use zapier_embed_emulator::queue::{MessageStatus, Settle, QUARANTINE_AFTER};
/// let id = q.enqueue(now, Payload::from_value(&serde_json::json!({})));
/// for _ in 0..QUARANTINE_AFTER {
///     let grant = q.lease(now, chrono::Duration::seconds(30), 1).unwrap();
///     q.settle(now, grant.lease_id, None, Settle::Release).unwrap();
/// }
/// assert_eq!(q.get(&id).unwrap().status, MessageStatus::Quarantined);
/// assert!(q.lease(now, chrono::Duration::seconds(30), 1).is_none());
/// ```
pub const QUARANTINE_AFTER: u32 = 5;

/// How many expired lease ids are remembered to answer `lease_expired` (older ones are unknown).
const EXPIRED_MEMORY: usize = 100_000;

/// Status of a message (`StatusEnum`).
///
/// ```
/// use zapier_embed_emulator::queue::{MessageQueue, Payload};
/// let now = chrono::Utc::now();
/// let mut q = MessageQueue::new(100);
/// use zapier_embed_emulator::queue::MessageStatus;
/// let id = q.enqueue(now, Payload::from_value(&serde_json::json!({})));
/// assert_eq!(q.get(&id).unwrap().status, MessageStatus::Available);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageStatus {
    /// Leasable.
    Available,
    /// Held by a live lease.
    Leased,
    /// Acknowledged; payload dropped, kept for listing.
    Acked,
    /// Came back after its fifth lease; never leased again.
    Quarantined,
}

impl MessageStatus {
    /// Wire name.
    ///
    /// ```
    /// use zapier_embed_emulator::queue::MessageStatus;
    /// assert_eq!(MessageStatus::Quarantined.as_str(), "quarantined");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Available => "available",
            MessageStatus::Leased => "leased",
            MessageStatus::Acked => "acked",
            MessageStatus::Quarantined => "quarantined",
        }
    }
}

/// A message as stored (and snapshotted into responses).
///
/// ```
/// use zapier_embed_emulator::queue::{MessageQueue, Payload};
/// let now = chrono::Utc::now();
/// let mut q = MessageQueue::new(100);
/// let id = q.enqueue(now, Payload::from_value(&serde_json::json!({"text": "hi"})));
/// let msg = q.get(&id).unwrap();
/// assert_eq!((msg.lease_count, msg.created_at), (0, now));
/// assert_eq!(msg.payload.map(|p| p.to_value()), Some(serde_json::json!({"text": "hi"})));
/// ```
#[derive(Debug, Clone)]
pub struct StoredMessage {
    /// Stable message id.
    pub id: Uuid,
    /// Arrival sequence number within the inbox (cursor key).
    pub seq: u64,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// Current status.
    pub status: MessageStatus,
    /// How many times it has been leased.
    pub lease_count: u32,
    /// Event data; `None` once acked.
    pub payload: Option<Payload>,
    /// Hydration error, if any (the emulator's events never fail to hydrate).
    pub error_message: Option<String>,
    /// Whether Zapier could not rule out that this event repeats earlier data (the control API's
    /// `possible_duplicate_data` sets it).
    pub possible_duplicate_data: bool,
    /// The lease holding it while `Leased`.
    pub lease: Option<Uuid>,
}

/// A granted lease.
///
/// ```
/// use zapier_embed_emulator::queue::{MessageQueue, Payload};
/// let now = chrono::Utc::now();
/// let mut q = MessageQueue::new(100);
/// q.enqueue(now, Payload::from_value(&serde_json::json!({})));
/// let grant = q.lease(now, chrono::Duration::seconds(30), 10).unwrap();
/// assert_eq!(grant.leased_until, now + chrono::Duration::seconds(30));
/// assert_eq!(grant.messages[0].lease, Some(grant.lease_id));
/// ```
#[derive(Debug, Clone)]
pub struct LeaseGrant {
    /// The new lease id.
    pub lease_id: Uuid,
    /// Deadline.
    pub leased_until: DateTime<Utc>,
    /// Leased messages (status `leased`, `lease_count` already incremented).
    pub messages: Vec<StoredMessage>,
}

/// What to do with leased messages.
///
/// ```
/// use zapier_embed_emulator::queue::{MessageQueue, Payload};
/// let now = chrono::Utc::now();
/// let mut q = MessageQueue::new(100);
/// use zapier_embed_emulator::queue::Settle;
/// q.enqueue(now, Payload::from_value(&serde_json::json!({})));
/// let grant = q.lease(now, chrono::Duration::seconds(30), 1).unwrap();
/// q.settle(now, grant.lease_id, None, Settle::Release).unwrap();
/// assert_eq!(q.available_len(), 1); // released: leasable again
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// Acknowledge: done, never redelivered.
    Ack,
    /// Release: available again now (counts as an attempt).
    Release,
}

/// Ack/release refused.
///
/// ```
/// use zapier_embed_emulator::queue::{MessageQueue, Payload};
/// let now = chrono::Utc::now();
/// let mut q = MessageQueue::new(100);
/// use zapier_embed_emulator::queue::{QueueError, Settle};
/// q.enqueue(now, Payload::from_value(&serde_json::json!({})));
/// let grant = q.lease(now, chrono::Duration::seconds(30), 1).unwrap();
/// let later = now + chrono::Duration::seconds(31);
/// let err = q.settle(later, grant.lease_id, None, Settle::Ack).unwrap_err();
/// assert_eq!(err, QueueError::LeaseExpired(grant.lease_id));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    /// The lease lapsed before the call; its messages were already returned.
    #[error("lease {0} has expired")]
    LeaseExpired(Uuid),
}

/// Cumulative counters; the store drains them into the global statistics after each call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct QueueCounters {
    /// Messages enqueued.
    pub enqueued: u64,
    /// Messages handed out by leases.
    pub leased: u64,
    /// Messages acknowledged.
    pub acked: u64,
    /// Messages released.
    pub released: u64,
    /// Messages returned by lease expiry.
    pub expired: u64,
    /// Messages quarantined.
    pub quarantined: u64,
}

#[derive(Debug)]
struct Lease {
    members: Vec<u64>,
}

/// A single inbox's queue. See the module docs for the structure and its costs.
///
/// ```
/// use zapier_embed_emulator::queue::{MessageQueue, Payload, Settle};
///
/// let mut q = MessageQueue::new(100);
/// let now = chrono::Utc::now();
/// q.enqueue(now, Payload::from_value(&serde_json::json!({"text": "hi"})));
/// let grant = q.lease(now, chrono::Duration::seconds(30), 10).expect("one message");
/// assert_eq!(grant.messages[0].lease_count, 1);
/// let acked = q.settle(now, grant.lease_id, None, Settle::Ack).unwrap();
/// assert_eq!(acked.len(), 1);
/// assert_eq!(q.available_len(), 0);
/// ```
#[derive(Debug)]
pub struct MessageQueue {
    ids: MessageIds,
    next_seq: u64,
    /// Messages `next_fresh..next_seq` have never been leased (all available, in order).
    next_fresh: u64,
    slots: Slots,
    /// Released or expired messages waiting to be leased again; all `< next_fresh`.
    returned: BTreeSet<u64>,
    leases: HashMap<Uuid, Lease>,
    expiries: BinaryHeap<Reverse<(DateTime<Utc>, Uuid)>>,
    expired: HashSet<Uuid>,
    expired_order: VecDeque<Uuid>,
    acked_order: VecDeque<u64>,
    acked_retention: usize,
    counters: QueueCounters,
}

impl MessageQueue {
    /// An empty queue keeping at most `acked_retention` acked messages listable.
    ///
    /// ```
    /// let q = zapier_embed_emulator::queue::MessageQueue::new(10_000);
    /// assert!(q.is_empty());
    /// ```
    pub fn new(acked_retention: usize) -> Self {
        Self {
            ids: MessageIds::random(),
            next_seq: 1,
            next_fresh: 1,
            slots: Slots::default(),
            returned: BTreeSet::new(),
            leases: HashMap::new(),
            expiries: BinaryHeap::new(),
            expired: HashSet::new(),
            expired_order: VecDeque::new(),
            acked_order: VecDeque::new(),
            acked_retention,
            counters: QueueCounters::default(),
        }
    }

    /// Adds one available message and returns its id.
    ///
    /// ```
    /// use zapier_embed_emulator::queue::{MessageQueue, Payload};
    /// let now = chrono::Utc::now();
    /// let mut q = MessageQueue::new(100);
    /// let id = q.enqueue(now, Payload::from_value(&serde_json::json!({"text": "hi"})));
    /// assert_eq!(q.get(&id).unwrap().id, id);
    /// ```
    pub fn enqueue(&mut self, now: DateTime<Utc>, payload: Payload) -> Uuid {
        self.push(now, payload, false)
    }

    /// Adds one available message flagged `possible_duplicate_data` (the event may repeat
    /// earlier data) and returns its id.
    ///
    /// ```
    /// use zapier_embed_emulator::queue::{MessageQueue, Payload};
    /// let now = chrono::Utc::now();
    /// let mut q = MessageQueue::new(100);
    /// let id = q.enqueue_possible_duplicate(now, Payload::from_value(&serde_json::json!({"text": "hi"})));
    /// assert!(q.get(&id).unwrap().possible_duplicate_data);
    /// ```
    pub fn enqueue_possible_duplicate(&mut self, now: DateTime<Utc>, payload: Payload) -> Uuid {
        self.push(now, payload, true)
    }

    fn push(
        &mut self,
        now: DateTime<Utc>,
        payload: Payload,
        possible_duplicate_data: bool,
    ) -> Uuid {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.slots.push(
            seq,
            Slot {
                created_at: now,
                payload: Some(payload),
                lease: None,
                status: Some(MessageStatus::Available),
                lease_count: 0,
                possible_duplicate_data,
            },
        );
        self.counters.enqueued += 1;
        self.ids.id(seq)
    }

    /// The public form of message `seq`.
    fn snapshot(ids: MessageIds, seq: u64, slot: &Slot) -> Option<StoredMessage> {
        Some(StoredMessage {
            id: ids.id(seq),
            seq,
            created_at: slot.created_at,
            status: slot.status?,
            lease_count: slot.lease_count.into(),
            payload: slot.payload.clone(),
            error_message: None,
            possible_duplicate_data: slot.possible_duplicate_data,
            lease: slot.lease,
        })
    }

    /// Returns every lease whose deadline is `<= now` to the pool. Pops only expired heap entries,
    /// so the cost is proportional to the work done, not to the backlog. Every other method calls it
    /// first.
    ///
    /// ```
    /// use zapier_embed_emulator::queue::{MessageQueue, Payload};
    /// let now = chrono::Utc::now();
    /// let mut q = MessageQueue::new(100);
    /// q.enqueue(now, Payload::from_value(&serde_json::json!({})));
    /// q.lease(now, chrono::Duration::seconds(30), 1).unwrap();
    /// assert_eq!(q.available_len(), 0);
    /// q.expire(now + chrono::Duration::seconds(30));
    /// assert_eq!(q.available_len(), 1);
    /// ```
    pub fn expire(&mut self, now: DateTime<Utc>) {
        while let Some(Reverse((deadline, lease_id))) = self.expiries.peek().copied() {
            if deadline > now {
                break;
            }
            self.expiries.pop();
            // A lease fully acked/released earlier is already gone: nothing to do.
            let Some(lease) = self.leases.remove(&lease_id) else {
                continue;
            };
            for seq in lease.members {
                if self.return_to_pool(seq) {
                    self.counters.expired += 1;
                }
            }
            self.remember_expired(lease_id);
        }
    }

    fn remember_expired(&mut self, lease_id: Uuid) {
        self.expired.insert(lease_id);
        self.expired_order.push_back(lease_id);
        if self.expired_order.len() > EXPIRED_MEMORY
            && let Some(old) = self.expired_order.pop_front()
        {
            self.expired.remove(&old);
        }
    }

    /// Makes a leased message available again, or quarantines it at the threshold.
    /// Returns false when the message was not leased (nothing changed).
    fn return_to_pool(&mut self, seq: u64) -> bool {
        let Some(slot) = self.slots.get_mut(seq) else {
            return false;
        };
        if slot.status != Some(MessageStatus::Leased) {
            return false;
        }
        slot.lease = None;
        if u32::from(slot.lease_count) >= QUARANTINE_AFTER {
            slot.status = Some(MessageStatus::Quarantined);
            self.counters.quarantined += 1;
        } else {
            slot.status = Some(MessageStatus::Available);
            self.returned.insert(seq);
        }
        true
    }

    /// Leases up to `limit` of the oldest available messages for `lease_for`.
    /// Returns `None` when nothing is available.
    ///
    /// ```
    /// use zapier_embed_emulator::queue::{MessageQueue, Payload};
    /// let now = chrono::Utc::now();
    /// let mut q = MessageQueue::new(100);
    /// assert!(q.lease(now, chrono::Duration::seconds(30), 10).is_none());
    /// for n in 0..3 {
    ///     q.enqueue(now, Payload::from_value(&serde_json::json!({"n": n})));
    /// }
    /// let grant = q.lease(now, chrono::Duration::seconds(30), 2).unwrap();
    /// assert_eq!(grant.messages.len(), 2); // the two oldest
    /// assert_eq!(q.available_len(), 1);
    /// ```
    pub fn lease(
        &mut self,
        now: DateTime<Utc>,
        lease_for: chrono::Duration,
        limit: usize,
    ) -> Option<LeaseGrant> {
        self.expire(now);
        let available = self.available_len();
        if available == 0 || limit == 0 {
            return None;
        }
        let lease_id = Uuid::now_v7();
        let leased_until = now
            .checked_add_signed(lease_for)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let mut members = Vec::with_capacity(limit.min(available));
        let mut messages = Vec::with_capacity(members.capacity());
        while members.len() < limit {
            // Returned messages are all older than the never-leased ones: they go first.
            let seq = match self.returned.pop_first() {
                Some(seq) => seq,
                None if self.next_fresh < self.next_seq => {
                    self.next_fresh += 1;
                    self.next_fresh - 1
                }
                None => break,
            };
            let Some(slot) = self.slots.get_mut(seq) else {
                continue;
            };
            slot.status = Some(MessageStatus::Leased);
            slot.lease_count = slot.lease_count.saturating_add(1);
            slot.lease = Some(lease_id);
            members.push(seq);
            messages.extend(Self::snapshot(self.ids, seq, slot));
        }
        self.counters.leased += members.len() as u64;
        self.leases.insert(lease_id, Lease { members });
        self.expiries.push(Reverse((leased_until, lease_id)));
        Some(LeaseGrant {
            lease_id,
            leased_until,
            messages,
        })
    }

    /// Acks or releases the messages of a lease (all of them, or those of `message_ids` that belong
    /// to it). Unknown leases and foreign ids settle nothing; an expired lease is an error.
    ///
    /// ```
    /// use zapier_embed_emulator::queue::{MessageQueue, Payload};
    /// let now = chrono::Utc::now();
    /// let mut q = MessageQueue::new(100);
    /// use zapier_embed_emulator::queue::Settle;
    /// let first = q.enqueue(now, Payload::from_value(&serde_json::json!({"n": 1})));
    /// q.enqueue(now, Payload::from_value(&serde_json::json!({"n": 2})));
    /// let grant = q.lease(now, chrono::Duration::seconds(30), 10).unwrap();
    /// let acked = q.settle(now, grant.lease_id, Some(&[first]), Settle::Ack).unwrap();
    /// assert_eq!(acked.len(), 1);
    /// let rest = q.settle(now, grant.lease_id, None, Settle::Release).unwrap();
    /// assert_eq!(rest.len(), 1);
    /// ```
    pub fn settle(
        &mut self,
        now: DateTime<Utc>,
        lease_id: Uuid,
        message_ids: Option<&[Uuid]>,
        how: Settle,
    ) -> Result<Vec<StoredMessage>, QueueError> {
        self.expire(now);
        if self.expired.contains(&lease_id) {
            return Err(QueueError::LeaseExpired(lease_id));
        }
        let Some(lease) = self.leases.get_mut(&lease_id) else {
            return Ok(Vec::new());
        };
        let chosen: Vec<u64> = match message_ids {
            None => std::mem::take(&mut lease.members),
            Some(ids) => {
                let wanted: HashSet<u64> = ids.iter().filter_map(|id| self.ids.seq(id)).collect();
                let (chosen, kept) = lease.members.iter().partition(|seq| wanted.contains(seq));
                lease.members = kept;
                chosen
            }
        };
        if lease.members.is_empty() {
            // The heap entry stays and is skipped when it pops.
            self.leases.remove(&lease_id);
        }
        let mut settled = Vec::with_capacity(chosen.len());
        for seq in chosen {
            match how {
                Settle::Ack => {
                    let Some(slot) = self.slots.get_mut(seq) else {
                        continue;
                    };
                    slot.status = Some(MessageStatus::Acked);
                    slot.lease = None;
                    slot.payload = None;
                    settled.extend(Self::snapshot(self.ids, seq, slot));
                    self.counters.acked += 1;
                    self.acked_order.push_back(seq);
                }
                Settle::Release => {
                    if self.return_to_pool(seq) {
                        self.counters.released += 1;
                        if let Some(slot) = self.slots.get(seq) {
                            settled.extend(Self::snapshot(self.ids, seq, slot));
                        }
                    }
                }
            }
        }
        self.forget_old_acked();
        Ok(settled)
    }

    fn forget_old_acked(&mut self) {
        while self.acked_order.len() > self.acked_retention {
            let Some(seq) = self.acked_order.pop_front() else {
                break;
            };
            self.slots.forget(seq);
        }
    }
}

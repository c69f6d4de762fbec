//! One inbox's message queue: the data structure that keeps lease and ack cost independent of
//! the backlog.
//!
//! | structure | role | cost per call |
//! |---|---|---|
//! | `messages: BTreeMap<seq, StoredMessage>` | every message in arrival order (listing, cursor pages) | `O(log n)` per touched message |
//! | `ids: HashMap<Uuid, seq>` | message id → sequence number (ack/release by id) | `O(1)` |
//! | `available: BTreeSet<seq>` | leasable messages, oldest first; released messages go back in their place | lease pops `k`: `O(k log n)` |
//! | `leases: HashMap<lease_id, Lease>` | live leases and their (≤ 100) members | `O(1)` |
//! | `expiries: BinaryHeap<Reverse<(leased_until, lease_id)>>` | min-heap of deadlines, popped lazily | only expired leases are touched |
//! | `expired: HashSet` + FIFO | recently expired lease ids, to answer `lease_expired` | bounded |
//! | `acked_order: VecDeque<seq>` | acked messages kept listable, oldest forgotten first | bounded |
//!
//! No call scans the queue: a lease touches the `k` messages it returns plus the leases that have
//! expired since the previous call, an ack touches its lease's members. The benchmark
//! `benches/lease_ack.rs` compares a 1k and a 1M backlog.
//!
//! The emulator's routes drive one [`MessageQueue`] per inbox; it is public so that benchmarks
//! (and curious readers) can exercise it without HTTP. Times are passed in, never read.
//!
//! ```
//! use std::sync::Arc;
//! use zapier_embed_emulator::queue::{MessageQueue, MessageStatus, Settle};
//!
//! let now = chrono::Utc::now();
//! let mut q = MessageQueue::new(1_000);
//! q.enqueue(now, Arc::new(serde_json::json!({"n": 1})));
//! let grant = q.lease(now, chrono::Duration::seconds(30), 10).unwrap();
//! let released = q.settle(now, grant.lease_id, None, Settle::Release).unwrap();
//! assert_eq!(released[0].status, MessageStatus::Available);
//! ```

mod views;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet, VecDeque};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// At this `lease_count` a message that comes back (release or expiry) is quarantined.
///
/// ```
/// use std::sync::Arc;
/// use zapier_embed_emulator::queue::MessageQueue;
/// let now = chrono::Utc::now();
/// let mut q = MessageQueue::new(100);
/// use zapier_embed_emulator::queue::{MessageStatus, Settle, QUARANTINE_AFTER};
/// let id = q.enqueue(now, Arc::new(serde_json::json!({})));
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
/// use std::sync::Arc;
/// use zapier_embed_emulator::queue::MessageQueue;
/// let now = chrono::Utc::now();
/// let mut q = MessageQueue::new(100);
/// use zapier_embed_emulator::queue::MessageStatus;
/// let id = q.enqueue(now, Arc::new(serde_json::json!({})));
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
/// use std::sync::Arc;
/// use zapier_embed_emulator::queue::MessageQueue;
/// let now = chrono::Utc::now();
/// let mut q = MessageQueue::new(100);
/// let id = q.enqueue(now, Arc::new(serde_json::json!({"text": "hi"})));
/// let msg = q.get(&id).unwrap();
/// assert_eq!((msg.lease_count, msg.created_at), (0, now));
/// assert_eq!(msg.payload.as_deref(), Some(&serde_json::json!({"text": "hi"})));
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
    pub payload: Option<Arc<serde_json::Value>>,
    /// Hydration error, if any.
    pub error_message: Option<String>,
    /// Whether dedup was impossible for this event.
    pub possible_duplicate_data: bool,
    /// The lease holding it while `Leased`.
    pub lease: Option<Uuid>,
}

/// A granted lease.
///
/// ```
/// use std::sync::Arc;
/// use zapier_embed_emulator::queue::MessageQueue;
/// let now = chrono::Utc::now();
/// let mut q = MessageQueue::new(100);
/// q.enqueue(now, Arc::new(serde_json::json!({})));
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
/// use std::sync::Arc;
/// use zapier_embed_emulator::queue::MessageQueue;
/// let now = chrono::Utc::now();
/// let mut q = MessageQueue::new(100);
/// use zapier_embed_emulator::queue::Settle;
/// q.enqueue(now, Arc::new(serde_json::json!({})));
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
/// use std::sync::Arc;
/// use zapier_embed_emulator::queue::MessageQueue;
/// let now = chrono::Utc::now();
/// let mut q = MessageQueue::new(100);
/// use zapier_embed_emulator::queue::{QueueError, Settle};
/// q.enqueue(now, Arc::new(serde_json::json!({})));
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
/// use std::sync::Arc;
/// use zapier_embed_emulator::queue::{MessageQueue, Settle};
///
/// let mut q = MessageQueue::new(100);
/// let now = chrono::Utc::now();
/// q.enqueue(now, Arc::new(serde_json::json!({"text": "hi"})));
/// let grant = q.lease(now, chrono::Duration::seconds(30), 10).expect("one message");
/// assert_eq!(grant.messages[0].lease_count, 1);
/// let acked = q.settle(now, grant.lease_id, None, Settle::Ack).unwrap();
/// assert_eq!(acked.len(), 1);
/// assert_eq!(q.available_len(), 0);
/// ```
#[derive(Debug)]
pub struct MessageQueue {
    next_seq: u64,
    messages: BTreeMap<u64, StoredMessage>,
    ids: HashMap<Uuid, u64>,
    available: BTreeSet<u64>,
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
            next_seq: 1,
            messages: BTreeMap::new(),
            ids: HashMap::new(),
            available: BTreeSet::new(),
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
    /// use std::sync::Arc;
    /// use zapier_embed_emulator::queue::MessageQueue;
    /// let now = chrono::Utc::now();
    /// let mut q = MessageQueue::new(100);
    /// let id = q.enqueue(now, Arc::new(serde_json::json!({"text": "hi"})));
    /// assert_eq!(q.get(&id).unwrap().id, id);
    /// ```
    pub fn enqueue(&mut self, now: DateTime<Utc>, payload: Arc<serde_json::Value>) -> Uuid {
        let seq = self.next_seq;
        self.next_seq += 1;
        let id = Uuid::now_v7();
        self.messages.insert(
            seq,
            StoredMessage {
                id,
                seq,
                created_at: now,
                status: MessageStatus::Available,
                lease_count: 0,
                payload: Some(payload),
                error_message: None,
                possible_duplicate_data: false,
                lease: None,
            },
        );
        self.ids.insert(id, seq);
        self.available.insert(seq);
        self.counters.enqueued += 1;
        id
    }

    /// Adds one available message flagged `possible_duplicate_data` (the event may repeat
    /// earlier data) and returns its id.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zapier_embed_emulator::queue::MessageQueue;
    /// let now = chrono::Utc::now();
    /// let mut q = MessageQueue::new(100);
    /// let id = q.enqueue_possible_duplicate(now, Arc::new(serde_json::json!({"text": "hi"})));
    /// assert!(q.get(&id).unwrap().possible_duplicate_data);
    /// ```
    pub fn enqueue_possible_duplicate(
        &mut self,
        now: DateTime<Utc>,
        payload: Arc<serde_json::Value>,
    ) -> Uuid {
        let id = self.enqueue(now, payload);
        if let Some(message) = self.ids.get(&id).and_then(|seq| self.messages.get_mut(seq)) {
            message.possible_duplicate_data = true;
        }
        id
    }

    /// Returns every lease whose deadline is `<= now` to the pool. Pops only expired heap entries,
    /// so the cost is proportional to the work done, not to the backlog. Every other method calls it
    /// first.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zapier_embed_emulator::queue::MessageQueue;
    /// let now = chrono::Utc::now();
    /// let mut q = MessageQueue::new(100);
    /// q.enqueue(now, Arc::new(serde_json::json!({})));
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
        let Some(msg) = self.messages.get_mut(&seq) else {
            return false;
        };
        if msg.status != MessageStatus::Leased {
            return false;
        }
        msg.lease = None;
        if msg.lease_count >= QUARANTINE_AFTER {
            msg.status = MessageStatus::Quarantined;
            self.counters.quarantined += 1;
        } else {
            msg.status = MessageStatus::Available;
            self.available.insert(seq);
        }
        true
    }

    /// Leases up to `limit` of the oldest available messages for `lease_for`.
    /// Returns `None` when nothing is available.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zapier_embed_emulator::queue::MessageQueue;
    /// let now = chrono::Utc::now();
    /// let mut q = MessageQueue::new(100);
    /// assert!(q.lease(now, chrono::Duration::seconds(30), 10).is_none());
    /// for n in 0..3 {
    ///     q.enqueue(now, Arc::new(serde_json::json!({"n": n})));
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
        if self.available.is_empty() || limit == 0 {
            return None;
        }
        let lease_id = Uuid::now_v7();
        let leased_until = now
            .checked_add_signed(lease_for)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let mut members = Vec::with_capacity(limit.min(self.available.len()));
        let mut messages = Vec::with_capacity(members.capacity());
        while members.len() < limit {
            let Some(seq) = self.available.pop_first() else {
                break;
            };
            let Some(msg) = self.messages.get_mut(&seq) else {
                continue;
            };
            msg.status = MessageStatus::Leased;
            msg.lease_count += 1;
            msg.lease = Some(lease_id);
            members.push(seq);
            messages.push(msg.clone());
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
    /// use std::sync::Arc;
    /// use zapier_embed_emulator::queue::MessageQueue;
    /// let now = chrono::Utc::now();
    /// let mut q = MessageQueue::new(100);
    /// use zapier_embed_emulator::queue::Settle;
    /// let first = q.enqueue(now, Arc::new(serde_json::json!({"n": 1})));
    /// q.enqueue(now, Arc::new(serde_json::json!({"n": 2})));
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
                let wanted: HashSet<u64> = ids
                    .iter()
                    .filter_map(|id| self.ids.get(id).copied())
                    .collect();
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
                    let Some(msg) = self.messages.get_mut(&seq) else {
                        continue;
                    };
                    msg.status = MessageStatus::Acked;
                    msg.lease = None;
                    msg.payload = None;
                    settled.push(msg.clone());
                    self.counters.acked += 1;
                    self.acked_order.push_back(seq);
                }
                Settle::Release => {
                    if self.return_to_pool(seq) {
                        self.counters.released += 1;
                        if let Some(msg) = self.messages.get(&seq) {
                            settled.push(msg.clone());
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
            if let Some(msg) = self.messages.remove(&seq) {
                self.ids.remove(&msg.id);
            }
        }
    }
}

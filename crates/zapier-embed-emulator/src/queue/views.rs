//! Reading a queue: counts, lookup by id, the pages of the message list, and handing over the
//! counters accumulated since the last report.

use std::ops::Bound;

use uuid::Uuid;

use super::{MessageQueue, QueueCounters, StoredMessage};

impl MessageQueue {
    /// Number of leasable messages.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zapier_embed_emulator::queue::MessageQueue;
    /// let now = chrono::Utc::now();
    /// let mut q = MessageQueue::new(100);
    /// q.enqueue(now, Arc::new(serde_json::json!({})));
    /// assert_eq!(q.available_len(), 1);
    /// ```
    pub fn available_len(&self) -> usize {
        self.available.len()
    }

    /// Number of listable messages (all states).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zapier_embed_emulator::queue::MessageQueue;
    /// let now = chrono::Utc::now();
    /// let mut q = MessageQueue::new(100);
    /// q.enqueue(now, Arc::new(serde_json::json!({})));
    /// q.lease(now, chrono::Duration::seconds(30), 1).unwrap();
    /// assert_eq!((q.len(), q.available_len()), (1, 0));
    /// ```
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Whether no message is listable.
    ///
    /// ```
    /// let q = zapier_embed_emulator::queue::MessageQueue::new(100);
    /// assert!(q.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// Looks a message up by id.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zapier_embed_emulator::queue::MessageQueue;
    /// let now = chrono::Utc::now();
    /// let mut q = MessageQueue::new(100);
    /// let id = q.enqueue(now, Arc::new(serde_json::json!({})));
    /// assert!(q.get(&id).is_some());
    /// assert!(q.get(&uuid::Uuid::nil()).is_none());
    /// ```
    pub fn get(&self, id: &Uuid) -> Option<&StoredMessage> {
        self.ids.get(id).and_then(|seq| self.messages.get(seq))
    }

    /// Up to `limit` messages after sequence `after` (from the start when `None`), and whether
    /// more follow.
    pub(crate) fn page_after(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> (Vec<StoredMessage>, bool) {
        let start = after.map_or(Bound::Unbounded, Bound::Excluded);
        let mut page: Vec<StoredMessage> = self
            .messages
            .range((start, Bound::Unbounded))
            .take(limit + 1)
            .map(|(_, m)| m.clone())
            .collect();
        let more = page.len() > limit;
        page.truncate(limit);
        (page, more)
    }

    /// Up to `limit` messages before sequence `before` (in ascending order), and whether more
    /// precede them.
    pub(crate) fn page_before(&self, before: u64, limit: usize) -> (Vec<StoredMessage>, bool) {
        let mut page: Vec<StoredMessage> = self
            .messages
            .range(..before)
            .rev()
            .take(limit + 1)
            .map(|(_, m)| m.clone())
            .collect();
        let more = page.len() > limit;
        page.truncate(limit);
        page.reverse();
        (page, more)
    }

    /// Whether any message precedes `seq`.
    pub(crate) fn has_before(&self, seq: u64) -> bool {
        self.messages.range(..seq).next_back().is_some()
    }

    /// Returns the counters accumulated since the previous call and zeroes them.
    pub(crate) fn take_counters(&mut self) -> QueueCounters {
        std::mem::take(&mut self.counters)
    }

    /// Whether any message follows `seq`.
    pub(crate) fn has_after(&self, seq: u64) -> bool {
        self.messages
            .range((Bound::Excluded(seq), Bound::Unbounded))
            .next()
            .is_some()
    }

    /// Whether some messages are held by live leases (they may come back).
    pub(crate) fn has_live_leases(&self) -> bool {
        !self.leases.is_empty()
    }
}

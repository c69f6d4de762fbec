//! Reading a queue: counts, lookup by id, the pages of the message list, and handing over the
//! counters accumulated since the last report.

use uuid::Uuid;

use super::{MessageQueue, QueueCounters, StoredMessage};

impl MessageQueue {
    /// Number of leasable messages.
    ///
    /// ```
    /// use zapier_embed_emulator::queue::{MessageQueue, Payload};
    /// let now = chrono::Utc::now();
    /// let mut q = MessageQueue::new(100);
    /// q.enqueue(now, Payload::from_value(&serde_json::json!({})));
    /// assert_eq!(q.available_len(), 1);
    /// ```
    pub fn available_len(&self) -> usize {
        let fresh = usize::try_from(self.next_seq - self.next_fresh).unwrap_or(usize::MAX);
        self.returned.len().saturating_add(fresh)
    }

    /// Number of listable messages (all states).
    ///
    /// ```
    /// use zapier_embed_emulator::queue::{MessageQueue, Payload};
    /// let now = chrono::Utc::now();
    /// let mut q = MessageQueue::new(100);
    /// q.enqueue(now, Payload::from_value(&serde_json::json!({})));
    /// q.lease(now, chrono::Duration::seconds(30), 1).unwrap();
    /// assert_eq!((q.len(), q.available_len()), (1, 0));
    /// ```
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no message is listable.
    ///
    /// ```
    /// let q = zapier_embed_emulator::queue::MessageQueue::new(100);
    /// assert!(q.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.slots.len() == 0
    }

    /// Looks a message up by id (a copy of it: the queue stores messages in a compact form).
    ///
    /// ```
    /// use zapier_embed_emulator::queue::{MessageQueue, Payload};
    /// let now = chrono::Utc::now();
    /// let mut q = MessageQueue::new(100);
    /// let id = q.enqueue(now, Payload::from_value(&serde_json::json!({})));
    /// assert!(q.get(&id).is_some());
    /// assert!(q.get(&uuid::Uuid::nil()).is_none());
    /// ```
    pub fn get(&self, id: &Uuid) -> Option<StoredMessage> {
        let seq = self.ids.seq(id)?;
        Self::snapshot(self.ids, seq, self.slots.get(seq)?)
    }

    /// Up to `limit` of the messages yielded by `listed`, and whether more follow.
    fn page<'a>(
        &self,
        listed: impl Iterator<Item = (u64, &'a super::slots::Slot)>,
        limit: usize,
    ) -> (Vec<StoredMessage>, bool) {
        let mut page: Vec<StoredMessage> = listed
            .take(limit.saturating_add(1))
            .filter_map(|(seq, slot)| Self::snapshot(self.ids, seq, slot))
            .collect();
        let more = page.len() > limit;
        page.truncate(limit);
        (page, more)
    }

    /// Up to `limit` messages after sequence `after` (from the start when `None`), and whether
    /// more follow.
    pub(crate) fn page_after(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> (Vec<StoredMessage>, bool) {
        let from = after.map_or(0, |seq| seq.saturating_add(1));
        self.page(self.slots.iter_from(from), limit)
    }

    /// Up to `limit` messages before sequence `before` (in ascending order), and whether more
    /// precede them.
    pub(crate) fn page_before(&self, before: u64, limit: usize) -> (Vec<StoredMessage>, bool) {
        let (mut page, more) = self.page(self.slots.iter_before(before), limit);
        page.reverse();
        (page, more)
    }

    /// Whether any message precedes `seq`.
    pub(crate) fn has_before(&self, seq: u64) -> bool {
        self.slots.iter_before(seq).next().is_some()
    }

    /// Returns the counters accumulated since the previous call and zeroes them.
    pub(crate) fn take_counters(&mut self) -> QueueCounters {
        std::mem::take(&mut self.counters)
    }

    /// Whether any message follows `seq`.
    pub(crate) fn has_after(&self, seq: u64) -> bool {
        self.slots.iter_from(seq.saturating_add(1)).next().is_some()
    }

    /// Whether some messages are held by live leases (they may come back).
    pub(crate) fn has_live_leases(&self) -> bool {
        !self.leases.is_empty()
    }
}

//! Message storage addressed by sequence number: a deque of fixed-size chunks.
//!
//! Sequence numbers are dense (1, 2, 3, ...), so message `seq` lives in chunk
//! `(seq - 1) / CHUNK` at offset `(seq - 1) % CHUNK`: finding it is arithmetic, not a search
//! down a tree, and consecutive messages are consecutive in memory (a lease reads a run of them).
//! A chunk is freed once none of its messages is listable any more (all acked and forgotten), so
//! a drained backlog costs nothing. A message that stays while later ones are consumed (a
//! quarantined one, or one held by a long lease) keeps only its own chunk alive, and each freed
//! chunk between live ones costs one pointer-sized `None`.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{MessageStatus, Payload};

/// Messages per chunk: small enough that a chunk kept alive by one message costs about 3 KiB,
/// large enough that the chunk index is under one byte per message.
const CHUNK: u64 = 64;

/// One message's state (its id and sequence number follow from its place).
#[derive(Debug)]
pub(super) struct Slot {
    /// When it was queued.
    pub(super) created_at: DateTime<Utc>,
    /// Event data; `None` once acked.
    pub(super) payload: Option<Payload>,
    /// The lease holding it while leased.
    pub(super) lease: Option<Uuid>,
    /// Current status; `None` once forgotten (no longer listable).
    pub(super) status: Option<MessageStatus>,
    /// Times leased; a message is quarantined at a handful, so a byte is plenty (it saturates).
    pub(super) lease_count: u8,
    /// Whether Zapier could not rule out that this event repeats earlier data (fits beside
    /// `lease_count`: the slot does not grow).
    pub(super) possible_duplicate_data: bool,
}

#[derive(Debug)]
struct Chunk {
    /// Filled in sequence order; only the newest chunk is ever partly filled.
    slots: Vec<Slot>,
    /// Slots not yet forgotten.
    live: u32,
}

impl Chunk {
    /// The slots of chunk number `no` with their sequence numbers (forgotten ones included).
    fn numbered(&self, no: u64) -> impl DoubleEndedIterator<Item = (u64, &Slot)> + '_ {
        self.slots
            .iter()
            .enumerate()
            .map(move |(offset, slot)| (seq_at(no, offset), slot))
    }
}

/// Every listable message of a queue, by sequence number.
#[derive(Debug, Default)]
pub(super) struct Slots {
    /// Chunk `first_chunk + i` at index `i`; `None` once freed.
    chunks: VecDeque<Option<Chunk>>,
    first_chunk: u64,
    live: usize,
}

/// Chunk number and offset of `seq` (`seq >= 1`).
fn locate(seq: u64) -> (u64, usize) {
    let index = seq.saturating_sub(1);
    (index / CHUNK, (index % CHUNK) as usize)
}

/// The sequence number at `offset` of chunk `chunk`.
fn seq_at(chunk: u64, offset: usize) -> u64 {
    chunk * CHUNK + offset as u64 + 1
}

impl Slots {
    /// Number of listable messages.
    pub(super) fn len(&self) -> usize {
        self.live
    }

    /// Stores message `seq`, which must be one more than the previous one pushed (the first is 1).
    pub(super) fn push(&mut self, seq: u64, slot: Slot) {
        let (chunk_no, offset) = locate(seq);
        if self.chunks.is_empty() {
            self.first_chunk = chunk_no;
        }
        if chunk_no >= self.first_chunk + self.chunks.len() as u64 {
            self.chunks.push_back(Some(Chunk {
                slots: Vec::with_capacity(CHUNK as usize),
                live: 0,
            }));
        }
        if let Some(Some(chunk)) = self.chunks.back_mut() {
            debug_assert_eq!(chunk.slots.len(), offset, "sequence numbers are dense");
            chunk.slots.push(slot);
            chunk.live += 1;
            self.live += 1;
        }
    }

    fn chunk_index(&self, chunk_no: u64) -> Option<usize> {
        chunk_no
            .checked_sub(self.first_chunk)
            .and_then(|i| usize::try_from(i).ok())
    }

    /// Message `seq`, unless unknown or forgotten.
    pub(super) fn get(&self, seq: u64) -> Option<&Slot> {
        let (chunk_no, offset) = locate(seq);
        let chunk = self.chunks.get(self.chunk_index(chunk_no)?)?.as_ref()?;
        chunk.slots.get(offset).filter(|s| s.status.is_some())
    }

    /// Message `seq` for update, unless unknown or forgotten.
    pub(super) fn get_mut(&mut self, seq: u64) -> Option<&mut Slot> {
        let (chunk_no, offset) = locate(seq);
        let index = self.chunk_index(chunk_no)?;
        let chunk = self.chunks.get_mut(index)?.as_mut()?;
        chunk.slots.get_mut(offset).filter(|s| s.status.is_some())
    }

    /// Makes message `seq` unlisted and drops its data; frees its chunk once nothing in it is
    /// listable and no later message can land in it.
    pub(super) fn forget(&mut self, seq: u64) {
        let (chunk_no, offset) = locate(seq);
        let Some(index) = self.chunk_index(chunk_no) else {
            return;
        };
        let Some(Some(chunk)) = self.chunks.get_mut(index) else {
            return;
        };
        let Some(slot) = chunk.slots.get_mut(offset).filter(|s| s.status.is_some()) else {
            return;
        };
        slot.status = None;
        slot.payload = None;
        slot.lease = None;
        chunk.live -= 1;
        self.live -= 1;
        if chunk.live == 0 && chunk.slots.len() as u64 == CHUNK {
            self.chunks[index] = None;
            while let Some(None) = self.chunks.front() {
                self.chunks.pop_front();
                self.first_chunk += 1;
            }
        }
    }

    /// Listable messages with a sequence number `>= seq`, ascending.
    pub(super) fn iter_from(&self, seq: u64) -> impl Iterator<Item = (u64, &Slot)> + '_ {
        let (chunk_no, _) = locate(seq);
        let start = self
            .chunk_index(chunk_no)
            .unwrap_or(0)
            .min(self.chunks.len());
        let first_chunk = self.first_chunk + start as u64;
        self.chunks
            .range(start..)
            .enumerate()
            .filter_map(move |(i, chunk)| chunk.as_ref().map(|c| (first_chunk + i as u64, c)))
            .flat_map(|(no, chunk)| chunk.numbered(no))
            .skip_while(move |(s, _)| *s < seq)
            .filter(|(_, slot)| slot.status.is_some())
    }

    /// Listable messages with a sequence number `< seq`, descending.
    pub(super) fn iter_before(&self, seq: u64) -> impl Iterator<Item = (u64, &Slot)> + '_ {
        let (chunk_no, _) = locate(seq);
        let end = match chunk_no.checked_sub(self.first_chunk) {
            Some(i) => usize::try_from(i)
                .unwrap_or(usize::MAX)
                .saturating_add(1)
                .min(self.chunks.len()),
            None => 0,
        };
        let first_chunk = self.first_chunk;
        self.chunks
            .range(..end)
            .enumerate()
            .rev()
            .filter_map(move |(i, chunk)| chunk.as_ref().map(|c| (first_chunk + i as u64, c)))
            .flat_map(|(no, chunk)| chunk.numbered(no).rev())
            .skip_while(move |(s, _)| *s >= seq)
            .filter(|(_, slot)| slot.status.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot() -> Slot {
        Slot {
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            payload: None,
            lease: None,
            status: Some(MessageStatus::Available),
            lease_count: 0,
            possible_duplicate_data: false,
        }
    }

    fn filled(n: u64) -> Slots {
        let mut slots = Slots::default();
        for seq in 1..=n {
            slots.push(seq, slot());
        }
        slots
    }

    fn live_chunks(slots: &Slots) -> usize {
        slots.chunks.iter().flatten().count()
    }

    fn seqs<'a>(listed: impl Iterator<Item = (u64, &'a Slot)>) -> Vec<u64> {
        listed.map(|(seq, _)| seq).collect()
    }

    #[test]
    fn a_drained_backlog_frees_every_full_chunk() {
        let mut slots = filled(10 * CHUNK);
        assert_eq!((slots.len(), live_chunks(&slots)), (640, 10));
        for seq in 1..=10 * CHUNK {
            slots.forget(seq);
        }
        assert_eq!(slots.len(), 0);
        assert!(slots.chunks.is_empty(), "all ten chunks freed");
        // Numbering continues where it stopped.
        slots.push(10 * CHUNK + 1, slot());
        assert_eq!(seqs(slots.iter_from(0)), [10 * CHUNK + 1]);
    }

    #[test]
    fn a_message_left_behind_keeps_only_its_own_chunk() {
        let mut slots = filled(100 * CHUNK);
        for seq in 2..=100 * CHUNK {
            slots.forget(seq);
        }
        assert_eq!(live_chunks(&slots), 1);
        assert_eq!(seqs(slots.iter_from(0)), [1]);
        // Once it goes too, the index shrinks to nothing.
        slots.forget(1);
        assert!(slots.chunks.is_empty());
    }

    #[test]
    fn the_newest_chunk_is_kept_while_it_fills() {
        let mut slots = filled(3);
        for seq in 1..=3 {
            slots.forget(seq);
        }
        assert_eq!(slots.len(), 0);
        slots.push(4, slot());
        assert_eq!(seqs(slots.iter_from(1)), [4]);
        assert_eq!(slots.get(4).map(|s| s.lease_count), Some(0));
        assert!(slots.get(3).is_none(), "forgotten");
    }

    #[test]
    fn listing_walks_over_forgotten_messages_and_freed_chunks_both_ways() {
        let mut slots = filled(5 * CHUNK);
        let kept = [3, CHUNK + 7, 4 * CHUNK + 1, 5 * CHUNK];
        for seq in (1..=5 * CHUNK).filter(|s| !kept.contains(s)) {
            slots.forget(seq);
        }
        assert_eq!(live_chunks(&slots), 3, "chunks 2 and 3 are freed");
        assert_eq!(seqs(slots.iter_from(0)), kept);
        assert_eq!(seqs(slots.iter_from(4)), kept[1..]);
        assert_eq!(seqs(slots.iter_from(CHUNK + 7)), kept[1..]);
        assert_eq!(seqs(slots.iter_from(5 * CHUNK + 1)), [] as [u64; 0]);
        assert_eq!(
            seqs(slots.iter_before(u64::MAX)),
            [5 * CHUNK, 4 * CHUNK + 1, CHUNK + 7, 3]
        );
        assert_eq!(seqs(slots.iter_before(4 * CHUNK + 1)), [CHUNK + 7, 3]);
        assert_eq!(seqs(slots.iter_before(3)), [] as [u64; 0]);
        assert_eq!(seqs(slots.iter_before(0)), [] as [u64; 0]);
        assert!(slots.get(CHUNK * 2 + 5).is_none() && slots.get(0).is_none());
        assert!(slots.get(u64::MAX).is_none());
    }

    #[test]
    fn forgetting_twice_or_out_of_range_changes_nothing() {
        let mut slots = filled(2);
        slots.forget(1);
        slots.forget(1);
        slots.forget(0);
        slots.forget(99);
        assert_eq!(slots.len(), 1);
        assert_eq!(seqs(slots.iter_from(0)), [2]);
    }
}

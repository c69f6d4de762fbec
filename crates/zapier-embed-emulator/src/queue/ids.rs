//! Message ids that name their sequence number, so finding a message by id needs no index.

use uuid::Uuid;

/// The RFC 9562 variant bits (`10`) in the top of the id's low 64 bits.
const VARIANT: u64 = 0b10 << 62;
/// Mask of the variant bits.
const VARIANT_MASK: u64 = 0b11 << 62;
/// The version nibble (8, "custom") in the id's high 64 bits.
const VERSION: u64 = 0x8 << 12;
/// Mask of the version nibble.
const VERSION_MASK: u64 = 0xF << 12;

/// Issues and reads one queue's message ids: UUIDv8 (RFC 9562's custom layout) whose high 64 bits
/// are a random per-queue prefix and whose low 62 bits are the message's sequence number.
///
/// An id maps back to its sequence number with arithmetic instead of a hash map of every message
/// (at a million messages, that map costs 40 MiB and a cache miss per enqueue and per forget). Ids
/// stay unique across inboxes and resets because every queue draws a new 60-bit random prefix; an
/// id of another queue (or a made-up one) has the wrong prefix and names nothing here.
#[derive(Debug, Clone, Copy)]
pub(super) struct MessageIds {
    prefix: u64,
}

impl MessageIds {
    /// A new random prefix.
    pub(super) fn random() -> Self {
        Self {
            prefix: (rand::random::<u64>() & !VERSION_MASK) | VERSION,
        }
    }

    /// The id of message `seq` (`seq < 2^62`).
    pub(super) fn id(self, seq: u64) -> Uuid {
        Uuid::from_u64_pair(self.prefix, (seq & !VARIANT_MASK) | VARIANT)
    }

    /// The sequence number `id` names, if it is an id of this queue.
    pub(super) fn seq(self, id: &Uuid) -> Option<u64> {
        let (high, low) = id.as_u64_pair();
        (high == self.prefix && low & VARIANT_MASK == VARIANT).then_some(low & !VARIANT_MASK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_rfc_9562_version_8_and_round_trip() {
        let ids = MessageIds::random();
        for seq in [1, 2, 63, 64, 1 << 40, (1 << 62) - 1] {
            let id = ids.id(seq);
            assert_eq!(id.get_version_num(), 8);
            assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
            assert_eq!(ids.seq(&id), Some(seq));
        }
    }

    #[test]
    fn ids_of_another_queue_or_made_up_name_nothing() {
        let (mine, theirs) = (MessageIds::random(), MessageIds::random());
        assert_eq!(mine.seq(&theirs.id(1)), None);
        assert_eq!(mine.seq(&Uuid::nil()), None);
        assert_eq!(mine.seq(&Uuid::now_v7()), None);
        // The right prefix with other variant bits is not an id this queue issued.
        let (high, low) = mine.id(5).as_u64_pair();
        assert_eq!(
            mine.seq(&Uuid::from_u64_pair(high, low & !VARIANT_MASK)),
            None
        );
    }
}

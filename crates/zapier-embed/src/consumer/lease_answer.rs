//! A lease answer checked against its request: the server is trusted with none of the limits.
//!
//! Only as many messages run as worker slots were taken for the lease; the surplus, and a second
//! hold on a message already in the answer, are released at once; a message listed twice under
//! the same ack handle runs once.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::{AckHandle, LeasedMessage, MessageId};

/// A lease answer sorted by what the engine does with each message.
pub(crate) struct SortedLease {
    /// One message per worker slot taken for the lease, in the server's order.
    pub run: Vec<LeasedMessage>,
    /// Held but not run: beyond the slots, or a second hold (another ack handle) on a message
    /// already in `run`. Released at once.
    pub surplus: Vec<LeasedMessage>,
    /// Copies of a message already in the answer under the same ack handle: there is nothing
    /// more to settle for them, so they are only counted.
    pub duplicates: usize,
}

/// Splits a lease answer: the first `slots` distinct messages run, the rest are released, and a
/// message listed twice runs once. The server is trusted with none of this.
///
/// Costs one hash-map entry per message and no allocation per message (the map borrows the ids
/// and handles): this runs for every message the runtime leases.
pub(crate) fn sort_lease(messages: Vec<LeasedMessage>, slots: usize) -> SortedLease {
    /// The holds (ack handles) seen so far on one message id; almost always exactly one.
    enum Holds<'a> {
        One(&'a AckHandle),
        Many(Vec<&'a AckHandle>),
    }
    #[derive(Clone, Copy)]
    enum Fate {
        Run,
        Surplus,
        Duplicate,
    }
    let mut fates = Vec::with_capacity(messages.len());
    let mut duplicates = 0;
    let mut running = 0;
    {
        let mut seen: HashMap<&MessageId, Holds<'_>> = HashMap::with_capacity(messages.len());
        for message in &messages {
            let fate = match seen.entry(&message.id) {
                Entry::Vacant(vacant) => {
                    vacant.insert(Holds::One(&message.ack));
                    if running < slots {
                        running += 1;
                        Fate::Run
                    } else {
                        Fate::Surplus
                    }
                }
                Entry::Occupied(mut held) => {
                    duplicates += 1;
                    let holds = held.get_mut();
                    let known = match holds {
                        Holds::One(first) => *first == &message.ack,
                        Holds::Many(all) => all.contains(&&message.ack),
                    };
                    if known {
                        Fate::Duplicate
                    } else {
                        match holds {
                            Holds::One(first) => *holds = Holds::Many(vec![*first, &message.ack]),
                            Holds::Many(all) => all.push(&message.ack),
                        }
                        Fate::Surplus
                    }
                }
            };
            fates.push(fate);
        }
    }
    let mut sorted = SortedLease {
        run: Vec::with_capacity(running),
        surplus: Vec::new(),
        duplicates,
    };
    for (message, fate) in messages.into_iter().zip(fates) {
        match fate {
            Fate::Run => sorted.run.push(message),
            Fate::Surplus => sorted.surplus.push(message),
            Fate::Duplicate => {}
        }
    }
    sorted
}

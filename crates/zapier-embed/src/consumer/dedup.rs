//! Idempotency: remembering which messages were already processed.
//!
//! Delivery is at least once: a message whose ack was lost, or whose lease lapsed just as its
//! handler finished, comes back with a higher `lease_count`; and `possible_duplicate_data` flags
//! events that may repeat earlier data. The runtime consults a [`Dedup`] for exactly those
//! messages and acks them without running the handler when they were already processed.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use crate::MessageId;
use futures::future::BoxFuture;

/// A store of processed message ids (bring your own for a shared store such as Redis or SQL).
///
/// ```
/// use zapier_embed::consumer::{Dedup, InMemoryDedup};
/// use zapier_embed::messages::MessageId;
///
/// # futures::executor::block_on(async {
/// let dedup = InMemoryDedup::with_capacity(2);
/// let id = MessageId::new("msg_1");
/// assert!(!dedup.is_processed(&id).await);
/// dedup.mark_processed(&id).await;
/// assert!(dedup.is_processed(&id).await);
/// # });
/// ```
pub trait Dedup: Send + Sync + 'static {
    /// Whether `id` was processed successfully before.
    fn is_processed<'a>(&'a self, id: &'a MessageId) -> BoxFuture<'a, bool>;

    /// Records that `id` was processed successfully (called before the ack is sent).
    fn mark_processed<'a>(&'a self, id: &'a MessageId) -> BoxFuture<'a, ()>;
}

/// The default [`Dedup`]: the most recent `capacity` processed ids, in memory.
///
/// It protects one process against redeliveries of its own work; several consumer processes of
/// one inbox need a shared store.
///
/// ```
/// use zapier_embed::consumer::InMemoryDedup;
/// let dedup = InMemoryDedup::default(); // the last 100,000 processed ids
/// # let _ = dedup;
/// ```
#[derive(Debug)]
pub struct InMemoryDedup {
    capacity: usize,
    inner: Mutex<Recent>,
}

#[derive(Debug, Default)]
struct Recent {
    ids: HashSet<MessageId>,
    order: VecDeque<MessageId>,
}

impl InMemoryDedup {
    /// The default capacity: 100,000 ids (a few MiB).
    ///
    /// ```
    /// assert_eq!(zapier_embed::consumer::InMemoryDedup::DEFAULT_CAPACITY, 100_000);
    /// ```
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// Remembers the most recent `capacity` ids (at least one).
    ///
    /// ```
    /// let dedup = zapier_embed::consumer::InMemoryDedup::with_capacity(50_000);
    /// # let _ = dedup;
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        InMemoryDedup {
            capacity: capacity.max(1),
            inner: Mutex::new(Recent::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Recent> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Default for InMemoryDedup {
    fn default() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }
}

impl Dedup for InMemoryDedup {
    fn is_processed<'a>(&'a self, id: &'a MessageId) -> BoxFuture<'a, bool> {
        let seen = self.lock().ids.contains(id);
        Box::pin(async move { seen })
    }

    fn mark_processed<'a>(&'a self, id: &'a MessageId) -> BoxFuture<'a, ()> {
        {
            let mut recent = self.lock();
            if recent.ids.insert(id.clone()) {
                recent.order.push_back(id.clone());
                while recent.order.len() > self.capacity {
                    if let Some(old) = recent.order.pop_front() {
                        recent.ids.remove(&old);
                    }
                }
            }
        }
        Box::pin(async {})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn forgets_the_oldest_beyond_capacity() {
        let dedup = InMemoryDedup::with_capacity(2);
        for id in ["a", "b", "c"] {
            dedup.mark_processed(&MessageId::new(id)).await;
        }
        assert!(!dedup.is_processed(&MessageId::new("a")).await);
        assert!(dedup.is_processed(&MessageId::new("b")).await);
        assert!(dedup.is_processed(&MessageId::new("c")).await);
    }
}

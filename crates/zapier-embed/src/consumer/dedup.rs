//! Idempotency: making sure a message's handler succeeds at most once, even when the message is
//! delivered again.
//!
//! Delivery is at least once: a message whose ack was lost, or whose lease lapsed just as its
//! handler finished, comes back with a higher `lease_count`, possibly to another consumer process;
//! and `possible_duplicate_data` flags events that may repeat earlier data. The runtime therefore
//! *claims* every message in a [`Dedup`] store before running its handler, *marks it done* after
//! the handler succeeded (before the ack is sent), and *releases the claim* when the handler
//! failed. A message already marked done is acked without running the handler; one claimed by
//! another worker is left to its lease (see [`Claim::HeldElsewhere`]).
//!
//! A claim lives for a time-to-live the runtime chooses longer than what is left of the message's
//! lease, so that a worker that crashes between the claim and the mark leaves a claim that lapses
//! by itself, and the message is processed again by the next delivery after.

use std::collections::{HashMap, HashSet, VecDeque};
use std::error::Error as StdError;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::MessageId;
use futures::future::BoxFuture;

/// What [`Dedup::claim`] found.
///
/// ```
/// use zapier_embed::consumer::Claim;
/// assert_ne!(Claim::Granted, Claim::AlreadyDone);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claim {
    /// The caller now holds the claim: run the handler, then [`Dedup::mark_done`] or
    /// [`Dedup::release_claim`].
    Granted,
    /// The message's handler succeeded before: ack it without running the handler again.
    AlreadyDone,
    /// Someone holds a live claim on the message (another worker whose handler is still running,
    /// or one that crashed and whose claim has not lapsed yet). The runtime leaves the message to
    /// its lease: it comes back after the lease, by when the claim is done or gone.
    HeldElsewhere,
}

/// A [`Dedup`] store that could not answer (Redis unreachable, a timeout, a bad reply).
///
/// ```
/// use zapier_embed::consumer::DedupError;
/// let error = DedupError::new("connection refused");
/// assert_eq!(error.to_string(), "connection refused");
/// ```
#[derive(Debug)]
pub struct DedupError(Box<dyn StdError + Send + Sync + 'static>);

impl DedupError {
    /// Wraps the store's error.
    ///
    /// ```
    /// let error = zapier_embed::consumer::DedupError::new(std::io::Error::other("timed out"));
    /// assert!(error.to_string().contains("timed out"));
    /// ```
    pub fn new(error: impl Into<Box<dyn StdError + Send + Sync + 'static>>) -> Self {
        DedupError(error.into())
    }
}

impl fmt::Display for DedupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl StdError for DedupError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0.source()
    }
}

/// A store of claimed and processed messages, keyed by inbox and message id (bring your own for
/// another shared store, such as SQL or DynamoDB).
///
/// `inbox` is the consumer's label of the inbox (its id or its name, as configured); every
/// method of one message gets the same label, so a store keeps one namespace per inbox.
///
/// What the runtime does with each answer, and when a method fails (returns [`DedupError`]):
///
/// - `claim` failing: the handler is **not** run unguarded; the message is left to its lease and
///   comes back after it (paced by the lease, so a long outage does not burn its attempts in a
///   burst), and a [`ConsumerEvent::DedupFailed`](super::ConsumerEvent::DedupFailed) is emitted.
/// - `mark_done` failing: the message is acked anyway (its handler succeeded); the claim lapses
///   by itself. Only a lost ack on top of it would run the handler again.
/// - `release_claim` failing: the claim lapses by itself; the message's redelivery before that is
///   left to its lease again.
///
/// ```
/// use std::time::Duration;
/// use zapier_embed::consumer::{Claim, Dedup, InMemoryDedup};
/// use zapier_embed::messages::MessageId;
///
/// # futures::executor::block_on(async {
/// let dedup = InMemoryDedup::with_capacity(2);
/// let id = MessageId::new("msg_1");
/// let ttl = Duration::from_secs(60);
/// assert_eq!(dedup.claim("orders", &id, ttl).await.unwrap(), Claim::Granted);
/// assert_eq!(dedup.claim("orders", &id, ttl).await.unwrap(), Claim::HeldElsewhere);
/// dedup.mark_done("orders", &id).await.unwrap();
/// assert_eq!(dedup.claim("orders", &id, ttl).await.unwrap(), Claim::AlreadyDone);
/// assert_eq!(dedup.claim("invoices", &id, ttl).await.unwrap(), Claim::Granted, "per inbox");
/// # });
/// ```
pub trait Dedup: Send + Sync + 'static {
    /// Claims message `id` of `inbox` for `ttl` unless it is done or claimed already.
    fn claim<'a>(
        &'a self,
        inbox: &'a str,
        id: &'a MessageId,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Claim, DedupError>>;

    /// Records that the handler of `id` succeeded (called before the ack is sent); replaces the
    /// claim.
    fn mark_done<'a>(
        &'a self,
        inbox: &'a str,
        id: &'a MessageId,
    ) -> BoxFuture<'a, Result<(), DedupError>>;

    /// Gives up this process's claim on `id` (its handler failed), so that a redelivery can run
    /// it at once. A claim held by someone else, or a done mark, stays.
    fn release_claim<'a>(
        &'a self,
        inbox: &'a str,
        id: &'a MessageId,
    ) -> BoxFuture<'a, Result<(), DedupError>>;
}

/// The default [`Dedup`]: claims and the most recent `capacity` done messages, in memory.
///
/// It protects one process against redeliveries of its own work; several consumer processes of
/// one inbox need a shared store such as `RedisDedup` (feature `redis`).
///
/// ```
/// use zapier_embed::consumer::InMemoryDedup;
/// let dedup = InMemoryDedup::default(); // the last 100,000 done messages
/// # let _ = dedup;
/// ```
#[derive(Debug)]
pub struct InMemoryDedup {
    capacity: usize,
    inner: Mutex<Recent>,
}

/// The done marks and live claims, one namespace per inbox label.
///
/// A message's id is copied once, when it is claimed: the claim, its done mark and its place in
/// the eviction order share that copy, and lookups borrow the caller's `&str`s, so a claim and
/// its mark cost one allocation (there were six with a `(label, id)` key cloned per map).
#[derive(Debug, Default)]
struct Recent {
    inboxes: HashMap<Arc<str>, Namespace>,
    /// Done marks, oldest first, across every inbox (the capacity is the store's).
    order: VecDeque<(Arc<str>, Arc<str>)>,
}

#[derive(Debug)]
struct Namespace {
    /// The inbox label (shared with the map's key and the eviction order).
    label: Arc<str>,
    done: HashSet<Arc<str>>,
    /// Live claims and when they lapse.
    claims: HashMap<Arc<str>, Instant>,
}

impl Recent {
    /// The namespace of `inbox`, made on its first use (the label is copied once per inbox).
    fn namespace(&mut self, inbox: &str) -> &mut Namespace {
        let label = match self.inboxes.get_key_value(inbox) {
            Some((label, _)) => label.clone(),
            None => Arc::from(inbox),
        };
        self.inboxes
            .entry(label)
            .or_insert_with_key(|label| Namespace {
                label: label.clone(),
                done: HashSet::new(),
                claims: HashMap::new(),
            })
    }

    fn mark_done(&mut self, inbox: &str, id: &MessageId, capacity: usize) {
        let namespace = self.namespace(inbox);
        let id = match namespace.claims.remove_entry(id.as_str()) {
            Some((id, _)) => id,
            None => Arc::from(id.as_str()),
        };
        if namespace.done.insert(id.clone()) {
            let label = namespace.label.clone();
            self.order.push_back((label, id));
            while self.order.len() > capacity {
                if let Some((inbox, old)) = self.order.pop_front()
                    && let Some(namespace) = self.inboxes.get_mut(&inbox)
                {
                    namespace.done.remove(&old);
                }
            }
        }
    }

    fn release_claim(&mut self, inbox: &str, id: &MessageId) {
        if let Some(namespace) = self.inboxes.get_mut(inbox) {
            namespace.claims.remove(id.as_str());
        }
    }

    fn claim_count(&self) -> usize {
        self.inboxes.values().map(|n| n.claims.len()).sum()
    }

    /// Forgets the claims that lapsed by `now`, of every inbox.
    fn drop_lapsed_claims(&mut self, now: Instant) {
        for namespace in self.inboxes.values_mut() {
            namespace.claims.retain(|_, until| *until > now);
        }
    }
}

impl InMemoryDedup {
    /// The default capacity: 100,000 ids (a few MiB).
    ///
    /// ```
    /// assert_eq!(zapier_embed::consumer::InMemoryDedup::DEFAULT_CAPACITY, 100_000);
    /// ```
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// Remembers the most recent `capacity` done messages (at least one); live claims are few
    /// (one per running handler) and forgotten once they lapse.
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

    fn try_claim(&self, inbox: &str, id: &MessageId, ttl: Duration) -> Claim {
        let now = Instant::now();
        let mut recent = self.lock();
        // Detached handlers' claims are never released: drop the lapsed ones now and then.
        if recent.claim_count() >= self.capacity {
            recent.drop_lapsed_claims(now);
        }
        let namespace = recent.namespace(inbox);
        if namespace.done.contains(id.as_str()) {
            return Claim::AlreadyDone;
        }
        if namespace
            .claims
            .get(id.as_str())
            .is_some_and(|until| *until > now)
        {
            return Claim::HeldElsewhere;
        }
        let until = now
            .checked_add(ttl)
            .unwrap_or(now + Duration::from_secs(86_400));
        namespace.claims.insert(Arc::from(id.as_str()), until);
        Claim::Granted
    }
}

impl Default for InMemoryDedup {
    fn default() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }
}

impl Dedup for InMemoryDedup {
    fn claim<'a>(
        &'a self,
        inbox: &'a str,
        id: &'a MessageId,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Claim, DedupError>> {
        let claim = self.try_claim(inbox, id, ttl);
        Box::pin(async move { Ok(claim) })
    }

    fn mark_done<'a>(
        &'a self,
        inbox: &'a str,
        id: &'a MessageId,
    ) -> BoxFuture<'a, Result<(), DedupError>> {
        self.lock().mark_done(inbox, id, self.capacity);
        Box::pin(async { Ok(()) })
    }

    fn release_claim<'a>(
        &'a self,
        inbox: &'a str,
        id: &'a MessageId,
    ) -> BoxFuture<'a, Result<(), DedupError>> {
        self.lock().release_claim(inbox, id);
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(60);

    async fn claim(dedup: &InMemoryDedup, id: &str) -> Claim {
        dedup
            .claim("inbox", &MessageId::new(id), TTL)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn forgets_the_oldest_done_beyond_capacity() {
        let dedup = InMemoryDedup::with_capacity(2);
        for id in ["a", "b", "c"] {
            dedup.mark_done("inbox", &MessageId::new(id)).await.unwrap();
        }
        assert_eq!(claim(&dedup, "a").await, Claim::Granted);
        assert_eq!(claim(&dedup, "b").await, Claim::AlreadyDone);
        assert_eq!(claim(&dedup, "c").await, Claim::AlreadyDone);
    }

    #[tokio::test]
    async fn inboxes_keep_apart_and_share_the_capacity() {
        let dedup = InMemoryDedup::with_capacity(2);
        let a = MessageId::new("a");
        dedup.mark_done("one", &a).await.unwrap();
        assert_eq!(dedup.claim("two", &a, TTL).await.unwrap(), Claim::Granted);
        dedup.mark_done("two", &a).await.unwrap();
        dedup.mark_done("two", &MessageId::new("b")).await.unwrap();
        // Three marks, capacity two: the oldest, of inbox "one", is forgotten.
        assert_eq!(dedup.claim("one", &a, TTL).await.unwrap(), Claim::Granted);
        assert_eq!(
            dedup.claim("two", &a, TTL).await.unwrap(),
            Claim::AlreadyDone
        );
        dedup.release_claim("one", &a).await.unwrap();
        dedup.release_claim("three", &a).await.unwrap();
        assert_eq!(dedup.claim("one", &a, TTL).await.unwrap(), Claim::Granted);
    }

    #[tokio::test]
    async fn a_released_claim_can_be_taken_again() {
        let dedup = InMemoryDedup::default();
        assert_eq!(claim(&dedup, "a").await, Claim::Granted);
        assert_eq!(claim(&dedup, "a").await, Claim::HeldElsewhere);
        dedup
            .release_claim("inbox", &MessageId::new("a"))
            .await
            .unwrap();
        assert_eq!(claim(&dedup, "a").await, Claim::Granted);
    }

    #[tokio::test]
    async fn a_lapsed_claim_can_be_taken_again() {
        let dedup = InMemoryDedup::default();
        let id = MessageId::new("a");
        assert_eq!(
            dedup.claim("inbox", &id, Duration::ZERO).await.unwrap(),
            Claim::Granted
        );
        assert_eq!(claim(&dedup, "a").await, Claim::Granted);
    }

    #[tokio::test]
    async fn releasing_does_not_forget_a_done_mark() {
        let dedup = InMemoryDedup::default();
        let id = MessageId::new("a");
        assert_eq!(claim(&dedup, "a").await, Claim::Granted);
        dedup.mark_done("inbox", &id).await.unwrap();
        dedup.release_claim("inbox", &id).await.unwrap();
        assert_eq!(claim(&dedup, "a").await, Claim::AlreadyDone);
    }
}

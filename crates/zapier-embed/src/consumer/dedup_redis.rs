//! A [`Dedup`] store shared by every consumer process of an inbox, on Redis (feature `redis`).
//!
//! One key per message, namespaced per inbox: `{prefix}:{inbox length}:{inbox}:{message id}` (the
//! length makes the key unambiguous whatever the inbox label holds). Its value is
//! `claimed:{owner}` while a worker's claim lives (with the claim's time-to-live), then `done`
//! (kept for [`RedisDedup::with_done_ttl`]). Claim and release are single Lua scripts, so two
//! workers never both get a claim and a worker only ever releases its own.

use std::time::Duration;

use crate::MessageId;
use futures::future::BoxFuture;
use redis::Script;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::dedup::{Claim, Dedup, DedupError};

/// `SET NX` the claim, or say what holds the key: 1 granted, 2 done, 3 claimed.
const CLAIM: &str = r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == 'done' then return 2 end
return 3
";

/// Deletes the key only while it holds this owner's claim.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// The [`Dedup`] of a fleet: claims and done marks in Redis, through a connection manager that
/// reconnects by itself after a connection is lost.
///
/// Every call is bounded by a response timeout ([`RedisDedup::DEFAULT_TIMEOUT`]); a call that
/// fails is reported by the runtime ([`ConsumerEvent::DedupFailed`](super::ConsumerEvent::DedupFailed))
/// and never runs a handler unguarded.
///
/// ```no_run
/// # async fn demo(client: zapier_embed::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use zapier_embed::InboxRef;
/// use zapier_embed::consumer::{Consumer, RedisDedup};
///
/// let dedup = RedisDedup::connect("redis://127.0.0.1:6379").await?;
/// let consumer = Consumer::builder(&client, InboxRef::name("orders")?)
///     .dedup(dedup)
///     .handler(|_msg| async { Ok::<_, std::io::Error>(()) });
/// # let _ = consumer;
/// # Ok(())
/// # }
/// ```
pub struct RedisDedup {
    connection: ConnectionManager,
    prefix: String,
    /// `claimed:` and a random id of this store, so a worker releases only its own claims.
    claim_value: String,
    done_ttl: Duration,
    claim: Script,
    release: Script,
}

impl RedisDedup {
    /// How long a done mark is kept by default (seven days: longer than a message can wait in an
    /// inbox to be redelivered).
    ///
    /// ```
    /// use zapier_embed::consumer::RedisDedup;
    /// assert_eq!(RedisDedup::DEFAULT_DONE_TTL.as_secs(), 7 * 24 * 3600);
    /// ```
    pub const DEFAULT_DONE_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

    /// The default key prefix.
    ///
    /// ```
    /// assert_eq!(zapier_embed::consumer::RedisDedup::DEFAULT_PREFIX, "zapier-embed:dedup");
    /// ```
    pub const DEFAULT_PREFIX: &'static str = "zapier-embed:dedup";

    /// How long one Redis call (or one connection attempt) may take by default.
    ///
    /// ```
    /// assert_eq!(zapier_embed::consumer::RedisDedup::DEFAULT_TIMEOUT.as_secs(), 2);
    /// ```
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

    /// Connects to `url` (`redis://[user:password@]host:port[/db]`, or `rediss://` for TLS when
    /// the `redis` crate's TLS feature is enabled) and checks the server answers.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), zapier_embed::consumer::DedupError> {
    /// let dedup = zapier_embed::consumer::RedisDedup::connect("redis://127.0.0.1:6379").await?;
    /// # let _ = dedup;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(url: &str) -> Result<Self, DedupError> {
        Self::connect_with_timeout(url, Self::DEFAULT_TIMEOUT).await
    }

    /// Same as [`connect`](Self::connect), with `timeout` bounding each call and each connection
    /// attempt.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), zapier_embed::consumer::DedupError> {
    /// use std::time::Duration;
    /// use zapier_embed::consumer::RedisDedup;
    /// let dedup = RedisDedup::connect_with_timeout("redis://10.0.0.5:6379", Duration::from_millis(500)).await?;
    /// # let _ = dedup;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect_with_timeout(url: &str, timeout: Duration) -> Result<Self, DedupError> {
        let client = redis::Client::open(url).map_err(DedupError::new)?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(timeout))
            .set_connection_timeout(Some(timeout))
            // Reconnection happens in the background; a few tries per loss, then the next call
            // starts over. Calls in between fail fast and are reported.
            .set_number_of_retries(3)
            .set_max_delay(timeout);
        let connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(DedupError::new)?;
        Ok(RedisDedup {
            connection,
            prefix: Self::DEFAULT_PREFIX.to_owned(),
            claim_value: format!("claimed:{:032x}", rand::random::<u128>()),
            done_ttl: Self::DEFAULT_DONE_TTL,
            claim: Script::new(CLAIM),
            release: Script::new(RELEASE),
        })
    }

    /// Puts every key under `prefix` instead of [`DEFAULT_PREFIX`](Self::DEFAULT_PREFIX) (for
    /// several applications sharing one Redis).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), zapier_embed::consumer::DedupError> {
    /// use zapier_embed::consumer::RedisDedup;
    /// let dedup = RedisDedup::connect("redis://127.0.0.1:6379").await?.with_prefix("billing:dedup");
    /// # let _ = dedup;
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Keeps done marks for `ttl` instead of [`DEFAULT_DONE_TTL`](Self::DEFAULT_DONE_TTL) (at
    /// least one second).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), zapier_embed::consumer::DedupError> {
    /// use std::time::Duration;
    /// use zapier_embed::consumer::RedisDedup;
    /// let dedup = RedisDedup::connect("redis://127.0.0.1:6379").await?
    ///     .with_done_ttl(Duration::from_secs(24 * 3600));
    /// # let _ = dedup;
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_done_ttl(mut self, ttl: Duration) -> Self {
        self.done_ttl = ttl.max(Duration::from_secs(1));
        self
    }

    fn key(&self, inbox: &str, id: &MessageId) -> String {
        format!("{}:{}:{inbox}:{id}", self.prefix, inbox.len())
    }
}

/// Milliseconds for `PX`: at least one (Redis refuses zero), at most what fits.
fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis())
        .unwrap_or(u64::MAX / 2)
        .max(1)
}

// One Redis exchange per method of the trait, on the key `key` builds.
impl RedisDedup {
    /// Runs the claim script: 1 granted, 2 done before, 3 claimed by someone else.
    async fn claim_key(&self, key: String, ttl: Duration) -> Result<Claim, DedupError> {
        let mut connection = self.connection.clone();
        let answer: i64 = self
            .claim
            .key(key)
            .arg(&self.claim_value)
            .arg(millis(ttl))
            .invoke_async(&mut connection)
            .await
            .map_err(DedupError::new)?;
        match answer {
            1 => Ok(Claim::Granted),
            2 => Ok(Claim::AlreadyDone),
            3 => Ok(Claim::HeldElsewhere),
            other => Err(DedupError::new(format!(
                "unexpected answer {other} from the claim script"
            ))),
        }
    }

    /// Replaces the claim with a done mark kept for `done_ttl`.
    async fn mark_key_done(&self, key: String) -> Result<(), DedupError> {
        let mut connection = self.connection.clone();
        redis::cmd("SET")
            .arg(key)
            .arg("done")
            .arg("PX")
            .arg(millis(self.done_ttl))
            .query_async(&mut connection)
            .await
            .map_err(DedupError::new)
    }

    /// Deletes the key only while it still holds this process's claim (the script compares).
    async fn release_key(&self, key: String) -> Result<(), DedupError> {
        let mut connection = self.connection.clone();
        let _deleted: i64 = self
            .release
            .key(key)
            .arg(&self.claim_value)
            .invoke_async(&mut connection)
            .await
            .map_err(DedupError::new)?;
        Ok(())
    }
}

impl Dedup for RedisDedup {
    fn claim<'a>(
        &'a self,
        inbox: &'a str,
        id: &'a MessageId,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Claim, DedupError>> {
        Box::pin(self.claim_key(self.key(inbox, id), ttl))
    }

    fn mark_done<'a>(
        &'a self,
        inbox: &'a str,
        id: &'a MessageId,
    ) -> BoxFuture<'a, Result<(), DedupError>> {
        Box::pin(self.mark_key_done(self.key(inbox, id)))
    }

    fn release_claim<'a>(
        &'a self,
        inbox: &'a str,
        id: &'a MessageId,
    ) -> BoxFuture<'a, Result<(), DedupError>> {
        Box::pin(self.release_key(self.key(inbox, id)))
    }
}

impl std::fmt::Debug for RedisDedup {
    // The connection (and the URL's password in it) stays out of `Debug`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisDedup")
            .field("prefix", &self.prefix)
            .field("done_ttl", &self.done_ttl)
            .finish_non_exhaustive()
    }
}

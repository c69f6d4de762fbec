//! The token cache: refresh ahead of expiry with jitter, single-flight refresh, invalidation
//! after an "expired token" answer.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;

use super::{Token, TokenEndpoint, TokenSource};
use crate::{AccessToken, Error};

/// A token is not sent when it has less than this left (or half its lifetime, for a shorter
/// token): it could expire in flight.
const EXPIRY_SKEW: Duration = Duration::from_secs(10);

/// How long before expiry a refresh starts, at most (the Zapier TS SDK uses the same buffer).
const MAX_REFRESH_AHEAD: Duration = Duration::from_secs(300);

/// After a failed ahead-of-time refresh, how long the still-valid token is served before the
/// next refresh attempt (so an outage of the token endpoint is not hit by every call).
const REFRESH_RETRY_INTERVAL: Duration = Duration::from_secs(10);

/// A cached token and its schedule.
#[derive(Clone)]
struct Cached {
    token: AccessToken,
    /// Distinguishes tokens, so that an invalidation cannot drop a newer one.
    generation: u64,
    /// After this instant a caller starts a refresh (the old token stays usable meanwhile).
    refresh_at: Option<Instant>,
    /// After this instant the token is not used at all (its expiry minus the skew).
    usable_until: Option<Instant>,
}

impl Cached {
    fn usable(&self, now: Instant) -> bool {
        self.usable_until.is_none_or(|until| now < until)
    }

    fn due(&self, now: Instant) -> bool {
        self.refresh_at.is_some_and(|at| now >= at)
    }
}

#[derive(Default)]
struct State {
    current: Option<Cached>,
    next_generation: u64,
    /// Incremented when a fetch finishes, successful or not; lets a caller that waited for a
    /// refresh tell that one happened while it waited.
    completed_fetches: u64,
    /// The error of the last fetch, if it failed (shared with the callers that waited for it).
    last_error: Option<Error>,
    /// No ahead-of-time refresh before this instant (set after a failed one).
    quiet_until: Option<Instant>,
}

impl State {
    /// The current token, when it can be used without refreshing first.
    fn ready(&self, now: Instant) -> Option<&Cached> {
        let quiet = self.quiet_until.is_some_and(|until| now < until);
        self.current
            .as_ref()
            .filter(|c| c.usable(now) && (!c.due(now) || quiet))
    }
}

/// A token as handed to one attempt: the token and its generation.
#[derive(Clone)]
pub(crate) struct Lent {
    pub(crate) token: AccessToken,
    pub(crate) generation: u64,
}

/// Caches the tokens of one [`TokenSource`].
pub(crate) struct TokenCache {
    source: Arc<dyn TokenSource>,
    state: Mutex<State>,
    /// Held by the one caller that fetches; the others wait on it (single flight).
    refresh: tokio::sync::Mutex<()>,
}

impl TokenCache {
    pub(crate) fn new(source: Arc<dyn TokenSource>) -> Self {
        TokenCache {
            source,
            state: Mutex::new(State::default()),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    pub(crate) fn kind(&self) -> &'static str {
        self.source.kind()
    }

    pub(crate) fn refreshable(&self) -> bool {
        self.source.refreshable()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is replaced wholesale under the lock, so a panic elsewhere cannot leave it
        // half-written.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A usable token, fetching one if needed.
    pub(crate) async fn get(&self, endpoint: &TokenEndpoint) -> Result<Lent, Error> {
        let seen_fetches = {
            let state = self.lock();
            if let Some(c) = state.ready(Instant::now()) {
                return Ok(lend(c));
            }
            state.completed_fetches
        };

        // Due for a refresh but still usable, and someone else is already refreshing: do not
        // wait for them.
        let guard = match self.refresh.try_lock() {
            Ok(guard) => guard,
            Err(_) => {
                if let Some(c) = self.usable_now() {
                    return Ok(c);
                }
                self.refresh.lock().await
            }
        };

        {
            let state = self.lock();
            let now = Instant::now();
            if let Some(c) = state.ready(now) {
                return Ok(lend(c));
            }
            if let Some(c) = &state.current
                && c.usable(now)
                && state.completed_fetches != seen_fetches
            {
                return Ok(lend(c));
            }
            if state.completed_fetches != seen_fetches
                && let Some(err) = &state.last_error
            {
                // The refresh this caller waited for failed: share its error instead of
                // sending another request right behind it.
                return Err(err.clone());
            }
        }

        let secrets = &endpoint.transport.config.secrets;
        let fetched = self.source.fetch(endpoint).await.map_err(|mut err| {
            // A user's token source may build its error from a server's words: scrub it
            // before it is shared, logged or returned.
            secrets.redact(&mut err);
            err
        });
        if let Ok(token) = &fetched {
            secrets.remember(token.access_token().expose_secret());
        }
        let mut state = self.lock();
        state.completed_fetches = state.completed_fetches.wrapping_add(1);
        drop(guard);
        match fetched {
            Ok(token) => {
                state.last_error = None;
                state.quiet_until = None;
                state.next_generation = state.next_generation.wrapping_add(1);
                let cached = schedule(token, state.next_generation);
                let lent = lend(&cached);
                state.current = Some(cached);
                Ok(lent)
            }
            Err(err) => {
                state.last_error = Some(err.clone());
                let now = Instant::now();
                state.quiet_until = now.checked_add(REFRESH_RETRY_INTERVAL);
                match &state.current {
                    Some(c) if c.usable(now) => {
                        tracing::warn!(error = %err, "token refresh failed; using the current token until it expires");
                        Ok(lend(c))
                    }
                    _ => Err(err),
                }
            }
        }
    }

    fn usable_now(&self) -> Option<Lent> {
        let state = self.lock();
        state
            .current
            .as_ref()
            .filter(|c| c.usable(Instant::now()))
            .map(lend)
    }

    /// Drops the token of `generation` after the server rejected it; a newer token is kept.
    pub(crate) fn invalidate(&self, generation: u64) {
        let mut state = self.lock();
        if state
            .current
            .as_ref()
            .is_some_and(|c| c.generation == generation)
        {
            state.current = None;
        }
    }
}

fn lend(cached: &Cached) -> Lent {
    Lent {
        token: cached.token.clone(),
        generation: cached.generation,
    }
}

/// Plans the refresh of a fresh token: `ahead` before expiry (at most five minutes, at most half
/// the lifetime), minus up to a quarter of `ahead` of random jitter; and its last usable
/// instant.
fn schedule(token: Token, generation: u64) -> Cached {
    let now = Instant::now();
    let usable_until = token.expires_at.map(|at| {
        let lifetime = at.saturating_duration_since(now);
        at.checked_sub(EXPIRY_SKEW.min(lifetime / 2)).unwrap_or(now)
    });
    let refresh_at = token.expires_at.map(|at| {
        let lifetime = at.saturating_duration_since(now);
        let ahead = MAX_REFRESH_AHEAD.min(lifetime / 2);
        let jitter_nanos = u64::try_from((ahead / 4).as_nanos()).unwrap_or(u64::MAX);
        let jitter = Duration::from_nanos(rand::rng().random_range(0..=jitter_nanos));
        at.checked_sub(ahead + jitter).unwrap_or(now)
    });
    Cached {
        token: token.access_token,
        generation,
        refresh_at,
        usable_until,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::TokenFuture;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// Counts fetches; each fetch takes a little (paused) time so that callers overlap.
    struct Counting {
        fetches: AtomicUsize,
        lifetime: Duration,
        fail: AtomicBool,
    }

    impl TokenSource for Counting {
        fn fetch<'a>(&'a self, _: &'a TokenEndpoint) -> TokenFuture<'a> {
            Box::pin(async move {
                let n = self.fetches.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
                if self.fail.load(Ordering::SeqCst) {
                    return Err(Error::transport("fetch token", "refused"));
                }
                Ok(Token::new(AccessToken::new(format!("token-{n}"))).expires_in(self.lifetime))
            })
        }
    }

    fn endpoint() -> TokenEndpoint {
        crate::Client::builder()
            .access_token("unused")
            .build()
            .map(|c| c.token_endpoint())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn cache(lifetime: Duration, fail: bool) -> (Arc<Counting>, Arc<TokenCache>) {
        let source = Arc::new(Counting {
            fetches: AtomicUsize::new(0),
            lifetime,
            fail: AtomicBool::new(fail),
        });
        let cache = Arc::new(TokenCache::new(source.clone()));
        (source, cache)
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_fetch() {
        let (source, cache) = cache(Duration::from_secs(3600), false);
        let endpoint = endpoint();
        let calls = (0..32).map(|_| {
            let cache = cache.clone();
            let endpoint = endpoint.clone();
            tokio::spawn(async move { cache.get(&endpoint).await.map(|l| l.token) })
        });
        for call in futures::future::join_all(calls).await {
            let token = call
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(token.expose_secret(), "token-1");
        }
        assert_eq!(source.fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_fetch_is_shared_not_repeated() {
        let (source, cache) = cache(Duration::from_secs(3600), true);
        let endpoint = endpoint();
        let calls = (0..8).map(|_| {
            let cache = cache.clone();
            let endpoint = endpoint.clone();
            tokio::spawn(async move { cache.get(&endpoint).await.is_err() })
        });
        for call in futures::future::join_all(calls).await {
            assert!(call.unwrap_or(false));
        }
        assert_eq!(source.fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn refreshes_ahead_of_expiry_and_after_invalidation() {
        let (source, cache) = cache(Duration::from_secs(3600), false);
        let endpoint = endpoint();
        let first = cache.get(&endpoint).await.unwrap_or_else(|e| panic!("{e}"));
        // Well before the refresh window: cached.
        tokio::time::advance(Duration::from_secs(3000)).await;
        assert_eq!(
            cache.get(&endpoint).await.map(|l| l.generation).ok(),
            Some(first.generation)
        );
        // Past the refresh point (five minutes before expiry, up to 75 s of jitter earlier) but
        // before expiry: refreshed.
        tokio::time::advance(Duration::from_secs(310)).await;
        let second = cache.get(&endpoint).await.unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(second.generation, first.generation);
        assert_eq!(source.fetches.load(Ordering::SeqCst), 2);
        // Invalidating an old generation keeps the new token; the current one is dropped.
        cache.invalidate(first.generation);
        assert_eq!(
            cache.get(&endpoint).await.map(|l| l.generation).ok(),
            Some(second.generation)
        );
        cache.invalidate(second.generation);
        let third = cache.get(&endpoint).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(third.token.expose_secret(), "token-3");
    }

    #[tokio::test(start_paused = true)]
    async fn a_short_lived_token_is_still_used() {
        let (source, cache) = cache(Duration::from_secs(4), false);
        let endpoint = endpoint();
        let first = cache.get(&endpoint).await.unwrap_or_else(|e| panic!("{e}"));
        let again = cache.get(&endpoint).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first.generation, again.generation);
        assert_eq!(source.fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_refresh_keeps_the_still_valid_token() {
        let (source, cache) = cache(Duration::from_secs(600), false);
        let endpoint = endpoint();
        let first = cache.get(&endpoint).await.unwrap_or_else(|e| panic!("{e}"));
        // Half of a 600 s lifetime is the refresh window: at 400 s a refresh is due.
        tokio::time::advance(Duration::from_secs(400)).await;
        source.fail.store(true, Ordering::SeqCst);
        let same = cache.get(&endpoint).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(same.generation, first.generation);
        assert_eq!(source.fetches.load(Ordering::SeqCst), 2);
        // The next call within the quiet interval does not hit the endpoint again.
        let _ = cache.get(&endpoint).await;
        assert_eq!(source.fetches.load(Ordering::SeqCst), 2);
        // Once it really expired, the failure is returned.
        tokio::time::advance(Duration::from_secs(200)).await;
        assert!(cache.get(&endpoint).await.is_err());
    }
}

//! When a failed attempt is tried again, and after how long.
//!
//! # The rule
//!
//! Every operation belongs to one of two idempotency classes, named in its rustdoc:
//!
//! * **Idempotent** — reads (`GET`), the ensure / upsert `PUT`, `PATCH`, `DELETE`, pause, resume,
//!   ack, release and token requests. Sending them twice has the same effect as sending them
//!   once (acking an acked message answers "nothing acked"), so they are retried after a
//!   connection error, a timeout or any other transport failure, a 5xx answer, and a 429.
//! * **Not idempotent** — lease, inbox creation (`POST`) and action-run creation. A lost lease
//!   answer would burn one of the message's five delivery attempts (the fifth lease quarantines
//!   it) and a repeated create would create twice, so they are retried **only** when the request
//!   provably did not reach the server (the connection could not be established) or when the
//!   server said it did not process it (429, 503). A timeout or a reset after the request was
//!   sent is returned to the caller.
//!
//! Every retry waits a jittered exponential backoff ("full jitter": a random delay between zero
//! and `initial_backoff × 2^(attempt-1)`, capped at `max_backoff`). When the answer carries
//! `Retry-After`, the wait is at least that long, so a retry is **never** sent before the server
//! allows it; if the server asks for more than [`RetryPolicy::max_retry_after`], or for more than
//! the remaining total timeout, the call fails at once with
//! [`Error::RateLimited`] carrying `retry_after`, instead of sleeping.
//!
//! Independently of this rule, an answer meaning "your token expired" (400 `unauthenticated`,
//! 401) makes the client refresh its token once and send the call once more: the server
//! rejected the request before doing anything, so this is safe for every class.

use std::time::Duration;

use rand::Rng;

use crate::Error;

/// How failed attempts are retried: attempt budget, backoff and the longest `Retry-After` the
/// client is willing to wait. See the [module documentation](crate::retry) for which failures
/// are retried for which operations.
///
/// ```
/// use std::time::Duration;
/// use zapier_embed::retry::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(5)
///     .with_initial_backoff(Duration::from_millis(100))
///     .with_max_backoff(Duration::from_secs(10))
///     .with_max_retry_after(Duration::from_secs(120));
/// assert_eq!(policy.max_attempts(), 5);
/// assert_eq!(RetryPolicy::no_retries().max_attempts(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// Four attempts (one call and three retries), backoff from 200 ms up to 20 s, and waiting
    /// for a `Retry-After` of at most 60 s (Zapier's documented rate-limit cooldown).
    ///
    /// ```
    /// use std::time::Duration;
    /// use zapier_embed::retry::RetryPolicy;
    /// let policy = RetryPolicy::default();
    /// assert_eq!(policy.max_attempts(), 4);
    /// assert_eq!(policy.max_retry_after(), Duration::from_secs(60));
    /// ```
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries (the token refresh-and-retry-once still applies).
    ///
    /// ```
    /// use zapier_embed::retry::RetryPolicy;
    /// assert_eq!(RetryPolicy::no_retries().max_attempts(), 1);
    /// ```
    pub fn no_retries() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sets the total number of attempts, the first one included (at least 1).
    ///
    /// ```
    /// use zapier_embed::retry::RetryPolicy;
    /// assert_eq!(RetryPolicy::default().with_max_attempts(0).max_attempts(), 1);
    /// ```
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the backoff ceiling of the first retry (it doubles on each further retry).
    ///
    /// ```
    /// use std::time::Duration;
    /// use zapier_embed::retry::RetryPolicy;
    /// let p = RetryPolicy::default().with_initial_backoff(Duration::from_millis(50));
    /// assert_eq!(p.initial_backoff(), Duration::from_millis(50));
    /// ```
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Sets the largest backoff between two attempts (a `Retry-After` may still be longer).
    ///
    /// ```
    /// use std::time::Duration;
    /// use zapier_embed::retry::RetryPolicy;
    /// let p = RetryPolicy::default().with_max_backoff(Duration::from_secs(5));
    /// assert_eq!(p.max_backoff(), Duration::from_secs(5));
    /// ```
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Sets the longest `Retry-After` the client waits before retrying; a longer one fails the
    /// call at once with [`Error::RateLimited`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use zapier_embed::retry::RetryPolicy;
    /// let p = RetryPolicy::default().with_max_retry_after(Duration::ZERO);
    /// assert_eq!(p.max_retry_after(), Duration::ZERO);
    /// ```
    pub fn with_max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// The total number of attempts.
    ///
    /// ```
    /// use zapier_embed::retry::RetryPolicy;
    /// assert_eq!(RetryPolicy::default().max_attempts(), 4);
    /// ```
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The backoff ceiling of the first retry.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zapier_embed::retry::RetryPolicy;
    /// assert_eq!(RetryPolicy::default().initial_backoff(), Duration::from_millis(200));
    /// ```
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The largest backoff.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zapier_embed::retry::RetryPolicy;
    /// assert_eq!(RetryPolicy::default().max_backoff(), Duration::from_secs(20));
    /// ```
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The longest `Retry-After` waited for.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zapier_embed::retry::RetryPolicy;
    /// assert_eq!(RetryPolicy::default().max_retry_after(), Duration::from_secs(60));
    /// ```
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The jittered backoff before retry number `retry` (1 for the first retry).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(30);
        let ceiling = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        if ceiling.is_zero() {
            return Duration::ZERO;
        }
        // Full jitter spreads retries of many clients that failed together (AWS's recommendation).
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::rng().random_range(0..=nanos))
    }
}

/// Whether an operation may be sent twice without changing the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// Reads, PUT, PATCH, DELETE, pause, resume, ack, release, token requests.
    Idempotent,
    /// Lease, POST create, action-run creation.
    NotIdempotent,
}

/// How far a failed attempt got, as far as the client can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// The connection could not be established: the server never saw the request.
    NotSent,
    /// The request may have been processed (timeout, reset, or an answer arrived).
    MaybeProcessed,
}

/// What to do after a failed attempt.
#[derive(Debug)]
pub(crate) enum Decision {
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// Return this error to the caller.
    GiveUp(Error),
}

/// Decides whether to retry a failed attempt.
///
/// `retries_done` counts the retries already made (0 after the first attempt); `remaining` is
/// the time left of the total timeout, if one is set.
pub(crate) fn decide(
    policy: &RetryPolicy,
    idempotency: Idempotency,
    error: Error,
    reach: Reach,
    retries_done: u32,
    remaining: Option<Duration>,
) -> Decision {
    if !retryable(idempotency, &error, reach) {
        return Decision::GiveUp(error);
    }
    let server_wait = error.retry_after();
    if let Some(wait) = server_wait
        && wait > policy.max_retry_after
    {
        return Decision::GiveUp(error);
    }
    if retries_done.saturating_add(1) >= policy.max_attempts {
        return Decision::GiveUp(error);
    }
    let backoff = policy.backoff(retries_done.saturating_add(1));
    // Never before the server allows it: the server's wait is a floor, the backoff only adds
    // spread on top of a missing or short one.
    let delay = server_wait.map_or(backoff, |wait| wait.max(backoff));
    if let Some(left) = remaining
        && delay >= left
    {
        return Decision::GiveUp(error);
    }
    Decision::RetryAfter(delay)
}

/// The retry rule of the module documentation.
fn retryable(idempotency: Idempotency, error: &Error, reach: Reach) -> bool {
    let status = error.status();
    match idempotency {
        Idempotency::Idempotent => match error {
            Error::Transport { .. } | Error::Timeout { .. } | Error::RateLimited { .. } => true,
            Error::Server { .. } => status.is_some_and(|s| s >= 500),
            _ => false,
        },
        Idempotency::NotIdempotent => match error {
            // A connect timeout is a timeout that provably sent nothing.
            Error::Transport { .. } | Error::Timeout { .. } => reach == Reach::NotSent,
            Error::RateLimited { .. } => true,
            Error::Server { .. } => status == Some(503),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::AnswerError;

    fn server(status: u16, retry_after: Option<u64>) -> Error {
        Error::from_response("op", status, retry_after.map(Duration::from_secs), b"")
    }

    #[test]
    fn backoff_is_bounded_by_the_exponential_ceiling() {
        let p = RetryPolicy::default()
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_secs(1));
        for _ in 0..200 {
            assert!(p.backoff(1) <= Duration::from_millis(100));
            assert!(p.backoff(3) <= Duration::from_millis(400));
            assert!(p.backoff(40) <= Duration::from_secs(1));
        }
        assert_eq!(
            RetryPolicy::default()
                .with_initial_backoff(Duration::ZERO)
                .backoff(3),
            Duration::ZERO
        );
    }

    #[test]
    fn idempotent_calls_retry_transient_failures() {
        let p = RetryPolicy::default();
        for err in [
            server(500, None),
            server(502, None),
            server(429, None),
            Error::transport("op", "reset"),
            Error::timeout("op", "slow"),
        ] {
            assert!(
                matches!(
                    decide(
                        &p,
                        Idempotency::Idempotent,
                        err.clone(),
                        Reach::MaybeProcessed,
                        0,
                        None
                    ),
                    Decision::RetryAfter(_)
                ),
                "{err}"
            );
        }
        for err in [server(404, None), server(409, None), server(400, None)] {
            assert!(matches!(
                decide(
                    &p,
                    Idempotency::Idempotent,
                    err,
                    Reach::MaybeProcessed,
                    0,
                    None
                ),
                Decision::GiveUp(_)
            ));
        }
    }

    #[test]
    fn non_idempotent_calls_retry_only_unprocessed_requests() {
        let p = RetryPolicy::default();
        let retry = |err: Error, reach| {
            matches!(
                decide(&p, Idempotency::NotIdempotent, err, reach, 0, None),
                Decision::RetryAfter(_)
            )
        };
        assert!(retry(Error::transport("op", "refused"), Reach::NotSent));
        assert!(retry(
            Error::timeout("op", "connect timed out"),
            Reach::NotSent
        ));
        assert!(!retry(
            Error::transport("op", "reset"),
            Reach::MaybeProcessed
        ));
        assert!(!retry(Error::timeout("op", "slow"), Reach::MaybeProcessed));
        assert!(retry(server(429, None), Reach::MaybeProcessed));
        assert!(retry(server(503, None), Reach::MaybeProcessed));
        assert!(!retry(server(500, None), Reach::MaybeProcessed));
        assert!(!retry(server(502, None), Reach::MaybeProcessed));
    }

    #[test]
    fn retry_after_is_a_floor_and_too_long_fails_fast() {
        let p = RetryPolicy::default().with_max_backoff(Duration::from_millis(10));
        match decide(
            &p,
            Idempotency::Idempotent,
            server(429, Some(7)),
            Reach::MaybeProcessed,
            0,
            None,
        ) {
            Decision::RetryAfter(d) => assert!(d >= Duration::from_secs(7)),
            other => panic!("{other:?}"),
        }
        match decide(
            &p,
            Idempotency::Idempotent,
            server(429, Some(61)),
            Reach::MaybeProcessed,
            0,
            None,
        ) {
            Decision::GiveUp(Error::RateLimited { retry_after, .. }) => {
                assert_eq!(retry_after, Some(Duration::from_secs(61)))
            }
            other => panic!("{other:?}"),
        }
        // Not enough of the total timeout left to wait.
        assert!(matches!(
            decide(
                &p,
                Idempotency::Idempotent,
                server(429, Some(7)),
                Reach::MaybeProcessed,
                0,
                Some(Duration::from_secs(5))
            ),
            Decision::GiveUp(_)
        ));
    }

    #[test]
    fn attempts_are_bounded() {
        let p = RetryPolicy::default().with_max_attempts(2);
        let after = |attempts| {
            decide(
                &p,
                Idempotency::Idempotent,
                server(500, None),
                Reach::MaybeProcessed,
                attempts,
                None,
            )
        };
        assert!(matches!(after(0), Decision::RetryAfter(_)));
        assert!(matches!(after(1), Decision::GiveUp(_)));
    }
}

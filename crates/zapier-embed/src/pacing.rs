//! Pacing before a 429: a budget per identity, learned from the `X-RateLimit-*` headers.
//!
//! Every answer of the API declares `X-RateLimit-Limit` (the budget of a window),
//! `X-RateLimit-Remaining` (what is left of it) and `X-RateLimit-Reset` (seconds until the
//! window resets; a value of 10⁹ or more is read as a Unix time, as Zapier's TypeScript SDK
//! reads it). The server counts per caller, so the budget here is kept per identity: one
//! [`Bucket`] per access token, found through a process-wide registry keyed by a keyed hash of
//! the token (never the token itself), so every client and handle sending that token, built from
//! one builder or not, draws from the same budget.
//!
//! The rule:
//!
//! * Until the first answer with the headers, one request of the identity is on the wire at a
//!   time (it learns the budget); the others wait for its answer.
//! * A request takes one unit of the remaining budget before it is sent. Answers lower the
//!   estimate (never raise it within a window), counting the requests still on the wire as
//!   spent, so a fleet of tasks sharing the token does not overrun the budget between answers.
//! * With nothing left, requests wait until the window resets (a wait capped by the retry
//!   policy's `max_retry_after`, like a `Retry-After`), then the budget is refilled to the
//!   limit.
//! * A server that sends no readable headers is not paced at all.
//!
//! Header values are hostile: anything but a plain non-negative number (at most 20 bytes)
//! is ignored, numbers saturate, and the reset is capped by the caller.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Readings within this much of the known reset belong to the same window (the header has
/// whole seconds).
const SAME_WINDOW_GRACE: Duration = Duration::from_secs(1);

/// A reset at or above this is a Unix time, below it a number of seconds.
const UNIX_TIME_THRESHOLD: u64 = 1_000_000_000;

/// The longest header value read.
const MAX_VALUE_BYTES: usize = 20;

/// What one answer said about the budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RateReading {
    pub(crate) limit: u32,
    pub(crate) remaining: u32,
    /// From the answer's arrival until the window resets (not capped yet).
    pub(crate) reset: Duration,
}

impl RateReading {
    /// The reading of an answer's headers; `None` unless all three are readable.
    pub(crate) fn from_headers(headers: &HeaderMap, now: DateTime<Utc>) -> Option<RateReading> {
        let number = |name: &str| -> Option<u64> {
            let value = headers.get(name)?.to_str().ok()?.trim();
            if value.is_empty()
                || value.len() > MAX_VALUE_BYTES
                || !value.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            // 20 digits can pass u64::MAX: saturate.
            Some(value.parse::<u64>().unwrap_or(u64::MAX))
        };
        let saturate = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        let limit = saturate(number("x-ratelimit-limit")?);
        let remaining = saturate(number("x-ratelimit-remaining")?);
        let reset = number("x-ratelimit-reset")?;
        let reset_secs = if reset >= UNIX_TIME_THRESHOLD {
            let now = u64::try_from(now.timestamp()).unwrap_or(0);
            reset.saturating_sub(now)
        } else {
            reset
        };
        Some(RateReading {
            limit,
            remaining,
            reset: Duration::from_secs(reset_secs),
        })
    }
}

/// Where one attempt leaves the reading of its answer (written by the wire layer).
pub(crate) type ReadingSlot = Arc<Mutex<Option<RateReading>>>;

/// What is known of an identity's current window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Window {
    /// Nothing yet: one request at a time learns the budget (`probing` while it is out).
    Unknown { probing: bool },
    /// Answers carry no readable headers: nothing to pace by.
    Unreported,
    /// The budget: `reset_at` is `None` after the window was refilled locally, until an answer
    /// of the new window tells when it ends.
    Known {
        limit: u32,
        remaining: u32,
        reset_at: Option<Instant>,
    },
}

#[derive(Debug)]
struct State {
    window: Window,
    /// Requests sent and not answered yet.
    in_flight: u32,
}

/// The shared budget of one identity.
#[derive(Debug)]
pub(crate) struct Bucket {
    state: Mutex<State>,
    /// Woken on every answer.
    changed: Notify,
}

/// What a request must do before it is sent.
enum Admission<'a> {
    Go(Permit),
    WaitUntil(Instant),
    WaitForAnswer(std::pin::Pin<Box<tokio::sync::futures::Notified<'a>>>),
}

impl Bucket {
    fn new() -> Self {
        Bucket {
            state: Mutex::new(State {
                window: Window::Unknown { probing: false },
                in_flight: 0,
            }),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every change is one assignment: a panic elsewhere cannot leave it half-written.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until a request of this identity may be sent and takes its unit of the budget.
    /// `may_wait` is asked before each wait for the window to reset (how long it is); when it
    /// answers `false`, the wait is returned instead.
    pub(crate) async fn acquire(
        self: &Arc<Self>,
        may_wait: impl Fn(Duration) -> bool,
    ) -> Result<Permit, Duration> {
        loop {
            match self.admit(Instant::now()) {
                Admission::Go(permit) => return Ok(permit),
                Admission::WaitUntil(at) => {
                    let wait = at.saturating_duration_since(Instant::now());
                    if !may_wait(wait) {
                        return Err(wait);
                    }
                    tokio::time::sleep_until(at).await;
                }
                // Every permit wakes the waiters when it is answered or dropped.
                Admission::WaitForAnswer(answered) => answered.await,
            }
        }
    }

    fn admit(self: &Arc<Self>, now: Instant) -> Admission<'_> {
        let mut state = self.lock();
        let in_flight = state.in_flight;
        let mut probe = false;
        match &mut state.window {
            Window::Unknown { probing: true } => {
                let answered = Box::pin(self.changed.notified());
                return Admission::WaitForAnswer(answered);
            }
            Window::Unknown { probing } => {
                *probing = true;
                probe = true;
            }
            Window::Unreported => {}
            Window::Known {
                limit,
                remaining,
                reset_at,
            } => {
                if reset_at.is_some_and(|at| now >= at) {
                    // The window reset: requests still out may count against the new one.
                    *remaining = limit.saturating_sub(in_flight);
                    *reset_at = None;
                }
                if *remaining > 0 {
                    *remaining -= 1;
                } else if let Some(at) = *reset_at {
                    return Admission::WaitUntil(at);
                } else if in_flight > 0 {
                    let answered = Box::pin(self.changed.notified());
                    return Admission::WaitForAnswer(answered);
                }
                // Nothing left and nothing known of the window's end, nothing out: one
                // request goes, alone, to learn it.
            }
        }
        state.in_flight = in_flight.saturating_add(1);
        Admission::Go(Permit {
            bucket: self.clone(),
            probe,
            answer: None,
        })
    }

    /// Folds an answer's reading in. `reset` is already capped.
    fn learn(state: &mut State, reading: RateReading, now: Instant) {
        let Some(reset_at) = now.checked_add(reading.reset) else {
            return;
        };
        let fresh = reading
            .remaining
            .min(reading.limit)
            .saturating_sub(state.in_flight);
        let limit = reading.limit;
        state.window = match state.window {
            Window::Known {
                remaining,
                reset_at: Some(current),
                ..
            } if current
                .checked_add(SAME_WINDOW_GRACE)
                .is_none_or(|end| reset_at <= end) =>
            {
                Window::Known {
                    limit,
                    remaining: remaining.min(fresh),
                    reset_at: Some(current.max(reset_at)),
                }
            }
            Window::Known {
                remaining,
                reset_at: None,
                ..
            } => Window::Known {
                limit,
                remaining: remaining.min(fresh),
                reset_at: Some(reset_at),
            },
            _ => Window::Known {
                limit,
                remaining: fresh,
                reset_at: Some(reset_at),
            },
        };
    }
}

/// One request's unit of the budget: answer it with [`Permit::answered`]; dropping it
/// unanswered (a timeout, a failed connection) only frees its place.
#[derive(Debug)]
pub(crate) struct Permit {
    bucket: Arc<Bucket>,
    /// Whether this request went out alone to learn the budget.
    probe: bool,
    /// `Some` once answered: the reading, if the answer had one (its reset capped).
    answer: Option<Option<RateReading>>,
}

impl Permit {
    /// The request was answered, with `reading` (its reset capped at `max_reset`).
    pub(crate) fn answered(mut self, reading: Option<RateReading>, max_reset: Duration) {
        self.answer = Some(reading.map(|r| RateReading {
            reset: r.reset.min(max_reset),
            ..r
        }));
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        {
            let mut state = self.bucket.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
            match self.answer {
                Some(Some(reading)) => Bucket::learn(&mut state, reading, Instant::now()),
                Some(None) if matches!(state.window, Window::Unknown { .. }) => {
                    state.window = Window::Unreported;
                }
                None if self.probe && matches!(state.window, Window::Unknown { .. }) => {
                    state.window = Window::Unknown { probing: false };
                }
                _ => {}
            }
        }
        self.bucket.changed.notify_waiters();
    }
}

/// The buckets of the process, by identity (a keyed hash of the token). Entries die with the
/// last client holding them and are swept as new identities arrive.
static REGISTRY: LazyLock<Mutex<HashMap<u64, Weak<Bucket>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The key of the registry's hashes: random per process, so a fingerprint says nothing about the
/// token outside this process.
static FINGERPRINT_KEY: LazyLock<RandomState> = LazyLock::new(RandomState::new);

/// The bucket of the identity that sends `token`.
fn bucket_of(fingerprint: u64) -> Arc<Bucket> {
    let mut registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(bucket) = registry.get(&fingerprint).and_then(Weak::upgrade) {
        return bucket;
    }
    registry.retain(|_, bucket| bucket.strong_count() > 0);
    let bucket = Arc::new(Bucket::new());
    registry.insert(fingerprint, Arc::downgrade(&bucket));
    bucket
}

/// One client's way to its identity's bucket: remembers the last one, so the registry is
/// consulted only when the token changes.
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    current: Mutex<Option<(u64, Arc<Bucket>)>>,
}

impl Pacer {
    /// The bucket of the identity sending `token`.
    pub(crate) fn bucket(&self, token: &str) -> Arc<Bucket> {
        let fingerprint = FINGERPRINT_KEY.hash_one(token);
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        match &*current {
            Some((known, bucket)) if *known == fingerprint => bucket.clone(),
            _ => {
                let bucket = bucket_of(fingerprint);
                *current = Some((fingerprint, bucket.clone()));
                bucket
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(limit: &str, remaining: &str, reset: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-limit", HeaderValue::from_str(limit).unwrap());
        h.insert(
            "x-ratelimit-remaining",
            HeaderValue::from_str(remaining).unwrap(),
        );
        h.insert("x-ratelimit-reset", HeaderValue::from_str(reset).unwrap());
        h
    }

    #[test]
    fn readings_are_parsed_saturated_or_ignored() {
        let now = DateTime::from_timestamp(2_000_000_000, 0).unwrap();
        let r = RateReading::from_headers(&headers("10", "3", "7"), now).unwrap();
        assert_eq!((r.limit, r.remaining, r.reset.as_secs()), (10, 3, 7));
        // A Unix time, in the future and in the past.
        let r = RateReading::from_headers(&headers("10", "3", "2000000030"), now).unwrap();
        assert_eq!(r.reset, Duration::from_secs(30));
        let r = RateReading::from_headers(&headers("10", "3", "1500000000"), now).unwrap();
        assert_eq!(r.reset, Duration::ZERO);
        // Saturating numbers.
        let r = RateReading::from_headers(&headers("99999999999999999999", "5000000000", "1"), now)
            .unwrap();
        assert_eq!((r.limit, r.remaining), (u32::MAX, u32::MAX));
        // Garbage, signs, fractions, overlong values, a missing header.
        for bad in [
            "",
            "-1",
            "1.5",
            "ten",
            "1e3",
            "123456789012345678901",
            " 1 2",
        ] {
            assert_eq!(
                RateReading::from_headers(&headers(bad, "1", "1"), now),
                None
            );
            assert_eq!(
                RateReading::from_headers(&headers("1", bad, "1"), now),
                None
            );
            assert_eq!(
                RateReading::from_headers(&headers("1", "1", bad), now),
                None
            );
        }
        let mut missing = headers("1", "1", "1");
        missing.remove("x-ratelimit-reset");
        assert_eq!(RateReading::from_headers(&missing, now), None);
    }

    const CAP: Duration = Duration::from_secs(60);

    fn reading(limit: u32, remaining: u32, reset_secs: u64) -> Option<RateReading> {
        Some(RateReading {
            limit,
            remaining,
            reset: Duration::from_secs(reset_secs),
        })
    }

    async fn go(bucket: &Arc<Bucket>) -> Permit {
        bucket.acquire(|_| true).await.unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn one_probe_then_the_budget_then_a_wait_for_the_reset() {
        let bucket = Arc::new(Bucket::new());
        let probe = go(&bucket).await;
        // While the probe is out, the next request waits for its answer.
        let waiting = tokio::spawn({
            let bucket = bucket.clone();
            async move { go(&bucket).await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        probe.answered(reading(3, 2, 10), CAP);
        let second = waiting.await.unwrap();
        let third = go(&bucket).await;
        // Nothing left: the next request waits for the reset, and a caller that cannot wait is
        // told how long.
        let refused = bucket.acquire(|_| false).await.unwrap_err();
        assert!(refused > Duration::from_secs(9) && refused <= Duration::from_secs(10));
        let started = Instant::now();
        drop((second, third));
        let _fourth = go(&bucket).await;
        assert!(started.elapsed() >= Duration::from_secs(9));
    }

    #[tokio::test(start_paused = true)]
    async fn requests_on_the_wire_count_as_spent() {
        let bucket = Arc::new(Bucket::new());
        go(&bucket).await.answered(reading(5, 4, 10), CAP);
        let out: Vec<Permit> = vec![go(&bucket).await, go(&bucket).await];
        // Another client of the token spent one meanwhile: the server has 2 left after the
        // first answer, and the request still out will take one of them.
        let mut out = out.into_iter();
        out.next().unwrap().answered(reading(5, 2, 10), CAP);
        let _a = go(&bucket).await;
        assert!(bucket.acquire(|_| false).await.is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn a_hostile_reset_is_capped_and_silence_turns_pacing_off() {
        let bucket = Arc::new(Bucket::new());
        go(&bucket).await.answered(reading(1, 0, u64::MAX / 2), CAP);
        let wait = bucket.acquire(|_| false).await.unwrap_err();
        assert!(wait <= CAP);

        let quiet = Arc::new(Bucket::new());
        go(&quiet).await.answered(None, CAP);
        // No readable headers: nothing is held back, however many are out.
        let _held: Vec<Permit> = futures::future::join_all((0..50).map(|_| go(&quiet))).await;
    }

    #[tokio::test(start_paused = true)]
    async fn an_unanswered_probe_lets_the_next_one_probe() {
        let bucket = Arc::new(Bucket::new());
        drop(go(&bucket).await);
        let probe = tokio::time::timeout(Duration::from_secs(1), go(&bucket)).await;
        assert!(probe.is_ok());
    }

    #[test]
    fn one_identity_one_bucket() {
        let (a, b) = (Pacer::default(), Pacer::default());
        assert!(Arc::ptr_eq(&a.bucket("token-1"), &b.bucket("token-1")));
        assert!(!Arc::ptr_eq(&a.bucket("token-1"), &a.bucket("token-2")));
    }
}

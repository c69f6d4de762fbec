//! Fixed-window rate limiting per caller, `X-RateLimit-*` headers, and detection of early retries
//! (a caller coming back before the `Retry-After` it was given has elapsed).
//!
//! An early retry is counted per caller **and operation**: the same token calling the same
//! operation again too soon. A concurrent request of another operation may already have been on
//! the wire when the 429 went out, so counting it would make a correct client look guilty at
//! random; the price is that a client that ignores `Retry-After` only across operations is not
//! caught here.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::clock::later;
use crate::config::RateLimit;

#[derive(Debug, Clone)]
struct Window {
    start: DateTime<Utc>,
    count: u32,
}

/// The limiter's verdict for one request (values for the headers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// `X-RateLimit-Limit`.
    pub limit: u32,
    /// `X-RateLimit-Remaining`.
    pub remaining: u32,
    /// `X-RateLimit-Reset` (seconds until the window resets).
    pub reset_secs: u64,
    /// Whether the request is over budget (answer 429, `Retry-After = reset_secs`).
    pub limited: bool,
}

/// Windows per caller. Callers are issued tokens (bounded by what the token endpoint handed
/// out) plus one shared key for every unauthenticated request, so memory does not grow with
/// bogus credentials.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    windows: HashMap<String, Window>,
    /// `Retry-After` deadlines by retry key (caller and operation).
    waits: HashMap<String, DateTime<Utc>>,
}

impl RateLimiter {
    fn window(&mut self, caller: &str, now: DateTime<Utc>, limit: RateLimit) -> &mut Window {
        let w = self.windows.entry(caller.to_owned()).or_insert(Window {
            start: now,
            count: 0,
        });
        if now >= later(w.start, limit.window) {
            w.start = now;
            w.count = 0;
        }
        w
    }

    /// Records an arrival under `retry_key` (caller and operation); true when it is an early retry.
    pub(crate) fn arrive(&mut self, retry_key: &str, now: DateTime<Utc>) -> bool {
        match self.waits.get(retry_key) {
            Some(t) if now < *t => true,
            Some(_) => {
                self.waits.remove(retry_key);
                false
            }
            None => false,
        }
    }

    /// Counts the request against the caller's budget.
    pub(crate) fn admit(&mut self, caller: &str, now: DateTime<Utc>, limit: RateLimit) -> Verdict {
        let w = self.window(caller, now, limit);
        let ends = later(w.start, limit.window);
        let left_ms = (ends - now).num_milliseconds().max(0) as u64;
        let reset_secs = left_ms.div_ceil(1000).max(1);
        if w.count >= limit.requests {
            return Verdict {
                limit: limit.requests,
                remaining: 0,
                reset_secs,
                limited: true,
            };
        }
        w.count += 1;
        Verdict {
            limit: limit.requests,
            remaining: limit.requests - w.count,
            reset_secs,
            limited: false,
        }
    }

    /// How many identities (windows and `Retry-After` deadlines) are held.
    pub(crate) fn tracked(&self) -> usize {
        self.windows.len() + self.waits.len()
    }

    /// Remembers that `retry_key` (caller and operation) was told to wait `secs` seconds.
    pub(crate) fn told_to_wait(&mut self, retry_key: &str, now: DateTime<Utc>, secs: u64) {
        let until = later(now, std::time::Duration::from_secs(secs));
        let entry = self.waits.entry(retry_key.to_owned()).or_insert(until);
        *entry = (*entry).max(until);
    }
}

//! Fixed-window rate limiting per caller, `X-RateLimit-*` headers, and detection of early retries
//! (a caller coming back before the `Retry-After` it was given has elapsed).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::clock::later;
use crate::config::RateLimit;

#[derive(Debug, Clone)]
struct Window {
    start: DateTime<Utc>,
    count: u32,
    retry_not_before: Option<DateTime<Utc>>,
}

/// The limiter's verdict for one request (values for the headers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// `X-RateLimit-Limit`.
    pub limit: u32,
    /// `X-RateLimit-Remaining`.
    pub remaining: u32,
    /// `X-RateLimit-Reset` (seconds until the window resets).
    pub reset_secs: u64,
    /// Whether the request is over budget (answer 429, `Retry-After = reset_secs`).
    pub limited: bool,
}

/// Windows per caller.
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: HashMap<String, Window>,
}

impl RateLimiter {
    fn window(&mut self, caller: &str, now: DateTime<Utc>, limit: RateLimit) -> &mut Window {
        let w = self.windows.entry(caller.to_owned()).or_insert(Window {
            start: now,
            count: 0,
            retry_not_before: None,
        });
        if now >= later(w.start, limit.window) {
            w.start = now;
            w.count = 0;
        }
        w
    }

    /// Records an arrival; true when it is an early retry.
    pub fn arrive(&mut self, caller: &str, now: DateTime<Utc>) -> bool {
        let Some(w) = self.windows.get_mut(caller) else {
            return false;
        };
        match w.retry_not_before {
            Some(t) if now < t => true,
            Some(_) => {
                w.retry_not_before = None;
                false
            }
            None => false,
        }
    }

    /// Counts the request against the caller's budget.
    pub fn admit(&mut self, caller: &str, now: DateTime<Utc>, limit: RateLimit) -> Verdict {
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

    /// Remembers that `caller` was told to wait `secs` seconds.
    pub fn told_to_wait(&mut self, caller: &str, now: DateTime<Utc>, secs: u64, limit: RateLimit) {
        let until = now + chrono::Duration::seconds(secs as i64);
        let w = self.window(caller, now, limit);
        w.retry_not_before = Some(w.retry_not_before.map_or(until, |t| t.max(until)));
    }
}

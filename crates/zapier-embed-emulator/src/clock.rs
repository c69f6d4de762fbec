//! The emulator clock: wall-clock time plus an offset that tests can move forward.
//!
//! Every time-dependent rule (inbox activation, lease expiry, token expiry, action-run completion,
//! rate-limit windows) reads this clock, never [`Utc::now`] directly, so that
//! `POST /_emulator/clock/advance` can test a one-hour lease in milliseconds. Real time keeps
//! flowing underneath: an inbox created with the default 300 ms activation delay becomes active by
//! itself, exactly as a client polling the real service would observe.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

/// A monotonic-forward clock: `now() = wall clock + offset`, where the offset only grows.
///
/// ```
/// use std::time::Duration;
/// use zapier_embed_emulator::Clock;
///
/// let clock = Clock::default();
/// let before = clock.now();
/// clock.advance(Duration::from_secs(3600));
/// assert!(clock.now() - before >= chrono::Duration::seconds(3600));
/// ```
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    /// The current emulator time.
    ///
    /// ```
    /// let clock = zapier_embed_emulator::Clock::default();
    /// let wall = chrono::Utc::now();
    /// assert!(clock.now() >= wall);
    /// ```
    pub fn now(&self) -> DateTime<Utc> {
        let offset = chrono::Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst));
        Utc::now()
            .checked_add_signed(offset)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Moves the clock forward by `by` and returns the new time.
    ///
    /// ```
    /// use std::time::Duration;
    /// let clock = zapier_embed_emulator::Clock::default();
    /// let then = clock.advance(Duration::from_secs(60));
    /// assert!(then >= chrono::Utc::now() + chrono::Duration::seconds(59));
    /// ```
    pub fn advance(&self, by: Duration) -> DateTime<Utc> {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        // Saturate rather than wrap: a wrapped offset would move time backwards.
        let _ = self
            .offset_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |cur| {
                Some(cur.saturating_add(ms))
            });
        self.now()
    }

    /// Puts the clock back on wall-clock time (used by `POST /_emulator/reset`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let clock = zapier_embed_emulator::Clock::default();
    /// clock.advance(Duration::from_secs(86_400));
    /// clock.reset();
    /// assert!(clock.now() < chrono::Utc::now() + chrono::Duration::hours(1));
    /// ```
    pub fn reset(&self) {
        self.offset_ms.store(0, Ordering::SeqCst);
    }
}

/// Formats a timestamp the way the Trigger Inbox API does: ISO 8601, UTC, milliseconds, `Z`.
pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `t + d`, saturating at the largest representable time instead of panicking, so an absurd
/// configuration (a token TTL of `u64::MAX` seconds) means "never" rather than a crash.
pub fn later(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| t.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn iso_has_milliseconds_and_z() {
        let t = Utc.with_ymd_and_hms(2026, 3, 12, 16, 59, 47).unwrap();
        assert_eq!(iso(t), "2026-03-12T16:59:47.000Z");
    }

    #[test]
    fn later_saturates() {
        let far = later(Utc::now(), Duration::from_secs(u64::MAX));
        assert_eq!(far, DateTime::<Utc>::MAX_UTC);
    }
}

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
        Self::at(self.offset_ms.load(Ordering::SeqCst))
    }

    /// The latest time the clock shows: `9999-01-01T00:00:00Z`. It stays a year short of the
    /// last four-digit year so that every time derived from it (a one-hour lease, a token's
    /// expiry) is still later than `now` and still formats as ISO 8601 with a four-digit year.
    pub fn ceiling() -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(253_370_764_800, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Wall clock plus `offset_ms`, clamped to [`Clock::ceiling`].
    fn at(offset_ms: i64) -> DateTime<Utc> {
        Utc::now()
            .checked_add_signed(chrono::Duration::milliseconds(offset_ms))
            .map_or_else(Self::ceiling, |t| t.min(Self::ceiling()))
    }

    /// Moves the clock forward by `by` and returns the new time; it saturates at
    /// [`Clock::ceiling`] (see [`Clock::try_advance`] to be told instead).
    ///
    /// ```
    /// use std::time::Duration;
    /// let clock = zapier_embed_emulator::Clock::default();
    /// let then = clock.advance(Duration::from_secs(60));
    /// assert!(then >= chrono::Utc::now() + chrono::Duration::seconds(59));
    /// ```
    pub fn advance(&self, by: Duration) -> DateTime<Utc> {
        let _ = self
            .offset_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |cur| {
                Some(Self::capped(cur.saturating_add(millis(by))))
            });
        self.now()
    }

    /// Moves the clock forward by `by` unless that would pass [`Clock::ceiling`]; `None` (and the
    /// clock unchanged) when it would. `POST /_emulator/clock/advance` answers `400` then.
    ///
    /// ```
    /// use std::time::Duration;
    /// let clock = zapier_embed_emulator::Clock::default();
    /// assert!(clock.try_advance(Duration::from_secs(60)).is_some());
    /// assert!(clock.try_advance(Duration::from_secs(u64::MAX)).is_none());
    /// ```
    pub fn try_advance(&self, by: Duration) -> Option<DateTime<Utc>> {
        self.offset_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |cur| {
                let next = cur.checked_add(millis(by))?;
                (next <= Self::capped(next)).then_some(next)
            })
            .ok()
            .map(|_| self.now())
    }

    /// The largest offset not beyond the ceiling (as of now): the offset stays meaningful, so
    /// time keeps flowing once the wall clock moves on, and never runs into `i64` overflow.
    fn capped(offset_ms: i64) -> i64 {
        let room = (Self::ceiling() - Utc::now()).num_milliseconds();
        offset_ms.min(room)
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

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Formats a timestamp the way the Trigger Inbox API does: ISO 8601, UTC, milliseconds, `Z`.
pub(crate) fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `t + d`, saturating at the largest representable time instead of panicking, so an absurd
/// configuration (a token TTL of `u64::MAX` seconds) means "never" rather than a crash.
pub(crate) fn later(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
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
    fn the_clock_stops_at_its_ceiling_and_tokens_issued_there_still_live() {
        let clock = Clock::default();
        for _ in 0..100 {
            clock.advance(Duration::from_secs(u64::MAX / 2));
        }
        let now = clock.now();
        assert!(now <= Clock::ceiling() && Clock::ceiling() - now < chrono::Duration::seconds(1));
        assert!(later(now, Duration::from_secs(3600)) > now);
        assert!(iso(later(now, Duration::from_secs(3600))).starts_with("9999-"));
        assert!(clock.try_advance(Duration::from_secs(1)).is_none());
    }

    #[test]
    fn later_saturates() {
        let far = later(Utc::now(), Duration::from_secs(u64::MAX));
        assert_eq!(far, DateTime::<Utc>::MAX_UTC);
    }
}

//! A handler's time budget, derived from its lease.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::Instant;

/// The moment by which a message must be settled for the settlement to reach the server before the
/// lease lapses: the lease expiry minus a safety margin.
///
/// It is computed on the local monotonic clock from the moment the lease request was *sent*, plus
/// the lease length, so that it never runs later than the server's expiry even when the local and
/// server clocks disagree; when the server states `leased_until` and that is earlier, the earlier
/// one wins.
///
/// ```
/// use std::time::Duration;
/// use zapier_embed::consumer::Deadline;
///
/// let deadline = Deadline::after(Duration::from_secs(30));
/// assert!(!deadline.is_past());
/// assert!(deadline.remaining() <= Duration::from_secs(30));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    at: Instant,
    leased_until: Option<DateTime<Utc>>,
}

impl Deadline {
    /// A deadline `budget` from now (for tests and for callers that budget their own work).
    ///
    /// ```
    /// let deadline = zapier_embed::consumer::Deadline::after(std::time::Duration::from_secs(1));
    /// assert!(!deadline.is_past());
    /// ```
    pub fn after(budget: Duration) -> Self {
        Deadline {
            at: saturating_after(Instant::now(), budget),
            leased_until: None,
        }
    }

    /// The deadline of a lease whose request was sent at `sent`.
    pub(crate) fn for_lease(
        sent: Instant,
        lease_length: Duration,
        server_leased_until: Option<DateTime<Utc>>,
        margin: Duration,
    ) -> Self {
        let mut expiry = saturating_after(sent, lease_length);
        if let Some(until) = server_leased_until {
            // Map the server's wall-clock expiry onto the monotonic clock, now. It can only
            // shorten the deadline: a `leased_until` centuries ahead changes nothing.
            let left = (until - Utc::now()).to_std().unwrap_or(Duration::ZERO);
            expiry = expiry.min(saturating_after(Instant::now(), left));
        }
        Deadline {
            at: expiry.checked_sub(margin).unwrap_or(sent),
            leased_until: server_leased_until,
        }
    }

    /// The deadline as a tokio instant (for `tokio::time::timeout_at`).
    ///
    /// ```
    /// # let deadline = zapier_embed::consumer::Deadline::after(std::time::Duration::from_secs(5));
    /// # async fn work() {}
    /// # async {
    /// let finished = tokio::time::timeout_at(deadline.instant(), work()).await;
    /// # };
    /// ```
    pub fn instant(&self) -> Instant {
        self.at
    }

    /// Time left until the deadline (zero once past).
    ///
    /// ```
    /// let deadline = zapier_embed::consumer::Deadline::after(std::time::Duration::from_secs(5));
    /// assert!(deadline.remaining() <= std::time::Duration::from_secs(5));
    /// ```
    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// Whether the deadline has passed.
    ///
    /// ```
    /// let deadline = zapier_embed::consumer::Deadline::after(std::time::Duration::ZERO);
    /// assert!(deadline.is_past());
    /// ```
    pub fn is_past(&self) -> bool {
        Instant::now() >= self.at
    }

    /// The server's `leased_until`, when it stated one (variant A).
    ///
    /// ```
    /// let deadline = zapier_embed::consumer::Deadline::after(std::time::Duration::from_secs(5));
    /// assert_eq!(deadline.leased_until(), None);
    /// ```
    pub fn leased_until(&self) -> Option<DateTime<Utc>> {
        self.leased_until
    }
}

impl fmt::Debug for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deadline")
            .field("remaining", &self.remaining())
            .field("leased_until", &self.leased_until)
            .finish()
    }
}

/// `from + wait`, or a year after `from` when `wait` is longer: a configured or server-sent wait
/// can be as large as `Duration::MAX`, which would overflow the clock.
pub(crate) fn saturating_after(from: Instant, wait: Duration) -> Instant {
    const FAR: Duration = Duration::from_secs(365 * 24 * 3600);
    from + wait.min(FAR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn budget_counts_from_the_request_and_keeps_the_margin() {
        let sent = Instant::now();
        tokio::time::advance(Duration::from_secs(1)).await;
        let d = Deadline::for_lease(sent, Duration::from_secs(30), None, Duration::from_secs(3));
        assert_eq!(d.remaining(), Duration::from_secs(26));
    }

    #[tokio::test(start_paused = true)]
    async fn an_earlier_server_expiry_wins() {
        let sent = Instant::now();
        let until = Utc::now() + chrono::Duration::seconds(10);
        let d = Deadline::for_lease(sent, Duration::from_secs(300), Some(until), Duration::ZERO);
        assert!(d.remaining() <= Duration::from_secs(10));
        // A later server expiry (a server clock ahead of ours) does not extend the budget.
        let until = Utc::now() + chrono::Duration::hours(5);
        let d = Deadline::for_lease(sent, Duration::from_secs(60), Some(until), Duration::ZERO);
        assert_eq!(d.remaining(), Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn absurd_lengths_and_expiries_saturate_instead_of_panicking() {
        let sent = Instant::now();
        let d = Deadline::for_lease(
            sent,
            Duration::MAX,
            Some(DateTime::<Utc>::MAX_UTC),
            Duration::MAX,
        );
        assert!(
            d.is_past(),
            "a margin longer than the lease leaves no budget"
        );
        let d = Deadline::for_lease(
            sent,
            Duration::MAX,
            Some(DateTime::<Utc>::MAX_UTC),
            Duration::ZERO,
        );
        assert!(d.remaining() > Duration::from_secs(3600));
        let d = Deadline::for_lease(
            sent,
            Duration::from_secs(5),
            Some(DateTime::<Utc>::MIN_UTC),
            Duration::ZERO,
        );
        assert!(d.is_past(), "an expiry in the past leaves no budget");
        assert!(!Deadline::after(Duration::MAX).is_past());
    }
}

//! Jittered exponential backoff between a floor and a ceiling.

use std::time::Duration;

use crate::call::half_jitter;

/// Doubles from `floor` to `ceiling`; each delay is drawn uniformly from its upper half, so that
/// many consumers that failed together do not retry together.
#[derive(Clone, Debug)]
pub(crate) struct Backoff {
    floor: Duration,
    ceiling: Duration,
    current: Duration,
}

impl Backoff {
    pub(super) fn new(floor: Duration, ceiling: Duration) -> Self {
        let ceiling = ceiling.max(floor);
        Backoff {
            floor,
            ceiling,
            current: floor,
        }
    }

    /// The next delay, then doubles (up to the ceiling).
    pub(super) fn next(&mut self) -> Duration {
        let base = self.current;
        self.current = self.current.saturating_mul(2).min(self.ceiling);
        half_jitter(base)
    }

    /// Back to the floor (after a success).
    pub(super) fn reset(&mut self) {
        self.current = self.floor;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_the_ceiling_within_jitter_bounds() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(1000));
        let mut expected = Duration::from_millis(100);
        for _ in 0..8 {
            let d = b.next();
            assert!(d >= expected / 2 && d <= expected, "{d:?} vs {expected:?}");
            expected = (expected * 2).min(Duration::from_millis(1000));
        }
        b.reset();
        assert!(b.next() <= Duration::from_millis(100));
    }
}

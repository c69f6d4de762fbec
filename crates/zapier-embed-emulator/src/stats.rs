//! Counters behind `GET /_emulator/stats`. Atomics, so recording never takes the store lock.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::models::control::StatsSnapshot;
use crate::queue::QueueCounters;

/// Live counters.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    enqueued: AtomicU64,
    leased: AtomicU64,
    acked: AtomicU64,
    released: AtomicU64,
    expired: AtomicU64,
    quarantined: AtomicU64,
    dropped_while_paused: AtomicU64,
    pub(crate) lease_requests: AtomicU64,
    pub(crate) ack_requests: AtomicU64,
    pub(crate) release_requests: AtomicU64,
    pub(crate) early_retries: AtomicU64,
    pub(crate) notifications_sent: AtomicU64,
    pub(crate) notifications_failed: AtomicU64,
    pub(crate) callbacks_delivered: AtomicU64,
    pub(crate) callbacks_failed: AtomicU64,
    pub(crate) callback_retries: AtomicU64,
    by_status: Mutex<BTreeMap<String, u64>>,
}

/// Adds one to a counter.
pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Stats {
    /// Folds a queue's counters in.
    pub(crate) fn add_queue(&self, c: QueueCounters) {
        self.enqueued.fetch_add(c.enqueued, Ordering::Relaxed);
        self.leased.fetch_add(c.leased, Ordering::Relaxed);
        self.acked.fetch_add(c.acked, Ordering::Relaxed);
        self.released.fetch_add(c.released, Ordering::Relaxed);
        self.expired.fetch_add(c.expired, Ordering::Relaxed);
        self.quarantined.fetch_add(c.quarantined, Ordering::Relaxed);
    }

    /// Counts events dropped by paused inboxes.
    pub(crate) fn add_dropped(&self, n: u64) {
        self.dropped_while_paused.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts one answered API request under its status (or `dropped`).
    pub(crate) fn record_status(&self, key: &str) {
        let mut map = self.by_status.lock().unwrap_or_else(|p| p.into_inner());
        *map.entry(key.to_owned()).or_default() += 1;
    }

    /// A consistent-enough copy for reporting.
    pub(crate) fn snapshot(&self) -> StatsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsSnapshot {
            messages_enqueued: get(&self.enqueued),
            messages_leased: get(&self.leased),
            messages_acked: get(&self.acked),
            messages_released: get(&self.released),
            messages_expired: get(&self.expired),
            messages_quarantined: get(&self.quarantined),
            messages_dropped_while_paused: get(&self.dropped_while_paused),
            lease_requests: get(&self.lease_requests),
            ack_requests: get(&self.ack_requests),
            release_requests: get(&self.release_requests),
            requests_by_status: self
                .by_status
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
            early_retries: get(&self.early_retries),
            notifications_sent: get(&self.notifications_sent),
            notifications_failed: get(&self.notifications_failed),
            callbacks_delivered: get(&self.callbacks_delivered),
            callbacks_failed: get(&self.callbacks_failed),
            callback_retries: get(&self.callback_retries),
            rate_limit_keys: 0,
        }
    }

    /// Zeroes everything.
    pub(crate) fn reset(&self) {
        for c in [
            &self.enqueued,
            &self.leased,
            &self.acked,
            &self.released,
            &self.expired,
            &self.quarantined,
            &self.dropped_while_paused,
            &self.lease_requests,
            &self.ack_requests,
            &self.release_requests,
            &self.early_retries,
            &self.notifications_sent,
            &self.notifications_failed,
        ] {
            c.store(0, Ordering::Relaxed);
        }
        self.by_status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

//! Fault injection: errors, dropped connections, latency and 429 bursts, per route or global.
//!
//! Decisions draw from a seeded [`StdRng`], and only when a rate is non-zero, so a given seed and
//! request sequence always injects the same faults.

use std::time::Duration;

use axum::http::StatusCode;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::error::{ApiError, ApiResult};
use crate::models::control::{FaultRequest, FaultRule, FaultsState};

/// Largest `retry_after_secs` a rule may ask for (one day): longer waits are no test's intent,
/// and an unbounded one would overflow the time arithmetic of early-retry detection.
pub(crate) const MAX_RETRY_AFTER_SECS: u64 = 86_400;

/// Largest `latency_ms` a rule may add (one minute), so a rule cannot park requests for years.
pub(crate) const MAX_LATENCY_MS: u64 = 60_000;

#[derive(Debug, Clone)]
struct Installed {
    rule: FaultRule,
    burst_left: u32,
}

/// What to do to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultAction {
    /// Serve normally.
    Pass,
    /// Answer with this 5xx status.
    Error(StatusCode),
    /// Close the connection without a response.
    Drop,
    /// Answer 429 with this `Retry-After`.
    Burst(u64),
}

/// The installed faults and their RNG.
#[derive(Debug)]
pub(crate) struct Faults {
    seed: u64,
    rng: StdRng,
    rules: Vec<Installed>,
}

impl Faults {
    /// No faults, RNG seeded with `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            seed,
            rng: StdRng::seed_from_u64(seed),
            rules: Vec::new(),
        }
    }

    /// Adds a rule (and re-seeds when the request carries a seed).
    pub(crate) fn add(&mut self, req: FaultRequest) -> ApiResult<FaultsState> {
        let r = &req.rule;
        for (name, v) in [("error_rate", r.error_rate), ("drop_rate", r.drop_rate)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(ApiError::validation(
                    &format!("/{name}"),
                    format!("{name}: must be between 0 and 1."),
                ));
            }
        }
        if !(500..=599).contains(&r.error_status) {
            return Err(ApiError::validation(
                "/error_status",
                "error_status: must be a 5xx status.",
            ));
        }
        if r.retry_after_secs > MAX_RETRY_AFTER_SECS {
            return Err(ApiError::validation(
                "/retry_after_secs",
                format!("retry_after_secs: must be at most {MAX_RETRY_AFTER_SECS}."),
            ));
        }
        if r.latency_ms > MAX_LATENCY_MS {
            return Err(ApiError::validation(
                "/latency_ms",
                format!("latency_ms: must be at most {MAX_LATENCY_MS}."),
            ));
        }
        if r.route.as_deref().is_some_and(str::is_empty) {
            return Err(ApiError::validation(
                "/route",
                "route: must be an operation id or a path prefix starting with `/`.",
            ));
        }
        if req.seed.is_some_and(|s| s > crate::extract::MAX_OFFSET) {
            return Err(ApiError::validation(
                "/seed",
                format!("seed: must be at most {}.", crate::extract::MAX_OFFSET),
            ));
        }
        if let Some(seed) = req.seed {
            self.seed = seed;
            self.rng = StdRng::seed_from_u64(seed);
        }
        self.rules.push(Installed {
            burst_left: req.rule.rate_limit_burst,
            rule: req.rule,
        });
        Ok(self.state())
    }

    /// Removes every rule and rewinds the RNG to the seed.
    pub(crate) fn clear(&mut self) -> FaultsState {
        self.rules.clear();
        self.rng = StdRng::seed_from_u64(self.seed);
        self.state()
    }

    /// The installed rules.
    pub(crate) fn state(&self) -> FaultsState {
        FaultsState {
            seed: self.seed,
            rules: self.rules.iter().map(|i| i.rule.clone()).collect(),
        }
    }

    /// Decides latency and action for a request to `path` (operation `operation`, if known).
    pub(crate) fn decide(
        &mut self,
        operation: Option<&str>,
        path: &str,
    ) -> (Duration, FaultAction) {
        let mut latency = 0u64;
        let mut action = FaultAction::Pass;
        for inst in &mut self.rules {
            let matches = match inst.rule.route.as_deref() {
                None => true,
                Some(r) if r.starts_with('/') => path.starts_with(r),
                Some(r) => operation == Some(r),
            };
            if !matches {
                continue;
            }
            latency = latency.max(inst.rule.latency_ms);
            if action != FaultAction::Pass {
                continue;
            }
            if inst.burst_left > 0 {
                inst.burst_left -= 1;
                action = FaultAction::Burst(inst.rule.retry_after_secs);
            } else if inst.rule.drop_rate > 0.0 && self.rng.random::<f64>() < inst.rule.drop_rate {
                action = FaultAction::Drop;
            } else if inst.rule.error_rate > 0.0 && self.rng.random::<f64>() < inst.rule.error_rate
            {
                action = FaultAction::Error(
                    StatusCode::from_u16(inst.rule.error_status)
                        .unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
                );
            }
        }
        (Duration::from_millis(latency), action)
    }
}

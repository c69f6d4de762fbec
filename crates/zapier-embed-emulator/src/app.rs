//! Shared server state handed to every handler.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::config::EmulatorConfig;
use crate::correlations::Correlations;
use crate::faults::Faults;
use crate::notify::NotifyHub;
use crate::ratelimit::RateLimiter;
use crate::state::Store;
use crate::stats::Stats;

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: EmulatorConfig,
    pub(crate) clock: Clock,
    pub(crate) store: Mutex<Store>,
    pub(crate) stats: Stats,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) limiter: Mutex<RateLimiter>,
    /// Correlation and causation ids received (control view only).
    pub(crate) correlations: Mutex<Correlations>,
    pub(crate) hub: NotifyHub,
    pub(crate) http: reqwest::Client,
    /// `(METHOD, route template)` → canonical operation id, for fault matching.
    pub(crate) operations: OnceLock<HashMap<(String, String), String>>,
    /// The emulator's own OpenAPI document, serialised once.
    pub(crate) openapi_json: OnceLock<String>,
    /// The action-run callback signing key, generated on first use.
    pub(crate) signer: OnceLock<crate::callbacks::Signer>,
}

/// Cheap-to-clone handle on [`Shared`] (the axum state).
#[derive(Debug, Clone)]
pub(crate) struct AppState(pub(crate) Arc<Shared>);

/// Locks a mutex, recovering from poisoning: a panicked handler must not wedge the emulator.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AppState {
    pub(crate) fn new(config: EmulatorConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(config.notification_timeout)
            // A redirect could lead a notification back into the control API.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        AppState(Arc::new(Shared {
            clock: Clock::default(),
            store: Mutex::new(Store::new(config.clone())),
            stats: Stats::default(),
            faults: Mutex::new(Faults::new(config.fault_seed)),
            limiter: Mutex::new(RateLimiter::default()),
            correlations: Mutex::new(Correlations::default()),
            hub: NotifyHub::default(),
            http,
            operations: OnceLock::new(),
            openapi_json: OnceLock::new(),
            signer: OnceLock::new(),
            config,
        }))
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.0.store)
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.0.clock.now()
    }
}

//! Emulator configuration (what `Emulator::builder()` and `zembed emulator serve` set).

use std::net::SocketAddr;
use std::time::Duration;

/// A fixed-window request budget per caller: per issued bearer token; every request without a
/// token the emulator issued shares one budget.
///
/// ```
/// use std::time::Duration;
/// use zapier_embed_emulator::RateLimit;
/// let limit = RateLimit { requests: 150, window: Duration::from_secs(60) };
/// assert_eq!(limit.requests, 150);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub requests: u32,
    /// Window length; `Retry-After` counts the whole seconds left in it.
    pub window: Duration,
}

impl RateLimit {
    /// The budget used when none is configured: high enough never to trigger in practice, but
    /// still reported in the `X-RateLimit-*` headers so clients parse real values.
    ///
    /// ```
    /// use zapier_embed_emulator::{EmulatorConfig, RateLimit};
    /// assert_eq!(RateLimit::UNLIMITED.requests, 1_000_000);
    /// assert_eq!(EmulatorConfig::default().rate_limit, None); // reported as UNLIMITED
    /// ```
    pub const UNLIMITED: RateLimit = RateLimit {
        requests: 1_000_000,
        window: Duration::from_secs(60),
    };
}

/// Every knob of the emulator. Build it with [`crate::Emulator::builder`].
///
/// ```
/// let config = zapier_embed_emulator::EmulatorConfig::default();
/// assert_eq!(config.token_ttl.as_secs(), 3600);
/// assert_eq!(config.activation_delay.as_millis(), 300);
/// ```
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Address to bind (default `127.0.0.1:0`, an ephemeral port).
    pub addr: SocketAddr,
    /// Time from create/resume to `active` (or `initialization_failure`), on the emulator clock.
    pub activation_delay: Duration,
    /// Time an inbox stays `deleting` before it is gone (404).
    pub deletion_delay: Duration,
    /// Time an action run stays `waiting` before it settles.
    pub action_run_delay: Duration,
    /// Lifetime of access tokens (`expires_in`).
    pub token_ttl: Duration,
    /// Known OAuth clients; empty accepts any non-empty id/secret, each id being its own user.
    pub clients: Vec<(String, String)>,
    /// Optional request budget; `None` reports [`RateLimit::UNLIMITED`].
    pub rate_limit: Option<RateLimit>,
    /// The partner-JWT claim naming the tenant (default `org_id`).
    pub tenant_claim: String,
    /// Interval between SSE `: keep-alive` comments.
    pub keep_alive_interval: Duration,
    /// Timeout of each `notification_url` POST.
    pub notification_timeout: Duration,
    /// Seed of the fault-injection RNG (settable again through `POST /_emulator/faults`).
    pub fault_seed: u64,
    /// How many acked messages each inbox keeps listable (oldest are forgotten first).
    pub acked_retention: usize,
    /// Largest request body read, in bytes (default 2 MiB); larger ones answer `413`.
    pub max_body_bytes: usize,
    /// Whether action-run `callback_url`s may name a loopback host over `http` (default `false`:
    /// `https` and public addresses only, as Zapier requires). For tests that receive callbacks
    /// on their own machine.
    pub allow_loopback_callbacks: bool,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            activation_delay: Duration::from_millis(300),
            deletion_delay: Duration::from_millis(300),
            action_run_delay: Duration::from_millis(300),
            token_ttl: Duration::from_secs(3600),
            clients: Vec::new(),
            rate_limit: None,
            tenant_claim: "org_id".to_owned(),
            keep_alive_interval: Duration::from_secs(15),
            notification_timeout: Duration::from_secs(5),
            fault_seed: 0,
            acked_retention: 10_000,
            max_body_bytes: 2 * 1024 * 1024,
            allow_loopback_callbacks: false,
        }
    }
}

//! [`EmulatorBuilder`]: an [`Emulator`]'s configuration, one setting at a time.

use std::net::SocketAddr;
use std::time::Duration;

use crate::config::{EmulatorConfig, RateLimit};
use crate::handle::{EmulatorHandle, StartError};
use crate::server::Emulator;

/// Configures an [`Emulator`].
///
/// ```
/// use std::time::Duration;
/// let emulator = zapier_embed_emulator::Emulator::builder()
///     .activation_delay(Duration::from_millis(50))
///     .token_ttl(Duration::from_secs(600))
///     .client("my-client", "my-secret")
///     .rate_limit(150, Duration::from_secs(60))
///     .tenant_claim("org_id")
///     .build();
/// assert_eq!(emulator.config().clients.len(), 1);
/// ```
#[derive(Debug, Clone, Default)]
pub struct EmulatorBuilder {
    config: EmulatorConfig,
}

impl EmulatorBuilder {
    /// Address to bind (default `127.0.0.1:0`).
    ///
    /// ```
    /// let addr: std::net::SocketAddr = "127.0.0.1:8787".parse().unwrap();
    /// let emulator = zapier_embed_emulator::Emulator::builder().addr(addr).build();
    /// assert_eq!(emulator.config().addr.port(), 8787);
    /// ```
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.config.addr = addr;
        self
    }

    /// Create/resume → `active` delay (default 300 ms).
    ///
    /// ```
    /// use std::time::Duration;
    /// let emulator = zapier_embed_emulator::Emulator::builder().activation_delay(Duration::ZERO).build();
    /// assert_eq!(emulator.config().activation_delay, Duration::ZERO);
    /// ```
    pub fn activation_delay(mut self, d: Duration) -> Self {
        self.config.activation_delay = d;
        self
    }

    /// `deleting` → gone delay (default 300 ms).
    ///
    /// ```
    /// use std::time::Duration;
    /// let emulator = zapier_embed_emulator::Emulator::builder().deletion_delay(Duration::ZERO).build();
    /// assert_eq!(emulator.config().deletion_delay, Duration::ZERO);
    /// ```
    pub fn deletion_delay(mut self, d: Duration) -> Self {
        self.config.deletion_delay = d;
        self
    }

    /// `waiting` → settled delay of action runs (default 300 ms).
    ///
    /// ```
    /// use std::time::Duration;
    /// let emulator = zapier_embed_emulator::Emulator::builder()
    ///     .action_run_delay(Duration::from_secs(2))
    ///     .build();
    /// assert_eq!(emulator.config().action_run_delay, Duration::from_secs(2));
    /// ```
    pub fn action_run_delay(mut self, d: Duration) -> Self {
        self.config.action_run_delay = d;
        self
    }

    /// Access-token lifetime (default 3600 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// let emulator = zapier_embed_emulator::Emulator::builder().token_ttl(Duration::from_secs(60)).build();
    /// assert_eq!(emulator.config().token_ttl.as_secs(), 60);
    /// ```
    pub fn token_ttl(mut self, d: Duration) -> Self {
        self.config.token_ttl = d;
        self
    }

    /// Adds a known OAuth client; once any is added, only known clients get tokens.
    ///
    /// ```
    /// let emulator = zapier_embed_emulator::Emulator::builder()
    ///     .client("my-client", "my-secret")
    ///     .build();
    /// assert_eq!(emulator.config().clients, [("my-client".to_owned(), "my-secret".to_owned())]);
    /// ```
    pub fn client(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.config.clients.push((id.into(), secret.into()));
        self
    }

    /// Limits each caller to `requests` per `window`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zapier_embed_emulator::RateLimit;
    /// let emulator = zapier_embed_emulator::Emulator::builder()
    ///     .rate_limit(150, Duration::from_secs(60))
    ///     .build();
    /// assert_eq!(
    ///     emulator.config().rate_limit,
    ///     Some(RateLimit { requests: 150, window: Duration::from_secs(60) })
    /// );
    /// ```
    pub fn rate_limit(mut self, requests: u32, window: Duration) -> Self {
        self.config.rate_limit = Some(RateLimit { requests, window });
        self
    }

    /// Partner-JWT tenant claim (default `org_id`).
    ///
    /// ```
    /// let emulator = zapier_embed_emulator::Emulator::builder().tenant_claim("account_id").build();
    /// assert_eq!(emulator.config().tenant_claim, "account_id");
    /// ```
    pub fn tenant_claim(mut self, claim: impl Into<String>) -> Self {
        self.config.tenant_claim = claim.into();
        self
    }

    /// SSE keep-alive interval (default 15 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// let emulator = zapier_embed_emulator::Emulator::builder()
    ///     .keep_alive_interval(Duration::from_millis(50))
    ///     .build();
    /// assert_eq!(emulator.config().keep_alive_interval.as_millis(), 50);
    /// ```
    pub fn keep_alive_interval(mut self, d: Duration) -> Self {
        self.config.keep_alive_interval = d;
        self
    }

    /// `notification_url` POST timeout (default 5 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// let emulator = zapier_embed_emulator::Emulator::builder()
    ///     .notification_timeout(Duration::from_secs(1))
    ///     .build();
    /// assert_eq!(emulator.config().notification_timeout.as_secs(), 1);
    /// ```
    pub fn notification_timeout(mut self, d: Duration) -> Self {
        self.config.notification_timeout = d;
        self
    }

    /// Accepts action-run `callback_url`s on a loopback host (`127.0.0.0/8`, `::1`, `localhost`),
    /// over `http` or `https`, so that a test can receive the callbacks on its own machine. Off by
    /// default: like Zapier, the emulator then accepts only `https` URLs that name no private,
    /// loopback or link-local address. The control API stays out of reach either way.
    ///
    /// ```
    /// let emulator = zapier_embed_emulator::Emulator::builder().allow_loopback_callbacks().build();
    /// assert!(emulator.config().allow_loopback_callbacks);
    /// ```
    pub fn allow_loopback_callbacks(mut self) -> Self {
        self.config.allow_loopback_callbacks = true;
        self
    }

    /// Fault RNG seed (default 0).
    ///
    /// ```
    /// let emulator = zapier_embed_emulator::Emulator::builder().fault_seed(42).build();
    /// assert_eq!(emulator.config().fault_seed, 42);
    /// ```
    pub fn fault_seed(mut self, seed: u64) -> Self {
        self.config.fault_seed = seed;
        self
    }

    /// Acked messages kept listable per inbox (default 10 000).
    ///
    /// ```
    /// let emulator = zapier_embed_emulator::Emulator::builder().acked_retention(100).build();
    /// assert_eq!(emulator.config().acked_retention, 100);
    /// ```
    pub fn acked_retention(mut self, n: usize) -> Self {
        self.config.acked_retention = n;
        self
    }

    /// Largest request body read, in bytes (default 2 MiB); larger ones answer
    /// `413 payload_too_large`.
    ///
    /// ```
    /// let emulator = zapier_embed_emulator::Emulator::builder().max_body_bytes(64 * 1024).build();
    /// assert_eq!(emulator.config().max_body_bytes, 65_536);
    /// ```
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.config.max_body_bytes = n;
        self
    }

    /// Replaces the whole configuration.
    ///
    /// ```
    /// use zapier_embed_emulator::{Emulator, EmulatorConfig};
    /// let config = EmulatorConfig { tenant_claim: "team".into(), ..EmulatorConfig::default() };
    /// assert_eq!(Emulator::builder().config(config).build().config().tenant_claim, "team");
    /// ```
    pub fn config(mut self, config: EmulatorConfig) -> Self {
        self.config = config;
        self
    }

    /// Builds the emulator without serving it.
    ///
    /// ```
    /// let emulator = zapier_embed_emulator::Emulator::builder().build();
    /// assert!(emulator.config().clients.is_empty());
    /// ```
    pub fn build(self) -> Emulator {
        Emulator::new(self.config)
    }

    /// Builds and serves it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let handle = zapier_embed_emulator::Emulator::builder().start().await.unwrap();
    /// assert_ne!(handle.addr().port(), 0);
    /// handle.shutdown().await;
    /// # }
    /// ```
    pub async fn start(self) -> Result<EmulatorHandle, StartError> {
        self.build().start().await
    }
}

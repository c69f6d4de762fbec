//! The [`Emulator`] (router + state), its builder, and the handle of a running server.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use chrono::{DateTime, Utc};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::app::AppState;
use crate::config::{EmulatorConfig, RateLimit};
use crate::error::ApiError;
use crate::models::control::{EmitRequest, StatsSnapshot};

/// Failure to start the server.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use zapier_embed_emulator::{Emulator, StartError};
/// let first = Emulator::builder().start().await.unwrap();
/// // The port is taken: a second emulator cannot bind it.
/// let err = Emulator::builder().addr(first.addr()).start().await.unwrap_err();
/// assert!(matches!(err, StartError::Bind { addr, .. } if addr == first.addr()));
/// first.shutdown().await;
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The address could not be bound.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// Requested address.
        addr: SocketAddr,
        /// Cause.
        source: std::io::Error,
    },
}

/// Events refused by [`Emulator::emit`] (an unknown app, a non-trigger action, a bad payload
/// or count); `POST /_emulator/events` answers the same refusal with this status.
///
/// ```
/// use zapier_embed_emulator::Emulator;
/// use zapier_embed_emulator::models::control::EmitRequest;
/// let emulator = Emulator::builder().build();
/// let err = emulator
///     .emit(EmitRequest {
///         app: "no-such-app".into(),
///         action: "channel_message".into(),
///         inputs: None,
///         payload: serde_json::json!({"text": "hi"}),
///         count: None,
///         possible_duplicate_data: false,
///     })
///     .unwrap_err();
/// assert_eq!(err.status(), 400);
/// assert!(err.to_string().contains("no-such-app"));
/// ```
#[derive(Debug, Clone)]
pub struct EmitError(ApiError);

impl EmitError {
    /// The HTTP status `POST /_emulator/events` answers this refusal with (`400`).
    ///
    /// ```
    /// use zapier_embed_emulator::Emulator;
    /// use zapier_embed_emulator::models::control::EmitRequest;
    /// let req: EmitRequest = serde_json::from_value(serde_json::json!({
    ///     "app": "slack", "action": "not_a_trigger", "payload": {}
    /// })).unwrap();
    /// assert_eq!(Emulator::builder().build().emit(req).unwrap_err().status(), 400);
    /// ```
    pub fn status(&self) -> u16 {
        self.0.status().as_u16()
    }
}

impl std::fmt::Display for EmitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for EmitError {}

/// A configured emulator: its router (usable in-process) and its state.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use zapier_embed_emulator::Emulator;
/// let handle = Emulator::builder().activation_delay(std::time::Duration::ZERO).start().await.unwrap();
/// let body = reqwest::get(format!("{}/openapi.json", handle.base_url())).await.unwrap().text().await.unwrap();
/// assert!(body.contains("\"openapi\""));
/// handle.shutdown().await;
/// # }
/// ```
#[derive(Clone)]
pub struct Emulator {
    state: AppState,
    router: Router,
    openapi: utoipa::openapi::OpenApi,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("config", &self.state.0.config)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// A builder with the default configuration.
    ///
    /// ```
    /// let emulator = zapier_embed_emulator::Emulator::builder().build();
    /// assert_eq!(emulator.config().tenant_claim, "org_id");
    /// ```
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// An emulator with `config`.
    ///
    /// ```
    /// use zapier_embed_emulator::{Emulator, EmulatorConfig};
    /// let config = EmulatorConfig { fault_seed: 7, ..EmulatorConfig::default() };
    /// assert_eq!(Emulator::new(config).config().fault_seed, 7);
    /// ```
    pub fn new(config: EmulatorConfig) -> Self {
        let state = AppState::new(config);
        let (router, openapi) = crate::routes::build(state.clone());
        Emulator {
            state,
            router,
            openapi,
        }
    }

    /// The axum router, for serving in-process (e.g. with `tower::ServiceExt::oneshot`) or
    /// nesting in your own server.
    ///
    /// ```
    /// let router: axum::Router = zapier_embed_emulator::Emulator::builder().build().router();
    /// let app = axum::Router::new().nest("/zapier", router);
    /// # drop(app);
    /// ```
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// The emulator's OpenAPI document (also served at `GET /openapi.json`).
    ///
    /// ```
    /// let emulator = zapier_embed_emulator::Emulator::builder().build();
    /// assert!(emulator.openapi().paths.paths.contains_key("/_emulator/events"));
    /// ```
    pub fn openapi(&self) -> &utoipa::openapi::OpenApi {
        &self.openapi
    }

    /// The configuration in force.
    ///
    /// ```
    /// use std::time::Duration;
    /// let emulator = zapier_embed_emulator::Emulator::builder()
    ///     .token_ttl(Duration::from_secs(60))
    ///     .build();
    /// assert_eq!(emulator.config().token_ttl, Duration::from_secs(60));
    /// ```
    pub fn config(&self) -> &EmulatorConfig {
        &self.state.0.config
    }

    /// Same as `POST /_emulator/events`: returns how many inboxes received the event(s).
    ///
    /// ```
    /// use zapier_embed_emulator::Emulator;
    /// use zapier_embed_emulator::models::control::EmitRequest;
    /// let emulator = Emulator::builder().build();
    /// let delivered = emulator
    ///     .emit(EmitRequest {
    ///         app: "slack".into(),
    ///         action: "channel_message".into(),
    ///         inputs: None,
    ///         payload: serde_json::json!({"text": "hi", "user": "U1", "channel": "C1"}),
    ///         count: Some(3),
    ///         possible_duplicate_data: false,
    ///     })
    ///     .unwrap();
    /// assert_eq!(delivered, 0); // no inbox subscribes to the trigger yet
    /// ```
    pub fn emit(&self, req: EmitRequest) -> Result<u64, EmitError> {
        crate::routes::control::emit(&self.state, req)
            .map(|r| r.delivered)
            .map_err(EmitError)
    }

    /// Same as `POST /_emulator/clock/advance`: moves the emulator clock forward and returns the
    /// new time.
    ///
    /// ```
    /// use std::time::Duration;
    /// let emulator = zapier_embed_emulator::Emulator::builder().build();
    /// let before = emulator.now();
    /// let after = emulator.advance_clock(Duration::from_secs(3600));
    /// assert!(after - before >= chrono::Duration::hours(1));
    /// ```
    pub fn advance_clock(&self, by: Duration) -> DateTime<Utc> {
        self.state.0.clock.advance(by)
    }

    /// The emulator time (wall clock plus every [`advance_clock`](Self::advance_clock)).
    ///
    /// ```
    /// let emulator = zapier_embed_emulator::Emulator::builder().build();
    /// assert!(emulator.now() <= emulator.now());
    /// ```
    pub fn now(&self) -> DateTime<Utc> {
        self.state.now()
    }

    /// Same as `GET /_emulator/stats`.
    ///
    /// ```
    /// let emulator = zapier_embed_emulator::Emulator::builder().build();
    /// assert_eq!(emulator.stats().messages_enqueued, 0);
    /// ```
    pub fn stats(&self) -> StatsSnapshot {
        crate::routes::control::stats(&self.state)
    }

    /// Same as `POST /_emulator/reset`: forgets users, inboxes, messages, action runs, faults
    /// and statistics, and puts the clock back on wall-clock time.
    ///
    /// ```
    /// use std::time::Duration;
    /// let emulator = zapier_embed_emulator::Emulator::builder().build();
    /// emulator.advance_clock(Duration::from_secs(86_400));
    /// emulator.reset();
    /// assert!(emulator.now() < chrono::Utc::now() + chrono::Duration::hours(1));
    /// ```
    pub fn reset(&self) {
        crate::routes::control::reset_all(&self.state);
    }

    /// Binds the configured address and serves in the background (on the current Tokio runtime).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let emulator = zapier_embed_emulator::Emulator::builder().build();
    /// let handle = emulator.start().await.expect("bind 127.0.0.1:0");
    /// assert!(handle.base_url().starts_with("http://127.0.0.1:"));
    /// handle.shutdown().await;
    /// # }
    /// ```
    pub async fn start(self) -> Result<EmulatorHandle, StartError> {
        let addr = self.state.0.config.addr;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| StartError::Bind { addr, source })?;
        let (tx, rx) = oneshot::channel::<()>();
        let app = self.router.clone();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(EmulatorHandle {
            addr: local,
            emulator: self,
            shutdown: Some(tx),
            task: Some(task),
        })
    }
}

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

/// A running emulator. Dropping it stops the server.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use zapier_embed_emulator::{Emulator, EmulatorHandle};
/// let handle: EmulatorHandle = Emulator::builder().start().await.unwrap();
/// let clock: serde_json::Value = reqwest::get(format!("{}/_emulator/clock", handle.base_url()))
///     .await.unwrap().json().await.unwrap();
/// assert!(clock["now"].is_string());
/// handle.shutdown().await;
/// # }
/// ```
#[derive(Debug)]
pub struct EmulatorHandle {
    addr: SocketAddr,
    emulator: Emulator,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl EmulatorHandle {
    /// The bound address.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let handle = zapier_embed_emulator::Emulator::builder().start().await.unwrap();
    /// assert!(handle.addr().ip().is_loopback());
    /// # }
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let handle = zapier_embed_emulator::Emulator::builder().start().await.unwrap();
    /// assert_eq!(handle.base_url(), format!("http://{}", handle.addr()));
    /// # }
    /// ```
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The emulator (control helpers).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let handle = zapier_embed_emulator::Emulator::builder().start().await.unwrap();
    /// assert_eq!(handle.emulator().stats().lease_requests, 0);
    /// # }
    /// ```
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// Stops accepting connections and waits (at most one second, since SSE streams never end by
    /// themselves) for open ones to finish.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let handle = zapier_embed_emulator::Emulator::builder().start().await.unwrap();
    /// let url = handle.base_url();
    /// handle.shutdown().await;
    /// assert!(reqwest::get(format!("{url}/openapi.json")).await.is_err());
    /// # }
    /// ```
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(1), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

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
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// An emulator with `config`.
    pub fn new(config: EmulatorConfig) -> Self {
        let state = AppState::new(config);
        let (router, openapi) = crate::routes::build(state.clone());
        Emulator {
            state,
            router,
            openapi,
        }
    }

    /// The axum router, for serving in-process (e.g. with `tower::ServiceExt::oneshot`).
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// The emulator's OpenAPI document (also served at `GET /openapi.json`).
    pub fn openapi(&self) -> &utoipa::openapi::OpenApi {
        &self.openapi
    }

    /// The configuration in force.
    pub fn config(&self) -> &EmulatorConfig {
        &self.state.0.config
    }

    /// Same as `POST /_emulator/events`: returns how many inboxes received the event(s).
    pub fn emit(&self, req: EmitRequest) -> Result<u64, ApiError> {
        crate::routes::control::emit(&self.state, req).map(|r| r.delivered)
    }

    /// Same as `POST /_emulator/clock/advance`.
    pub fn advance_clock(&self, by: Duration) -> DateTime<Utc> {
        self.state.0.clock.advance(by)
    }

    /// The emulator time.
    pub fn now(&self) -> DateTime<Utc> {
        self.state.now()
    }

    /// Same as `GET /_emulator/stats`.
    pub fn stats(&self) -> StatsSnapshot {
        let now = self.state.now();
        self.state.store().expire_all(now, &self.state.0.stats);
        self.state.0.stats.snapshot()
    }

    /// Same as `POST /_emulator/reset`.
    pub fn reset(&self) {
        crate::routes::control::reset_all(&self.state);
    }

    /// Binds the configured address and serves in the background.
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
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.config.addr = addr;
        self
    }

    /// Create/resume → `active` delay (default 300 ms).
    pub fn activation_delay(mut self, d: Duration) -> Self {
        self.config.activation_delay = d;
        self
    }

    /// `deleting` → gone delay (default 300 ms).
    pub fn deletion_delay(mut self, d: Duration) -> Self {
        self.config.deletion_delay = d;
        self
    }

    /// `waiting` → settled delay of action runs (default 300 ms).
    pub fn action_run_delay(mut self, d: Duration) -> Self {
        self.config.action_run_delay = d;
        self
    }

    /// Access-token lifetime (default 3600 s).
    pub fn token_ttl(mut self, d: Duration) -> Self {
        self.config.token_ttl = d;
        self
    }

    /// Adds a known OAuth client; once any is added, only known clients get tokens.
    pub fn client(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.config.clients.push((id.into(), secret.into()));
        self
    }

    /// Limits each caller to `requests` per `window`.
    pub fn rate_limit(mut self, requests: u32, window: Duration) -> Self {
        self.config.rate_limit = Some(RateLimit { requests, window });
        self
    }

    /// Partner-JWT tenant claim (default `org_id`).
    pub fn tenant_claim(mut self, claim: impl Into<String>) -> Self {
        self.config.tenant_claim = claim.into();
        self
    }

    /// SSE keep-alive interval (default 15 s).
    pub fn keep_alive_interval(mut self, d: Duration) -> Self {
        self.config.keep_alive_interval = d;
        self
    }

    /// `notification_url` POST timeout (default 5 s).
    pub fn notification_timeout(mut self, d: Duration) -> Self {
        self.config.notification_timeout = d;
        self
    }

    /// Fault RNG seed (default 0).
    pub fn fault_seed(mut self, seed: u64) -> Self {
        self.config.fault_seed = seed;
        self
    }

    /// Acked messages kept listable per inbox (default 10 000).
    pub fn acked_retention(mut self, n: usize) -> Self {
        self.config.acked_retention = n;
        self
    }

    /// Replaces the whole configuration.
    pub fn config(mut self, config: EmulatorConfig) -> Self {
        self.config = config;
        self
    }

    /// Builds the emulator without serving it.
    pub fn build(self) -> Emulator {
        Emulator::new(self.config)
    }

    /// Builds and serves it.
    pub async fn start(self) -> Result<EmulatorHandle, StartError> {
        self.build().start().await
    }
}

/// A running emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct EmulatorHandle {
    addr: SocketAddr,
    emulator: Emulator,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl EmulatorHandle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The emulator (control helpers).
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// Stops accepting connections and waits (at most one second, since SSE streams never end by
    /// themselves) for open ones to finish.
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

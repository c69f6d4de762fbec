//! The [`Emulator`]: its router, OpenAPI document and state, and the in-process controls that
//! mirror the control API. Its builder is in `builder.rs`, a running server's handle in
//! `handle.rs`.

use std::time::Duration;

use axum::Router;
use chrono::{DateTime, Utc};

use crate::app::AppState;
use crate::builder::EmulatorBuilder;
use crate::config::EmulatorConfig;
use crate::error::ApiError;
use crate::handle::{EmulatorHandle, StartError};
use crate::models::control::{EmitRequest, StatsSnapshot};

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
        EmulatorHandle::serve(self).await
    }
}

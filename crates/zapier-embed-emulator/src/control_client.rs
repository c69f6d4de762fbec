//! [`ControlClient`]: the emulator's control API (`/_emulator/*`) and catch hooks over HTTP, for
//! steering an emulator in another process (or the one a test started) without hand-written
//! requests. It speaks to the emulator only; no Zapier API call goes through it.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::models::control::{
    ClockAdvance, ClockResponse, CorrelationLog, EmitRequest, EmitResponse, FaultRequest,
    FaultsState, HookCatchResponse, StatsSnapshot,
};

/// How long one control request may take, unless [`ControlClient::with_timeout`] says otherwise.
pub const DEFAULT_CONTROL_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest control answer read, unless [`ControlClient::with_max_response_bytes`] says
/// otherwise (the statistics of a busy emulator are the largest, well under this).
pub const DEFAULT_MAX_CONTROL_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// A client of an emulator's control API: emit events, catch hooks, the clock, faults,
/// statistics, reset.
///
/// ```
/// use zapier_embed_emulator::{ControlClient, Emulator};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let emulator = Emulator::builder().start().await.unwrap();
/// let control = ControlClient::new(emulator.base_url()).unwrap();
/// let stats = control.stats().await.unwrap();
/// assert_eq!(stats.messages_acked, 0);
/// control.reset().await.unwrap();
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct ControlClient {
    http: reqwest::Client,
    base: String,
    max_response_bytes: usize,
}

/// Why a control call failed.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use zapier_embed_emulator::{ControlClient, ControlError, Emulator};
/// use zapier_embed_emulator::models::control::EmitRequest;
///
/// let emulator = Emulator::builder().start().await.unwrap();
/// let control = ControlClient::new(emulator.base_url()).unwrap();
/// let bad: EmitRequest = serde_json::from_value(serde_json::json!({
///     "app": "slack", "action": "channel_message", "payload": [1]
/// })).unwrap();
/// let error = control.emit(&bad).await.unwrap_err();
/// assert!(matches!(error, ControlError::Status { status: 400, .. }), "{error}");
/// # });
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ControlError {
    /// The request did not get an answer (connection refused, timeout, ...).
    #[error("{what}: {source}")]
    Transport {
        /// The request, e.g. `POST /_emulator/events`.
        what: String,
        /// The transport error (its URL removed).
        #[source]
        source: reqwest::Error,
    },
    /// The emulator answered with a status other than success.
    #[error("{what} answered HTTP {status}: {body}")]
    Status {
        /// The request.
        what: String,
        /// The HTTP status.
        status: u16,
        /// The start of the answer's body (at most 1 KiB).
        body: String,
    },
    /// The answer was longer than the configured limit.
    #[error("{what}: the answer is longer than {limit} bytes")]
    TooLong {
        /// The request.
        what: String,
        /// The limit.
        limit: usize,
    },
    /// The answer was not what the control API documents (not an emulator?).
    #[error("{what}: the answer does not decode: {source}")]
    Decode {
        /// The request.
        what: String,
        /// The decoding error.
        #[source]
        source: serde_json::Error,
    },
}

impl crate::EmulatorHandle {
    /// A client of this emulator's control API over HTTP (what a test or tool in another process
    /// would use; [`emulator`](Self::emulator) offers the same steering in process).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let handle = zapier_embed_emulator::Emulator::builder().start().await.unwrap();
    /// let stats = handle.control().unwrap().stats().await.unwrap();
    /// assert_eq!(stats.lease_requests, 0);
    /// # }
    /// ```
    pub fn control(&self) -> Result<ControlClient, ControlError> {
        ControlClient::new(self.base_url())
    }
}

impl ControlClient {
    /// A client of the emulator at `base_url` (`http://HOST:PORT`, e.g.
    /// [`EmulatorHandle::base_url`](crate::EmulatorHandle::base_url)). Follows no redirect.
    ///
    /// ```
    /// let control = zapier_embed_emulator::ControlClient::new("http://127.0.0.1:8080").unwrap();
    /// assert_eq!(control.base_url(), "http://127.0.0.1:8080");
    /// ```
    pub fn new(base_url: impl Into<String>) -> Result<Self, ControlError> {
        let http = reqwest::Client::builder()
            .timeout(DEFAULT_CONTROL_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("zapier-embed-emulator/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|source| ControlError::Transport {
                what: "building the control client".to_owned(),
                source,
            })?;
        Ok(Self::with_http(http, base_url))
    }

    /// A client of the emulator at `base_url` over `http` (its timeout and redirect policy
    /// apply instead of this crate's defaults).
    ///
    /// ```
    /// let http = reqwest::Client::new();
    /// let control = zapier_embed_emulator::ControlClient::with_http(http, "http://127.0.0.1:8080/");
    /// assert_eq!(control.base_url(), "http://127.0.0.1:8080");
    /// ```
    pub fn with_http(http: reqwest::Client, base_url: impl Into<String>) -> Self {
        let base = base_url.into().trim_end_matches('/').to_owned();
        ControlClient {
            http,
            base,
            max_response_bytes: DEFAULT_MAX_CONTROL_RESPONSE_BYTES,
        }
    }

    /// A copy that gives each request at most `timeout` (default [`DEFAULT_CONTROL_TIMEOUT`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// let control = zapier_embed_emulator::ControlClient::new("http://127.0.0.1:8080")
    ///     .unwrap()
    ///     .with_timeout(Duration::from_secs(30))
    ///     .unwrap();
    /// # let _ = control;
    /// ```
    pub fn with_timeout(self, timeout: Duration) -> Result<Self, ControlError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|source| ControlError::Transport {
                what: "building the control client".to_owned(),
                source,
            })?;
        Ok(ControlClient { http, ..self })
    }

    /// A copy that reads answers of at most `limit` bytes (default
    /// [`DEFAULT_MAX_CONTROL_RESPONSE_BYTES`]); a longer one is [`ControlError::TooLong`].
    ///
    /// ```
    /// let control = zapier_embed_emulator::ControlClient::new("http://127.0.0.1:8080")
    ///     .unwrap()
    ///     .with_max_response_bytes(64 * 1024);
    /// # let _ = control;
    /// ```
    pub fn with_max_response_bytes(self, limit: usize) -> Self {
        ControlClient {
            max_response_bytes: limit,
            ..self
        }
    }

    /// The base URL the requests go to, without a trailing `/`.
    ///
    /// ```
    /// let control = zapier_embed_emulator::ControlClient::new("http://127.0.0.1:8080").unwrap();
    /// assert_eq!(control.base_url(), "http://127.0.0.1:8080");
    /// ```
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `POST /_emulator/events`: delivers events to every active inbox subscribed to the trigger
    /// (with matching inputs); answers how many inboxes received them.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder().start().await.unwrap();
    /// # let control = zapier_embed_emulator::ControlClient::new(emulator.base_url()).unwrap();
    /// use zapier_embed_emulator::models::control::EmitRequest;
    ///
    /// let events: EmitRequest = serde_json::from_value(serde_json::json!({
    ///     "app": "slack", "action": "channel_message", "payload": {"text": "hi"}
    /// })).unwrap();
    /// assert_eq!(control.emit(&events).await.unwrap().delivered, 0); // no inbox yet
    /// # });
    /// ```
    pub async fn emit(&self, events: &EmitRequest) -> Result<EmitResponse, ControlError> {
        self.send(reqwest::Method::POST, "/_emulator/events", Some(events))
            .await
    }

    /// `POST /hooks/catch/{account}/{code}/`: posts `body` to a catch hook (Webhooks by Zapier),
    /// one message per object (or per element of a top-level array) for the inboxes of that
    /// account subscribed to the hook.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder().start().await.unwrap();
    /// # let control = zapier_embed_emulator::ControlClient::new(emulator.base_url()).unwrap();
    /// let body = serde_json::json!({"order": 42});
    /// let caught = control.catch_hook("acct", "abc123def456", &body).await.unwrap();
    /// assert_eq!(caught.delivered, 0); // no inbox of that account subscribes to the hook
    /// # });
    /// ```
    pub async fn catch_hook(
        &self,
        account: &str,
        code: &str,
        body: &serde_json::Value,
    ) -> Result<HookCatchResponse, ControlError> {
        let segment = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        let path = format!("/hooks/catch/{}/{}/", segment(account), segment(code));
        self.send(reqwest::Method::POST, &path, Some(body)).await
    }

    /// `POST /_emulator/clock/advance`: moves the emulator clock forward (leases expire, backoff
    /// ends); answers the new emulator time.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder().start().await.unwrap();
    /// # let control = zapier_embed_emulator::ControlClient::new(emulator.base_url()).unwrap();
    /// let before = control.clock().await.unwrap().now;
    /// let after = control.advance_clock(std::time::Duration::from_secs(3600)).await.unwrap().now;
    /// assert!(after > before);
    /// # });
    /// ```
    pub async fn advance_clock(&self, by: Duration) -> Result<ClockResponse, ControlError> {
        let body = ClockAdvance {
            seconds: by.as_secs_f64(),
        };
        self.send(
            reqwest::Method::POST,
            "/_emulator/clock/advance",
            Some(&body),
        )
        .await
    }

    /// `GET /_emulator/clock`: the emulator time.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder().start().await.unwrap();
    /// # let control = zapier_embed_emulator::ControlClient::new(emulator.base_url()).unwrap();
    /// println!("emulator time: {}", control.clock().await.unwrap().now);
    /// # });
    /// ```
    pub async fn clock(&self) -> Result<ClockResponse, ControlError> {
        self.send(reqwest::Method::GET, "/_emulator/clock", None::<&()>)
            .await
    }

    /// `POST /_emulator/faults`: adds a fault rule (errors, drops, latency, rate limits on the
    /// routes it matches); answers the installed rules.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder().start().await.unwrap();
    /// # let control = zapier_embed_emulator::ControlClient::new(emulator.base_url()).unwrap();
    /// use zapier_embed_emulator::models::control::FaultRequest;
    ///
    /// let rule: FaultRequest = serde_json::from_value(serde_json::json!({
    ///     "route": "/trigger-inbox/", "error_rate": 0.5, "seed": 7
    /// })).unwrap();
    /// assert_eq!(control.add_fault(&rule).await.unwrap().rules.len(), 1);
    /// # });
    /// ```
    pub async fn add_fault(&self, rule: &FaultRequest) -> Result<FaultsState, ControlError> {
        self.send(reqwest::Method::POST, "/_emulator/faults", Some(rule))
            .await
    }

    /// `GET /_emulator/faults`: the installed fault rules.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder().start().await.unwrap();
    /// # let control = zapier_embed_emulator::ControlClient::new(emulator.base_url()).unwrap();
    /// assert!(control.faults().await.unwrap().rules.is_empty());
    /// # });
    /// ```
    pub async fn faults(&self) -> Result<FaultsState, ControlError> {
        self.send(reqwest::Method::GET, "/_emulator/faults", None::<&()>)
            .await
    }

    /// `DELETE /_emulator/faults`: removes every fault rule.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder().start().await.unwrap();
    /// # let control = zapier_embed_emulator::ControlClient::new(emulator.base_url()).unwrap();
    /// assert!(control.clear_faults().await.unwrap().rules.is_empty());
    /// # });
    /// ```
    pub async fn clear_faults(&self) -> Result<FaultsState, ControlError> {
        self.send(reqwest::Method::DELETE, "/_emulator/faults", None::<&()>)
            .await
    }

    /// `GET /_emulator/stats`: the counters (messages, requests by status, early retries,
    /// notifications).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder().start().await.unwrap();
    /// # let control = zapier_embed_emulator::ControlClient::new(emulator.base_url()).unwrap();
    /// let stats = control.stats().await.unwrap();
    /// println!("{} requests answered", stats.requests_by_status.values().sum::<u64>());
    /// # });
    /// ```
    pub async fn stats(&self) -> Result<StatsSnapshot, ControlError> {
        self.send(reqwest::Method::GET, "/_emulator/stats", None::<&()>)
            .await
    }

    /// `GET /_emulator/correlations`: the last 1000 API requests that carried
    /// `Zapier-Correlation-Id` or `Zapier-Causation-Id`, oldest first.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder().start().await.unwrap();
    /// # let control = zapier_embed_emulator::ControlClient::new(emulator.base_url()).unwrap();
    /// let log = control.correlations().await.unwrap();
    /// assert!(log.records.is_empty());
    /// # });
    /// ```
    pub async fn correlations(&self) -> Result<CorrelationLog, ControlError> {
        self.send(reqwest::Method::GET, "/_emulator/correlations", None::<&()>)
            .await
    }

    /// `POST /_emulator/reset`: forgets every user, token, inbox, run, statistic, fault and the
    /// clock offset.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder().start().await.unwrap();
    /// # let control = zapier_embed_emulator::ControlClient::new(emulator.base_url()).unwrap();
    /// control.reset().await.unwrap();
    /// # });
    /// ```
    pub async fn reset(&self) -> Result<(), ControlError> {
        let what = "POST /_emulator/reset".to_owned();
        self.answer(
            reqwest::Method::POST,
            "/_emulator/reset",
            None::<&()>,
            &what,
        )
        .await
        .map(drop)
    }

    /// Sends one request and decodes its JSON answer.
    async fn send<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ControlError> {
        let what = format!("{method} {path}");
        let bytes = self.answer(method, path, body, &what).await?;
        serde_json::from_slice(&bytes).map_err(|source| ControlError::Decode { what, source })
    }

    /// Sends one request; answers the body of a success, read up to the configured limit.
    async fn answer<B: Serialize + ?Sized>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&B>,
        what: &str,
    ) -> Result<Vec<u8>, ControlError> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(body);
        }
        let transport = |source: reqwest::Error| ControlError::Transport {
            what: what.to_owned(),
            source: source.without_url(),
        };
        let mut response = request.send().await.map_err(transport)?;
        let status = response.status();
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if bytes.len().saturating_add(chunk.len()) > self.max_response_bytes {
                return Err(ControlError::TooLong {
                    what: what.to_owned(),
                    limit: self.max_response_bytes,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        if !status.is_success() {
            let shown = &bytes[..bytes.len().min(1024)];
            return Err(ControlError::Status {
                what: what.to_owned(),
                status: status.as_u16(),
                body: String::from_utf8_lossy(shown).into_owned(),
            });
        }
        Ok(bytes)
    }
}

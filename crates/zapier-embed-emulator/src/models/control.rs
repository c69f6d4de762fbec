//! Control API (`/_emulator/*`, `/hooks/catch/...`) wire types. Stable: test suites script them.
//!
//! Send them with any HTTP client, or call the in-process helpers of
//! [`Emulator`](crate::Emulator) (`emit`, `advance_clock`, `stats`, `reset`).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use zapier_embed_emulator::Emulator;
//! use zapier_embed_emulator::models::control::{FaultRule, FaultsState};
//!
//! let handle = Emulator::builder().start().await.unwrap();
//! let faults: FaultsState = reqwest::Client::new()
//!     .post(format!("{}/_emulator/faults", handle.base_url()))
//!     .json(&serde_json::json!({"route": "leaseTriggerInboxMessages", "error_rate": 1.0, "seed": 7}))
//!     .send().await.unwrap().json().await.unwrap();
//! assert_eq!(faults.seed, 7);
//! assert_eq!(faults.rules[0].route.as_deref(), Some("leaseTriggerInboxMessages"));
//! handle.shutdown().await;
//! # }
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Body of `POST /_emulator/events`.
///
/// ```
/// let req: zapier_embed_emulator::models::control::EmitRequest = serde_json::from_value(serde_json::json!({
///     "app": "slack", "action": "channel_message", "inputs": {"channel": "C1"},
///     "payload": {"text": "hi", "user": "U1", "channel": "C1"}, "count": 2
/// })).unwrap();
/// assert_eq!(req.count, Some(2));
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EmitRequest {
    /// App slug or key (any version form).
    pub app: String,
    /// Trigger key.
    pub action: String,
    /// Only inboxes whose inputs contain all of these (same values) receive the event.
    #[schema(value_type = Option<Object>)]
    pub inputs: Option<serde_json::Map<String, serde_json::Value>>,
    /// One payload object, or a list (one message each).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// How many times to deliver the payload(s) (default 1, max 100000).
    #[serde(default, deserialize_with = "crate::extract::optional_whole")]
    #[schema(minimum = 1, maximum = 100_000)]
    pub count: Option<u64>,
    /// Marks the messages `possible_duplicate_data: true`, as Zapier does when the trigger's
    /// dedupe key changed and the event may repeat earlier data (default false).
    #[serde(default)]
    pub possible_duplicate_data: bool,
}

/// Result of an emit: how many inboxes received the event(s).
///
/// ```
/// use zapier_embed_emulator::models::control::EmitResponse;
/// let body = serde_json::to_value(EmitResponse { delivered: 2 }).unwrap();
/// assert_eq!(body, serde_json::json!({"delivered": 2}));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EmitResponse {
    /// Active inboxes that received messages.
    pub delivered: u64,
}

/// Body of `POST /_emulator/clock/advance`.
///
/// ```
/// use zapier_embed_emulator::models::control::ClockAdvance;
/// let body = serde_json::to_value(ClockAdvance { seconds: 1.5 }).unwrap();
/// assert_eq!(body, serde_json::json!({"seconds": 1.5}));
/// ```
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct ClockAdvance {
    /// Seconds to move forward (fractions allowed, 0 to ten years).
    #[schema(minimum = 0, maximum = 315_360_000)]
    pub seconds: f64,
}

/// The emulator time.
///
/// ```
/// use zapier_embed_emulator::models::control::ClockResponse;
/// let now: ClockResponse =
///     serde_json::from_str(r#"{"now":"2026-03-12T16:59:47.000Z"}"#).unwrap();
/// assert!(now.now.ends_with('Z'));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClockResponse {
    /// Current emulator time (ISO 8601 UTC).
    #[schema(format = DateTime)]
    pub now: String,
}

/// One fault rule: applies to requests whose operation id equals `route`, or whose path starts
/// with `route` when it begins with `/`; to every API request when `route` is absent.
///
/// ```
/// let rule: zapier_embed_emulator::models::control::FaultRule = serde_json::from_value(
///     serde_json::json!({"route": "leaseTriggerInboxMessages", "error_rate": 0.5})).unwrap();
/// assert_eq!(rule.error_status, 503);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FaultRule {
    /// Operation id (`leaseTriggerInboxMessages`) or path prefix (`/trigger-inbox/`); absent = all.
    #[schema(min_length = 1)]
    pub route: Option<String>,
    /// Fraction (0..=1) of matching requests answered with `error_status`.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1)]
    pub error_rate: f64,
    /// Status of injected errors (500..=599, default 503).
    #[serde(
        default = "default_error_status",
        deserialize_with = "crate::extract::whole"
    )]
    #[schema(minimum = 500, maximum = 599)]
    pub error_status: u16,
    /// Fraction (0..=1) of matching requests whose connection is closed without a response.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1)]
    pub drop_rate: f64,
    /// Latency added to every matching request, in milliseconds (at most 60 000).
    #[serde(default, deserialize_with = "crate::extract::whole")]
    #[schema(maximum = 60_000)]
    pub latency_ms: u64,
    /// The next N matching requests get `429` with `Retry-After: retry_after_secs`.
    #[serde(default)]
    #[serde(deserialize_with = "crate::extract::whole")]
    pub rate_limit_burst: u32,
    /// `Retry-After` of burst 429s (default 1, at most 86 400).
    #[serde(
        default = "default_retry_after",
        deserialize_with = "crate::extract::whole"
    )]
    #[schema(maximum = 86_400)]
    pub retry_after_secs: u64,
}

impl Default for FaultRule {
    /// A rule matching every API request that injects nothing.
    ///
    /// ```
    /// let rule = zapier_embed_emulator::models::control::FaultRule::default();
    /// assert_eq!((rule.error_status, rule.retry_after_secs, rule.error_rate), (503, 1, 0.0));
    /// ```
    fn default() -> Self {
        Self {
            route: None,
            error_rate: 0.0,
            error_status: default_error_status(),
            drop_rate: 0.0,
            latency_ms: 0,
            rate_limit_burst: 0,
            retry_after_secs: default_retry_after(),
        }
    }
}

fn default_error_status() -> u16 {
    503
}

fn default_retry_after() -> u64 {
    1
}

/// Body of `POST /_emulator/faults`: a rule plus an optional RNG seed.
///
/// ```
/// use zapier_embed_emulator::models::control::FaultRequest;
/// let req: FaultRequest = serde_json::from_value(serde_json::json!({
///     "route": "/trigger-inbox/", "latency_ms": 200, "seed": 42
/// })).unwrap();
/// assert_eq!((req.seed, req.rule.latency_ms), (Some(42), 200));
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct FaultRequest {
    /// Re-seeds the fault RNG (deterministic sequences).
    #[serde(default, deserialize_with = "crate::extract::optional_whole")]
    #[schema(maximum = 9_007_199_254_740_991_f64)]
    pub seed: Option<u64>,
    /// The rule to add.
    #[serde(flatten)]
    pub rule: FaultRule,
}

/// Installed faults.
///
/// ```
/// use zapier_embed_emulator::models::control::FaultsState;
/// let state: FaultsState = serde_json::from_str(r#"{"seed":0,"rules":[]}"#).unwrap();
/// assert!(state.rules.is_empty());
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FaultsState {
    /// Current RNG seed.
    pub seed: u64,
    /// Rules, in evaluation order (first match of each kind wins).
    pub rules: Vec<FaultRule>,
}

/// Counters of `GET /_emulator/stats`.
///
/// ```
/// let emulator = zapier_embed_emulator::Emulator::builder().build();
/// let stats: zapier_embed_emulator::models::control::StatsSnapshot = emulator.stats();
/// assert_eq!(stats.messages_acked, 0);
/// assert!(serde_json::to_value(&stats).unwrap()["requests_by_status"].is_object());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StatsSnapshot {
    /// Messages put into inboxes.
    pub messages_enqueued: u64,
    /// Messages handed out by leases (each lease of a message counts).
    pub messages_leased: u64,
    /// Messages acknowledged.
    pub messages_acked: u64,
    /// Messages released.
    pub messages_released: u64,
    /// Messages returned by lease expiry.
    pub messages_expired: u64,
    /// Messages quarantined.
    pub messages_quarantined: u64,
    /// Events dropped because their inbox was paused.
    pub messages_dropped_while_paused: u64,
    /// Lease requests (both variants).
    pub lease_requests: u64,
    /// Ack requests (both variants).
    pub ack_requests: u64,
    /// Release requests (both variants).
    pub release_requests: u64,
    /// API requests answered, by status code.
    pub requests_by_status: BTreeMap<String, u64>,
    /// Requests of a caller and operation that arrived before the `Retry-After` that caller was
    /// given for that operation elapsed.
    pub early_retries: u64,
    /// `notification_url` POSTs answered with 2xx.
    pub notifications_sent: u64,
    /// `notification_url` POSTs that failed (error, timeout or non-2xx).
    pub notifications_failed: u64,
    /// Action-run callbacks answered with 2xx.
    #[serde(default)]
    pub callbacks_delivered: u64,
    /// Action-run callbacks given up on: a 4xx (not retried), or every attempt failed.
    #[serde(default)]
    pub callbacks_failed: u64,
    /// Callback attempts repeated after a 5xx or a network error.
    #[serde(default)]
    pub callback_retries: u64,
    /// Identities the rate limiter currently tracks (windows and `Retry-After` deadlines). Only
    /// issued tokens get their own; every unauthenticated request shares one, so a flood of
    /// bogus tokens leaves this flat.
    #[serde(default)]
    pub rate_limit_keys: u64,
}

/// Result of `POST /hooks/catch/{account}/{hook_code}/` (shape of Zapier's catch hook answer).
///
/// ```
/// use zapier_embed_emulator::models::control::HookCatchResponse;
/// let body: HookCatchResponse = serde_json::from_value(serde_json::json!({
///     "status": "success", "attempt": "a1", "id": "r1", "request_id": "r1", "delivered": 1
/// })).unwrap();
/// assert_eq!(body.status, "success");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HookCatchResponse {
    /// `success`.
    pub status: String,
    /// Attempt id.
    pub attempt: String,
    /// Request id.
    pub id: String,
    /// Request id.
    pub request_id: String,
    /// Inboxes that received the body (emulator extension).
    pub delivered: u64,
}

/// One API request that carried a `Zapier-Correlation-Id` or `Zapier-Causation-Id` header, as
/// `GET /_emulator/correlations` lists it (Zapier echoes neither header; only the emulator's
/// control API shows what it received).
///
/// ```
/// use zapier_embed_emulator::models::control::CorrelationRecord;
/// let record: CorrelationRecord = serde_json::from_value(serde_json::json!({
///     "operation": "create-action-run", "path": "/v2/action-runs", "status": 201,
///     "correlation_id": "c-1", "causation_id": "msg-1"
/// })).unwrap();
/// assert_eq!(record.causation_id.as_deref(), Some("msg-1"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CorrelationRecord {
    /// The operation id of `/openapi.json` (or the route template when it has none).
    pub operation: String,
    /// The request's path (at most 512 bytes).
    pub path: String,
    /// The status answered.
    pub status: u16,
    /// `Zapier-Correlation-Id`, when it was 1 to 256 visible ASCII characters.
    pub correlation_id: Option<String>,
    /// `Zapier-Causation-Id`, when it was 1 to 256 visible ASCII characters.
    pub causation_id: Option<String>,
}

/// Answer of `GET /_emulator/correlations`: the last 1000 recorded requests, oldest first.
///
/// ```
/// use zapier_embed_emulator::models::control::CorrelationLog;
/// let log: CorrelationLog = serde_json::from_value(serde_json::json!({"records": []})).unwrap();
/// assert!(log.records.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CorrelationLog {
    /// The records, oldest first.
    pub records: Vec<CorrelationRecord>,
}

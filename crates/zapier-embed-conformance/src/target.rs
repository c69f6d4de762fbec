//! What the suite runs against.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

/// The two documented variants of the Trigger Inbox API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Variant {
    /// Inboxes addressed by id, a batch `lease_id` (the published API reference).
    #[default]
    ById,
    /// Inboxes addressed by name with trailing slashes, a per-message `lease_token`.
    ByName,
}

/// Client-credentials pair of one identity; the secret never appears in `Debug` output.
#[derive(Clone)]
pub struct Credentials {
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: String,
}

impl Credentials {
    /// A client-credentials pair.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Credentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// Whether the target has the emulator's control API (`/_emulator/*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Control {
    /// Probe `GET /_emulator/clock` once and use the control API when it answers `200`.
    #[default]
    Detect,
    /// The target has it (events and clock through `/_emulator/*`).
    Present,
    /// Never call `/_emulator/*` (real Zapier).
    Absent,
}

/// The action the Action Runs round trip runs.
#[derive(Debug, Clone)]
pub struct ActionRunSpec {
    /// Searched with `GET /v2/apps?query=`; the app whose `key` or `title` equals it
    /// (case-insensitively) is used.
    pub app_query: String,
    /// The action's stable `key` (a `WRITE` action of that app).
    pub action_key: String,
    /// The action's inputs.
    pub inputs: Value,
}

/// A server to check, and how to reach it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Target {
    /// API base URL (`https://api.zapier.com`).
    pub api_url: String,
    /// Base URL of the token endpoint `POST /oauth/token` (`https://zapier.com`).
    pub auth_url: String,
    /// The identity the checks act as.
    pub credentials: Credentials,
    /// A second identity, for the isolation check (skipped without it).
    pub second_credentials: Option<Credentials>,
    /// The variant the target speaks.
    pub variant: Variant,
    /// Path prefix of the Trigger Inbox API: `/trigger-inbox/api/v1` (guides) or
    /// `/trigger-inbox/v1` (the published specifications).
    pub inbox_path_prefix: String,
    /// A Webhooks by Zapier catch hook URL (`https://hooks.zapier.com/hooks/catch/<account>/<code>/`):
    /// the source of events on a target without the control API.
    pub catch_hook_url: Option<String>,
    /// Whether to use the emulator's control API.
    pub control: Control,
    /// The Action Runs round trip's action (the check is skipped without it).
    pub action_run: Option<ActionRunSpec>,
    /// How long to wait after posting events to the catch hook before leasing (Zapier delivers
    /// hook events asynchronously; leases are retried until the settle timeout anyway).
    pub delivery_wait: Duration,
    /// Timeout of one HTTP request.
    pub request_timeout: Duration,
    /// How long a check waits for an eventual state (an inbox turning `active`, a delivered
    /// event, a deleted inbox answering `404`, a finished Action Run).
    pub settle_timeout: Duration,
}

impl Target {
    /// A variant-A target at `api_url` (also the token endpoint's base URL, as on an emulator)
    /// with the default path prefix, control API detection, a 5 s wait after catch hook
    /// deliveries, 30 s requests and a 60 s settle time.
    pub fn new(api_url: impl Into<String>, credentials: Credentials) -> Self {
        let api_url = api_url.into().trim_end_matches('/').to_owned();
        Target {
            auth_url: api_url.clone(),
            api_url,
            credentials,
            second_credentials: None,
            variant: Variant::ById,
            inbox_path_prefix: "/trigger-inbox/api/v1".to_owned(),
            catch_hook_url: None,
            control: Control::Detect,
            action_run: None,
            delivery_wait: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            settle_timeout: Duration::from_secs(60),
        }
    }
}

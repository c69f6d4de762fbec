//! Rust SDK for Zapier's embedded ("White Label") triggers and actions.
//!
//! Get a token, pick a connection and a trigger, keep a *trigger inbox* subscribed to it, then
//! lease, process and acknowledge its events; run Zapier actions through Action Runs. One
//! [`Client`] speaks both documented variants of the Trigger Inbox API ([`ApiVariant`]): the
//! same code runs against either.
//!
//! ```
//! use std::time::Duration;
//! use zapier_embed::{Client, LeaseOptions, Subscription};
//! use zapier_embed_emulator::Emulator;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! // A local emulator of the Zapier APIs (a dev-dependency); in production, `Client::from_env()`
//! // reads ZAPIER_CLIENT_ID / ZAPIER_CLIENT_SECRET (or ZAPIER_ACCESS_TOKEN) instead.
//! let emulator = Emulator::builder().activation_delay(Duration::ZERO).start().await.unwrap();
//! let host = emulator.addr().to_string();
//! let client = Client::from_env_with(|key| (key == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
//!
//! // Reuse the user's Slack connection, or let them connect one in the Connect UI.
//! let connection = match client.connections().first_valid("slack").await? {
//!     Some(connection) => connection,
//!     None => {
//!         let token = client.connect_token("slack").await?;
//!         let url = client.connect_url("slack", &token);
//!         // Open `url.expose_secret()` in the user's browser; the emulator connects at once.
//! #       reqwest::get(url.expose_secret()).await.unwrap();
//!         client.connections().first_valid("slack").await?.expect("connected")
//!     }
//! };
//! let subscription = Subscription::new("slack", "channel_message")
//!     .with_connection(connection.connection_id())
//!     .with_input("channel", "C0123ABC456");
//!
//! // Idempotent start-up: creates the inbox once, finds it afterwards.
//! let inboxes = client.inboxes();
//! let ensured = inboxes.ensure_validated("my-slack-inbox", &subscription, None).await?;
//! let inbox = inboxes.wait_until_active(&ensured.inbox.id_ref(), Duration::from_secs(60)).await?;
//! # emulator.emulator().emit(serde_json::from_value(serde_json::json!({"app": "slack",
//! #     "action": "channel_message", "payload": {"text": "Hello"}, "count": 2})).unwrap()).unwrap();
//!
//! let messages = client.messages(inbox.id_ref());
//! let lease = messages.lease(LeaseOptions::default()).await?;
//! for message in &lease.messages {
//!     println!("{} (attempt {} of 5)", message.payload, message.attempts());
//! }
//! let report = messages.ack_lease(&lease).await?; // one request for the whole lease
//! assert_eq!((report.settled(), report.requests()), (2, 1));
//! # Ok::<(), zapier_embed::Error>(()) }).unwrap();
//! ```
//!
//! # Modules of the API
//!
//! | area | entry point | what |
//! |---|---|---|
//! | client | [`Client`], [`ClientBuilder`] | configuration, `from_env`, one client per tenant |
//! | tokens | [`TokenSource`], [`ClientCredentials`], [`PartnerJwtExchange`], [`StaticToken`], [`ConnectToken`] | refresh ahead of expiry, single flight, refresh-and-retry once |
//! | connections | [`Client::connections`] | the user's app accounts |
//! | triggers | [`Client::triggers`] | triggers of an app and their input fields |
//! | inboxes | [`Client::inboxes`] | create, ensure, get, list, update, pause, resume, delete, wait until active |
//! | messages | [`Client::messages`] | lease, ack / release in the fewest requests ([`AckReport`]), list, events |
//! | actions | [`Client::actions`] | apps, actions, fields, run to completion |
//! | retries | [`retry`] | the retry rule and [`RetryPolicy`] |
//!
//! # Errors
//!
//! Everything returns [`Error`], one `#[non_exhaustive]` enum with a variant per documented
//! failure (`Unauthenticated`, `RateLimited { retry_after }`, `InboxPaused { reason, .. }`,
//! `LeaseExpired`, `Validation { fields }`, …) and an [`ErrorContext`] naming the operation, the
//! status and the server's detail. No error, `Debug` output or log line contains a token.
//!
//! # Observability
//!
//! Every operation runs in an `info` span `zapier_embed.call` with the fields `operation` (the
//! operation id), `inbox`, `variant`, `attempts` and `outcome`; each attempt in a `debug` span
//! `zapier_embed.attempt` with `attempt` and `status` (of a failed attempt). Retries, token
//! refreshes and failures are `debug` events, a lease that expired before its ack a `warn`
//! event. No field or message ever holds a token or a secret.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::todo,
        clippy::unimplemented
    )
)]

mod actions;
mod auth;
mod call;
mod checks;
mod client;
mod connections;
pub mod consumer;
mod env;
mod inboxes;
mod limits;
mod messages;
mod paginate;
mod resolve;
pub mod retry;
mod secrets;
mod sse;
mod triggers;
mod wire;

pub use actions::{
    Action, ActionRunResult, ActionType, Actions, App, Choice, DEFAULT_RUN_TIMEOUT, OutputField,
    RunHandle,
};
pub use auth::{
    ClientCredentials, ConnectToken, ConnectUrl, PartnerJwtExchange, StaticToken, Token,
    TokenEndpoint, TokenFuture, TokenSource,
};
pub use client::{
    Client, ClientBuilder, DEFAULT_API_URL, DEFAULT_AUTH_URL, DEFAULT_CONNECT_URL,
    DEFAULT_INBOX_PATH_PREFIX,
};
pub use connections::{Connection, Connections};
pub use env::{
    ENV_ACCESS_TOKEN, ENV_API_URL, ENV_API_VARIANT, ENV_AUTH_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET,
    ENV_EMULATOR_HOST,
};
pub use inboxes::{EnsureOutcome, Ensured, InboxFilter, Inboxes};
pub use limits::{
    DEFAULT_MAX_ERROR_BODY_BYTES, DEFAULT_MAX_PAGES, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_SSE_EVENT_BYTES,
};
pub use messages::{AckOutcome, AckReport, InboxEvent, Messages};
pub use retry::RetryPolicy;
pub use triggers::{Trigger, Triggers};

pub use zapier_embed_api::{CapturedBody, CapturedRequest, RequestCapture};
pub use zapier_embed_domain::{
    AccessToken, AckHandle, ApiVariant, ClientSecret, ConnectionId, Error, ErrorContext,
    FieldError, FieldFormat, FieldProblem, HydrationError, Inbox, InboxAttributes, InboxName,
    InboxRef, InboxStatus, InputField, InvalidInboxName, Lease, LeaseLimit, LeaseOptions,
    LeaseSeconds, LeasedMessage, LeasedUntilSource, MAX_IDS_PER_REQUEST, Message,
    MessageAttributes, MessageId, MessageStatus, PausedReason, QUARANTINE_THRESHOLD, REDACTED,
    RangeError, Result, RunError, RunErrorCode, RunStatus, Subscription, ValidationError,
    ValueType, validate_inputs,
};

/// Every domain type, for the rare user who needs one the crate root does not re-export (the
/// wire-body helpers, the ack planner); depending on `zapier-embed-domain` is never needed.
pub use zapier_embed_domain as domain;

// Domain items used inside the crate but not re-exported at the root.
use zapier_embed_domain::{
    AckPlan, AckRequest, AckResponse, FlatInboxBody, LeaseBodyById, LeaseBodyByName,
    LeaseResponseBody, NestedInboxBody, parse_retry_after,
};

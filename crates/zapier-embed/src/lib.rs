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
//! One module per concept; the crate root re-exports only the types every user names.
//!
//! | module | entry point | what |
//! |---|---|---|
//! | [`client`] | [`Client`], [`ClientBuilder`] | configuration, `from_env` and its variable names, defaults and read limits, one client per tenant |
//! | [`auth`] | [`auth::TokenSource`], [`auth::ClientCredentials`], [`auth::PartnerJwtExchange`], [`auth::StaticToken`], [`auth::ConnectToken`] | refresh ahead of expiry, single flight, refresh-and-retry once |
//! | [`connections`] | [`Client::connections`] | the user's app accounts |
//! | [`triggers`] | [`Client::triggers`] | triggers of an app and their input fields |
//! | [`inboxes`] | [`Client::inboxes`] | create, ensure, get, list, update, pause, resume, delete, wait until active |
//! | [`messages`] | [`Client::messages`] | lease, ack / release in the fewest requests ([`messages::AckReport`]), list, events |
//! | [`actions`] | [`Client::actions`] | apps, actions, fields, run to completion (polling, or a callback URL; feature `webhook` adds the callback receiver) |
//! | [`retry`] | [`retry::RetryPolicy`] | the retry rule |
//! | [`error`] | [`Error`] | the error, its context and validation details |
//! | `consumer` | `consumer::Consumer` | the consumer runtime (feature `consumer`; `webhook` adds a notification receiver) |
//! | [`testing`] | [`testing::RequestCapture`] | record requests instead of sending them |
//!
//! # Errors
//!
//! Everything returns [`Error`], one `#[non_exhaustive]` enum with a variant per documented
//! failure (`Unauthenticated`, `RateLimited { retry_after }`, `InboxPaused { reason, .. }`,
//! `LeaseExpired`, `Validation { fields }`, …) and an [`error::ErrorContext`] naming the operation,
//! the status and the server's detail. No error, `Debug` output or log line contains a token.
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
// docs.rs (`--cfg docsrs`, nightly): badges on items that need a crate feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod actions;
pub mod apply;
pub mod auth;
mod call;
mod checks;
pub mod client;
pub mod connections;
#[cfg(feature = "consumer")]
#[cfg_attr(docsrs, doc(cfg(feature = "consumer")))]
pub mod consumer;
mod correlation;
mod env;
pub mod error;
pub mod inboxes;
mod limits;
pub mod messages;
mod pacing;
mod paginate;
mod resolve;
pub mod retry;
mod secrets;
mod sse;
pub mod testing;
pub mod triggers;
mod wire;

// The handful of types every user names (the quickstart's); everything else lives in its concept
// module above. The public-API snapshot (`xtask/tests/snapshots/`) pins the whole surface.
pub use client::{Client, ClientBuilder};
pub use error::{Error, Result};
pub use zapier_embed_domain::{ApiVariant, InboxName, InboxRef, LeaseOptions, Subscription};

// Crate-internal shorthands: the implementation names these by their root path.
pub(crate) use auth::{AccessToken, ClientSecret};
pub(crate) use zapier_embed_domain::{
    AckPlan, AckRequest, ConnectionId, ErrorContext, FieldError, FieldProblem, FlatInboxBody,
    Inbox, InputField, LeaseBodyById, LeaseBodyByName, LeaseResponseBody, Message, MessageId,
    NestedInboxBody, REDACTED, RunError, RunStatus, parse_retry_after,
};
#[cfg(feature = "consumer")]
pub(crate) use {
    messages::{AckOutcome, Messages},
    zapier_embed_domain::{
        AckHandle, InboxStatus, Lease, LeaseLimit, LeaseSeconds, LeasedMessage, PausedReason,
    },
};

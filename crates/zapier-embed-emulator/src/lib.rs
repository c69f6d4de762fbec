//! A faithful, stateful local emulator of Zapier's embedded APIs: the Trigger Inbox API (variant
//! A by id with batch `lease_id`, under `/trigger-inbox/api/v1` and `/trigger-inbox/v1`; variant B
//! by name with trailing slashes and per-message `lease_token`, under `/trigger-inbox/api/v1`),
//! trigger discovery, a Partner API v2 subset (connections, apps, actions, fields, action runs),
//! the OAuth token endpoint (client credentials, partner-JWT and connect-token exchange), a Connect
//! UI stand-in, and a control API for tests (`/_emulator/*`): event injection, a controllable
//! clock, fault injection and statistics. It also serves the gateway paths Zapier's TypeScript SDK
//! (`@zapier/zapier-sdk`) calls when its `baseUrl` is the emulator (`/api/v0/sdk/trigger-inbox/...`,
//! `/api/v1/...`, `/api/v0/connections`, `/api/v0/apps`, `/api/v0/sdk/zapier/...`), on the same
//! state and with the same tenant isolation; they are not part of `/openapi.json`.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use zapier_embed_emulator::Emulator;
//!
//! let handle = Emulator::builder().start().await.expect("bind 127.0.0.1:0");
//! let http = reqwest::Client::new();
//! let token: serde_json::Value = http
//!     .post(format!("{}/oauth/token", handle.base_url()))
//!     .form(&[("grant_type", "client_credentials"), ("client_id", "id"), ("client_secret", "secret")])
//!     .send().await.unwrap().json().await.unwrap();
//! assert_eq!(token["token_type"], "Bearer");
//! handle.shutdown().await;
//! # }
//! ```
//!
//! # Public API
//! * [`Emulator`], [`EmulatorBuilder`], [`EmulatorHandle`], [`StartError`], [`EmitError`]: build,
//!   start, steer (emit events, move the clock, read statistics, reset) and stop an emulator;
//! * [`EmulatorConfig`], [`RateLimit`], [`Clock`]: its configuration and its clock;
//! * [`models::control`]: the wire types of the control API, for test suites that script it;
//! * [`queue`]: one inbox's message queue, the structure that keeps lease and ack cost
//!   independent of the backlog (see below), exposed for benchmarks.
//!
//! Everything else (routes, state, authentication, fault injection, notifications) is internal:
//! reach it over HTTP, as a client of the real service would.
//!
//! # Why lease and ack do not slow down with the backlog
//! Each inbox stores its messages in a deque of 64-message chunks addressed by sequence number
//! (finding one is arithmetic; a chunk is freed once none of its messages is listable), and message
//! ids embed that number (UUIDv8: a random per-queue prefix, then the sequence number), so no
//! per-message index exists. Never-leased messages are a range of sequence numbers; released and
//! expired ones wait in a small ordered set and are leased again first. Live leases sit in a
//! `HashMap<lease_id, members>`, their deadlines in a min-heap popped lazily at the start of every
//! call, so only expired leases are touched. Payloads are stored once, as JSON text shared by
//! every copy. Nothing scans the queue: a lease or an ack costs `O(k)` for a batch of `k`
//! (`O(k log r)` when it hands out again some of `r` released or expired messages), whatever the
//! backlog. `benches/lease_ack.rs` measures a 1k and a 1M backlog side by side, and the memory a
//! queued message costs.
//!
//! # Control API (stable; no authentication, never faulted or rate limited)
//! | Request | Body | Answer |
//! |---|---|---|
//! | `POST /_emulator/events` | `{"app":"slack","action":"channel_message","inputs":{"channel":"C1"},"payload":{..} or [..],"count":1}` | `{"delivered":N}` (inboxes) |
//! | `POST /hooks/catch/{account}/{hook_code}/` | any JSON (or form) body | `{"status":"success","attempt","id","request_id","delivered"}` |
//! | `POST /_emulator/clock/advance` | `{"seconds":N}` | `{"now":"<ISO 8601>"}` |
//! | `GET /_emulator/clock` | | `{"now"}` |
//! | `POST /_emulator/faults` | `{"route"?,"error_rate","error_status"(503),"drop_rate","latency_ms","rate_limit_burst","retry_after_secs"(1),"seed"?}` | `{"seed","rules":[..]}` |
//! | `GET` / `DELETE /_emulator/faults` | | `{"seed","rules"}` |
//! | `GET /_emulator/stats` | | [`models::control::StatsSnapshot`] |
//! | `GET /_emulator/correlations` | | [`models::control::CorrelationLog`]: the last 1000 API requests carrying `Zapier-Correlation-Id` / `Zapier-Causation-Id` (Zapier echoes neither) |
//! | `POST /_emulator/reset` | | `204` |
//!
//! Events reach every *active* inbox subscribed to the trigger (app by slug, key or versioned
//! key) whose inputs contain the given `inputs`; a paused matching inbox drops them (counted as
//! `messages_dropped_while_paused`). A fault rule's `route` is an operation id of
//! `/openapi.json` (e.g. `leaseTriggerInboxMessages`, matching both prefixes and trailing-slash
//! aliases) or a path prefix starting with `/`; without `route` it applies to every API request.
//! Every payload is a JSON object (`payload[3]: must be a JSON object.` otherwise).
//!
//! A catch hook belongs to one account, as on Zapier: `{account}` is the `sub` claim of that
//! account's access tokens, and only that account's inboxes subscribed with the hook code receive
//! the body. A JSON object is one message, a top-level JSON array one message per element, a form
//! body one object; any other body (a JSON scalar included) arrives as `{"raw": "<body>"}`.
//!
//! The control routes refuse (`403`) requests the emulator sends itself, and a
//! `notification_url` aimed at the control API is refused when the inbox is created or patched.
//!
//! An action run created with a `callback_url` is POSTed its result (`{"data": <the run>}`) once it
//! settles, with a `Zapier-Callback-Signature` RS256 JWT (`iat`, `exp` five minutes later) signed
//! by the emulator's own key, whose public half `GET /.well-known/jwks.json` serves; up to three
//! attempts, retrying 5xx answers and network errors only. The URL must be public `https` (at most
//! 2048 characters), as Zapier requires, unless [`EmulatorBuilder::allow_loopback_callbacks`] let
//! loopback hosts in.
//!
//! # Time
//! Every rule reads the emulator [`Clock`] (wall clock plus an offset moved by
//! `POST /_emulator/clock/advance`); lifecycle transitions are evaluated lazily against it. The
//! clock stops at [`Clock::ceiling`] (9999-01-01), so that every time derived from it (a lease's
//! end, a token's expiry) is representable and later than now; advancing past it answers `400`.

#![warn(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

mod app;
mod auth;
mod builder;
mod callbacks;
mod catalog;
mod clock;
mod config;
mod control_client;
mod correlations;
mod error;
mod extract;
mod faults;
mod guard;
mod handle;
mod middleware;
pub mod models;
mod notify;
pub mod queue;
mod ratelimit;
mod routes;
mod server;
mod state;
mod stats;

pub use builder::EmulatorBuilder;
pub use clock::Clock;
pub use config::{EmulatorConfig, RateLimit};
pub use control_client::{
    ControlClient, ControlError, DEFAULT_CONTROL_TIMEOUT, DEFAULT_MAX_CONTROL_RESPONSE_BYTES,
};
pub use handle::{EmulatorHandle, StartError};
pub use server::{EmitError, Emulator};

//! Reconciled, wire-agnostic domain types for Zapier's embedded Trigger Inbox API (both
//! documented variants), trigger-input validation and the SDK's one error type.
//!
//! This crate does no I/O and reads no HTTP answer. The facade crate (`zapier-embed`) sends
//! requests, maps the generated wire types to the types here, and turns unsuccessful answers
//! into [`Error`]s (with the public constructors and [`ErrorContext`]); the CLI and users see
//! only these.
//!
//! The two API variants ([`ApiVariant`]) differ in how an inbox is addressed ([`InboxRef`]), in
//! the create body ([`NestedInboxBody`] vs [`FlatInboxBody`]), in lease parameters
//! ([`LeaseOptions::to_body`]) and in how a leased message is settled ([`AckHandle`]). Everything
//! else — [`Inbox`], [`Lease`], [`LeasedMessage`], [`Error`] — is one type for both.
//!
//! ```
//! use chrono::Utc;
//! use serde_json::json;
//! use zapier_embed_domain::*;
//!
//! // Validate inputs before any request is sent.
//! let fields: Vec<InputField> = serde_json::from_value(json!([
//!     {"key": "channel", "title": "Channel", "value_type": "STRING", "is_required": true},
//!     {"key": "listen_for_bots", "value_type": "BOOLEAN", "is_required": false, "default_value": "no"}
//! ])).unwrap();
//! let sub = Subscription::new("slack", "channel_message")
//!     .with_connection("CONNECTION_ID")
//!     .with_input("channel", "C0123ABC456")
//!     .validated(&fields)
//!     .unwrap();
//! let body = sub.to_flat_body(None); // variant B upsert body
//! assert_eq!(serde_json::to_value(&body).unwrap()["inputs"]["listen_for_bots"], "no");
//!
//! // Decode a variant B lease and plan its acks.
//! let response: LeaseResponseBody = serde_json::from_value(json!({"results": [{
//!     "id": "msg_abc123", "created_at": "2026-05-21T12:01:00Z", "status": "leased",
//!     "lease_token": "lt_xyz789", "payload": {"text": "Hello"},
//!     "message_attributes": {"lease_count": 1, "error_message": null, "possible_duplicate_data": false}
//! }]})).unwrap();
//! let inbox = InboxRef::name("my-slack-inbox").unwrap();
//! let lease = Lease::from_response(&inbox, response, Utc::now(), LeaseSeconds::DEFAULT_BY_NAME).unwrap();
//! let requests = AckPlan::from_handles(lease.handles().cloned());
//! assert_eq!(serde_json::to_value(requests[0].to_body()).unwrap(), json!({"lease_tokens": ["lt_xyz789"]}));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod open_enum;

mod ack;
mod action_run;
mod error;
mod inbox;
mod inbox_ref;
mod inbox_status;
mod input_field;
mod lease;
mod lease_options;
mod message;
mod message_status;
mod paused_reason;
mod redact;
mod retry_after;
mod secret;
mod subscription;
mod validation;
mod variant;

pub use ack::{
    AckBody, AckBodyById, AckBodyByName, AckHandle, AckPlan, AckRequest, AckResponse,
    MAX_IDS_PER_REQUEST,
};
pub use action_run::{RunError, RunErrorCode, RunStatus};
pub use error::{Error, ErrorContext, ErrorSource, MAX_BODY_EXCERPT_BYTES};
pub use inbox::{Inbox, InboxAttributes};
pub use inbox_ref::{InboxName, InboxRef, InvalidInboxName, MAX_INBOX_NAME_CHARS};
pub use inbox_status::InboxStatus;
pub use input_field::{FieldFormat, InputField, ValueType};
pub use lease::{Lease, LeaseResponseBody, LeasedMessageBody, LeasedUntilSource};
pub use lease_options::{
    LeaseBody, LeaseBodyById, LeaseBodyByName, LeaseLimit, LeaseOptions, LeaseSeconds, RangeError,
};
pub use message::{
    HydrationError, LeasedMessage, Message, MessageAttributes, MessageId, QUARANTINE_THRESHOLD,
};
pub use message_status::MessageStatus;
pub use paused_reason::PausedReason;
pub use redact::{
    MIN_REDACTED_SECRET_BYTES, is_secret_key, redact_secrets, scrub_text as redact_text,
};
pub use retry_after::{parse_rate_limit_reset, parse_retry_after};
pub use secret::{AccessToken, ClientSecret, REDACTED};
pub use subscription::{ConnectionId, FlatInboxBody, NestedInboxBody, Subscription};
pub use validation::{FieldError, FieldProblem, ValidationError, validate_inputs};
pub use variant::{ApiVariant, UnknownApiVariant};

/// The result type of fallible SDK operations.
///
/// ```
/// fn lease_nothing() -> zapier_embed_domain::Result<usize> { Ok(0) }
/// assert_eq!(lease_nothing().unwrap(), 0);
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

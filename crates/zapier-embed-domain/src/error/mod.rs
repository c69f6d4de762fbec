//! The one error type users match on.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::action_run::RunError;
use crate::paused_reason::PausedReason;
use crate::redact::{body_excerpt, bounded_one_line, redact_secrets, scrub_text};
use crate::validation::{FieldError, FieldProblem, ValidationError, write_field_list};

mod constructors;
mod context;
mod render;

use render::{
    LimitWhat, PausedWhat, RateLimitedWhat, RunFailedWhat, ServerWhat, render, render_validation,
};

pub use context::{ErrorContext, ErrorSource};

/// The most bytes of a response body kept in [`ErrorContext::body_excerpt`].
///
/// ```
/// assert_eq!(zapier_embed_domain::MAX_BODY_EXCERPT_BYTES, 512);
/// ```
pub const MAX_BODY_EXCERPT_BYTES: usize = 512;

/// The most bytes of a server `detail` or a transport message kept in [`ErrorContext::detail`]
/// (one line in a log, even when a server sends a page of HTML).
const MAX_DETAIL_BYTES: usize = 512;

/// Every failure of the SDK.
///
/// Each variant carries an [`ErrorContext`] (boxed, so that `Result<T, Error>` stays small).
/// Match on the variant for behaviour, and use the accessors ([`operation`](Error::operation),
/// [`status`](Error::status), [`code`](Error::code), [`is_retryable`](Error::is_retryable),
/// [`retry_after`](Error::retry_after)) for logging and retry loops. `Display` is one line:
/// `<operation>: <what> (HTTP <status>, code <code>): <server detail>`.
///
/// ```
/// use zapier_embed_domain::{Error, PausedReason};
/// let mut err = Error::inbox_paused("lease messages", Some(PausedReason::Authentication), None);
/// err.context_mut().set_status(409);
/// err.context_mut().set_detail("Inbox is paused and fully drained.");
/// match &err {
///     Error::InboxPaused { reason: Some(r), .. } if r.needs_reconnect() => {}
///     other => panic!("unexpected {other}"),
/// }
/// assert_eq!(err.to_string(),
///     "lease messages: inbox is paused (reason authentication) (HTTP 409): Inbox is paused and fully drained.");
/// ```
///
/// A caller usually branches on the predicates rather than on the variants, and walks
/// [`source`](std::error::Error::source) to log the cause of a transport or decode failure:
///
/// ```
/// use std::error::Error as _;
/// use zapier_embed_domain::Error;
///
/// fn what_to_do(err: &Error) -> String {
///     if err.is_not_found() {
///         return format!("{} found nothing: create it first", err.operation());
///     }
///     if err.is_retryable() {
///         let wait = err.retry_after().map(|d| format!(" in {d:?}"));
///         return format!("retry{}", wait.as_deref().unwrap_or(" with backoff"));
///     }
///     match err.status() {
///         Some(status) if status < 500 => format!("fix the request (HTTP {status})"),
///         _ => "give up".to_owned(),
///     }
/// }
/// // The error and its causes, outermost first, for a log line.
/// fn with_causes(err: &Error) -> String {
///     let mut line = err.to_string();
///     let mut cause = err.source();
///     while let Some(c) = cause {
///         line.push_str(&format!(" <- {c}"));
///         cause = c.source();
///     }
///     line
/// }
///
/// let missing = Error::not_found("get inbox", "no inbox named orders");
/// assert_eq!(what_to_do(&missing), "get inbox found nothing: create it first");
/// let reset = Error::transport_from("lease messages", "HTTP error", std::io::Error::other("connection reset"));
/// assert_eq!(what_to_do(&reset), "retry with backoff");
/// assert!(with_causes(&reset).ends_with(" <- connection reset"));
/// let refused = Error::validation("ensure inbox", vec![]);
/// assert_eq!(what_to_do(&refused), "give up");
/// /// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The access token expired or is no longer valid (Trigger Inbox answers **400**
    /// `unauthenticated`, not 401): get a new token and retry once.
    #[error("{}", render(context, "access token expired or invalid"))]
    Unauthenticated {
        /// Where it happened.
        context: Box<ErrorContext>,
    },
    /// 401 (`authentication_failed`), or the token endpoint rejected the client or grant: the
    /// credentials are missing, malformed or wrong.
    #[error("{}", render(context, "authentication failed"))]
    AuthenticationFailed {
        /// Where it happened.
        context: Box<ErrorContext>,
    },
    /// No credentials were configured, and the token endpoint refused the placeholder client
    /// that stands in for them against an emulator (one started with fixed clients accepts
    /// only those). The context keeps the server's status and code; its detail says which
    /// settings to give. Unlike [`AuthenticationFailed`](Error::AuthenticationFailed), the fix
    /// is configuration, not other credentials.
    ///
    /// ```
    /// use zapier_embed_domain::{Error, ErrorContext};
    /// let context = ErrorContext::new("fetch access token").with_status(401).with_code("invalid_client")
    ///     .with_detail("set ZAPIER_CLIENT_ID and ZAPIER_CLIENT_SECRET");
    /// let err = Error::MissingCredentials { context: Box::new(context) };
    /// assert!(err.is_missing_credentials());
    /// assert_eq!(err.to_string(), "fetch access token: no credentials are configured \
    ///     (HTTP 401, code invalid_client): set ZAPIER_CLIENT_ID and ZAPIER_CLIENT_SECRET");
    /// ```
    #[error("{}", render(context, "no credentials are configured"))]
    MissingCredentials {
        /// Where it happened.
        context: Box<ErrorContext>,
    },
    /// 401 `invalid_audience`: the token was not issued for this API (wrong issuer or scope);
    /// refreshing from the same source will not help.
    #[error(
        "{}",
        render(
            context,
            "the access token was not issued for this API (invalid audience)"
        )
    )]
    InvalidAudience {
        /// Where it happened.
        context: Box<ErrorContext>,
    },
    /// 403: the token is valid but lacks the permission (scope) for this call.
    #[error("{}", render(context, "permission denied"))]
    PermissionDenied {
        /// Where it happened.
        context: Box<ErrorContext>,
    },
    /// 404: the inbox (or other resource) does not exist, or was deleted.
    #[error("{}", render(context, "not found"))]
    NotFound {
        /// Where it happened.
        context: Box<ErrorContext>,
    },
    /// 409: the name is taken by a different subscription, or the state transition (pause,
    /// resume, delete) is not allowed now.
    #[error("{}", render(context, "conflict"))]
    Conflict {
        /// Where it happened.
        context: Box<ErrorContext>,
    },
    /// The request was rejected as invalid: by the SDK before sending (input validation) or by
    /// the server (400 / 422). `fields` names every bad field known; it may be empty when the
    /// server did not say which field, in which case the context's `detail` explains.
    #[error("{}", render_validation(context, fields))]
    Validation {
        /// Where it happened.
        context: Box<ErrorContext>,
        /// The bad fields.
        fields: Vec<FieldError>,
    },
    /// 429: too many requests; wait `retry_after` (from the `Retry-After` header) if given.
    #[error("{}", render(context, RateLimitedWhat(*retry_after)))]
    RateLimited {
        /// Where it happened.
        context: Box<ErrorContext>,
        /// How long the server asked to wait.
        retry_after: Option<Duration>,
    },
    /// 400 `lease_expired`: the lease lapsed before the ack or release; the messages went back
    /// to the pool and will be delivered again (at-least-once).
    #[error(
        "{}",
        render(context, "the lease expired; its messages will be redelivered")
    )]
    LeaseExpired {
        /// Where it happened.
        context: Box<ErrorContext>,
    },
    /// The inbox is paused. From the lease call: paused **and** drained (409); buffered
    /// messages are served first. `reason` tells whether a reconnect is needed.
    #[error("{}", render(context, PausedWhat("inbox is paused", reason.as_ref())))]
    InboxPaused {
        /// Where it happened.
        context: Box<ErrorContext>,
        /// Why it is paused.
        reason: Option<PausedReason>,
        /// When it was paused.
        paused_at: Option<DateTime<Utc>>,
    },
    /// The inbox reached `initialization_failure`; it will not become active by waiting.
    #[error("{}", render(context, PausedWhat("inbox failed to initialize", reason.as_ref())))]
    InitializationFailed {
        /// Where it happened.
        context: Box<ErrorContext>,
        /// The server's `paused_reason`.
        reason: Option<PausedReason>,
    },
    /// An action run finished with status `error`.
    #[error("{}", render(context, RunFailedWhat(errors)))]
    ActionRunFailed {
        /// Where it happened.
        context: Box<ErrorContext>,
        /// The run's errors.
        errors: Vec<RunError>,
    },
    /// The call (or the wait for a state) did not finish in time.
    #[error("{}", render(context, "timed out"))]
    Timeout {
        /// Where it happened.
        context: Box<ErrorContext>,
    },
    /// The request could not be sent or the response not received (DNS, TCP, TLS, HTTP).
    #[error("{}", render(context, "transport error"))]
    Transport {
        /// Where it happened.
        context: Box<ErrorContext>,
        /// The underlying failure (the HTTP client's error, without its URL), also returned by
        /// [`std::error::Error::source`].
        source: Option<ErrorSource>,
    },
    /// The response (or a message payload) could not be decoded.
    #[error("{}", render(context, "could not decode the response"))]
    Decode {
        /// Where it happened.
        context: Box<ErrorContext>,
        /// The decoder's error, when there is one, also returned by
        /// [`std::error::Error::source`].
        source: Option<ErrorSource>,
    },
    /// The SDK is misconfigured (e.g. a missing environment variable); nothing was sent.
    #[error("{}", render(context, "invalid configuration"))]
    Configuration {
        /// Where it happened.
        context: Box<ErrorContext>,
    },
    /// The server's answer crossed one of the client's limits (a body larger than
    /// `max_response_bytes`, an event-stream event larger than `max_sse_event_bytes`, a listing
    /// longer than `max_pages` pages…): the client stopped reading instead of growing without
    /// bound. `limit` names the setting, `max` its value.
    #[error("{}", render(context, LimitWhat(limit, *max)))]
    LimitExceeded {
        /// Where it happened.
        context: Box<ErrorContext>,
        /// The name of the client setting that was crossed, e.g. `max_response_bytes`.
        limit: &'static str,
        /// Its value.
        max: u64,
    },
    /// Any other status: 5xx, or a 4xx this crate does not map.
    #[error("{}", render(context, ServerWhat(context.status)))]
    Server {
        /// Where it happened.
        context: Box<ErrorContext>,
        /// How long the server asked to wait (a 503 may carry `Retry-After`).
        retry_after: Option<Duration>,
    },
}

/// The context of `$error`, whatever its variant: every variant listed once, for
/// [`Error::context`] and [`Error::context_mut`] alike (the binding follows the reference).
macro_rules! context_of {
    ($error:expr) => {
        match $error {
            Error::Unauthenticated { context }
            | Error::AuthenticationFailed { context }
            | Error::MissingCredentials { context }
            | Error::InvalidAudience { context }
            | Error::PermissionDenied { context }
            | Error::NotFound { context }
            | Error::Conflict { context }
            | Error::Validation { context, .. }
            | Error::RateLimited { context, .. }
            | Error::LeaseExpired { context }
            | Error::InboxPaused { context, .. }
            | Error::InitializationFailed { context, .. }
            | Error::ActionRunFailed { context, .. }
            | Error::Timeout { context }
            | Error::Transport { context, .. }
            | Error::Decode { context, .. }
            | Error::Configuration { context }
            | Error::LimitExceeded { context, .. }
            | Error::Server { context, .. } => context,
        }
    };
}

impl Error {
    /// The context of any variant.
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// assert_eq!(Error::decode("x", "y").context().operation(), "x");
    /// ```
    pub fn context(&self) -> &ErrorContext {
        context_of!(self)
    }

    /// Mutable access to the context (e.g. to rename the operation at a higher level).
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// let mut err = Error::decode("x", "y");
    /// err.context_mut().set_operation("ensure inbox");
    /// assert_eq!(err.operation(), "ensure inbox");
    /// ```
    pub fn context_mut(&mut self) -> &mut ErrorContext {
        context_of!(self)
    }

    /// The operation that failed.
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// assert_eq!(Error::not_found("get inbox", "no inbox named orders").operation(), "get inbox");
    /// ```
    pub fn operation(&self) -> &str {
        &self.context().operation
    }

    /// The HTTP status, when a response arrived.
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// let mut missing = Error::not_found("get inbox", "Not found.");
    /// missing.context_mut().set_status(404);
    /// assert_eq!(missing.status(), Some(404));
    /// assert_eq!(Error::transport("get inbox", "refused").status(), None);
    /// ```
    pub fn status(&self) -> Option<u16> {
        self.context().status
    }

    /// The server's error code.
    ///
    /// ```
    /// use zapier_embed_domain::{Error, ErrorContext};
    /// let err = Error::Conflict { context: Box::new(ErrorContext::new("x").with_status(409).with_code("conflict")) };
    /// assert_eq!(err.code(), Some("conflict"));
    /// ```
    pub fn code(&self) -> Option<&str> {
        self.context().code.as_deref()
    }

    /// The server's (or transport's) explanation.
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// let err = Error::conflict("x", "taken");
    /// assert_eq!(err.detail(), Some("taken"));
    /// ```
    pub fn detail(&self) -> Option<&str> {
        self.context().detail.as_deref()
    }

    /// Whether the resource (inbox, connection, run…) does not exist: [`Error::NotFound`].
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// assert!(Error::not_found("get inbox", "no inbox named orders").is_not_found());
    /// assert!(!Error::conflict("get inbox", "name taken").is_not_found());
    /// ```
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }

    /// Whether no credentials were configured and the server refused the placeholder client
    /// used in their place ([`Error::MissingCredentials`]).
    ///
    /// ```
    /// use zapier_embed_domain::{Error, ErrorContext};
    /// let context = || Box::new(ErrorContext::new("fetch access token").with_status(401));
    /// assert!(Error::MissingCredentials { context: context() }.is_missing_credentials());
    /// assert!(!Error::AuthenticationFailed { context: context() }.is_missing_credentials());
    /// ```
    pub fn is_missing_credentials(&self) -> bool {
        matches!(self, Error::MissingCredentials { .. })
    }

    /// Whether the server refused the call for its rate (429, [`Error::RateLimited`]); see
    /// [`retry_after`](Error::retry_after) for how long it asked to wait.
    ///
    /// ```
    /// use zapier_embed_domain::{Error, ErrorContext};
    /// let context = Box::new(ErrorContext::new("lease messages").with_status(429));
    /// assert!(Error::RateLimited { context, retry_after: None }.is_rate_limited());
    /// assert!(!Error::timeout("lease messages", "no answer").is_rate_limited());
    /// ```
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, Error::RateLimited { .. })
    }

    /// Whether the call conflicts with the resource's state or name (409, [`Error::Conflict`]).
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// assert!(Error::conflict("ensure inbox", "name taken").is_conflict());
    /// ```
    pub fn is_conflict(&self) -> bool {
        matches!(self, Error::Conflict { .. })
    }

    /// Whether the client stopped reading an answer that crossed one of its limits
    /// ([`Error::LimitExceeded`]).
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// assert!(Error::limit_exceeded("list messages", "max_pages", 10).is_limit_exceeded());
    /// ```
    pub fn is_limit_exceeded(&self) -> bool {
        matches!(self, Error::LimitExceeded { .. })
    }

    /// Whether the same request may succeed if simply sent again later: rate limits, timeouts,
    /// transport errors, 5xx, and action runs that failed only by throttling. Whether a
    /// non-idempotent call may be re-sent is the caller's decision.
    ///
    /// ```
    /// use zapier_embed_domain::{Error, ErrorContext};
    /// let context = Box::new(ErrorContext::new("x").with_status(503));
    /// assert!(Error::Server { context, retry_after: None }.is_retryable());
    /// assert!(!Error::not_found("x", "gone").is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Timeout { .. } | Error::Transport { .. } => true,
            Error::Server { context, .. } => context.status.is_none_or(|s| s >= 500),
            Error::ActionRunFailed { errors, .. } => {
                !errors.is_empty() && errors.iter().all(|e| e.code.is_throttled())
            }
            _ => false,
        }
    }

    /// Whether getting a fresh token and retrying once may help (400 `unauthenticated`, 401).
    ///
    /// ```
    /// use zapier_embed_domain::{Error, ErrorContext};
    /// let context = || Box::new(ErrorContext::new("x").with_status(401));
    /// assert!(Error::AuthenticationFailed { context: context() }.should_refresh_token());
    /// assert!(!Error::InvalidAudience { context: context() }.should_refresh_token());
    /// ```
    pub fn should_refresh_token(&self) -> bool {
        matches!(
            self,
            Error::Unauthenticated { .. } | Error::AuthenticationFailed { .. }
        )
    }

    /// How long to wait before retrying, when the server said: `Retry-After` of a 429 or 5xx,
    /// or the longest `delay` of a throttled action run.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zapier_embed_domain::{Error, ErrorContext};
    /// let context = Box::new(ErrorContext::new("x").with_status(503));
    /// let err = Error::Server { context, retry_after: Some(Duration::from_secs(5)) };
    /// assert_eq!(err.retry_after(), Some(Duration::from_secs(5)));
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } | Error::Server { retry_after, .. } => {
                *retry_after
            }
            Error::ActionRunFailed { errors, .. } => errors
                .iter()
                .filter(|e| e.code.is_throttled())
                .filter_map(|e| e.delay)
                .max(),
            _ => None,
        }
    }

    /// The field errors of a [`Validation`](Error::Validation) error (empty otherwise).
    ///
    /// ```
    /// use zapier_embed_domain::{Error, FieldError};
    /// let err = Error::validation("x", vec![FieldError::server_reported("channel", "This field is required.")]);
    /// assert_eq!(err.field_errors()[0].field, "channel");
    /// ```
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Error::Validation { fields, .. } => fields,
            _ => &[],
        }
    }
}

impl From<ValidationError> for Error {
    /// Input validation failures, under the operation `validate inputs` (rename it with
    /// [`Error::context_mut`] if needed).
    ///
    /// ```
    /// use zapier_embed_domain::{Error, FieldError, FieldProblem, ValidationError};
    /// let err: Error = ValidationError::new(vec![FieldError::new("c", FieldProblem::Missing)]).into();
    /// assert_eq!(err.operation(), "validate inputs");
    /// ```
    fn from(err: ValidationError) -> Self {
        Error::validation("validate inputs", err.fields)
    }
}

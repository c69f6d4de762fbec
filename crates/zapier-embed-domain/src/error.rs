//! The one error type users match on.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::action_run::RunError;
use crate::error_body;
use crate::inbox_status::InboxStatus;
use crate::paused_reason::PausedReason;
use crate::redact::{body_excerpt, bounded_one_line, redact_secrets, scrub_text};
use crate::validation::{FieldError, FieldProblem, ValidationError, write_field_list};

/// The most bytes of a response body kept in [`ErrorContext::body_excerpt`].
///
/// ```
/// assert_eq!(zapier_embed_domain::MAX_BODY_EXCERPT_BYTES, 512);
/// ```
pub const MAX_BODY_EXCERPT_BYTES: usize = 512;

/// The most bytes of a server `detail` or a transport message kept in [`ErrorContext::detail`]
/// (one line in a log, even when a server sends a page of HTML).
const MAX_DETAIL_BYTES: usize = 512;

/// Where and how a failure happened: the operation, and what the server said.
///
/// Never holds a token: transport messages and details are scrubbed of `Authorization` values
/// and URL query strings, and JSON body excerpts have credential fields replaced.
///
/// ```
/// use zapier_embed_domain::ErrorContext;
/// let ctx = ErrorContext::new("get inbox").with_status(404).with_code("not_found");
/// assert_eq!(ctx.operation, "get inbox");
/// assert_eq!(ctx.status, Some(404));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ErrorContext {
    /// What the SDK was doing, e.g. `lease messages` (the facade uses the operation's name).
    pub operation: Cow<'static, str>,
    /// The HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// The machine-readable error code (`errors[0].code`, or OAuth's `error`).
    pub code: Option<String>,
    /// The short summary (`errors[0].title`).
    pub title: Option<String>,
    /// The human-readable explanation (server `detail`, or the transport / decode message),
    /// bounded and on one line.
    pub detail: Option<String>,
    /// At most [`MAX_BODY_EXCERPT_BYTES`] of the response body, redacted, on one line.
    pub body_excerpt: Option<String>,
}

impl ErrorContext {
    /// A context naming only the operation.
    ///
    /// ```
    /// use zapier_embed_domain::ErrorContext;
    /// assert_eq!(ErrorContext::new("ack messages").operation, "ack messages");
    /// ```
    pub fn new(operation: impl Into<Cow<'static, str>>) -> Self {
        ErrorContext {
            operation: operation.into(),
            ..Self::default()
        }
    }

    /// Sets the HTTP status.
    ///
    /// ```
    /// use zapier_embed_domain::ErrorContext;
    /// assert_eq!(ErrorContext::new("x").with_status(500).status, Some(500));
    /// ```
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets the error code.
    ///
    /// ```
    /// use zapier_embed_domain::ErrorContext;
    /// assert_eq!(ErrorContext::new("x").with_code("conflict").code.as_deref(), Some("conflict"));
    /// ```
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the detail (scrubbed of credentials and bounded to one line).
    ///
    /// ```
    /// use zapier_embed_domain::ErrorContext;
    /// let ctx = ErrorContext::new("x").with_detail("sent Bearer abc.def.ghi");
    /// assert_eq!(ctx.detail.as_deref(), Some("sent Bearer [redacted]"));
    /// ```
    pub fn with_detail(mut self, detail: impl AsRef<str>) -> Self {
        self.detail = Some(clean_detail(detail.as_ref()));
        self
    }

    /// Keeps a bounded, redacted excerpt of a response body.
    ///
    /// ```
    /// use zapier_embed_domain::ErrorContext;
    /// let ctx = ErrorContext::new("x").with_body(br#"{"access_token":"SECRET"}"#);
    /// assert_eq!(ctx.body_excerpt.as_deref(), Some(r#"{"access_token":"[redacted]"}"#));
    /// ```
    pub fn with_body(mut self, body: &[u8]) -> Self {
        self.body_excerpt = body_excerpt(body, MAX_BODY_EXCERPT_BYTES);
        self
    }
}

fn clean_detail(text: &str) -> String {
    bounded_one_line(scrub_text(text).trim(), MAX_DETAIL_BYTES)
}

/// Every failure of the SDK.
///
/// Each variant carries an [`ErrorContext`] (boxed, so that `Result<T, Error>` stays small).
/// Match on the variant for behaviour, and use the accessors ([`operation`](Error::operation),
/// [`status`](Error::status), [`code`](Error::code), [`is_retryable`](Error::is_retryable),
/// [`retry_after`](Error::retry_after)) for logging and retry loops. `Display` is one line:
/// `<operation>: <what> (HTTP <status>, code <code>): <server detail>`.
///
/// ```
/// use zapier_embed_domain::Error;
/// let err = Error::from_response("lease messages", 409, None, br#"{"detail":"Inbox is paused and fully drained.",
///   "inbox_attributes":{"status":"paused","paused_reason":"authentication","paused_at":"2026-03-12T16:59:47.185Z"}}"#);
/// match &err {
///     Error::InboxPaused { reason: Some(r), .. } if r.needs_reconnect() => {}
///     other => panic!("unexpected {other}"),
/// }
/// assert_eq!(err.to_string(),
///     "lease messages: inbox is paused (reason authentication) (HTTP 409): Inbox is paused and fully drained.");
/// ```
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

/// The cause of an [`Error`] (a transport, I/O or decode error), shared behind an `Arc` so the
/// error stays `Clone`. It is transparent in a cause chain: its `Display` and `source` are its
/// cause's. Two sources compare equal when their messages are equal (the cause types are not
/// comparable), which keeps [`Error`] `Eq` for tests.
#[derive(Clone)]
pub struct ErrorSource(Arc<dyn std::error::Error + Send + Sync + 'static>);

impl ErrorSource {
    /// Wraps a cause.
    ///
    /// ```
    /// let source = zapier_embed_domain::ErrorSource::new(std::io::Error::other("reset"));
    /// assert_eq!(source.to_string(), "reset");
    /// ```
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        ErrorSource(Arc::new(error))
    }
}

impl fmt::Debug for ErrorSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for ErrorSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for ErrorSource {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl PartialEq for ErrorSource {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.to_string() == other.0.to_string()
    }
}

impl Eq for ErrorSource {}

/// `<operation>: <what> (HTTP <status>, code <code>): <detail>`.
fn render(ctx: &ErrorContext, what: impl fmt::Display) -> String {
    let detail = ctx.detail.as_ref().or(ctx.title.as_ref());
    render_with(ctx, what, detail.map(|d| d as &dyn fmt::Display))
}

fn render_with(
    ctx: &ErrorContext,
    what: impl fmt::Display,
    tail: Option<&dyn fmt::Display>,
) -> String {
    use fmt::Write as _;
    let mut out = format!("{}: {what}", ctx.operation);
    match (ctx.status, ctx.code.as_deref()) {
        (Some(status), Some(code)) => {
            let _ = write!(out, " (HTTP {status}, code {code})");
        }
        (Some(status), None) => {
            let _ = write!(out, " (HTTP {status})");
        }
        (None, Some(code)) => {
            let _ = write!(out, " (code {code})");
        }
        (None, None) => {}
    }
    if let Some(tail) = tail {
        let _ = write!(out, ": {tail}");
    }
    out
}

fn render_validation(ctx: &ErrorContext, fields: &[FieldError]) -> String {
    if fields.is_empty() {
        return render(ctx, "invalid request");
    }
    // The field list carries the server's words, so it takes the place of the detail; bounded
    // like a detail, so that a long key or a server's long list is not echoed back whole.
    let list = bounded_one_line(&FieldList(fields).to_string(), MAX_DETAIL_BYTES);
    render_with(ctx, "invalid request", Some(&list))
}

struct FieldList<'a>(&'a [FieldError]);

impl fmt::Display for FieldList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_field_list(f, self.0)
    }
}

struct RateLimitedWhat(Option<Duration>);

impl fmt::Display for RateLimitedWhat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(d) => write!(f, "rate limited, retry after {:.1}s", d.as_secs_f64()),
            None => f.write_str("rate limited"),
        }
    }
}

struct PausedWhat<'a>(&'static str, Option<&'a PausedReason>);

impl fmt::Display for PausedWhat<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)?;
        if let Some(reason) = self.1 {
            write!(f, " (reason {reason})")?;
        }
        Ok(())
    }
}

struct RunFailedWhat<'a>(&'a [RunError]);

impl fmt::Display for RunFailedWhat<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("action run failed")?;
        if let Some(first) = self.0.first() {
            write!(
                f,
                ": {}",
                bounded_one_line(&first.to_string(), MAX_DETAIL_BYTES)
            )?;
        }
        if self.0.len() > 1 {
            write!(f, " (and {} more)", self.0.len() - 1)?;
        }
        Ok(())
    }
}

struct LimitWhat<'a>(&'a str, u64);

impl fmt::Display for LimitWhat<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the answer exceeded the client's limit {} = {}",
            self.0, self.1
        )
    }
}

struct ServerWhat(Option<u16>);

impl fmt::Display for ServerWhat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(s) if (400..500).contains(&s) => f.write_str("unexpected client error"),
            Some(s) if s < 400 => f.write_str("unexpected response"),
            _ => f.write_str("server error"),
        }
    }
}

/// OAuth error codes that mean "these credentials / this grant are no good".
const OAUTH_AUTH_CODES: &[&str] = &[
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "access_denied",
    "invalid_token",
];

impl Error {
    /// Maps an unsuccessful HTTP response to an error.
    ///
    /// * `operation` names the call (`"lease messages"`, `"ensure inbox"`…);
    /// * `retry_after` is the parsed `Retry-After` header, if any (see
    ///   [`parse_retry_after`](crate::parse_retry_after));
    /// * `body` is the raw body (any bytes; never panics).
    ///
    /// Mapping, first match wins: code `unauthenticated` → [`Unauthenticated`](Error::Unauthenticated);
    /// `lease_expired` → [`LeaseExpired`](Error::LeaseExpired); `invalid_audience` →
    /// [`InvalidAudience`](Error::InvalidAudience); 429 or `rate_limited` →
    /// [`RateLimited`](Error::RateLimited); 5xx → [`Server`](Error::Server); 401, code
    /// `authentication_failed`, or an OAuth `invalid_client`/`invalid_grant`/… →
    /// [`AuthenticationFailed`](Error::AuthenticationFailed); 403 →
    /// [`PermissionDenied`](Error::PermissionDenied); 404 / `not_found` →
    /// [`NotFound`](Error::NotFound); 409 with `inbox_attributes` →
    /// [`InboxPaused`](Error::InboxPaused) (or [`InitializationFailed`](Error::InitializationFailed)
    /// when the status says so); other 409 / `conflict` → [`Conflict`](Error::Conflict); 408 →
    /// [`Timeout`](Error::Timeout); 400 / 422 / `validation_error` →
    /// [`Validation`](Error::Validation); anything else → [`Server`](Error::Server).
    ///
    /// ```
    /// use std::time::Duration;
    /// use zapier_embed_domain::Error;
    /// let expired = Error::from_response("list inboxes", 400, None,
    ///     br#"{"errors":[{"code":"unauthenticated","detail":"Token has expired.","status":400,"title":"Authentication error"}]}"#);
    /// assert!(matches!(expired, Error::Unauthenticated { .. }));
    /// assert!(expired.should_refresh_token());
    /// assert_eq!(expired.to_string(),
    ///     "list inboxes: access token expired or invalid (HTTP 400, code unauthenticated): Token has expired.");
    ///
    /// let limited = Error::from_response("lease messages", 429, Some(Duration::from_secs(60)), b"");
    /// assert_eq!(limited.retry_after(), Some(Duration::from_secs(60)));
    /// ```
    pub fn from_response(
        operation: impl Into<Cow<'static, str>>,
        status: u16,
        retry_after: Option<Duration>,
        body: &[u8],
    ) -> Error {
        let parsed = error_body::parse(body);
        let mut context = ErrorContext::new(operation)
            .with_status(status)
            .with_body(body);
        context.code = parsed.code.as_deref().map(|c| bounded_one_line(c, 100));
        context.title = parsed.title.as_deref().map(clean_detail);
        context.detail = parsed.detail.as_deref().map(clean_detail);
        let code = parsed.code.as_deref().unwrap_or("");
        let context = Box::new(context);
        let client_error = (400..500).contains(&status);

        if client_error {
            match code {
                "unauthenticated" => return Error::Unauthenticated { context },
                "lease_expired" => return Error::LeaseExpired { context },
                "invalid_audience" => return Error::InvalidAudience { context },
                _ => {}
            }
        }
        if status == 429 || (client_error && code == "rate_limited") {
            return Error::RateLimited {
                context,
                retry_after,
            };
        }
        if !client_error {
            return Error::Server {
                context,
                retry_after,
            };
        }
        if status == 401
            || code == "authentication_failed"
            || (parsed.oauth && OAUTH_AUTH_CODES.contains(&code))
        {
            return Error::AuthenticationFailed { context };
        }
        if status == 403 || code == "permission_denied" {
            return Error::PermissionDenied { context };
        }
        if status == 404 || code == "not_found" {
            return Error::NotFound { context };
        }
        if status == 409 {
            if let Some(attrs) = parsed.inbox_attributes {
                if attrs.status == InboxStatus::InitializationFailure {
                    return Error::InitializationFailed {
                        context,
                        reason: attrs.paused_reason,
                    };
                }
                return Error::InboxPaused {
                    context,
                    reason: attrs.paused_reason,
                    paused_at: attrs.paused_at,
                };
            }
            return Error::Conflict { context };
        }
        if code == "conflict" {
            return Error::Conflict { context };
        }
        if status == 408 {
            return Error::Timeout { context };
        }
        if matches!(status, 400 | 422) || code == "validation_error" {
            return Error::Validation {
                context,
                fields: parsed.fields,
            };
        }
        Error::Server {
            context,
            retry_after,
        }
    }

    /// A transport failure (connect, TLS, reset…). `message` is scrubbed of credentials and URL
    /// query strings, so an HTTP library's error text can be passed as is.
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// let err = Error::transport("get inbox",
    ///     "error sending request for url (https://connect.zapier.com/to/slack?token=abc): connection refused");
    /// assert!(!err.to_string().contains("abc"));
    /// assert!(err.is_retryable());
    /// ```
    pub fn transport(operation: impl Into<Cow<'static, str>>, message: impl AsRef<str>) -> Error {
        Error::Transport {
            context: Box::new(ErrorContext::new(operation).with_detail(message)),
            source: None,
        }
    }

    /// A transport failure caused by `error`, kept whole as the error's
    /// [`source`](std::error::Error::source) (its own causes follow from there); `message` says
    /// what failed in the SDK's words. The cause must carry no secret (the facade passes the
    /// HTTP client's error without its URL): [`redact_secrets`](Error::redact_secrets) scrubs
    /// the texts this error holds, not the cause's.
    ///
    /// ```
    /// use std::error::Error as _;
    /// use zapier_embed_domain::Error;
    /// let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
    /// let err = Error::transport_from("lease messages", "could not connect", io);
    /// assert_eq!(err.to_string(), "lease messages: transport error: could not connect");
    /// assert_eq!(err.source().unwrap().to_string(), "reset by peer");
    /// assert!(err.is_retryable());
    /// ```
    pub fn transport_from(
        operation: impl Into<Cow<'static, str>>,
        message: impl AsRef<str>,
        error: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        Error::Transport {
            context: Box::new(ErrorContext::new(operation).with_detail(message)),
            source: Some(ErrorSource::new(error)),
        }
    }

    /// A timeout (per attempt, total, or while waiting for a state).
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// let err = Error::timeout("wait until active", "inbox still initializing after 60s");
    /// assert_eq!(err.to_string(), "wait until active: timed out: inbox still initializing after 60s");
    /// ```
    pub fn timeout(operation: impl Into<Cow<'static, str>>, message: impl AsRef<str>) -> Error {
        Error::Timeout {
            context: Box::new(ErrorContext::new(operation).with_detail(message)),
        }
    }

    /// A body that could not be decoded.
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// let err = Error::decode("get inbox", "missing field `id`");
    /// assert!(matches!(err, Error::Decode { .. }));
    /// ```
    pub fn decode(operation: impl Into<Cow<'static, str>>, message: impl AsRef<str>) -> Error {
        Error::Decode {
            context: Box::new(ErrorContext::new(operation).with_detail(message)),
            source: None,
        }
    }

    /// A body that could not be decoded, keeping its status and a bounded, redacted excerpt.
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// let err = Error::decode_body("get inbox", 200, "expected value at line 1", b"<html>");
    /// assert_eq!(err.status(), Some(200));
    /// assert_eq!(err.context().body_excerpt.as_deref(), Some("<html>"));
    /// ```
    pub fn decode_body(
        operation: impl Into<Cow<'static, str>>,
        status: u16,
        message: impl AsRef<str>,
        body: &[u8],
    ) -> Error {
        Error::Decode {
            context: Box::new(
                ErrorContext::new(operation)
                    .with_status(status)
                    .with_detail(message)
                    .with_body(body),
            ),
            source: None,
        }
    }

    /// A server answer that crossed the client's limit `limit` (a setting name) of `max`.
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// let err = Error::limit_exceeded("list messages", "max_pages", 1000);
    /// assert_eq!(err.to_string(),
    ///     "list messages: the answer exceeded the client's limit max_pages = 1000");
    /// ```
    pub fn limit_exceeded(
        operation: impl Into<Cow<'static, str>>,
        limit: &'static str,
        max: u64,
    ) -> Error {
        Error::LimitExceeded {
            context: Box::new(ErrorContext::new(operation)),
            limit,
            max,
        }
    }

    /// Replaces every occurrence of each of `secrets` (see [`redact_secrets`]) in every text the
    /// error carries: code, title, detail, body excerpt, field errors and action-run errors. The
    /// facade calls it with every credential it knows, so that a server echoing one back never
    /// gets it into a message, a log line or `Debug`.
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// let mut err = Error::from_response("get token", 400, None,
    ///     br#"{"error":"invalid_client","error_description":"bad secret hunter2hunter2"}"#);
    /// err.redact_secrets(&["hunter2hunter2"]);
    /// assert!(!format!("{err} {err:?}").contains("hunter2hunter2"));
    /// ```
    pub fn redact_secrets(&mut self, secrets: &[&str]) {
        let clean = |text: &mut String| *text = redact_secrets(text, secrets);
        let clean_opt = |text: &mut Option<String>| {
            if let Some(text) = text {
                clean(text);
            }
        };
        {
            let context = self.context_mut();
            clean_opt(&mut context.code);
            clean_opt(&mut context.title);
            clean_opt(&mut context.detail);
            clean_opt(&mut context.body_excerpt);
        }
        match self {
            Error::Validation { fields, .. } => {
                for field in fields {
                    clean(&mut field.field);
                    match &mut field.problem {
                        FieldProblem::WrongType { got, .. } => clean(got),
                        FieldProblem::OutOfRange { got, range } => {
                            clean(got);
                            clean(range);
                        }
                        FieldProblem::Invalid(text) => clean(text),
                        _ => {}
                    }
                }
            }
            Error::ActionRunFailed { errors, .. } => {
                for error in errors {
                    clean_opt(&mut error.title);
                    clean_opt(&mut error.detail);
                    if let Some(meta) = &mut error.meta {
                        let text = meta.to_string();
                        if redact_secrets(&text, secrets) != text {
                            *meta = serde_json::Value::String(crate::REDACTED.to_owned());
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// A configuration problem found before any request.
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// let err = Error::configuration("ZAPIER_ACCESS_TOKEN is empty");
    /// assert_eq!(err.to_string(), "configure client: invalid configuration: ZAPIER_ACCESS_TOKEN is empty");
    /// ```
    pub fn configuration(message: impl AsRef<str>) -> Error {
        Error::Configuration {
            context: Box::new(ErrorContext::new("configure client").with_detail(message)),
        }
    }

    /// A validation error found by the SDK before sending. `Display` keeps the field list to one
    /// bounded line (512 bytes), so an overlong value is never echoed back whole.
    ///
    /// ```
    /// use zapier_embed_domain::{Error, FieldError, FieldProblem};
    /// let err = Error::validation("ensure inbox", vec![FieldError::new("channel", FieldProblem::Missing)]);
    /// assert_eq!(err.to_string(), "ensure inbox: invalid request: channel: required field is missing");
    /// let long = Error::validation("x", vec![FieldError::new("k".repeat(10_000), FieldProblem::Missing)]);
    /// assert!(long.to_string().len() < 600);
    /// ```
    pub fn validation(operation: impl Into<Cow<'static, str>>, fields: Vec<FieldError>) -> Error {
        Error::Validation {
            context: Box::new(ErrorContext::new(operation)),
            fields,
        }
    }

    /// A resource the SDK looked for and did not find without a 404 (e.g. an inbox name that a
    /// variant A list-by-name call returned no result for).
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// let err = Error::not_found("resolve inbox", "no inbox named \"orders\"");
    /// assert_eq!(err.to_string(), "resolve inbox: not found: no inbox named \"orders\"");
    /// ```
    pub fn not_found(operation: impl Into<Cow<'static, str>>, detail: impl AsRef<str>) -> Error {
        Error::NotFound {
            context: Box::new(ErrorContext::new(operation).with_detail(detail)),
        }
    }

    /// A conflict the SDK detected itself (e.g. an ensured inbox whose returned subscription
    /// differs from the requested one).
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// let err = Error::conflict("ensure inbox", "name is bound to another trigger");
    /// assert!(matches!(err, Error::Conflict { .. }));
    /// ```
    pub fn conflict(operation: impl Into<Cow<'static, str>>, detail: impl AsRef<str>) -> Error {
        Error::Conflict {
            context: Box::new(ErrorContext::new(operation).with_detail(detail)),
        }
    }

    /// The inbox is paused (e.g. seen by `wait_until_active`).
    ///
    /// ```
    /// use zapier_embed_domain::{Error, PausedReason};
    /// let err = Error::inbox_paused("wait until active", Some(PausedReason::User), None);
    /// assert_eq!(err.to_string(), "wait until active: inbox is paused (reason user)");
    /// ```
    pub fn inbox_paused(
        operation: impl Into<Cow<'static, str>>,
        reason: Option<PausedReason>,
        paused_at: Option<DateTime<Utc>>,
    ) -> Error {
        Error::InboxPaused {
            context: Box::new(ErrorContext::new(operation)),
            reason,
            paused_at,
        }
    }

    /// The inbox failed to initialize.
    ///
    /// ```
    /// use zapier_embed_domain::{Error, PausedReason};
    /// let err = Error::initialization_failed("wait until active", Some(PausedReason::SubscribeFailed));
    /// assert_eq!(err.to_string(), "wait until active: inbox failed to initialize (reason subscribe_failed)");
    /// ```
    pub fn initialization_failed(
        operation: impl Into<Cow<'static, str>>,
        reason: Option<PausedReason>,
    ) -> Error {
        Error::InitializationFailed {
            context: Box::new(ErrorContext::new(operation)),
            reason,
        }
    }

    /// An action run that ended with status `error`.
    ///
    /// ```
    /// use zapier_embed_domain::{Error, RunError, RunErrorCode};
    /// let err = Error::action_run_failed("run action", vec![RunError::new(RunErrorCode::User).with_title("Bad channel")]);
    /// assert_eq!(err.to_string(), "run action: action run failed: user: Bad channel");
    /// ```
    pub fn action_run_failed(
        operation: impl Into<Cow<'static, str>>,
        errors: Vec<RunError>,
    ) -> Error {
        Error::ActionRunFailed {
            context: Box::new(ErrorContext::new(operation)),
            errors,
        }
    }

    /// The context of any variant.
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// assert_eq!(Error::decode("x", "y").context().operation, "x");
    /// ```
    pub fn context(&self) -> &ErrorContext {
        match self {
            Error::Unauthenticated { context }
            | Error::AuthenticationFailed { context }
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
    }

    /// Mutable access to the context (e.g. to rename the operation at a higher level).
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// let mut err = Error::decode("x", "y");
    /// err.context_mut().operation = "ensure inbox".into();
    /// assert_eq!(err.operation(), "ensure inbox");
    /// ```
    pub fn context_mut(&mut self) -> &mut ErrorContext {
        match self {
            Error::Unauthenticated { context }
            | Error::AuthenticationFailed { context }
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
    }

    /// The operation that failed.
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// assert_eq!(Error::from_response("get inbox", 404, None, b"").operation(), "get inbox");
    /// ```
    pub fn operation(&self) -> &str {
        &self.context().operation
    }

    /// The HTTP status, when a response arrived.
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// assert_eq!(Error::from_response("get inbox", 404, None, b"").status(), Some(404));
    /// assert_eq!(Error::transport("get inbox", "refused").status(), None);
    /// ```
    pub fn status(&self) -> Option<u16> {
        self.context().status
    }

    /// The server's error code.
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// let err = Error::from_response("x", 409, None, br#"{"errors":[{"code":"conflict","detail":"taken"}]}"#);
    /// assert_eq!(err.code(), Some("conflict"));
    /// ```
    pub fn code(&self) -> Option<&str> {
        self.context().code.as_deref()
    }

    /// The server's (or transport's) explanation.
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// let err = Error::from_response("x", 409, None, br#"{"errors":[{"code":"conflict","detail":"taken"}]}"#);
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
    /// assert!(!Error::from_response("get inbox", 409, None, b"").is_not_found());
    /// ```
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }

    /// Whether the server refused the call for its rate (429, [`Error::RateLimited`]); see
    /// [`retry_after`](Error::retry_after) for how long it asked to wait.
    ///
    /// ```
    /// use zapier_embed_domain::Error;
    /// assert!(Error::from_response("lease messages", 429, None, b"").is_rate_limited());
    /// assert!(!Error::from_response("lease messages", 503, None, b"").is_rate_limited());
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
    /// use zapier_embed_domain::Error;
    /// assert!(Error::from_response("x", 503, None, b"").is_retryable());
    /// assert!(!Error::from_response("x", 404, None, b"").is_retryable());
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
    /// use zapier_embed_domain::Error;
    /// assert!(Error::from_response("x", 401, None, b"").should_refresh_token());
    /// assert!(!Error::from_response("x", 401, None, br#"{"errors":[{"code":"invalid_audience","detail":"d"}]}"#)
    ///     .should_refresh_token());
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
    /// use zapier_embed_domain::Error;
    /// let err = Error::from_response("x", 503, Some(Duration::from_secs(5)), b"");
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
    /// use zapier_embed_domain::Error;
    /// let err = Error::from_response("x", 422, None,
    ///     br#"{"errors":[{"code":"validation_error","detail":"channel: This field is required."}]}"#);
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

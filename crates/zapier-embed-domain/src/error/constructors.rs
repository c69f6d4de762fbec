//! The constructors of [`Error`], and scrubbing secrets from every text it holds.

use super::*;

impl Error {
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
    /// assert_eq!(err.context().body_excerpt(), Some("<html>"));
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
    /// use zapier_embed_domain::{Error, ErrorContext};
    /// let context = ErrorContext::new("get token")
    ///     .with_status(400)
    ///     .with_code("invalid_client")
    ///     .with_detail("bad secret hunter2hunter2");
    /// let mut err = Error::AuthenticationFailed { context: Box::new(context) };
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
}

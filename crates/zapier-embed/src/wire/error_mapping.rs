//! The one place where an unsuccessful HTTP answer (status, `Retry-After`, body) becomes an
//! [`Error`]: every answer the wire layer reads that is not a 2xx goes through
//! [`AnswerError::from_response`]. The domain crate only defines the error; which status and
//! which body code mean which variant is a fact about the APIs' wire, so it lives here.

use std::borrow::Cow;
use std::time::Duration;

use zapier_embed_domain::{ErrorContext, InboxStatus};

use super::error_body;
use crate::Error;

/// OAuth error codes that mean "these credentials / this grant are no good".
const OAUTH_AUTH_CODES: &[&str] = &[
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "access_denied",
    "invalid_token",
];

/// Building an [`Error`] from an unsuccessful answer. A trait only because [`Error`] is the
/// domain's type: call sites keep reading `Error::from_response(…)`.
pub(crate) trait AnswerError {
    /// Maps an unsuccessful HTTP response to an error.
    ///
    /// * `operation` names the call (`"lease messages"`, `"ensure inbox"`…);
    /// * `retry_after` is the parsed `Retry-After` header, if any;
    /// * `body` is the raw body (any bytes; never panics).
    ///
    /// Mapping, first match wins: code `unauthenticated` → `Unauthenticated`; `lease_expired` →
    /// `LeaseExpired`; `invalid_audience` → `InvalidAudience`; 429 or `rate_limited` →
    /// `RateLimited`; 5xx → `Server`; 401, code `authentication_failed`, or an OAuth
    /// `invalid_client`/`invalid_grant`/… → `AuthenticationFailed`; 403 → `PermissionDenied`;
    /// 404 / `not_found` → `NotFound`; 409 with `inbox_attributes` → `InboxPaused` (or
    /// `InitializationFailed` when the status says so); other 409 / `conflict` → `Conflict`;
    /// 408 → `Timeout`; 400 / 422 / `validation_error` → `Validation`; anything else →
    /// `Server`.
    fn from_response(
        operation: impl Into<Cow<'static, str>>,
        status: u16,
        retry_after: Option<Duration>,
        body: &[u8],
    ) -> Self;
}

impl AnswerError for Error {
    fn from_response(
        operation: impl Into<Cow<'static, str>>,
        status: u16,
        retry_after: Option<Duration>,
        body: &[u8],
    ) -> Error {
        let parsed = error_body::parse(body);
        let mut context = ErrorContext::new(operation)
            .with_status(status)
            .with_body(body);
        if let Some(code) = &parsed.code {
            context = context.with_code(code);
        }
        if let Some(title) = &parsed.title {
            context = context.with_title(title);
        }
        if let Some(detail) = &parsed.detail {
            context = context.with_detail(detail);
        }
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
}

#[cfg(test)]
mod tests;

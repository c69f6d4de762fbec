//! Error bodies and the one error type every handler returns.
//!
//! Three wire shapes exist and each is reproduced exactly:
//! * the `Errors` envelope `{"errors":[{"code","detail","status","title","source"}]}` used by the
//!   Trigger Inbox and Partner APIs (a `400` for an expired token is `unauthenticated`, not `401`);
//! * the OAuth error `{"error","error_description"}` of the token endpoint and Connect UI;
//! * the lease `409` `{"detail","inbox_attributes":{...,"paused_at"}}`, which is *not* an envelope.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::models::inbox::LeaseConflictResponse;

/// Where in the request an error was found (JSON:API style).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct ErrorSource {
    /// JSON pointer into the request body, e.g. `/subscription/inputs/channel`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Name of the offending query or path parameter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// Name of the offending header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
}

/// One error of the envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub(crate) struct ErrorDetail {
    /// Machine-readable code (`validation_error`, `not_found`, `conflict`, `unauthenticated`,
    /// `authentication_failed`, `lease_expired`, `rate_limited`, `error`, ...).
    pub code: String,
    /// Human-readable explanation; names the offending field for validation errors.
    pub detail: String,
    /// HTTP status repeated in the body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Short summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Location of the offending input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<ErrorSource>,
    /// Extra data (Partner API errors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub meta: Option<serde_json::Value>,
}

/// The error envelope `{"errors":[...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub(crate) struct Errors {
    /// One or more errors; clients read `errors[0].code`.
    pub errors: Vec<ErrorDetail>,
}

/// OAuth 2.0 error body (RFC 6749 §5.2), also used by the Connect UI stand-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct OAuthError {
    /// `invalid_request`, `invalid_client`, `invalid_grant` or `unsupported_grant_type`.
    pub error: String,
    /// What was wrong.
    pub error_description: String,
}

/// Every failure a handler can answer with.
#[derive(Debug, Clone)]
pub(crate) enum ApiError {
    /// An `Errors` envelope with this status.
    Envelope {
        /// HTTP status.
        status: StatusCode,
        /// The single error reported.
        error: Box<ErrorDetail>,
        /// `Retry-After` seconds (429 only).
        retry_after: Option<u64>,
    },
    /// An OAuth-style error (`400`, or `401` for `invalid_client`).
    OAuth {
        /// The `error` code.
        error: &'static str,
        /// The description.
        description: String,
    },
    /// The lease `409` for a paused, drained inbox.
    LeaseConflict(Box<LeaseConflictResponse>),
}

impl ApiError {
    fn envelope(
        status: StatusCode,
        code: &str,
        title: &str,
        detail: impl Into<String>,
        source: Option<ErrorSource>,
    ) -> Self {
        ApiError::Envelope {
            status,
            error: Box::new(ErrorDetail {
                code: code.to_owned(),
                detail: detail.into(),
                status: Some(status.as_u16()),
                title: Some(title.to_owned()),
                source,
                meta: None,
            }),
            retry_after: None,
        }
    }

    /// `400 validation_error` pointing at a body field (`pointer` is a JSON pointer).
    pub(crate) fn validation(pointer: &str, detail: impl Into<String>) -> Self {
        Self::validation_error(
            detail,
            ErrorSource {
                pointer: Some(pointer.to_owned()),
                ..ErrorSource::default()
            },
        )
    }

    /// `400 validation_error` naming a query or path parameter.
    pub(crate) fn invalid_param(name: &str, detail: impl Into<String>) -> Self {
        Self::validation_error(
            detail,
            ErrorSource {
                parameter: Some(name.to_owned()),
                ..ErrorSource::default()
            },
        )
    }

    /// `400 validation_error` with the `source` naming what is wrong.
    fn validation_error(detail: impl Into<String>, source: ErrorSource) -> Self {
        Self::envelope(
            StatusCode::BAD_REQUEST,
            "validation_error",
            "Validation error",
            detail,
            Some(source),
        )
    }

    /// The same error answered with `422 Unprocessable Entity` (variant B reports validation
    /// errors so); other errors are returned unchanged.
    pub(crate) fn unprocessable(self) -> Self {
        match self {
            ApiError::Envelope {
                status: StatusCode::BAD_REQUEST,
                mut error,
                retry_after,
            } if error.code == "validation_error" || error.code == "parse_error" => {
                error.status = Some(422);
                ApiError::Envelope {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    error,
                    retry_after,
                }
            }
            other => other,
        }
    }

    /// `400 parse_error`: the body is not the JSON it should be.
    pub(crate) fn parse(detail: impl Into<String>) -> Self {
        Self::envelope(
            StatusCode::BAD_REQUEST,
            "parse_error",
            "ParseError",
            detail,
            None,
        )
    }

    /// A client error found before any handler ran (an extractor's rejection, a body over the
    /// size limit, a method the route does not serve), answered in the envelope.
    pub(crate) fn rejection(status: StatusCode, detail: impl Into<String>) -> Self {
        let (status, code, title) = match status.as_u16() {
            404 => (status, "not_found", "Not found"),
            405 => (status, "method_not_allowed", "Method not allowed"),
            406 => (status, "not_acceptable", "Not acceptable"),
            413 => (status, "payload_too_large", "Payload too large"),
            415 => (status, "unsupported_media_type", "Unsupported media type"),
            400..=499 => (status, "parse_error", "ParseError"),
            _ => (StatusCode::BAD_REQUEST, "parse_error", "ParseError"),
        };
        Self::envelope(status, code, title, detail, None)
    }

    /// `401 invalid_audience`: the token was not issued for this API (the Trigger Inbox API
    /// needs the `external` scope).
    pub(crate) fn invalid_audience(detail: impl Into<String>) -> Self {
        Self::envelope(
            StatusCode::UNAUTHORIZED,
            "invalid_audience",
            "Authentication failed",
            detail,
            None,
        )
    }

    /// `404 not_found`.
    pub(crate) fn not_found(detail: impl Into<String>) -> Self {
        Self::envelope(
            StatusCode::NOT_FOUND,
            "not_found",
            "Not found",
            detail,
            None,
        )
    }

    /// `403 permission_denied`: the token's scopes do not cover the operation.
    pub(crate) fn forbidden(detail: impl Into<String>) -> Self {
        Self::envelope(
            StatusCode::FORBIDDEN,
            "permission_denied",
            "Permission denied",
            detail,
            None,
        )
    }

    /// `409 conflict`.
    pub(crate) fn conflict(detail: impl Into<String>) -> Self {
        Self::envelope(StatusCode::CONFLICT, "conflict", "Conflict", detail, None)
    }

    /// `400 unauthenticated`: the token was valid once but has expired.
    pub(crate) fn token_expired() -> Self {
        Self::envelope(
            StatusCode::BAD_REQUEST,
            "unauthenticated",
            "Authentication error",
            "Token has expired.",
            None,
        )
    }

    /// `401 authentication_failed`: missing, malformed or unknown credentials.
    pub(crate) fn unauthorized(detail: impl Into<String>) -> Self {
        let source = ErrorSource {
            header: Some("Authorization".to_owned()),
            ..ErrorSource::default()
        };
        Self::envelope(
            StatusCode::UNAUTHORIZED,
            "authentication_failed",
            "Authentication failed",
            detail,
            Some(source),
        )
    }

    /// `400 lease_expired`: ack/release after the lease lapsed.
    pub(crate) fn lease_expired(lease: impl std::fmt::Display) -> Self {
        Self::envelope(
            StatusCode::BAD_REQUEST,
            "lease_expired",
            "Lease expired",
            format!("Lease {lease} has expired; its messages were returned to the inbox."),
            None,
        )
    }

    /// `429 rate_limited` with `Retry-After`.
    pub(crate) fn rate_limited(retry_after: u64) -> Self {
        match Self::envelope(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many requests",
            format!("You have exceeded the rate limit. Retry after {retry_after} seconds."),
            None,
        ) {
            ApiError::Envelope { status, error, .. } => ApiError::Envelope {
                status,
                error,
                retry_after: Some(retry_after),
            },
            other => other,
        }
    }

    /// An injected or internal server error with the given 5xx status.
    pub(crate) fn server(status: StatusCode) -> Self {
        let code = if status == StatusCode::SERVICE_UNAVAILABLE {
            "service_unavailable"
        } else {
            "error"
        };
        Self::envelope(
            status,
            code,
            "APIException",
            "A server error occurred.",
            None,
        )
    }

    /// An OAuth error (`400`).
    pub(crate) fn oauth(error: &'static str, description: impl Into<String>) -> Self {
        ApiError::OAuth {
            error,
            description: description.into(),
        }
    }

    /// The HTTP status this error answers with.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            ApiError::Envelope { status, .. } => *status,
            ApiError::OAuth { error, .. } => oauth_status(error),
            ApiError::LeaseConflict(_) => StatusCode::CONFLICT,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Envelope { status, error, .. } => {
                write!(f, "{status}: {} ({})", error.detail, error.code)
            }
            ApiError::OAuth { error, description } => write!(f, "{error}: {description}"),
            ApiError::LeaseConflict(c) => write!(f, "409: {}", c.detail),
        }
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Envelope {
                status,
                error,
                retry_after,
            } => {
                let mut resp = (
                    status,
                    axum::Json(Errors {
                        errors: vec![*error],
                    }),
                )
                    .into_response();
                if let Some(secs) = retry_after {
                    resp.headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
                }
                resp
            }
            ApiError::OAuth { error, description } => (
                oauth_status(error),
                axum::Json(OAuthError {
                    error: error.to_owned(),
                    error_description: description,
                }),
            )
                .into_response(),
            ApiError::LeaseConflict(body) => {
                (StatusCode::CONFLICT, axum::Json(*body)).into_response()
            }
        }
    }
}

/// RFC 6749 §5.2: a failed client authentication is `401`, every other OAuth error `400`.
fn oauth_status(error: &str) -> StatusCode {
    if error == "invalid_client" {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::BAD_REQUEST
    }
}

/// Handler result type.
pub(crate) type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_is_a_400() {
        let resp = ApiError::validation(
            "/subscription/app_key",
            "subscription.app_key: unknown app `nope`.",
        )
        .into_response();
        assert_eq!(resp.status(), 400);
    }
}

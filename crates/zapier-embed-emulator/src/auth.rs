//! Bearer authentication of API requests and partner-JWT decoding for the token exchange.
//!
//! `Authorization: Bearer <token>` and `Authorization: JWT <token>` are both accepted (the
//! official SDK sends `JWT` for JWT-shaped tokens). Missing or malformed headers and unknown tokens
//! answer `401 authentication_failed`; an expired token answers `400 unauthenticated`, as the
//! Trigger Inbox errors guide documents. On the Trigger Inbox API (every path with a
//! `/trigger-inbox/` segment, whatever prefix serves it) the token must carry the `external`
//! scope, or have been issued without any scope (the token endpoint's default); otherwise the
//! answer is `401 invalid_audience`, as the errors guide documents.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::app::AppState;
use crate::error::ApiError;
use crate::state::users::TokenError;

/// The authenticated user of a request.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// User id.
    pub user: Uuid,
    /// The bearer token presented.
    pub token: String,
    /// Scopes the token was issued with (`None`: unrestricted).
    pub scopes: Option<Vec<String>>,
}

impl Caller {
    /// Whether the token may call the Trigger Inbox API: issued with `external`, or without any
    /// scope (the token endpoint then grants its default, `external`).
    pub(crate) fn may_use_trigger_inbox(&self) -> bool {
        self.scopes
            .as_ref()
            .is_none_or(|granted| granted.iter().any(|g| g == "external"))
    }

    /// `403` unless the token may use `scope`. Tokens issued without `scope`, or with `external`
    /// (which the docs describe as access to all public APIs), may use everything.
    pub(crate) fn require_scope(&self, scope: &str) -> Result<(), ApiError> {
        match &self.scopes {
            Some(granted)
                if !granted
                    .iter()
                    .any(|g| g == scope || g == "external" || g == "zap:all") =>
            {
                Err(ApiError::forbidden(format!(
                    "This token lacks the `{scope}` scope."
                )))
            }
            _ => Ok(()),
        }
    }
}

/// Whether `path` belongs to the Trigger Inbox API (by id, by name, trigger discovery), under
/// any prefix that serves it: the documents' `/trigger-inbox/...` prefixes, the TypeScript SDK's
/// gateway (`/api/v0/sdk/trigger-inbox/...`) and its route override (`/api/v1/...`, which carries
/// no `trigger-inbox` segment, so it is named here or its copies of the inbox handlers would skip
/// the `external` scope check).
pub(crate) fn is_trigger_inbox_path(path: &str) -> bool {
    path.contains("/trigger-inbox/") || path.starts_with("/api/v1/")
}

/// The path the client asked for (a nested router sees only its own suffix in `uri`).
fn request_path(parts: &Parts) -> &str {
    parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or_else(|| parts.uri.path(), |o| o.0.path())
}

/// Extracts the token from `Authorization` (`Bearer` or `JWT` scheme, case-insensitive).
pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<String, ApiError> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("Authentication credentials were not provided."))?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("Authorization header is not valid text."))?;
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or_else(|| ApiError::unauthorized("Authorization header must be `Bearer <token>`."))?;
    let token = token.trim();
    if !(scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("jwt"))
        || token.is_empty()
    {
        return Err(ApiError::unauthorized(
            "Authorization header must be `Bearer <token>`.",
        ));
    }
    Ok(token.to_owned())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        authenticate(state, &parts.headers, request_path(parts))
    }
}

/// Whether requests to `path` must be authenticated: the Trigger Inbox API, the Partner API and
/// the TypeScript SDK's gateway (`/api/v0/...`).
pub(crate) fn requires_auth(path: &str) -> bool {
    is_trigger_inbox_path(path) || path.starts_with("/v2/") || path.starts_with("/api/v0/")
}

/// Authenticates a request to `path` (the [`Caller`] extractor, and the checks that run before
/// any other client error is reported).
pub(crate) fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
) -> Result<Caller, ApiError> {
    let token = bearer_token(headers)?;
    let now = state.now();
    let store = state.store();
    match store.users.authenticate(&token, now) {
        Ok(user) => {
            let caller = Caller {
                user,
                scopes: store.users.token_scopes(&token),
                token,
            };
            if is_trigger_inbox_path(path) && !caller.may_use_trigger_inbox() {
                return Err(ApiError::invalid_audience(
                    "The Trigger Inbox API needs a token issued with the `external` scope.",
                ));
            }
            Ok(caller)
        }
        Err(TokenError::Expired) => Err(ApiError::token_expired()),
        Err(TokenError::Unknown) => Err(ApiError::unauthorized("Invalid token.")),
    }
}

/// The identity carried by a partner JWT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PartnerIdentity {
    /// `sub`.
    pub subject: String,
    /// Value of the tenant claim.
    pub tenant: String,
}

fn claim_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Decodes a partner JWT's claims without checking the signature (this is an emulator) and
/// validates `sub`, the tenant claim, `aud = connect.zapier.com` and `exp`.
pub(crate) fn decode_partner_jwt(
    jwt: &str,
    tenant_claim: &str,
    now: DateTime<Utc>,
) -> Result<PartnerIdentity, ApiError> {
    let bad = |why: &str| ApiError::oauth("invalid_grant", format!("subject_token: {why}"));
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() != 3 {
        return Err(bad("not a JWT (expected three dot-separated segments)."));
    }
    let raw = URL_SAFE_NO_PAD
        .decode(parts[1].trim_end_matches('='))
        .map_err(|_| bad("payload is not base64url."))?;
    let claims: serde_json::Value =
        serde_json::from_slice(&raw).map_err(|_| bad("payload is not JSON."))?;
    let subject = claims
        .get("sub")
        .and_then(claim_text)
        .ok_or_else(|| bad("missing `sub` claim."))?;
    let tenant = claims
        .get(tenant_claim)
        .and_then(claim_text)
        .ok_or_else(|| bad(&format!("missing `{tenant_claim}` (tenant) claim.")))?;
    let aud_ok = match claims.get("aud") {
        Some(serde_json::Value::String(a)) => a == "connect.zapier.com",
        Some(serde_json::Value::Array(list)) => list.iter().any(|a| a == "connect.zapier.com"),
        _ => false,
    };
    if !aud_ok {
        return Err(bad("`aud` must be `connect.zapier.com`."));
    }
    let exp = claims
        .get("exp")
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| bad("missing `exp` claim."))?;
    if exp <= now.timestamp() {
        return Err(bad("the JWT has expired."));
    }
    Ok(PartnerIdentity { subject, tenant })
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    use super::*;

    #[test]
    fn decodes_a_partner_jwt() {
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let jwt = format!(
            "{}.{}.sig",
            b64(r#"{"alg":"RS256"}"#),
            b64(r#"{"sub":"u1","org_id":"acme","aud":"connect.zapier.com","exp":4102444800}"#)
        );
        let id = decode_partner_jwt(&jwt, "org_id", Utc::now()).unwrap();
        assert_eq!((id.subject.as_str(), id.tenant.as_str()), ("u1", "acme"));
    }
}

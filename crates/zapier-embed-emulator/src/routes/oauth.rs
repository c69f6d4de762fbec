//! `POST /oauth/token` (and `/oauth/token/`): client credentials, partner-JWT token exchange and
//! connect-token exchange.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::auth::decode_partner_jwt;
use crate::catalog;
use crate::error::{ApiError, ApiResult, OAuthError};
use crate::extract::parse_query;
use crate::models::oauth::{TokenForm, TokenResponse};
use crate::routes::alias::with_alias;
use crate::state::users::{CONNECT_TOKEN_TTL_SECS, TokenError, UserKey};

/// `grant_type` of RFC 8693 token exchange.
pub(crate) const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// `subject_token_type` of a partner JWT.
pub(crate) const EXTERNAL_JWT: &str = "urn:ietf:params:oauth:token-type:external-jwt";
/// `subject_token_type` / `requested_token_type` of an access token.
pub(crate) const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access-token";
/// `requested_token_type` of a connect token.
pub(crate) const CONNECT_TOKEN: &str = "urn:ietf:params:oauth:token-type:connect-token";

/// OAuth routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(token))
        .routes(routes!(token_slash))
}

/// Client credentials from the form or HTTP Basic.
fn client_credentials(form: &TokenForm, headers: &HeaderMap) -> Option<(String, String)> {
    if let (Some(id), Some(secret)) = (&form.client_id, &form.client_secret) {
        return Some((id.clone(), secret.clone()));
    }
    let basic = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(basic.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn check_client(
    state: &AppState,
    creds: Option<(String, String)>,
    required: bool,
) -> ApiResult<Option<String>> {
    let Some((id, secret)) = creds else {
        return if required {
            Err(ApiError::oauth(
                "invalid_client",
                "client_id and client_secret are required.",
            ))
        } else {
            Ok(None)
        };
    };
    if id.is_empty() || secret.is_empty() {
        return Err(ApiError::oauth(
            "invalid_client",
            "client_id and client_secret must not be empty.",
        ));
    }
    let known = &state.0.config.clients;
    if !known.is_empty() && !known.iter().any(|(i, s)| *i == id && *s == secret) {
        return Err(ApiError::oauth(
            "invalid_client",
            "Unknown client or wrong secret.",
        ));
    }
    Ok(Some(id))
}

fn issue(
    state: &AppState,
    form: &TokenForm,
    issued_token_type: Option<&str>,
    grant: impl FnOnce(&mut crate::state::Store) -> uuid::Uuid,
) -> TokenResponse {
    let ttl = state.0.config.token_ttl;
    let now = state.now();
    let scopes: Option<Vec<String>> = form
        .scope
        .as_deref()
        .map(|s| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .filter(|s| !s.is_empty());
    let mut store = state.store();
    let user = grant(&mut store);
    TokenResponse {
        access_token: store.users.issue_token(user, now, ttl, scopes.clone()),
        token_type: "Bearer".to_owned(),
        expires_in: ttl.as_secs(),
        scope: scopes.map(|s| s.join(" ")),
        issued_token_type: issued_token_type.map(str::to_owned),
    }
}

fn handle(state: &AppState, headers: &HeaderMap, body: &[u8]) -> ApiResult<TokenResponse> {
    let text = std::str::from_utf8(body).map_err(|_| {
        ApiError::oauth(
            "invalid_request",
            "The body must be application/x-www-form-urlencoded.",
        )
    })?;
    let form: TokenForm = parse_query(text)
        .map_err(|_| ApiError::oauth("invalid_request", "grant_type is required."))?;
    match form.grant_type.as_str() {
        "client_credentials" => {
            let id =
                check_client(state, client_credentials(&form, headers), true)?.unwrap_or_default();
            Ok(issue(state, &form, None, |s| {
                s.users.user_for(UserKey::Client(id))
            }))
        }
        TOKEN_EXCHANGE => {
            let subject = form
                .subject_token
                .as_deref()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| ApiError::oauth("invalid_request", "subject_token is required."))?;
            match form.subject_token_type.as_deref() {
                Some(EXTERNAL_JWT) => {
                    if let Some(req) = form.requested_token_type.as_deref()
                        && req != ACCESS_TOKEN
                    {
                        return Err(ApiError::oauth(
                            "invalid_request",
                            format!(
                                "requested_token_type must be {ACCESS_TOKEN} for a partner JWT."
                            ),
                        ));
                    }
                    // Client credentials are optional here unless the emulator restricts clients.
                    check_client(
                        state,
                        client_credentials(&form, headers),
                        !state.0.config.clients.is_empty(),
                    )?;
                    let identity =
                        decode_partner_jwt(subject, &state.0.config.tenant_claim, state.now())?;
                    Ok(issue(state, &form, Some(ACCESS_TOKEN), |s| {
                        s.users.user_for(UserKey::Partner {
                            tenant: identity.tenant,
                            subject: identity.subject,
                        })
                    }))
                }
                Some(ACCESS_TOKEN) => connect_token(state, &form, subject),
                Some(other) => Err(ApiError::oauth(
                    "invalid_request",
                    format!("Unsupported subject_token_type `{other}`."),
                )),
                None => Err(ApiError::oauth(
                    "invalid_request",
                    "subject_token_type is required.",
                )),
            }
        }
        other => Err(ApiError::oauth(
            "unsupported_grant_type",
            format!("Unsupported grant_type `{other}`."),
        )),
    }
}

fn connect_token(state: &AppState, form: &TokenForm, subject: &str) -> ApiResult<TokenResponse> {
    if form.requested_token_type.as_deref() != Some(CONNECT_TOKEN) {
        return Err(ApiError::oauth(
            "invalid_request",
            format!(
                "requested_token_type must be {CONNECT_TOKEN} when exchanging an access token."
            ),
        ));
    }
    let resource = form.resource.as_deref().ok_or_else(|| {
        ApiError::oauth(
            "invalid_request",
            "resource is required (the Connect UI URL .../to/{app}).",
        )
    })?;
    let app_ref = resource
        .split('?')
        .next()
        .and_then(|u| u.trim_end_matches('/').rsplit_once("/to/"))
        .map(|(_, app)| app)
        .filter(|a| !a.is_empty() && !a.contains('/'))
        .ok_or_else(|| {
            ApiError::oauth(
                "invalid_request",
                "resource must be a Connect UI URL ending in /to/{app}.",
            )
        })?;
    let app = catalog::resolve_app(app_ref).ok_or_else(|| {
        ApiError::oauth(
            "invalid_request",
            format!("resource: unknown app `{app_ref}`."),
        )
    })?;
    let now = state.now();
    let mut store = state.store();
    let user = match store.users.authenticate(subject, now) {
        Ok(u) => u,
        Err(TokenError::Expired) => {
            return Err(ApiError::oauth(
                "invalid_grant",
                "subject_token has expired.",
            ));
        }
        Err(TokenError::Unknown) => {
            return Err(ApiError::oauth(
                "invalid_grant",
                "subject_token is not a valid access token.",
            ));
        }
    };
    let token = store.users.issue_connect_token(user, app, now);
    Ok(TokenResponse {
        access_token: token,
        token_type: "Bearer".to_owned(),
        expires_in: CONNECT_TOKEN_TTL_SECS,
        scope: form.scope.clone(),
        issued_token_type: Some(CONNECT_TOKEN.to_owned()),
    })
}

with_alias! {
    /// Issue a token (client credentials, partner-JWT exchange, connect-token exchange).
    #[utoipa::path(post, path = "/oauth/token", operation_id = "oauthToken", tag = "OAuth",
        request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
        responses((status = 200, body = TokenResponse), (status = 400, body = OAuthError, description = "Bad grant or request (`invalid_request`, `invalid_grant`, `unsupported_grant_type`)"), (status = 401, body = OAuthError, description = "Unknown client or wrong secret (`invalid_client`)")))]
    async fn token(
        State(state): State<AppState>,
        headers: HeaderMap,
        body: bytes::Bytes,
    ) -> ApiResult<Json<TokenResponse>> {
        handle(&state, &headers, &body).map(Json)
    }
    /// Issue a token (trailing-slash form).
    alias token_slash at "/oauth/token/";
}

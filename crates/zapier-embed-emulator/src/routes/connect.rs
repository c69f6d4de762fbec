//! Connect UI stand-in: `GET /to/{app}?token=CONNECT_TOKEN` creates a connection for the token's
//! user and answers what the real popup would `postMessage` (`authenticationSuccess`, `authId`).

use axum::Json;
use axum::extract::{Path, State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::catalog;
use crate::error::{ApiError, ApiResult, OAuthError};
use crate::extract::ApiQuery;
use crate::models::oauth::{ConnectQuery, ConnectResult};
use crate::models::partner::Authentication;
use crate::state::users::ConnectTokenError;

/// Connect routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(connect))
}

/// Complete the Connect UI flow with a connect token (single use, six minutes).
#[utoipa::path(get, path = "/to/{app}", operation_id = "connectApp", tag = "Connect",
    params(("app" = String, Path, description = "App slug, key or id"), ConnectQuery),
    responses((status = 200, body = ConnectResult), (status = 400, body = OAuthError)))]
async fn connect(
    State(state): State<AppState>,
    Path(app): Path<String>,
    ApiQuery(q): ApiQuery<ConnectQuery>,
) -> ApiResult<Json<ConnectResult>> {
    let invalid = |why: String| ApiError::oauth("invalid_request", why);
    let app = catalog::resolve_app(&app).ok_or_else(|| invalid(format!("Unknown app `{app}`.")))?;
    let token = q
        .token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid("token is required.".to_owned()))?;
    let now = state.now();
    let conn = state
        .store()
        .users
        .redeem_connect_token(&token, app, now)
        .map_err(|e| match e {
            ConnectTokenError::Invalid => {
                invalid("The connect token is invalid or was already used.".to_owned())
            }
            ConnectTokenError::Expired => invalid("The connect token has expired.".to_owned()),
            ConnectTokenError::WrongApp(slug) => {
                invalid(format!("The connect token was issued for `{slug}`."))
            }
        })?;
    Ok(Json(ConnectResult {
        kind: "authenticationSuccess".to_owned(),
        auth_id: conn.id.clone(),
        authentication: Authentication {
            kind: "authentication".to_owned(),
            id: conn.id,
            app: conn.app.id.to_owned(),
            is_expired: false,
            title: conn.title,
        },
    }))
}

//! OAuth token endpoint and Connect UI wire types.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Form fields of `POST /oauth/token` (`application/x-www-form-urlencoded`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[allow(
    dead_code,
    reason = "deserialized for the OpenAPI contract; some fields are accepted and ignored"
)]
pub(crate) struct TokenForm {
    /// `client_credentials` or `urn:ietf:params:oauth:grant-type:token-exchange`.
    pub grant_type: String,
    /// Client id (or HTTP Basic).
    pub client_id: Option<String>,
    /// Client secret (or HTTP Basic).
    pub client_secret: Option<String>,
    /// Requested scopes (space separated); accepted and echoed nowhere.
    pub scope: Option<String>,
    /// Accepted and ignored (`zapier.com`).
    pub audience: Option<String>,
    /// Token exchange: the partner JWT or the user access token.
    pub subject_token: Option<String>,
    /// `urn:ietf:params:oauth:token-type:external-jwt` or `...:access-token`.
    pub subject_token_type: Option<String>,
    /// `...:access-token` (default) or `...:connect-token`.
    pub requested_token_type: Option<String>,
    /// Connect token: the Connect UI URL it is for (`https://connect.zapier.com/to/{app}`).
    pub resource: Option<String>,
}

/// Token endpoint success body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct TokenResponse {
    /// The token.
    pub access_token: String,
    /// `Bearer`.
    pub token_type: String,
    /// Lifetime in seconds.
    pub expires_in: u64,
    /// Granted scopes (echo of the requested ones).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// RFC 8693: type of the issued token (token exchange only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_token_type: Option<String>,
}

/// Query of the Connect UI page (`GET /to/{app}`).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(
    dead_code,
    reason = "deserialized for the OpenAPI contract; some fields are accepted and ignored"
)]
pub(crate) struct ConnectQuery {
    /// The single-use connect token.
    pub token: Option<String>,
    /// Partner theme (ignored).
    pub theme: Option<String>,
    /// Redirect flow: the absolute http(s) URL the browser returns to with the result.
    pub redirect_uri: Option<String>,
    /// Redirect flow: an opaque value echoed back to `redirect_uri`.
    pub state: Option<String>,
    /// Reconnect: the id of the user's connection to re-authorize instead of creating one.
    pub reconnect_id: Option<String>,
}

/// The Connect UI form (`POST /to/{app}`, `application/x-www-form-urlencoded`): the user's
/// decision, with what the page carried over from its query and its opener.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub(crate) struct ConnectDecisionForm {
    /// The single-use connect token (it decides the user).
    pub token: String,
    /// `authorize` or `cancel`.
    pub decision: String,
    /// Redirect flow: where to send the browser with the result.
    pub redirect_uri: Option<String>,
    /// Redirect flow: echoed back to `redirect_uri`.
    pub state: Option<String>,
    /// Reconnect: the user's connection to re-authorize.
    pub reconnect_id: Option<String>,
    /// Popup flow: the origin of the page that opened the Connect UI, the only target the result
    /// is posted to.
    pub opener_origin: Option<String>,
}

/// The popup's `postMessage` after a connection was created, also the JSON answer of
/// `POST /to/{app}` to a scripted client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct ConnectResult {
    /// `authenticationSuccess`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The new connection id.
    #[serde(rename = "authId")]
    pub auth_id: String,
    /// The new connection.
    pub authentication: super::partner::Authentication,
}

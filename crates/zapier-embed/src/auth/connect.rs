//! Connect tokens and Connect UI URLs: how an end user connects an app account.

use std::fmt;

use super::partner_jwt::{ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT};
use crate::wire::TokenForm;
use crate::{AccessToken, Client, Error, REDACTED};

/// `requested_token_type` of a connect token.
const CONNECT_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:connect-token";
/// The scope of a connect token (it lets the Connect UI create a connection).
const CONNECT_SCOPE: &str = "connection:write";

/// A short-lived (six minutes), single-use token that lets the Connect UI create or repair a
/// connection for the user of the access token it was exchanged from. It is never cached.
///
/// `Debug` and `Display` print `[redacted]`.
///
/// ```
/// use zapier_embed::auth::ConnectToken;
/// let token = ConnectToken::new("ct_123");
/// assert_eq!(format!("{token:?}"), "ConnectToken([redacted])");
/// assert_eq!(token.expose_secret(), "ct_123");
/// ```
#[derive(Clone)]
pub struct ConnectToken(AccessToken);

impl ConnectToken {
    /// Wraps a connect token (normally obtained with [`Client::connect_token`]).
    ///
    /// ```
    /// use zapier_embed::auth::ConnectToken;
    /// assert_eq!(ConnectToken::new("ct").to_string(), "[redacted]");
    /// ```
    pub fn new(token: impl Into<String>) -> Self {
        ConnectToken(AccessToken::new(token.into()))
    }

    /// The token itself.
    ///
    /// ```
    /// use zapier_embed::auth::ConnectToken;
    /// assert_eq!(ConnectToken::new("ct").expose_secret(), "ct");
    /// ```
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for ConnectToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConnectToken({REDACTED})")
    }
}

impl fmt::Display for ConnectToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// A Connect UI URL, `https://connect.zapier.com/to/{app}?token=<connect token>`.
///
/// It carries the connect token, so `Debug` and `Display` redact the query string; hand the
/// real URL to the browser with [`expose_secret`](ConnectUrl::expose_secret).
///
/// ```
/// use zapier_embed::{Client, auth::ConnectToken};
/// let client = Client::builder().access_token("t").build().unwrap();
/// let url = client.connect_url("slack", &ConnectToken::new("ct_123"));
/// assert_eq!(url.expose_secret(), "https://connect.zapier.com/to/slack?token=ct_123");
/// assert_eq!(url.to_string(), "https://connect.zapier.com/to/slack?[redacted]");
/// ```
#[derive(Clone)]
pub struct ConnectUrl {
    url: String,
    query_at: usize,
}

impl ConnectUrl {
    /// The full URL, token included.
    ///
    /// ```
    /// use zapier_embed::{Client, auth::ConnectToken};
    /// let client = Client::builder().access_token("t").build().unwrap();
    /// let url = client.connect_url("slack", &ConnectToken::new("ct"));
    /// assert!(url.expose_secret().ends_with("?token=ct"));
    /// ```
    pub fn expose_secret(&self) -> &str {
        &self.url
    }

    fn redacted(&self) -> String {
        let base = self.url.get(..self.query_at).unwrap_or(&self.url);
        format!("{base}?{REDACTED}")
    }
}

impl fmt::Debug for ConnectUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ConnectUrl").field(&self.redacted()).finish()
    }
}

impl fmt::Display for ConnectUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl Client {
    /// Exchanges the client's access token for a connect token for `app` (RFC 8693, with
    /// `resource` set to the Connect UI URL of the app, as the token-exchange guide requires).
    /// Connect tokens are single-use and live six minutes, so they are never cached: call this
    /// right before opening the Connect UI.
    ///
    /// Idempotent for the retry rule (a second token is harmless). When the access token is
    /// rejected, it is refreshed once and the exchange retried.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .activation_delay(std::time::Duration::ZERO)
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// let token = client.connect_token("slack").await?;
    /// let url = client.connect_url("slack", &token);
    /// // Send `url.expose_secret()` to the browser (popup or redirect).
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn connect_token(&self, app: &str) -> Result<ConnectToken, Error> {
        crate::checks::require_key(super::CONNECT_TOKEN.name, "app", app)?;
        let resource = self.connect_resource(app);
        let mut refreshed = false;
        loop {
            let lent = self.inner.lend_token().await?;
            let form = TokenForm {
                grant_type: TOKEN_EXCHANGE_GRANT,
                subject_token: Some(lent.token.clone()),
                subject_token_type: Some(ACCESS_TOKEN_TYPE),
                requested_token_type: Some(CONNECT_TOKEN_TYPE),
                scope: Some(CONNECT_SCOPE.to_owned()),
                resource: Some(resource.clone()),
                ..TokenForm::default()
            };
            match self
                .token_endpoint()
                .request(&super::CONNECT_TOKEN, form)
                .await
            {
                Ok(token) => return Ok(ConnectToken(token.access_token)),
                Err(err)
                    if err.should_refresh_token()
                        && !refreshed
                        && self.inner.tokens.refreshable() =>
                {
                    self.inner.tokens.invalidate(lent.generation);
                    refreshed = true;
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// The Connect UI URL for `app` carrying `token`: `{connect_url}/to/{app}?token=…`.
    ///
    /// ```
    /// use zapier_embed::{Client, auth::ConnectToken};
    /// let client = Client::builder()
    ///     .connect_url("http://127.0.0.1:8080")
    ///     .access_token("t")
    ///     .build()
    ///     .unwrap();
    /// let url = client.connect_url("google sheets", &ConnectToken::new("a b"));
    /// assert_eq!(url.expose_secret(), "http://127.0.0.1:8080/to/google%20sheets?token=a+b");
    /// ```
    pub fn connect_url(&self, app: &str, token: &ConnectToken) -> ConnectUrl {
        let base = self.connect_resource(app);
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("token", token.expose_secret())
            .finish();
        ConnectUrl {
            query_at: base.len(),
            url: format!("{base}?{query}"),
        }
    }

    /// `{connect_url}/to/{app}`, the app percent-encoded as one path segment.
    fn connect_resource(&self, app: &str) -> String {
        let segment: String = url::form_urlencoded::byte_serialize(app.as_bytes())
            .collect::<String>()
            .replace('+', "%20");
        format!("{}/to/{segment}", self.inner.transport.config.connect_url)
    }
}

//! RFC 8693 token exchange of a partner-signed JWT for a user access token (White Label).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::client_credentials::DEFAULT_SCOPE;
use super::{TokenEndpoint, TokenFuture, TokenSource};
use crate::wire::TokenForm;
use crate::{AccessToken, ClientSecret, Error};

/// `grant_type` of an RFC 8693 token exchange.
pub(crate) const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// `subject_token_type` of a partner-signed JWT (Zapier's value, not RFC 8693's `…:jwt`).
const EXTERNAL_JWT: &str = "urn:ietf:params:oauth:token-type:external-jwt";
/// `requested_token_type` (and, for connect tokens, `subject_token_type`) of an access token.
pub(crate) const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access-token";

type SignFn =
    dyn Fn() -> Pin<Box<dyn Future<Output = Result<AccessToken, Error>> + Send>> + Send + Sync;

/// Exchanges a partner-signed JWT for a user access token (RFC 8693), as documented for White
/// Label (embedded-triggers guide, Option B):
///
/// ```text
/// POST {auth_url}/oauth/token
/// grant_type=urn:ietf:params:oauth:grant-type:token-exchange
/// &client_id=…&client_secret=…
/// &subject_token=<partner JWT>
/// &subject_token_type=urn:ietf:params:oauth:token-type:external-jwt
/// &requested_token_type=urn:ietf:params:oauth:token-type:access-token
/// &scope=external
/// ```
///
/// The SDK does not sign JWTs: the application supplies a closure that returns a freshly signed
/// one (claims `sub`, the tenant claim, `iss`, `aud = connect.zapier.com`, a short `exp`), called
/// once per exchange, so a JWT is never reused after it expires. Build one client per end user
/// (see [`Client::with_token_source`](crate::Client::with_token_source)).
///
/// ```
/// use zapier_embed::{auth::AccessToken, Client, auth::PartnerJwtExchange};
///
/// let exchange = PartnerJwtExchange::new("zapier-client-id", "zapier-client-secret", || async {
///     // Sign `{"sub": "user-42", "org_id": "acme", "aud": "connect.zapier.com", …}` here.
///     Ok(AccessToken::new("eyJhbGciOiJSUzI1NiJ9.e30.signature"))
/// });
/// let client = Client::builder().token_source(exchange).build().unwrap();
/// # let _ = client;
/// ```
#[derive(Clone)]
pub struct PartnerJwtExchange {
    client_id: String,
    client_secret: ClientSecret,
    scope: String,
    sign: Arc<SignFn>,
}

impl PartnerJwtExchange {
    /// An exchange with the default scope `external`. `sign` returns a freshly signed partner
    /// JWT, or an error (returned to the caller of the API call that needed the token).
    ///
    /// ```
    /// use zapier_embed::{auth::AccessToken, auth::PartnerJwtExchange};
    /// let exchange = PartnerJwtExchange::new("id", "secret", || async { Ok(AccessToken::new("jwt")) });
    /// assert_eq!(exchange.scope(), "external");
    /// ```
    pub fn new<F, Fut>(
        client_id: impl Into<String>,
        client_secret: impl Into<ClientSecret>,
        sign: F,
    ) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<AccessToken, Error>> + Send + 'static,
    {
        PartnerJwtExchange {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scope: DEFAULT_SCOPE.to_owned(),
            sign: Arc::new(move || Box::pin(sign())),
        }
    }

    /// Requests other scopes (space separated).
    ///
    /// ```
    /// use zapier_embed::{auth::AccessToken, auth::PartnerJwtExchange};
    /// let exchange = PartnerJwtExchange::new("id", "secret", || async { Ok(AccessToken::new("jwt")) })
    ///     .with_scope("external action:run");
    /// assert_eq!(exchange.scope(), "external action:run");
    /// ```
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }

    /// The requested scope.
    ///
    /// ```
    /// use zapier_embed::{auth::AccessToken, auth::PartnerJwtExchange};
    /// let exchange = PartnerJwtExchange::new("id", "secret", || async { Ok(AccessToken::new("jwt")) });
    /// assert_eq!(exchange.scope(), "external");
    /// ```
    pub fn scope(&self) -> &str {
        &self.scope
    }
}

impl fmt::Debug for PartnerJwtExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PartnerJwtExchange")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl TokenSource for PartnerJwtExchange {
    fn fetch<'a>(&'a self, endpoint: &'a TokenEndpoint) -> TokenFuture<'a> {
        Box::pin(async move {
            let jwt = (self.sign)().await?;
            let form = TokenForm {
                grant_type: TOKEN_EXCHANGE_GRANT,
                client_id: Some(self.client_id.clone()),
                client_secret: Some(self.client_secret.clone()),
                subject_token: Some(jwt),
                subject_token_type: Some(EXTERNAL_JWT),
                requested_token_type: Some(ACCESS_TOKEN_TYPE),
                scope: Some(self.scope.clone()),
                ..TokenForm::default()
            };
            endpoint.request(&super::EXCHANGE_TOKEN, form).await
        })
    }

    fn kind(&self) -> &'static str {
        "partner-jwt-exchange"
    }
}

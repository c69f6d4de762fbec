//! The client-credentials grant (`grant_type=client_credentials`).

use std::fmt;

use super::{TokenEndpoint, TokenFuture, TokenSource};
use crate::ClientSecret;
use crate::wire::TokenForm;

/// The scope the Trigger Inbox API needs ("access to all public APIs").
pub(crate) const DEFAULT_SCOPE: &str = "external";

/// Gets tokens with the OAuth client-credentials grant, as Zapier's embedded-triggers guide
/// documents (Option A):
///
/// ```text
/// POST {auth_url}/oauth/token
/// grant_type=client_credentials&client_id=…&client_secret=…&scope=external
/// ```
///
/// The client's token cache refreshes the token ahead of its `expires_in`.
///
/// ```
/// use zapier_embed::{Client, auth::ClientCredentials};
///
/// let credentials = ClientCredentials::new("my-client-id", "my-client-secret");
/// assert!(!format!("{credentials:?}").contains("my-client-secret"));
/// let client = Client::builder().token_source(credentials).build().unwrap();
/// # let _ = client;
/// ```
#[derive(Clone)]
pub struct ClientCredentials {
    client_id: String,
    client_secret: ClientSecret,
    scope: String,
}

impl ClientCredentials {
    /// Credentials with the default scope `external`.
    ///
    /// ```
    /// use zapier_embed::auth::ClientCredentials;
    /// let c = ClientCredentials::new("id", "secret");
    /// assert_eq!(c.scope(), "external");
    /// ```
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<ClientSecret>) -> Self {
        ClientCredentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scope: DEFAULT_SCOPE.to_owned(),
        }
    }

    /// Requests other scopes (space separated), e.g. `"external action:run"`.
    ///
    /// ```
    /// use zapier_embed::auth::ClientCredentials;
    /// let c = ClientCredentials::new("id", "secret").with_scope("external zap");
    /// assert_eq!(c.scope(), "external zap");
    /// ```
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }

    /// The client id (not a secret).
    ///
    /// ```
    /// use zapier_embed::auth::ClientCredentials;
    /// assert_eq!(ClientCredentials::new("id", "secret").client_id(), "id");
    /// ```
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The requested scope.
    ///
    /// ```
    /// use zapier_embed::auth::ClientCredentials;
    /// assert_eq!(ClientCredentials::new("id", "secret").scope(), "external");
    /// ```
    pub fn scope(&self) -> &str {
        &self.scope
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("scope", &self.scope)
            .finish()
    }
}

impl TokenSource for ClientCredentials {
    fn fetch<'a>(&'a self, endpoint: &'a TokenEndpoint) -> TokenFuture<'a> {
        Box::pin(async move {
            let form = TokenForm {
                grant_type: "client_credentials",
                client_id: Some(self.client_id.clone()),
                client_secret: Some(self.client_secret.clone()),
                scope: Some(self.scope.clone()),
                ..TokenForm::default()
            };
            endpoint.request(&super::FETCH_TOKEN, form).await
        })
    }

    fn kind(&self) -> &'static str {
        "client-credentials"
    }
}

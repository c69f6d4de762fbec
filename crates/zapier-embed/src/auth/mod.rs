//! Access tokens: where they come from ([`TokenSource`]), how they are kept fresh (the client's
//! token cache) and the short-lived connect tokens of the Connect UI.
//!
//! A [`Client`](crate::Client) holds exactly one token source, wrapped in a cache that:
//!
//! * refreshes a token **ahead of its expiry** (five minutes before, or half the lifetime of a
//!   short token, minus a random jitter so that many clients do not refresh in lockstep), and
//!   keeps serving the old token while it is still valid if a refresh fails;
//! * lets concurrent callers share **one** refresh (single flight): 32 calls that find the token
//!   expired cause one token request;
//! * on an answer meaning "token expired" (400 `unauthenticated`) or 401, drops the token,
//!   refreshes once and retries the call once.
//!
//! Secrets live in redacting types ([`AccessToken`],
//! [`ClientSecret`], [`ConnectToken`]): `Debug`, `Display` and `tracing`
//! never show them.

mod cache;
mod client_credentials;
mod connect;
mod partner_jwt;
mod placeholder;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::time::Instant;

use crate::call::{Operation, Transport};
use crate::retry::Idempotency;
use crate::wire::{self, TokenForm};
pub use zapier_embed_domain::{AccessToken, ClientSecret};

use crate::Error;

/// The client-credentials grant. Idempotent: a second token is harmless.
pub(crate) const FETCH_TOKEN: Operation = Operation {
    id: "oauth_token",
    name: "fetch access token",
    idempotency: Idempotency::Idempotent,
};
/// The partner-JWT exchange. Idempotent: a second token is harmless (the JWT stays valid for
/// its few minutes).
pub(crate) const EXCHANGE_TOKEN: Operation = Operation {
    id: "oauth_token",
    name: "exchange partner JWT",
    idempotency: Idempotency::Idempotent,
};
/// The connect-token exchange. Idempotent: an unused connect token simply expires.
pub(crate) const CONNECT_TOKEN: Operation = Operation {
    id: "oauth_token",
    name: "fetch connect token",
    idempotency: Idempotency::Idempotent,
};

pub(crate) use cache::{Lent, TokenCache};
pub use client_credentials::ClientCredentials;
pub use connect::{ConnectToken, ConnectUrl};
pub use partner_jwt::PartnerJwtExchange;
pub(crate) use placeholder::PlaceholderClient;

/// The future a [`TokenSource`] returns.
///
/// ```
/// use zapier_embed::{auth::Token, auth::TokenFuture};
///
/// fn ready(token: Token) -> TokenFuture<'static> {
///     Box::pin(async move { Ok(token) })
/// }
/// # let _ = ready;
/// ```
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<Token, Error>> + Send + 'a>>;

/// An access token and, when known, when it expires.
///
/// ```
/// use std::time::Duration;
/// use zapier_embed::{auth::AccessToken, auth::Token};
///
/// let token = Token::new(AccessToken::new("eyJ...")).expires_in(Duration::from_secs(3600));
/// assert_eq!(token.access_token().expose_secret(), "eyJ...");
/// assert!(format!("{token:?}").contains("[redacted]"));
/// ```
#[derive(Clone)]
pub struct Token {
    access_token: AccessToken,
    expires_at: Option<Instant>,
}

impl Token {
    /// A token without a known expiry (it is used until the server rejects it).
    ///
    /// ```
    /// use zapier_embed::{auth::AccessToken, auth::Token};
    /// let token = Token::new(AccessToken::new("t"));
    /// assert!(token.expires_at().is_none());
    /// ```
    pub fn new(access_token: AccessToken) -> Self {
        Token {
            access_token,
            expires_at: None,
        }
    }

    /// Sets the lifetime, counted from now (the token endpoint's `expires_in`). A lifetime past
    /// what the clock can represent (a server answering `expires_in: 18446744073709551615`)
    /// saturates to about ten years rather than overflowing.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zapier_embed::{auth::AccessToken, auth::Token};
    /// let token = Token::new(AccessToken::new("t")).expires_in(Duration::from_secs(60));
    /// assert!(token.expires_at().is_some());
    /// let forever = Token::new(AccessToken::new("t")).expires_in(Duration::MAX);
    /// assert!(forever.expires_at() > token.expires_at());
    /// ```
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        const FAR: Duration = Duration::from_secs(10 * 365 * 24 * 3600);
        let now = Instant::now();
        self.expires_at = now
            .checked_add(lifetime.min(FAR))
            .or_else(|| now.checked_add(lifetime.min(Duration::from_secs(24 * 3600))))
            .or(Some(now));
        self
    }

    /// The token.
    ///
    /// ```
    /// use zapier_embed::{auth::AccessToken, auth::Token};
    /// assert_eq!(Token::new(AccessToken::new("t")).access_token().expose_secret(), "t");
    /// ```
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// When the token expires (a `tokio` instant, so tests may pause time), if known.
    ///
    /// ```
    /// use zapier_embed::{auth::AccessToken, auth::Token};
    /// assert!(Token::new(AccessToken::new("t")).expires_at().is_none());
    /// ```
    pub fn expires_at(&self) -> Option<Instant> {
        self.expires_at
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &self.access_token)
            .field(
                "expires_in",
                &self
                    .expires_at
                    .map(|at| at.saturating_duration_since(Instant::now())),
            )
            .finish()
    }
}

/// The token endpoint (`POST {auth_url}/oauth/token`) as configured on the client, handed to
/// [`TokenSource::fetch`]. Its requests go through the client's HTTP pool, retry policy,
/// timeouts and request capture.
///
/// ```
/// use zapier_embed::{Client, auth::ClientCredentials};
/// // The built-in sources that call it use the client's `auth_url`; a custom source may ignore it.
/// let client = Client::builder()
///     .auth_url("https://zapier.com")
///     .token_source(ClientCredentials::new("id", "secret"))
///     .build()?;
/// # let _ = client;
/// # Ok::<(), zapier_embed::Error>(())
/// ```
#[derive(Clone)]
pub struct TokenEndpoint {
    pub(crate) transport: Transport,
}

impl TokenEndpoint {
    /// The token URL, e.g. `https://zapier.com/oauth/token`.
    ///
    /// ```
    /// # use zapier_embed::{auth::AccessToken, auth::Token, auth::TokenEndpoint, auth::TokenFuture, auth::TokenSource};
    /// struct Logged;
    /// impl TokenSource for Logged {
    ///     fn fetch<'a>(&'a self, endpoint: &'a TokenEndpoint) -> TokenFuture<'a> {
    ///         let url = endpoint.url();
    ///         Box::pin(async move { Ok(Token::new(AccessToken::new(format!("for {url}")))) })
    ///     }
    /// }
    /// ```
    pub fn url(&self) -> String {
        format!("{}/oauth/token", self.transport.config.auth_url)
    }
}

impl TokenEndpoint {
    /// Sends one token request (with the client's retries) and reads the token.
    pub(crate) async fn request(
        &self,
        op: &'static Operation,
        form: TokenForm,
    ) -> Result<Token, Error> {
        let grant = self
            .transport
            .call(op, None, None, move |api| {
                wire::oauth_token(api, op, form.clone())
            })
            .await?;
        let token = Token::new(grant.access_token);
        Ok(match grant.expires_in {
            Some(lifetime) => token.expires_in(lifetime),
            None => token,
        })
    }
}

impl fmt::Debug for TokenEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenEndpoint")
            .field("url", &self.url())
            .finish()
    }
}

/// Where access tokens come from.
///
/// Built in: [`StaticToken`], [`ClientCredentials`], [`PartnerJwtExchange`]. The client calls
/// [`fetch`](TokenSource::fetch) through its cache, so a source need not cache itself, and is
/// never called concurrently for the same client.
///
/// ```
/// use zapier_embed::{auth::AccessToken, Client, auth::Token, auth::TokenEndpoint, auth::TokenFuture, auth::TokenSource};
///
/// /// Reads the token from a secret store of the application.
/// struct FromVault;
///
/// impl TokenSource for FromVault {
///     fn fetch<'a>(&'a self, _endpoint: &'a TokenEndpoint) -> TokenFuture<'a> {
///         Box::pin(async { Ok(Token::new(AccessToken::new("from-the-vault"))) })
///     }
///     fn kind(&self) -> &'static str {
///         "vault"
///     }
/// }
///
/// let client = Client::builder().token_source(FromVault).build().unwrap();
/// assert!(format!("{client:?}").contains("vault"));
/// ```
pub trait TokenSource: Send + Sync + 'static {
    /// Gets a new token. `endpoint` is the client's token endpoint, for sources that call it.
    fn fetch<'a>(&'a self, endpoint: &'a TokenEndpoint) -> TokenFuture<'a>;

    /// Whether fetching again may give a different token. When `false` (a static token) an
    /// "expired token" answer is returned to the caller instead of refreshing and retrying.
    ///
    /// ```
    /// use zapier_embed::{auth::AccessToken, auth::StaticToken, auth::TokenSource};
    /// assert!(!StaticToken::new(AccessToken::new("t")).refreshable());
    /// ```
    fn refreshable(&self) -> bool {
        true
    }

    /// A short name for `Debug` output and logs (never the credential).
    ///
    /// ```
    /// use zapier_embed::{auth::AccessToken, auth::StaticToken, auth::TokenSource};
    /// assert_eq!(StaticToken::new(AccessToken::new("t")).kind(), "static");
    /// ```
    fn kind(&self) -> &'static str {
        "custom"
    }
}

/// A fixed access token (e.g. from `ZAPIER_ACCESS_TOKEN`). It is never refreshed: when it
/// expires, calls fail with [`Error::Unauthenticated`].
///
/// ```
/// use zapier_embed::{auth::AccessToken, Client, auth::StaticToken};
/// let client = Client::builder()
///     .token_source(StaticToken::new(AccessToken::new("eyJ...")))
///     .build()
///     .unwrap();
/// assert!(!format!("{client:?}").contains("eyJ"));
/// ```
#[derive(Clone)]
pub struct StaticToken {
    token: AccessToken,
}

impl StaticToken {
    /// Wraps the token.
    ///
    /// ```
    /// use zapier_embed::{auth::AccessToken, auth::StaticToken};
    /// let source = StaticToken::new(AccessToken::new("t"));
    /// assert_eq!(format!("{source:?}"), "StaticToken { token: AccessToken([redacted]) }");
    /// ```
    pub fn new(token: AccessToken) -> Self {
        StaticToken { token }
    }
}

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticToken")
            .field("token", &self.token)
            .finish()
    }
}

impl TokenSource for StaticToken {
    fn fetch<'a>(&'a self, _endpoint: &'a TokenEndpoint) -> TokenFuture<'a> {
        let token = Token::new(self.token.clone());
        Box::pin(async move { Ok(token) })
    }

    fn refreshable(&self) -> bool {
        false
    }

    fn kind(&self) -> &'static str {
        "static"
    }
}

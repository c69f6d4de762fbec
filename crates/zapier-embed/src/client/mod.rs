//! [`Client`] and its [`ClientBuilder`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use crate::correlation::{Correlation, MAX_CORRELATION_ID_BYTES};
pub use crate::env::{
    ENV_ACCESS_TOKEN, ENV_API_URL, ENV_API_VARIANT, ENV_AUTH_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET,
    ENV_EMULATOR_HOST,
};
pub use crate::limits::{
    DEFAULT_MAX_ERROR_BODY_BYTES, DEFAULT_MAX_PAGES, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_SSE_EVENT_BYTES,
};
pub use zapier_embed_domain::ApiVariant;

use crate::actions::Actions;
use crate::auth::{ClientCredentials, StaticToken, TokenCache, TokenEndpoint, TokenSource};
use crate::call::{Caller, Operation, RateGate, Transport};
use crate::connections::Connections;
use crate::inboxes::Inboxes;
use crate::limits::Limits;
use crate::messages::Messages;
use crate::resolve::Resolver;
use crate::retry::RetryPolicy;
use crate::secrets::KnownSecrets;
use crate::testing::RequestCapture;
use crate::triggers::Triggers;
use crate::wire::Api;
use crate::{AccessToken, ClientSecret, Error, InboxRef};

mod builder;

pub use builder::ClientBuilder;

/// Default API base URL.
///
/// ```
/// assert_eq!(zapier_embed::client::DEFAULT_API_URL, "https://api.zapier.com");
/// ```
pub const DEFAULT_API_URL: &str = "https://api.zapier.com";
/// Default base URL of the OAuth token endpoint (`{auth_url}/oauth/token`).
///
/// ```
/// assert_eq!(zapier_embed::client::DEFAULT_AUTH_URL, "https://zapier.com");
/// ```
pub const DEFAULT_AUTH_URL: &str = "https://zapier.com";
/// Default base URL of the Connect UI (`{connect_url}/to/{app}`).
///
/// ```
/// assert_eq!(zapier_embed::client::DEFAULT_CONNECT_URL, "https://connect.zapier.com");
/// ```
pub const DEFAULT_CONNECT_URL: &str = "https://connect.zapier.com";
/// Default path prefix of the Trigger Inbox API (the guides' form; the published OpenAPI
/// documents say `/trigger-inbox/v1`).
///
/// ```
/// assert_eq!(zapier_embed::client::DEFAULT_INBOX_PATH_PREFIX, "/trigger-inbox/api/v1");
/// ```
pub const DEFAULT_INBOX_PATH_PREFIX: &str = "/trigger-inbox/api/v1";

/// Settings shared by every client built from one builder.
pub(crate) struct Config {
    pub(crate) api_url: String,
    pub(crate) auth_url: String,
    pub(crate) connect_url: String,
    /// `api_url` + inbox path prefix: the base URL of the Trigger Inbox clients.
    pub(crate) inbox_base: String,
    pub(crate) inbox_path_prefix: String,
    pub(crate) variant: ApiVariant,
    pub(crate) attempt_timeout: Duration,
    pub(crate) total_timeout: Option<Duration>,
    pub(crate) retry: RetryPolicy,
    pub(crate) capture: Option<RequestCapture>,
    /// How much of an answer is read.
    pub(crate) limits: Limits,
    /// Every credential this client handled, scrubbed from its errors.
    pub(crate) secrets: KnownSecrets,
    /// Whether requests are paced by the `X-RateLimit-*` headers (`pacing.rs`).
    pub(crate) pacing: bool,
    /// The ids of requests that have no others (checked by the builder).
    pub(crate) correlation: Option<Correlation>,
}

/// The per-client state: shared transport, one token cache, one inbox-reference cache. A handle
/// made by [`Client::with_correlation`] shares all of them and differs only in `correlation`.
pub(crate) struct Inner {
    pub(crate) transport: Transport,
    pub(crate) tokens: Arc<TokenCache>,
    pub(crate) resolver: Arc<Resolver>,
    /// Pending `Retry-After` and rate-limit budget of this identity.
    pub(crate) gate: Arc<RateGate>,
    /// The ids of this handle's requests (checked), before any scope's or the default.
    pub(crate) correlation: Option<Correlation>,
    /// The Trigger Inbox API of the configured variant, chosen once in
    /// [`ClientBuilder::build`]: the facade calls it and never asks which variant it has.
    pub(crate) inbox_api: Arc<dyn crate::wire::InboxApi>,
}

impl Inner {
    /// A token for one call, through the cache.
    pub(crate) async fn lend_token(&self) -> Result<crate::auth::Lent, Error> {
        self.tokens.get(&self.transport.token_endpoint()).await
    }

    /// Runs an authenticated operation (see [`Transport::call`]).
    pub(crate) async fn call<T, F, Fut>(
        &self,
        op: &'static Operation,
        inbox: Option<&str>,
        attempt: F,
    ) -> Result<T, Error>
    where
        F: FnMut(Api) -> Fut,
        Fut: std::future::Future<Output = Result<T, crate::call::Failure>>,
    {
        let correlation = self
            .correlation
            .clone()
            .or_else(Correlation::scoped)
            .or_else(|| self.transport.config.correlation.clone());
        let caller = Caller {
            tokens: &self.tokens,
            gate: &self.gate,
            correlation,
        };
        self.transport.call(op, Some(&caller), inbox, attempt).await
    }

    pub(crate) fn variant(&self) -> ApiVariant {
        self.transport.config.variant
    }
}

/// The entry point: a cheap-to-clone handle (an `Arc` inside) that is `Send + Sync`, holding the
/// HTTP connection pool, the token cache and the configuration.
///
/// Operations are grouped by area: [`connections`](Client::connections),
/// [`triggers`](Client::triggers), [`inboxes`](Client::inboxes),
/// [`messages`](Client::messages), [`actions`](Client::actions). The same code works against
/// both documented variants of the Trigger Inbox API; pick one with
/// [`ClientBuilder::variant`].
///
/// ```
/// use zapier_embed::{ApiVariant, Client};
///
/// let client = Client::builder()
///     .client_credentials("my-client-id", "my-client-secret")
///     .variant(ApiVariant::ById)
///     .build()?;
/// let same = client.clone(); // shares the pool and the token cache
/// # let _ = same;
/// # Ok::<(), zapier_embed::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl Client {
    /// A builder with the production defaults.
    ///
    /// ```
    /// let client = zapier_embed::Client::builder().access_token("eyJ...").build().unwrap();
    /// # let _ = client;
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment; see [`ClientBuilder::from_env_with`] for the
    /// variables read.
    ///
    /// ```no_run
    /// let client = zapier_embed::Client::from_env()?;
    /// # Ok::<(), zapier_embed::Error>(())
    /// ```
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// Like [`from_env`](Client::from_env), reading variables through `lookup` instead of the
    /// process environment (for tests, or configuration kept elsewhere).
    ///
    /// ```
    /// use zapier_embed::{ApiVariant, Client};
    /// let client = Client::from_env_with(|key| match key {
    ///     "ZAPIER_EMULATOR_HOST" => Some("127.0.0.1:9630".to_owned()),
    ///     "ZAPIER_API_VARIANT" => Some("by-name".to_owned()),
    ///     _ => None,
    /// })?;
    /// assert_eq!(client.variant(), ApiVariant::ByName);
    /// assert_eq!(client.api_url(), "http://127.0.0.1:9630");
    /// # Ok::<(), zapier_embed::Error>(())
    /// ```
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Client, Error> {
        ClientBuilder::from_env_with(lookup)?.build()
    }

    /// A client for another identity (one end user of a White Label integration), sharing this
    /// client's HTTP pool and configuration but with its own token cache, inbox caches and
    /// rate-limit state (the budget of its own token); it keeps this handle's correlation ids.
    ///
    /// ```
    /// use zapier_embed::{auth::AccessToken, Client, auth::PartnerJwtExchange};
    ///
    /// let base = Client::builder().access_token("service-token").build()?;
    /// let for_user = |user: &'static str| {
    ///     base.with_token_source(PartnerJwtExchange::new("id", "secret", move || async move {
    ///         Ok(AccessToken::new(format!("jwt-for-{user}")))
    ///     }))
    /// };
    /// let alice = for_user("alice");
    /// let bob = for_user("bob");
    /// # let _ = (alice, bob);
    /// # Ok::<(), zapier_embed::Error>(())
    /// ```
    pub fn with_token_source(&self, source: impl TokenSource) -> Client {
        Client {
            inner: Arc::new(Inner {
                transport: self.inner.transport.clone(),
                tokens: Arc::new(TokenCache::new(Arc::new(source))),
                resolver: Arc::default(),
                gate: Arc::default(),
                correlation: self.inner.correlation.clone(),
                inbox_api: self.inner.inbox_api.clone(),
            }),
        }
    }

    /// A handle whose every request carries `ids` as the `Zapier-Correlation-Id` and
    /// `Zapier-Causation-Id` headers, whatever scope it runs in; it shares everything else with
    /// this client (pool, token cache, inbox caches, rate-limit state), so it is cheap to make
    /// per call. Fails with [`Error::Validation`] naming the field when an id is not 1 to
    /// [`MAX_CORRELATION_ID_BYTES`] bytes of visible ASCII. See [`Correlation`] for the
    /// precedence of handles, scopes and the builder's default.
    ///
    /// ```
    /// use zapier_embed::{Client, client::Correlation};
    ///
    /// let client = Client::builder().access_token("t").build()?;
    /// let traced = client.with_correlation(Correlation::new("order-4711").caused_by("msg-1"))?;
    /// // traced.actions().run(..) sends both headers; `client` sends neither.
    /// assert!(client.with_correlation(Correlation::new("no spaces")).is_err());
    /// # let _ = traced;
    /// # Ok::<(), zapier_embed::Error>(())
    /// ```
    pub fn with_correlation(&self, ids: Correlation) -> Result<Client, Error> {
        ids.validate()?;
        let inner = &self.inner;
        Ok(Client {
            inner: Arc::new(Inner {
                transport: inner.transport.clone(),
                tokens: inner.tokens.clone(),
                resolver: inner.resolver.clone(),
                gate: inner.gate.clone(),
                correlation: Some(ids),
                inbox_api: inner.inbox_api.clone(),
            }),
        })
    }

    /// A client of `variant` whose Trigger Inbox calls go to `inbox_api` instead of the
    /// network: how unit tests run the real `Messages` (planning, coalescing, reports) over an
    /// in-memory inbox. The transport points at an unroutable URL and is never used by them.
    #[cfg(test)]
    pub(crate) fn with_inbox_api(
        variant: ApiVariant,
        inbox_api: Arc<dyn crate::wire::InboxApi>,
    ) -> Client {
        let client = Client::builder()
            .access_token("in-memory")
            .variant(variant)
            .build()
            .expect("a builder with a token builds");
        let inner = &client.inner;
        Client {
            inner: Arc::new(Inner {
                transport: inner.transport.clone(),
                tokens: inner.tokens.clone(),
                resolver: inner.resolver.clone(),
                gate: inner.gate.clone(),
                correlation: None,
                inbox_api,
            }),
        }
    }

    /// The API variant this client speaks.
    ///
    /// ```
    /// use zapier_embed::{ApiVariant, Client};
    /// let client = Client::builder().access_token("t").build().unwrap();
    /// assert_eq!(client.variant(), ApiVariant::ById);
    /// ```
    pub fn variant(&self) -> ApiVariant {
        self.inner.variant()
    }

    /// The API base URL, without a trailing slash.
    ///
    /// ```
    /// use zapier_embed::Client;
    /// let client = Client::builder().access_token("t").build().unwrap();
    /// assert_eq!(client.api_url(), "https://api.zapier.com");
    /// ```
    pub fn api_url(&self) -> &str {
        &self.inner.transport.config.api_url
    }

    /// The current access token, fetched (or refreshed) through the cache if needed; for
    /// handing to other tools. Prefer letting the client use it.
    ///
    /// ```
    /// # async fn demo() -> zapier_embed::Result<()> {
    /// let client = zapier_embed::Client::builder().access_token("eyJ...").build()?;
    /// assert_eq!(client.access_token().await?.expose_secret(), "eyJ...");
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
    /// ```
    pub async fn access_token(&self) -> Result<AccessToken, Error> {
        self.inner.lend_token().await.map(|lent| lent.token)
    }

    /// Connections (the user's app accounts).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .activation_delay(std::time::Duration::ZERO)
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// let slack = client.connections().first_valid("slack").await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub fn connections(&self) -> Connections {
        Connections::new(self.clone())
    }

    /// Trigger discovery: an app's triggers and their input fields.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .activation_delay(std::time::Duration::ZERO)
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// let triggers = client.triggers().list("slack").await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub fn triggers(&self) -> Triggers {
        Triggers::new(self.clone())
    }

    /// Trigger inboxes: create, ensure, get, list, update, pause, resume, delete, wait.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .activation_delay(std::time::Duration::ZERO)
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// # let connect = client.connect_token("slack").await?;
    /// # reqwest::get(client.connect_url("slack", &connect).expose_secret()).await.unwrap();
    /// # let connection = client.connections().first_valid("slack").await?.unwrap();
    /// # let sub = zapier_embed::Subscription::new("slack", "channel_message")
    /// #     .with_connection(connection.connection_id())
    /// #     .with_input("channel", "C0123ABC456");
    /// # client.inboxes().ensure("my-slack-inbox", &sub, None).await?;
    /// # client.inboxes().wait_until_active(&"my-slack-inbox".parse().unwrap(), std::time::Duration::from_secs(5)).await?;
    /// # emulator.emulator().emit(serde_json::from_value(serde_json::json!({"app": "slack", "action": "channel_message",
    /// #     "payload": {"text": "hi"}, "count": 2})).unwrap()).unwrap();
    /// let inbox = client.inboxes().get(&"my-slack-inbox".parse().unwrap()).await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub fn inboxes(&self) -> Inboxes {
        Inboxes::new(self.clone())
    }

    /// The messages of one inbox: lease, ack, release, list, and availability events.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .activation_delay(std::time::Duration::ZERO)
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// # let connect = client.connect_token("slack").await?;
    /// # reqwest::get(client.connect_url("slack", &connect).expose_secret()).await.unwrap();
    /// # let connection = client.connections().first_valid("slack").await?.unwrap();
    /// # let sub = zapier_embed::Subscription::new("slack", "channel_message")
    /// #     .with_connection(connection.connection_id())
    /// #     .with_input("channel", "C0123ABC456");
    /// # client.inboxes().ensure("my-slack-inbox", &sub, None).await?;
    /// # client.inboxes().wait_until_active(&"my-slack-inbox".parse().unwrap(), std::time::Duration::from_secs(5)).await?;
    /// # emulator.emulator().emit(serde_json::from_value(serde_json::json!({"app": "slack", "action": "channel_message",
    /// #     "payload": {"text": "hi"}, "count": 2})).unwrap()).unwrap();
    /// use zapier_embed::{InboxRef, LeaseOptions};
    /// let messages = client.messages(InboxRef::name("my-slack-inbox").unwrap());
    /// let lease = messages.lease(LeaseOptions::default()).await?;
    /// messages.ack_lease(&lease).await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub fn messages(&self, inbox: impl Into<InboxRef>) -> Messages {
        Messages::new(self.clone(), inbox.into())
    }

    /// Action Runs: apps, actions, their fields, and running an action.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .activation_delay(std::time::Duration::ZERO)
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// let apps = client.actions().apps("Slack").await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub fn actions(&self) -> Actions {
        Actions::new(self.clone())
    }

    pub(crate) fn token_endpoint(&self) -> TokenEndpoint {
        self.inner.transport.token_endpoint()
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = &self.inner.transport.config;
        f.debug_struct("Client")
            .field("api_url", &config.api_url)
            .field("auth_url", &config.auth_url)
            .field("inbox_path_prefix", &config.inbox_path_prefix)
            .field("variant", &config.variant)
            .field("token_source", &self.inner.tokens.kind())
            .field("capture", &config.capture.is_some())
            .finish_non_exhaustive()
    }
}

//! [`ClientBuilder`]: every setting of a [`Client`], validated once in `build`.

use super::*;

/// Builds a [`Client`]. Every setting has a production default except the credentials.
///
/// | setting | default |
/// |---|---|
/// | [`api_url`](ClientBuilder::api_url) | `https://api.zapier.com` |
/// | [`auth_url`](ClientBuilder::auth_url) | `https://zapier.com` |
/// | [`connect_url`](ClientBuilder::connect_url) | `https://connect.zapier.com` |
/// | [`inbox_path_prefix`](ClientBuilder::inbox_path_prefix) | `/trigger-inbox/api/v1` |
/// | [`variant`](ClientBuilder::variant) | [`ApiVariant::ById`] |
/// | [`connect_timeout`](ClientBuilder::connect_timeout) | 10 s |
/// | [`attempt_timeout`](ClientBuilder::attempt_timeout) | 30 s |
/// | [`total_timeout`](ClientBuilder::total_timeout) | 120 s |
/// | [`retry_policy`](ClientBuilder::retry_policy) | [`RetryPolicy::default`] |
/// | [`max_response_bytes`](ClientBuilder::max_response_bytes) | 16 MiB |
/// | [`max_error_body_bytes`](ClientBuilder::max_error_body_bytes) | 64 KiB |
/// | [`max_sse_event_bytes`](ClientBuilder::max_sse_event_bytes) | 64 KiB |
/// | [`max_pages`](ClientBuilder::max_pages) | 10 000 |
/// | [`correlation_id`](ClientBuilder::correlation_id) | none |
/// | pacing by `X-RateLimit-*` ([`without_pacing`](ClientBuilder::without_pacing)) | on |
///
/// # Redirects
///
/// The token endpoint never follows a redirect (a 3xx answer is an error), so the form with the
/// client secret or an assertion is only ever posted to [`auth_url`](ClientBuilder::auth_url).
/// Other requests follow at most 10 redirects, and only within the origin (scheme, host, port)
/// of the request: a redirect to another origin is not followed and the call fails with the 3xx
/// status, so a bearer token never reaches a host it was not meant for.
///
/// ```
/// use std::time::Duration;
/// use zapier_embed::{ApiVariant, Client, retry::RetryPolicy};
///
/// let client = Client::builder()
///     .api_url("https://api.zapier.com")
///     .inbox_path_prefix("/trigger-inbox/v1")
///     .variant(ApiVariant::ByName)
///     .attempt_timeout(Duration::from_secs(10))
///     .retry_policy(RetryPolicy::default().with_max_attempts(6))
///     .user_agent("my-app/1.2")
///     .client_credentials("id", "secret")
///     .build()?;
/// # let _ = client;
/// # Ok::<(), zapier_embed::Error>(())
/// ```
pub struct ClientBuilder {
    api_url: String,
    auth_url: String,
    connect_url: String,
    inbox_path_prefix: String,
    variant: ApiVariant,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    total_timeout: Option<Duration>,
    retry: RetryPolicy,
    user_agent: String,
    token_source: Option<Arc<dyn TokenSource>>,
    capture: Option<RequestCapture>,
    limits: Limits,
    pacing: bool,
    correlation: Option<Correlation>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            api_url: DEFAULT_API_URL.to_owned(),
            auth_url: DEFAULT_AUTH_URL.to_owned(),
            connect_url: DEFAULT_CONNECT_URL.to_owned(),
            inbox_path_prefix: DEFAULT_INBOX_PATH_PREFIX.to_owned(),
            variant: ApiVariant::ById,
            connect_timeout: Duration::from_secs(10),
            attempt_timeout: Duration::from_secs(30),
            total_timeout: Some(Duration::from_secs(120)),
            retry: RetryPolicy::default(),
            user_agent: concat!("zapier-embed-rust/", env!("CARGO_PKG_VERSION")).to_owned(),
            token_source: None,
            capture: None,
            limits: Limits::default(),
            pacing: true,
            correlation: None,
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_url", &self.api_url)
            .field("auth_url", &self.auth_url)
            .field("variant", &self.variant)
            .field(
                "token_source",
                &self.token_source.as_ref().map(|s| s.kind()),
            )
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The API base URL (scheme, host, optional port and path), e.g. an emulator's
    /// `http://127.0.0.1:9630`.
    ///
    /// ```
    /// let b = zapier_embed::Client::builder().api_url("http://127.0.0.1:9630/");
    /// # let _ = b;
    /// ```
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.api_url = url.into();
        self
    }

    /// The base URL of the token endpoint; tokens come from `{auth_url}/oauth/token`.
    ///
    /// ```
    /// let b = zapier_embed::Client::builder().auth_url("https://zapier.com");
    /// # let _ = b;
    /// ```
    pub fn auth_url(mut self, url: impl Into<String>) -> Self {
        self.auth_url = url.into();
        self
    }

    /// The base URL of the Connect UI (see [`Client::connect_url`]).
    ///
    /// ```
    /// let b = zapier_embed::Client::builder().connect_url("https://connect.zapier.com");
    /// # let _ = b;
    /// ```
    pub fn connect_url(mut self, url: impl Into<String>) -> Self {
        self.connect_url = url.into();
        self
    }

    /// The Trigger Inbox path prefix. Zapier's sources disagree (`/trigger-inbox/api/v1` in the
    /// guides, `/trigger-inbox/v1` in the OpenAPI documents); the default is the guides' form.
    ///
    /// ```
    /// let b = zapier_embed::Client::builder().inbox_path_prefix("/trigger-inbox/v1");
    /// # let _ = b;
    /// ```
    pub fn inbox_path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.inbox_path_prefix = prefix.into();
        self
    }

    /// Which variant of the Trigger Inbox API the server speaks.
    ///
    /// ```
    /// let b = zapier_embed::Client::builder().variant(zapier_embed::ApiVariant::ByName);
    /// # let _ = b;
    /// ```
    pub fn variant(mut self, variant: ApiVariant) -> Self {
        self.variant = variant;
        self
    }

    /// The TCP/TLS connect timeout.
    ///
    /// ```
    /// let b = zapier_embed::Client::builder().connect_timeout(std::time::Duration::from_secs(3));
    /// # let _ = b;
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The limit of one attempt, from sending the request to reading the whole answer (for the
    /// event stream: to receiving its headers).
    ///
    /// ```
    /// let b = zapier_embed::Client::builder().attempt_timeout(std::time::Duration::from_secs(15));
    /// # let _ = b;
    /// ```
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// The limit of one operation, every retry and backoff included; `None` for no limit.
    ///
    /// ```
    /// let b = zapier_embed::Client::builder().total_timeout(Some(std::time::Duration::from_secs(60)));
    /// # let _ = b;
    /// ```
    pub fn total_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.total_timeout = timeout;
        self
    }

    /// How failed attempts are retried (see [`crate::retry`] for the rule).
    ///
    /// ```
    /// let b = zapier_embed::Client::builder().retry_policy(zapier_embed::retry::RetryPolicy::no_retries());
    /// # let _ = b;
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The `User-Agent` header.
    ///
    /// ```
    /// let b = zapier_embed::Client::builder().user_agent("acme-sync/3.1");
    /// # let _ = b;
    /// ```
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Where access tokens come from (replaces any earlier credentials).
    ///
    /// ```
    /// use zapier_embed::{Client, auth::ClientCredentials};
    /// let b = Client::builder().token_source(ClientCredentials::new("id", "secret").with_scope("external zap"));
    /// # let _ = b;
    /// ```
    pub fn token_source(mut self, source: impl TokenSource) -> Self {
        self.token_source = Some(Arc::new(source));
        self
    }

    /// A fixed access token ([`StaticToken`]).
    ///
    /// ```
    /// let b = zapier_embed::Client::builder().access_token("eyJ...");
    /// # let _ = b;
    /// ```
    pub fn access_token(self, token: impl Into<AccessToken>) -> Self {
        self.token_source(StaticToken::new(token.into()))
    }

    /// The client-credentials grant with scope `external` ([`ClientCredentials`]).
    ///
    /// ```
    /// let b = zapier_embed::Client::builder().client_credentials("id", "secret");
    /// # let _ = b;
    /// ```
    pub fn client_credentials(
        self,
        client_id: impl Into<String>,
        client_secret: impl Into<ClientSecret>,
    ) -> Self {
        self.token_source(ClientCredentials::new(client_id, client_secret))
    }

    /// Records every request into `capture` and answers it locally instead of sending it, for
    /// tests and dry runs. Each call then fails with a 599 [`Error::Server`] after recording its
    /// first request; retries and token refreshes are off, so one call records one request
    /// (plus the token request of a source that needs one).
    ///
    /// ```
    /// # async fn demo() -> zapier_embed::Result<()> {
    /// use zapier_embed::{Client, testing::RequestCapture};
    /// let capture = RequestCapture::new();
    /// let client = Client::builder().access_token("t").capture(capture.clone()).build()?;
    /// let _ = client.inboxes().get(&"orders".parse().unwrap()).await;
    /// assert_eq!(capture.take()[0].method, "GET");
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
    /// ```
    pub fn capture(mut self, capture: RequestCapture) -> Self {
        self.capture = Some(capture);
        self
    }

    /// The most bytes of a successful answer read (default 16 MiB). A longer body fails the call
    /// with [`Error::LimitExceeded`](crate::Error::LimitExceeded) instead of being held in
    /// memory; zero is refused by [`build`](ClientBuilder::build).
    ///
    /// ```
    /// let b = zapier_embed::Client::builder().max_response_bytes(1024 * 1024);
    /// # let _ = b;
    /// ```
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_response_bytes = bytes;
        self
    }

    /// The most bytes of an error answer read for its detail (default 64 KiB); the rest is
    /// dropped and the error keeps its status. Zero is refused by [`build`](ClientBuilder::build).
    ///
    /// ```
    /// let b = zapier_embed::Client::builder().max_error_body_bytes(4096);
    /// # let _ = b;
    /// ```
    pub fn max_error_body_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_error_body_bytes = bytes;
        self
    }

    /// The most bytes of one server-sent event of [`Messages::events`](crate::messages::Messages::events)
    /// (its `data:` lines together, default 64 KiB). A larger event ends the stream with
    /// [`Error::LimitExceeded`](crate::Error::LimitExceeded). Zero is refused by
    /// [`build`](ClientBuilder::build).
    ///
    /// ```
    /// let b = zapier_embed::Client::builder().max_sse_event_bytes(16 * 1024);
    /// # let _ = b;
    /// ```
    pub fn max_sse_event_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_sse_event_bytes = bytes;
        self
    }

    /// The most pages one listing follows (default 10 000). Past it the listing ends with
    /// [`Error::LimitExceeded`](crate::Error::LimitExceeded). Independently, a listing stops at
    /// an empty page (even one that carries a `next` link) and fails on a repeated position.
    /// Zero is refused by [`build`](ClientBuilder::build).
    ///
    /// ```
    /// let b = zapier_embed::Client::builder().max_pages(100);
    /// # let _ = b;
    /// ```
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.limits.max_pages = pages;
        self
    }

    /// The correlation id every request carries (`Zapier-Correlation-Id`) unless a handle
    /// ([`Client::with_correlation`]) or a scope ([`Correlation::scope`], e.g. the consumer's
    /// handler call) sets others. Checked by [`build`](ClientBuilder::build): 1 to
    /// [`MAX_CORRELATION_ID_BYTES`] bytes of visible ASCII.
    ///
    /// ```
    /// let client = zapier_embed::Client::builder()
    ///     .access_token("t")
    ///     .correlation_id("billing-worker-3")
    ///     .build()?;
    /// # let _ = client;
    /// let err = zapier_embed::Client::builder().access_token("t").correlation_id("a b").build().unwrap_err();
    /// assert!(err.to_string().contains("correlation_id"));
    /// # Ok::<(), zapier_embed::Error>(())
    /// ```
    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation = Some(Correlation::new(id));
        self
    }

    /// Turns off pacing by the `X-RateLimit-*` headers (on by default).
    ///
    /// With pacing on, requests of one identity (access token) draw from one budget shared by
    /// every client and handle of the process that sends that token: the first request learns
    /// the budget from `X-RateLimit-Limit`, `-Remaining` and `-Reset`, each request takes one
    /// unit before it is sent, and with nothing left requests wait for the window to reset
    /// (at most the retry policy's [`max_retry_after`](RetryPolicy::with_max_retry_after);
    /// a wait longer than that, or than the call's remaining total timeout, fails the call at
    /// once with [`Error::RateLimited`]). So a fleet of tasks of one token stays under the limit
    /// instead of bouncing off it with 429s. A server that sends no such headers is not paced.
    /// Without pacing, only `Retry-After` answers hold requests back.
    ///
    /// ```
    /// let b = zapier_embed::Client::builder().without_pacing();
    /// # let _ = b;
    /// ```
    pub fn without_pacing(mut self) -> Self {
        self.pacing = false;
        self
    }

    /// Validates the settings and builds the client. Fails with
    /// [`Error::Configuration`](crate::Error::Configuration) naming the bad setting: a URL that
    /// is not absolute `http(s)` (or has a query, fragment or user info), a path prefix that does
    /// not start with `/`, a zero timeout or limit, an invalid correlation id, or missing
    /// credentials.
    ///
    /// ```
    /// use zapier_embed::Client;
    /// let err = Client::builder().api_url("api.zapier.com").access_token("t").build().unwrap_err();
    /// assert!(err.to_string().contains("api_url"));
    /// let err = Client::builder().build().unwrap_err();
    /// assert!(err.to_string().contains("credentials"));
    /// ```
    pub fn build(self) -> Result<Client, Error> {
        let api_url = base_url("api_url", &self.api_url)?;
        let auth_url = base_url("auth_url", &self.auth_url)?;
        let connect_url = base_url("connect_url", &self.connect_url)?;
        let prefix = path_prefix(&self.inbox_path_prefix)?;
        let source = self.token_source.ok_or_else(|| {
            Error::configuration(
                "no credentials: set access_token, client_credentials or token_source \
                 (or ZAPIER_ACCESS_TOKEN / ZAPIER_CLIENT_ID and ZAPIER_CLIENT_SECRET)",
            )
        })?;
        for (setting, zero) in [
            ("connect_timeout", self.connect_timeout.is_zero()),
            ("attempt_timeout", self.attempt_timeout.is_zero()),
            (
                "total_timeout",
                self.total_timeout.is_some_and(|t| t.is_zero()),
            ),
        ] {
            if zero {
                return Err(Error::configuration(format!(
                    "{setting} must be longer than zero (a zero timeout fails every call)"
                )));
            }
        }
        if let Some(setting) = self.limits.zero_setting() {
            return Err(Error::configuration(format!(
                "{setting} must be at least 1 (a zero limit refuses every answer)"
            )));
        }
        if let Some(ids) = &self.correlation {
            ids.validate().map_err(|e| {
                Error::configuration(format!("invalid correlation_id setting: {e}"))
            })?;
        }
        // No total timeout on the pool: the event stream stays open for as long as the token
        // lives. Per-attempt and per-operation limits are enforced by `call.rs`.
        let pool = |redirects: reqwest::redirect::Policy| {
            reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .user_agent(self.user_agent.clone())
                .redirect(redirects)
                .build()
                .map_err(|e| Error::configuration(format!("could not build the HTTP client: {e}")))
        };
        let http = pool(same_origin_redirects())?;
        let auth_http = pool(reqwest::redirect::Policy::none())?;
        let config = Config {
            inbox_base: format!("{api_url}{prefix}"),
            inbox_path_prefix: prefix,
            api_url,
            auth_url,
            connect_url,
            variant: self.variant,
            attempt_timeout: self.attempt_timeout,
            total_timeout: self.total_timeout,
            retry: self.retry,
            capture: self.capture,
            limits: self.limits,
            secrets: KnownSecrets::default(),
            pacing: self.pacing,
            correlation: self.correlation,
        };
        let inbox_api = crate::wire::for_variant(config.variant);
        Ok(Client {
            inner: Arc::new(Inner {
                transport: Transport {
                    config: Arc::new(config),
                    http,
                    auth_http,
                },
                tokens: Arc::new(TokenCache::new(source)),
                resolver: Arc::default(),
                gate: Arc::default(),
                correlation: None,
                inbox_api,
            }),
        })
    }
}

/// Follows redirects only within the origin of the original request (at most 10): a bearer
/// token or a request body never reaches another origin. A cross-origin redirect is not
/// followed; its 3xx answer becomes the call's error.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    const MAX_REDIRECTS: usize = 10;
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if !same_origin {
            attempt.stop()
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    })
}

/// Validates an absolute `http(s)` base URL and drops its trailing slash.
fn base_url(setting: &str, raw: &str) -> Result<String, Error> {
    let bad = |why: &str| Error::configuration(format!("{setting} {raw:?} is not usable: {why}"));
    let url = url::Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("a base URL takes no query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("credentials do not belong in a URL"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Validates the inbox path prefix: empty, or `/segment[/segment…]`, no trailing slash.
fn path_prefix(raw: &str) -> Result<String, Error> {
    let prefix = raw.trim().trim_end_matches('/');
    if prefix.is_empty() {
        return Ok(String::new());
    }
    if !prefix.starts_with('/') || prefix.contains(['?', '#', ' ']) {
        return Err(Error::configuration(format!(
            "inbox_path_prefix {raw:?} must be a path starting with '/', e.g. /trigger-inbox/api/v1"
        )));
    }
    Ok(prefix.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_validated_and_normalized() {
        assert_eq!(
            base_url("api_url", "http://127.0.0.1:8080/")
                .ok()
                .as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            base_url("api_url", "https://example.com/proxy/")
                .ok()
                .as_deref(),
            Some("https://example.com/proxy")
        );
        for bad in [
            "api.zapier.com",
            "ftp://x",
            "https://x?a=1",
            "https://u:p@x",
            "",
            "http://",
        ] {
            let err = base_url("api_url", bad).err().map(|e| e.to_string());
            assert!(err.is_some_and(|e| e.contains("api_url")), "{bad}");
        }
    }

    #[test]
    fn prefixes_are_validated() {
        assert_eq!(
            path_prefix("/trigger-inbox/v1/").ok().as_deref(),
            Some("/trigger-inbox/v1")
        );
        assert_eq!(path_prefix("").ok().as_deref(), Some(""));
        assert!(path_prefix("trigger-inbox").is_err());
        assert!(path_prefix("/a?b").is_err());
    }

    #[test]
    fn debug_names_the_source_not_the_secret() {
        let client = Client::builder()
            .client_credentials("id", "super-secret-value")
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let debug = format!("{client:?}");
        assert!(debug.contains("client-credentials"), "{debug}");
        assert!(!debug.contains("super-secret-value"), "{debug}");
    }
}

//! [`CallbackReceiverBuilder`]: the receiver's settings and their checks.

use super::*;

/// Settings of a [`CallbackReceiver`]; see [`CallbackReceiver::builder`].
///
/// ```
/// use std::time::Duration;
/// use zapier_embed::actions::{CallbackReceiver, CallbackUrl};
/// let receiver = CallbackReceiver::builder(CallbackUrl::new("https://app.example.com/cb")?)
///     .max_body_bytes(1024 * 1024)
///     .fallback_poll_after(Duration::from_secs(60))
///     .build()?;
/// # Ok::<(), zapier_embed::Error>(())
/// ```
pub struct CallbackReceiverBuilder {
    url: CallbackUrl,
    jwks_url: Result<url::Url, Error>,
    fixed: Option<Result<JwkSet, Error>>,
    max_body_bytes: usize,
    max_jwks_bytes: usize,
    max_unclaimed: usize,
    fallback_poll_after: Duration,
}

impl std::fmt::Debug for CallbackReceiverBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackReceiverBuilder")
            .field("url", &self.url)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

impl CallbackReceiverBuilder {
    /// The defaults, for [`CallbackReceiver::builder`].
    pub(super) fn new(url: CallbackUrl) -> Self {
        CallbackReceiverBuilder {
            url,
            jwks_url: url::Url::parse(ZAPIER_JWKS_URL)
                .map_err(|e| Error::configuration(format!("jwks_url: {e}"))),
            fixed: None,
            max_body_bytes: DEFAULT_MAX_CALLBACK_BYTES,
            max_jwks_bytes: DEFAULT_MAX_JWKS_BYTES,
            max_unclaimed: DEFAULT_MAX_UNCLAIMED,
            fallback_poll_after: DEFAULT_CALLBACK_FALLBACK_POLL,
        }
    }

    /// Fetch the verification keys from `url` (an `https` JWKS document; default
    /// [`ZAPIER_JWKS_URL`]). The set is cached for an hour and fetched again, at most once a
    /// minute, when a signature names a key it lacks; each fetch is bounded in time (10 s) and
    /// size ([`max_jwks_bytes`](Self::max_jwks_bytes)) and follows no redirect.
    ///
    /// ```
    /// # use zapier_embed::actions::{CallbackReceiver, CallbackUrl};
    /// let builder = CallbackReceiver::builder(CallbackUrl::new("https://app.example.com/cb")?)
    ///     .jwks_url("https://keys.example.com/jwks.json");
    /// assert!(builder.build().is_ok());
    /// # Ok::<(), zapier_embed::Error>(())
    /// ```
    pub fn jwks_url(mut self, url: &str) -> Self {
        self.jwks_url = check_url(BUILD, "jwks_url", url, Admit::Public);
        self
    }

    /// Like [`jwks_url`](Self::jwks_url), but a loopback host over `http` is accepted too: the
    /// emulator serves its key set at `http://127.0.0.1:<port>/.well-known/jwks.json`.
    ///
    /// ```
    /// # use zapier_embed::actions::{CallbackReceiver, CallbackUrl};
    /// let builder = CallbackReceiver::builder(CallbackUrl::loopback_for_tests("http://127.0.0.1:9/cb")?)
    ///     .jwks_url_loopback_for_tests("http://127.0.0.1:8787/.well-known/jwks.json");
    /// assert!(builder.build().is_ok());
    /// # Ok::<(), zapier_embed::Error>(())
    /// ```
    pub fn jwks_url_loopback_for_tests(mut self, url: &str) -> Self {
        self.jwks_url = check_url(BUILD, "jwks_url", url, Admit::Loopback);
        self
    }

    /// Verify with this key set (a JWKS JSON document) instead of fetching one.
    ///
    /// ```
    /// # use zapier_embed::actions::{CallbackReceiver, CallbackUrl};
    /// let jwks = r#"{"keys":[{"kty":"RSA","kid":"k1","alg":"RS256","use":"sig","n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw","e":"AQAB"}]}"#;
    /// let builder = CallbackReceiver::builder(CallbackUrl::new("https://app.example.com/cb")?)
    ///     .jwk_set_json(jwks);
    /// assert!(builder.build().is_ok());
    /// # Ok::<(), zapier_embed::Error>(())
    /// ```
    pub fn jwk_set_json(mut self, jwks: &str) -> Self {
        self.fixed = Some(
            serde_json::from_str::<JwkSet>(jwks)
                .map_err(|e| Error::configuration(format!("jwk_set_json: not a JWK set: {e}"))),
        );
        self
    }

    /// Largest callback body read (default [`DEFAULT_MAX_CALLBACK_BYTES`]); larger ones answer
    /// `413`, which Zapier does not retry.
    ///
    /// ```
    /// # use zapier_embed::actions::{CallbackReceiver, CallbackUrl};
    /// let builder = CallbackReceiver::builder(CallbackUrl::new("https://app.example.com/cb")?)
    ///     .max_body_bytes(512 * 1024);
    /// # Ok::<(), zapier_embed::Error>(())
    /// ```
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Largest key-set document read (default [`DEFAULT_MAX_JWKS_BYTES`]).
    ///
    /// ```
    /// # use zapier_embed::actions::{CallbackReceiver, CallbackUrl};
    /// let builder = CallbackReceiver::builder(CallbackUrl::new("https://app.example.com/cb")?)
    ///     .max_jwks_bytes(16 * 1024);
    /// # Ok::<(), zapier_embed::Error>(())
    /// ```
    pub fn max_jwks_bytes(mut self, bytes: usize) -> Self {
        self.max_jwks_bytes = bytes;
        self
    }

    /// How many results of runs nobody waits for yet are kept (default 1024; the oldest go first).
    /// A result arriving before its run's wait began is found there.
    ///
    /// ```
    /// # use zapier_embed::actions::{CallbackReceiver, CallbackUrl};
    /// let builder = CallbackReceiver::builder(CallbackUrl::new("https://app.example.com/cb")?)
    ///     .max_unclaimed(10_000);
    /// # Ok::<(), zapier_embed::Error>(())
    /// ```
    pub fn max_unclaimed(mut self, runs: usize) -> Self {
        self.max_unclaimed = runs;
        self
    }

    /// How long [`RunHandle::wait_for_callback`] waits for the callback alone before it also
    /// polls the run (default [`DEFAULT_CALLBACK_FALLBACK_POLL`]).
    ///
    /// ```
    /// # use zapier_embed::actions::{CallbackReceiver, CallbackUrl};
    /// let builder = CallbackReceiver::builder(CallbackUrl::new("https://app.example.com/cb")?)
    ///     .fallback_poll_after(std::time::Duration::from_secs(10));
    /// # Ok::<(), zapier_embed::Error>(())
    /// ```
    pub fn fallback_poll_after(mut self, after: Duration) -> Self {
        self.fallback_poll_after = after;
        self
    }

    /// The receiver; a configuration error names the bad setting (an invalid key-set URL or
    /// document, a zero limit).
    ///
    /// ```
    /// # use zapier_embed::actions::{CallbackReceiver, CallbackUrl};
    /// let err = CallbackReceiver::builder(CallbackUrl::new("https://app.example.com/cb")?)
    ///     .jwks_url("http://keys.example.com/jwks.json")
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(err.field_errors()[0].field, "jwks_url");
    /// # Ok::<(), zapier_embed::Error>(())
    /// ```
    pub fn build(self) -> Result<CallbackReceiver, Error> {
        for (setting, zero) in [
            ("max_body_bytes", self.max_body_bytes == 0),
            ("max_jwks_bytes", self.max_jwks_bytes == 0),
        ] {
            if zero {
                return Err(Error::configuration(format!(
                    "{setting} must be at least 1 (a zero limit refuses everything)"
                )));
            }
        }
        let keys = match self.fixed {
            Some(set) => Keys::Fixed(set?),
            None => Keys::Fetched(Fetcher {
                url: self.jwks_url?,
                http: reqwest::Client::builder()
                    .connect_timeout(JWKS_FETCH_TIMEOUT)
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(|e| {
                        Error::configuration(format!("could not build the HTTP client: {e}"))
                    })?,
                max_bytes: self.max_jwks_bytes,
                cache: tokio::sync::Mutex::new(None),
            }),
        };
        Ok(CallbackReceiver {
            inner: Arc::new(Inner {
                url: self.url,
                keys,
                max_body_bytes: self.max_body_bytes,
                max_unclaimed: self.max_unclaimed,
                fallback_poll_after: self.fallback_poll_after,
                board: Mutex::new(Board::default()),
            }),
        })
    }
}

//! A receiver for Zapier's action-run callbacks (feature `webhook`): mount its router in your axum
//! app, start runs with its URL, and wait for their results without polling.
//!
//! See [`CallbackReceiver`] for what Zapier sends and what the router answers.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Router, body::Bytes};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use tokio::sync::oneshot;

use super::*;
use crate::actions::callback_url::{Admit, check_url};

/// The header carrying the callback's signature.
///
/// ```
/// assert_eq!(zapier_embed::actions::SIGNATURE_HEADER, "Zapier-Callback-Signature");
/// ```
pub const SIGNATURE_HEADER: &str = "Zapier-Callback-Signature";

/// Where Zapier publishes the keys that verify callback signatures (the default key source).
///
/// ```
/// assert!(zapier_embed::actions::ZAPIER_JWKS_URL.starts_with("https://"));
/// ```
pub const ZAPIER_JWKS_URL: &str = "https://zapier.com/.well-known/jwks.json";

/// Default of [`CallbackReceiverBuilder::max_body_bytes`]: 4 MiB (a run's results travel in the
/// body).
///
/// ```
/// assert_eq!(zapier_embed::actions::DEFAULT_MAX_CALLBACK_BYTES, 4 * 1024 * 1024);
/// ```
pub const DEFAULT_MAX_CALLBACK_BYTES: usize = 4 * 1024 * 1024;

/// Default of [`CallbackReceiverBuilder::max_jwks_bytes`]: 64 KiB of key set.
///
/// ```
/// assert_eq!(zapier_embed::actions::DEFAULT_MAX_JWKS_BYTES, 64 * 1024);
/// ```
pub const DEFAULT_MAX_JWKS_BYTES: usize = 64 * 1024;

/// Default of [`CallbackReceiverBuilder::fallback_poll_after`]: 30 s. Zapier's retries happen
/// within seconds; a callback still missing after that was lost, and the run is polled.
///
/// ```
/// assert_eq!(zapier_embed::actions::DEFAULT_CALLBACK_FALLBACK_POLL.as_secs(), 30);
/// ```
pub const DEFAULT_CALLBACK_FALLBACK_POLL: Duration = Duration::from_secs(30);

/// How long a fetched key set is used before it is fetched again.
const JWKS_TTL: Duration = Duration::from_secs(3600);
/// A signature with an unknown key id refetches the key set at most this often.
const JWKS_REFETCH_MIN: Duration = Duration::from_secs(60);
/// Bound of one key-set fetch (connection and body).
const JWKS_FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// Default number of results kept for runs nobody waits for yet.
const DEFAULT_MAX_UNCLAIMED: usize = 1024;
/// Clock skew allowed on `exp`, in seconds.
const LEEWAY_SECS: u64 = 60;

const RECEIVE: &str = "receive action-run callback";
const BUILD: &str = "build callback receiver";

/// Locks a mutex, recovering from poisoning (a panicked holder leaves consistent maps behind).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Where the verification keys come from.
enum Keys {
    /// Given by the user; never refetched.
    Fixed(JwkSet),
    /// Fetched from a URL, cached.
    Fetched(Fetcher),
}

struct Fetcher {
    url: url::Url,
    http: reqwest::Client,
    max_bytes: usize,
    cache: tokio::sync::Mutex<Option<(JwkSet, Instant)>>,
}

impl Fetcher {
    /// The key set, fetched again when stale or (at most once a minute) when it lacks `kid`.
    async fn keys(&self, kid: Option<&str>) -> Result<JwkSet, StatusCode> {
        let mut cache = self.cache.lock().await;
        if let Some((set, at)) = cache.as_ref() {
            let fresh = at.elapsed() < JWKS_TTL;
            let knows = kid.is_none_or(|k| set.find(k).is_some());
            if fresh && (knows || at.elapsed() < JWKS_REFETCH_MIN) {
                return Ok(set.clone());
            }
        }
        match self.fetch().await {
            Ok(set) => {
                *cache = Some((set.clone(), Instant::now()));
                Ok(set)
            }
            Err(why) => {
                tracing::warn!(url = %self.url, error = %why, "cannot fetch the callback key set");
                // A stale set still verifies what it knows; without one, ask Zapier to retry.
                cache
                    .as_ref()
                    .map(|(set, _)| set.clone())
                    .ok_or(StatusCode::SERVICE_UNAVAILABLE)
            }
        }
    }

    async fn fetch(&self) -> Result<JwkSet, String> {
        let work = async {
            let response = self
                .http
                .get(self.url.clone())
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if !response.status().is_success() {
                return Err(format!("status {}", response.status().as_u16()));
            }
            let body = wire::read_at_most(response, self.max_bytes)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("larger than {} bytes", self.max_bytes))?;
            serde_json::from_slice::<JwkSet>(&body).map_err(|e| format!("not a JWK set: {e}"))
        };
        tokio::time::timeout(JWKS_FETCH_TIMEOUT, work)
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {JWKS_FETCH_TIMEOUT:?}")))
    }
}

/// Results by run id: handed to a waiter at once, or kept (bounded, oldest dropped first) until
/// one asks.
#[derive(Default)]
struct Board {
    unclaimed: HashMap<String, RunState>,
    order: VecDeque<String>,
    waiters: HashMap<String, Vec<oneshot::Sender<RunState>>>,
}

struct Inner {
    url: CallbackUrl,
    keys: Keys,
    max_body_bytes: usize,
    max_unclaimed: usize,
    fallback_poll_after: Duration,
    board: Mutex<Board>,
}

impl Inner {
    fn deliver(&self, run_id: String, state: RunState) {
        let mut board = lock(&self.board);
        let mut state = Some(state);
        if let Some(waiters) = board.waiters.remove(&run_id) {
            for waiter in waiters {
                if let Some(s) = state.take() {
                    // A waiter that went away gives the result back for the next one.
                    state = waiter.send(s).err();
                }
            }
        }
        let Some(state) = state else { return };
        if board.unclaimed.insert(run_id.clone(), state).is_none() {
            board.order.push_back(run_id);
        }
        while board.unclaimed.len() > self.max_unclaimed {
            let Some(oldest) = board.order.pop_front() else {
                break;
            };
            board.unclaimed.remove(&oldest);
        }
    }

    /// The result of `run_id` if it arrived already, else a receiver for it.
    fn claim(&self, run_id: &str) -> Result<RunState, oneshot::Receiver<RunState>> {
        let mut board = lock(&self.board);
        if let Some(state) = board.unclaimed.remove(run_id) {
            board.order.retain(|id| id != run_id);
            return Ok(state);
        }
        let (tx, rx) = oneshot::channel();
        let waiters = board.waiters.entry(run_id.to_owned()).or_default();
        waiters.retain(|w| !w.is_closed());
        waiters.push(tx);
        Err(rx)
    }

    /// Forgets the waiters of `run_id` that gave up (a dropped wait leaves no entry behind).
    fn forget_closed(&self, run_id: &str) {
        let mut board = lock(&self.board);
        if let Some(waiters) = board.waiters.get_mut(run_id) {
            waiters.retain(|w| !w.is_closed());
            if waiters.is_empty() {
                board.waiters.remove(run_id);
            }
        }
    }

    async fn verify(&self, token: &str) -> Result<(), StatusCode> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| StatusCode::UNAUTHORIZED)?;
        if header.alg != Algorithm::RS256 {
            return Err(StatusCode::UNAUTHORIZED);
        }
        let set = match &self.keys {
            Keys::Fixed(set) => set.clone(),
            Keys::Fetched(fetcher) => fetcher.keys(header.kid.as_deref()).await?,
        };
        let candidates: Vec<_> = match header.kid.as_deref() {
            Some(kid) => set.find(kid).into_iter().collect(),
            // Without a key id, any key of the set may have signed it.
            None => set.keys.iter().collect(),
        };
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_aud = false;
        validation.leeway = LEEWAY_SECS;
        validation.set_required_spec_claims(&["exp"]);
        let verified = candidates.into_iter().any(|jwk| {
            DecodingKey::from_jwk(jwk).is_ok_and(|key| {
                jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation).is_ok()
            })
        });
        if verified {
            Ok(())
        } else {
            Err(StatusCode::UNAUTHORIZED)
        }
    }
}

/// Unregisters a dropped wait.
struct WaitGuard<'a> {
    inner: &'a Inner,
    run_id: &'a str,
}

impl Drop for WaitGuard<'_> {
    fn drop(&mut self) {
        self.inner.forget_closed(self.run_id);
    }
}

/// The documented callback body.
#[derive(Deserialize)]
struct Payload {
    data: PayloadRun,
}

#[derive(Deserialize)]
struct PayloadRun {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    id: String,
    status: String,
    #[serde(default)]
    results: Vec<Map<String, Value>>,
    #[serde(default)]
    errors: Vec<RunError>,
}

async fn receive(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    if body.len() > inner.max_body_bytes {
        return StatusCode::PAYLOAD_TOO_LARGE;
    }
    let Some(token) = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
    else {
        tracing::debug!("action-run callback without a signature refused");
        return StatusCode::UNAUTHORIZED;
    };
    let Ok(payload) = serde_json::from_slice::<Payload>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    if let Err(status) = inner.verify(token).await {
        tracing::debug!(
            status = status.as_u16(),
            "action-run callback signature refused"
        );
        return status;
    }
    let run = payload.data;
    if run.kind.as_deref().is_some_and(|k| k != "run") {
        return StatusCode::BAD_REQUEST;
    }
    let state = RunState {
        status: RunStatus::from(run.status),
        results: run.results,
        errors: run.errors,
    };
    if state.outcome(&run.id).is_none() {
        // Zapier calls back on terminal states only; a non-terminal one is not a result.
        tracing::debug!(run_id = %run.id, "action-run callback with a non-terminal status ignored");
        return StatusCode::OK;
    }
    tracing::debug!(run_id = %run.id, "action-run callback received");
    inner.deliver(run.id, state);
    StatusCode::OK
}

/// Receives Zapier's action-run callbacks: an axum router that verifies them, and waits keyed by
/// run id ([`RunHandle::wait_for_callback`], [`Actions::run_with_callback`]). Cheap to clone;
/// clones share the results.
///
/// Zapier POSTs `{"data": {"type": "run", "id", "status", "results", "errors"}}` to a run's
/// `callback_url` once the run is terminal, with a `Zapier-Callback-Signature` header: an RS256
/// JWT (claims `iat`, `exp`; valid five minutes) signed with a key published at
/// [`ZAPIER_JWKS_URL`]. Zapier retries on a 5xx answer or a network error (three attempts in
/// all, within seconds), never on a 4xx. The router checks in this order and answers:
///
/// | answer | when |
/// |---|---|
/// | `413` | the body is over [`CallbackReceiverBuilder::max_body_bytes`] |
/// | `401` | the signature header is missing or empty |
/// | `400` | the body is not the documented JSON |
/// | `503` | the key set is needed but cannot be fetched (Zapier then tries again) |
/// | `401` | the JWT does not verify (key, algorithm RS256, `exp` required, 60 s of clock skew allowed) |
/// | `200` | verified, and handed to the waiting [`RunHandle::wait_for_callback`] (or kept for it) |
///
/// Zapier documents no claim tying the signature to the body, so the signature proves that Zapier
/// sent *a* callback within the last five minutes; the receiver accepts only the documented
/// payload and hands out only terminal results. The signature and the key set are never logged.
///
/// ```no_run
/// # async fn example(client: zapier_embed::Client, inputs: serde_json::Map<String, serde_json::Value>) -> zapier_embed::Result<()> {
/// use zapier_embed::actions::{CallbackReceiver, CallbackUrl};
///
/// let receiver = CallbackReceiver::builder(CallbackUrl::new("https://app.example.com/zapier/callbacks")?)
///     .build()?;
/// let app = axum::Router::new().nest("/zapier/callbacks", receiver.router());
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await.unwrap();
/// tokio::spawn(async move { axum::serve(listener, app).await });
///
/// let result = client
///     .actions()
///     .run_with_callback("slack", "send_channel_message", Some("conn-id"), inputs, &receiver)
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CallbackReceiver {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for CallbackReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackReceiver")
            .field("url", &self.inner.url)
            .field("max_body_bytes", &self.inner.max_body_bytes)
            .finish_non_exhaustive()
    }
}

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

impl CallbackReceiver {
    /// A builder for a receiver reached at `url` (the `callback_url` its runs are started with).
    /// Keys come from [`ZAPIER_JWKS_URL`] unless set otherwise.
    ///
    /// ```
    /// use zapier_embed::actions::{CallbackReceiver, CallbackUrl};
    /// let receiver = CallbackReceiver::builder(CallbackUrl::new("https://app.example.com/cb")?).build()?;
    /// assert_eq!(receiver.url().as_str(), "https://app.example.com/cb");
    /// # Ok::<(), zapier_embed::Error>(())
    /// ```
    pub fn builder(url: CallbackUrl) -> CallbackReceiverBuilder {
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

    /// The URL runs started through this receiver give Zapier.
    ///
    /// ```
    /// # use zapier_embed::actions::{CallbackReceiver, CallbackUrl};
    /// # let receiver = CallbackReceiver::builder(CallbackUrl::new("https://app.example.com/cb")?).build()?;
    /// println!("{}", receiver.url().as_str());
    /// # Ok::<(), zapier_embed::Error>(())
    /// ```
    pub fn url(&self) -> &CallbackUrl {
        &self.inner.url
    }

    /// A router answering `POST /` (see [`CallbackReceiver`] for its answers); nest it under the
    /// path of [`url`](CallbackReceiver::url). It limits the body itself.
    ///
    /// ```
    /// # use zapier_embed::actions::{CallbackReceiver, CallbackUrl};
    /// # let receiver = CallbackReceiver::builder(CallbackUrl::new("https://app.example.com/zapier/callbacks")?).build()?;
    /// let app: axum::Router = axum::Router::new().nest("/zapier/callbacks", receiver.router());
    /// # Ok::<(), zapier_embed::Error>(())
    /// ```
    pub fn router(&self) -> Router {
        Router::new()
            .route("/", post(receive))
            .layer(DefaultBodyLimit::max(self.inner.max_body_bytes))
            .with_state(self.inner.clone())
    }
}

impl CallbackReceiverBuilder {
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

impl RunHandle {
    /// Waits up to `timeout` for the run's callback at `receiver` (the run must have been
    /// started with [`receiver.url()`](CallbackReceiver::url)): its results, or
    /// [`Error::ActionRunFailed`] with the run's typed errors, as [`wait`](RunHandle::wait)
    /// answers them. Should the callback not arrive within the receiver's
    /// [`fallback_poll_after`](CallbackReceiverBuilder::fallback_poll_after), the run is also
    /// polled (whichever answers first wins); [`Error::Timeout`] after `timeout`. Dropping the
    /// future leaves nothing behind.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .activation_delay(std::time::Duration::ZERO)
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .allow_loopback_callbacks()
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// # let connect = client.connect_token("slack").await?;
    /// # reqwest::get(client.connect_url("slack", &connect).expose_secret()).await.unwrap();
    /// # let connection = client.connections().first_valid("slack").await?.unwrap();
    /// # let mut inputs = serde_json::Map::new();
    /// # inputs.insert("channel".into(), serde_json::json!("C0123ABC456"));
    /// # inputs.insert("text".into(), serde_json::json!("Hello"));
    /// use std::time::Duration;
    /// use zapier_embed::actions::{CallbackReceiver, CallbackUrl};
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let url = CallbackUrl::loopback_for_tests(&format!("http://{}/", listener.local_addr().unwrap()))?;
    /// let receiver = CallbackReceiver::builder(url)
    ///     .jwks_url_loopback_for_tests(&format!("http://{host}/.well-known/jwks.json"))
    ///     .build()?;
    /// let router = receiver.router();
    /// tokio::spawn(async move { axum::serve(listener, router).await });
    ///
    /// let run = client
    ///     .actions()
    ///     .start_with_callback("slack", "send_channel_message", Some(connection.id.as_str()), inputs, receiver.url())
    ///     .await?;
    /// let result = run.wait_for_callback(&receiver, Duration::from_secs(60)).await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn wait_for_callback(
        &self,
        receiver: &CallbackReceiver,
        timeout: Duration,
    ) -> Result<ActionRunResult, Error> {
        checks::require_timeout(RUN, "timeout", timeout)?;
        let inner = &receiver.inner;
        let waiting = match inner.claim(&self.id) {
            Ok(state) => return self.settled(state),
            Err(rx) => rx,
        };
        let _guard = WaitGuard {
            inner,
            run_id: &self.id,
        };
        let fallback_after = inner.fallback_poll_after.min(timeout);
        checks::within_budget(
            RUN,
            timeout,
            || format!("run {} did not finish within {timeout:?}", self.id),
            async {
                tokio::select! {
                    Ok(state) = waiting => self.settled(state),
                    outcome = async {
                        tokio::time::sleep(fallback_after).await;
                        self.poll(timeout).await
                    } => outcome,
                }
            },
        )
        .await
    }

    fn settled(&self, state: RunState) -> Result<ActionRunResult, Error> {
        state.outcome(&self.id).unwrap_or_else(|| {
            Err(Error::decode(
                RECEIVE,
                format!("run {}: the callback carried no terminal status", self.id),
            ))
        })
    }
}

impl Actions {
    /// [`start_with_callback`](Actions::start_with_callback)s the run with `receiver`'s URL and
    /// [`wait_for_callback`](RunHandle::wait_for_callback)s up to [`DEFAULT_RUN_TIMEOUT`]: no
    /// polling while the callback arrives.
    ///
    /// ```no_run
    /// # async fn example(client: zapier_embed::Client, receiver: zapier_embed::actions::CallbackReceiver) -> zapier_embed::Result<()> {
    /// let mut inputs = serde_json::Map::new();
    /// inputs.insert("channel".into(), serde_json::json!("C0123ABC456"));
    /// inputs.insert("text".into(), serde_json::json!("Hello"));
    /// let result = client
    ///     .actions()
    ///     .run_with_callback("slack", "send_channel_message", Some("conn-id"), inputs, &receiver)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn run_with_callback(
        &self,
        app: &str,
        action_key: &str,
        connection: Option<&str>,
        inputs: Map<String, Value>,
        receiver: &CallbackReceiver,
    ) -> Result<ActionRunResult, Error> {
        self.start_with_callback(app, action_key, connection, inputs, receiver.url())
            .await?
            .wait_for_callback(receiver, DEFAULT_RUN_TIMEOUT)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receiver(max_unclaimed: usize) -> CallbackReceiver {
        CallbackReceiver::builder(CallbackUrl::new("https://app.example.com/cb").unwrap())
            .jwk_set_json(r#"{"keys":[]}"#)
            .max_unclaimed(max_unclaimed)
            .build()
            .unwrap()
    }

    fn success() -> RunState {
        RunState {
            status: RunStatus::Success,
            results: Vec::new(),
            errors: Vec::new(),
        }
    }

    #[test]
    fn results_wait_for_their_run_and_the_oldest_go_first() {
        let r = receiver(2);
        for id in ["a", "b", "c"] {
            r.inner.deliver(id.to_owned(), success());
        }
        assert!(r.inner.claim("a").is_err(), "evicted");
        assert!(r.inner.claim("b").is_ok());
        assert!(r.inner.claim("b").is_err(), "claimed once");
        assert!(r.inner.claim("c").is_ok());
    }

    #[test]
    fn a_waiter_gets_the_result_and_a_dropped_one_leaves_nothing() {
        let r = receiver(8);
        let Err(mut rx) = r.inner.claim("run") else {
            panic!("nothing arrived yet")
        };
        r.inner.deliver("run".to_owned(), success());
        assert!(rx.try_recv().is_ok());
        let Err(rx) = r.inner.claim("gone") else {
            panic!("nothing arrived yet")
        };
        drop(rx);
        r.inner.forget_closed("gone");
        assert!(lock(&r.inner.board).waiters.is_empty());
        // A result whose only waiter left is kept for the next one.
        r.inner.deliver("gone".to_owned(), success());
        assert!(r.inner.claim("gone").is_ok());
    }

    #[tokio::test]
    async fn unverifiable_tokens_are_refused() {
        let r = receiver(8);
        for token in ["", "not.a.jwt", "eyJhbGciOiJub25lIn0.e30."] {
            assert_eq!(
                r.inner.verify(token).await,
                Err(StatusCode::UNAUTHORIZED),
                "{token}"
            );
        }
    }
}

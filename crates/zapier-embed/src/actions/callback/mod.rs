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

mod builder;
mod keys;
mod wait;

pub use builder::CallbackReceiverBuilder;
use keys::{Fetcher, Keys};

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
    if let Err(status) = inner.keys.verify(token).await {
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
        CallbackReceiverBuilder::new(url)
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
                r.inner.keys.verify(token).await,
                Err(StatusCode::UNAUTHORIZED),
                "{token}"
            );
        }
    }
}

//! The progenitor hooks: the only hand-written behaviour of the generated clients.
//!
//! Every generated `Client` carries a [`ClientState`]. Before each request the `pre` hook sets the
//! bearer header from the state's [`BearerSource`]; `exec` either sends the request or, when a
//! [`RequestRecorder`] is installed, hands it to the recorder and answers locally so nothing
//! leaves the process (the facade's request-shape snapshots are taken this way; what a captured
//! request looks like is the facade's to decide, not this crate's). With a [`ResponseHandoff`]
//! installed, `exec` sends the request but hands the raw response to the caller instead of to
//! the generated code, so the caller reads status, headers and body itself.

use std::fmt;
use std::sync::{Arc, Mutex};

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

/// Status of the synthetic answer a capturing client gets; outside the range any server uses, so
/// it can never be mistaken for a real answer.
const CAPTURED_STATUS: u16 = 599;

/// Supplies the access token of each request.
///
/// The source is asked once per attempt and must answer from memory: refreshing an expiring token
/// is the caller's job (the facade refreshes before it calls), which keeps token errors typed
/// instead of flattening them into a hook error.
///
/// ```
/// use secrecy::SecretString;
/// use zapier_embed_api::BearerSource;
///
/// /// A token read from memory that some other task keeps fresh.
/// struct Shared(std::sync::RwLock<SecretString>);
///
/// impl BearerSource for Shared {
///     fn bearer(&self) -> Option<SecretString> {
///         self.0.read().ok().map(|t| t.clone())
///     }
/// }
/// # let _ = Shared(std::sync::RwLock::new(SecretString::from("t"))).bearer();
/// ```
pub trait BearerSource: Send + Sync + 'static {
    /// The token to send as `Authorization: Bearer <token>`, or `None` to send no header.
    fn bearer(&self) -> Option<SecretString>;
}

impl BearerSource for SecretString {
    fn bearer(&self) -> Option<SecretString> {
        Some(self.clone())
    }
}

/// The state every generated client carries (progenitor's "inner type").
///
/// ```
/// use secrecy::SecretString;
/// use zapier_embed_api::ClientState;
///
/// let state = ClientState::default().with_bearer(SecretString::from("token"));
/// assert!(format!("{state:?}").contains("bearer: true"));
/// ```
#[derive(Clone, Default)]
pub struct ClientState {
    bearer: Option<Arc<dyn BearerSource>>,
    recorder: Option<Arc<dyn RequestRecorder>>,
    handoff: Option<ResponseHandoff>,
    headers: HeaderMap,
}

impl ClientState {
    /// Sends `Authorization: Bearer <token>` from `source` on every request.
    ///
    /// ```
    /// use secrecy::SecretString;
    /// let state = zapier_embed_api::ClientState::default().with_bearer(SecretString::from("token"));
    /// # let _ = state;
    /// ```
    pub fn with_bearer(mut self, source: impl BearerSource) -> Self {
        self.bearer = Some(Arc::new(source));
        self
    }

    /// Like [`with_bearer`](Self::with_bearer), for a source that is already shared.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use secrecy::SecretString;
    /// use zapier_embed_api::{BearerSource, ClientState};
    ///
    /// let source: Arc<dyn BearerSource> = Arc::new(SecretString::from("token"));
    /// let a = ClientState::default().with_shared_bearer(source.clone());
    /// let b = ClientState::default().with_shared_bearer(source);
    /// # let _ = (a, b);
    /// ```
    pub fn with_shared_bearer(mut self, source: Arc<dyn BearerSource>) -> Self {
        self.bearer = Some(source);
        self
    }

    /// Sends `headers` on every request too (e.g. `Zapier-Correlation-Id`); a header of the
    /// same name set by the generated code is replaced. `Authorization` comes from the bearer
    /// source only: it is skipped here.
    ///
    /// ```
    /// use reqwest::header::{HeaderMap, HeaderValue};
    /// let mut headers = HeaderMap::new();
    /// headers.insert("zapier-correlation-id", HeaderValue::from_static("c-1"));
    /// let state = zapier_embed_api::ClientState::default().with_headers(headers);
    /// assert!(format!("{state:?}").contains("headers: 1"));
    /// ```
    pub fn with_headers(mut self, headers: HeaderMap) -> Self {
        self.headers = headers;
        self
    }

    /// Hands every request to `recorder` and answers it locally with status 599 instead of
    /// sending it. For tests that pin the exact request shape without a network.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zapier_embed_api::{ClientState, RequestRecorder};
    ///
    /// struct Count(std::sync::atomic::AtomicUsize);
    /// impl RequestRecorder for Count {
    ///     fn record(&self, _operation: &str, _request: &reqwest::Request) {
    ///         self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    ///     }
    /// }
    /// let state = ClientState::default().with_capture(Arc::new(Count(Default::default())));
    /// assert!(format!("{state:?}").contains("capture: true"));
    /// ```
    pub fn with_capture(mut self, recorder: Arc<dyn RequestRecorder>) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// Sends every request, but puts the raw response into `handoff` and answers the generated
    /// code with status 599 instead. A recorder, when also installed, wins: nothing is sent.
    ///
    /// Generated code reads answers for you, but a documented error status whose body does not
    /// parse as the documented type comes back as `InvalidResponsePayload`, without its status or
    /// headers; a caller that must keep them (a `Retry-After` on an empty 429) reads the response
    /// itself.
    ///
    /// ```
    /// use zapier_embed_api::{ClientState, ResponseHandoff};
    /// let handoff = ResponseHandoff::new();
    /// let state = ClientState::default().with_response_handoff(handoff.clone());
    /// assert!(handoff.take().is_none());
    /// # let _ = state;
    /// ```
    pub fn with_response_handoff(mut self, handoff: ResponseHandoff) -> Self {
        self.handoff = Some(handoff);
        self
    }
}

/// Where a client with [`ClientState::with_response_handoff`] leaves the raw response of its
/// last request.
///
/// ```
/// let handoff = zapier_embed_api::ResponseHandoff::new();
/// assert!(handoff.take().is_none());
/// ```
#[derive(Clone, Default)]
pub struct ResponseHandoff {
    slot: Arc<Mutex<Option<reqwest::Response>>>,
}

impl ResponseHandoff {
    /// An empty hand-off slot.
    ///
    /// ```
    /// let handoff = zapier_embed_api::ResponseHandoff::new();
    /// # let _ = handoff;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The response of the last request sent, if any (taking it empties the slot).
    ///
    /// ```
    /// let handoff = zapier_embed_api::ResponseHandoff::new();
    /// assert!(handoff.take().is_none());
    /// ```
    pub fn take(&self) -> Option<reqwest::Response> {
        self.slot.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    fn put(&self, response: reqwest::Response) {
        *self.slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(response);
    }
}

impl fmt::Debug for ResponseHandoff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseHandoff").finish_non_exhaustive()
    }
}

impl fmt::Debug for ClientState {
    // Never prints the token: only whether one is configured.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientState")
            .field("bearer", &self.bearer.is_some())
            .field("capture", &self.recorder.is_some())
            .field("handoff", &self.handoff.is_some())
            .field("headers", &self.headers.len())
            .finish()
    }
}

/// Receives the requests of a client built with [`ClientState::with_capture`], which answers
/// each one locally (status 599) instead of sending it.
///
/// The request is the one that would have gone on the wire, `Authorization` header included:
/// a recorder keeps of it what it needs and must not keep the token.
///
/// ```
/// use std::sync::Mutex;
/// use zapier_embed_api::RequestRecorder;
///
/// /// Keeps the method and path of each request.
/// #[derive(Default)]
/// struct Paths(Mutex<Vec<String>>);
///
/// impl RequestRecorder for Paths {
///     fn record(&self, operation: &str, request: &reqwest::Request) {
///         let line = format!("{operation}: {} {}", request.method(), request.url().path());
///         self.0.lock().unwrap().push(line);
///     }
/// }
/// # Paths::default().record("get_trigger_inbox", &reqwest::Request::new(
/// #     reqwest::Method::GET, "http://127.0.0.1:9/inboxes/x".parse().unwrap()));
/// ```
pub trait RequestRecorder: Send + Sync + 'static {
    /// Called once for each request, with its operation id as progenitor names it (the
    /// snake_case operationId of the API document).
    fn record(&self, operation: &str, request: &reqwest::Request);
}

async fn pre<E>(state: &ClientState, request: &mut reqwest::Request) -> Result<(), Error<E>> {
    for (name, value) in &state.headers {
        if name != AUTHORIZATION {
            request.headers_mut().insert(name.clone(), value.clone());
        }
    }
    if let Some(token) = state.bearer.as_ref().and_then(|s| s.bearer()) {
        let mut value = HeaderValue::try_from(format!("Bearer {}", token.expose_secret()))
            // The message names the problem, never the token.
            .map_err(|_| {
                Error::InvalidRequest("access token is not a valid header value".into())
            })?;
        value.set_sensitive(true);
        request.headers_mut().insert(AUTHORIZATION, value);
    }
    Ok(())
}

async fn exec(
    state: &ClientState,
    client: &reqwest::Client,
    request: reqwest::Request,
    info: &OperationInfo,
) -> reqwest::Result<reqwest::Response> {
    if let Some(recorder) = &state.recorder {
        recorder.record(info.operation_id, &request);
        return Ok(placeholder());
    }
    let response = client.execute(request).await?;
    match &state.handoff {
        Some(handoff) => {
            handoff.put(response);
            Ok(placeholder())
        }
        None => Ok(response),
    }
}

/// The local answer of a capturing or handing-off client: an empty body with status 599.
fn placeholder() -> reqwest::Response {
    let response = http::Response::builder()
        .status(CAPTURED_STATUS)
        .body(Vec::<u8>::new())
        .expect("a static status and an empty body form a valid response");
    reqwest::Response::from(response)
}

/// Implements the hooks for each generated client; the four clients are distinct types.
macro_rules! impl_hooks {
    ($($client:path),+ $(,)?) => {$(
        impl ClientHooks<ClientState> for $client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                _info: &OperationInfo,
            ) -> Result<(), Error<E>> {
                pre(self.inner(), request).await
            }

            async fn exec(
                &self,
                request: reqwest::Request,
                info: &OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                exec(self.inner(), self.client(), request, info).await
            }
        }
    )+};
}

impl_hooks!(
    crate::by_id::Client,
    crate::by_name::Client,
    crate::partner::Client,
    crate::oauth::Client,
);

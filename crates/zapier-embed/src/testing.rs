//! Request capture for tests and dry runs: a client built with
//! [`ClientBuilder::capture`](crate::ClientBuilder::capture) records every request it would send
//! and answers it locally.
//!
//! These types are the facade's own: the generated client only hands each request over (its
//! `RequestRecorder` hook), and what is recorded of it is decided here, so regenerating the API
//! crate cannot change them. They are covered by this crate's semver like everything else.
//!
//! ```
//! # async fn demo() -> zapier_embed::Result<()> {
//! use zapier_embed::Client;
//! use zapier_embed::testing::{CapturedBody, RequestCapture};
//!
//! let capture = RequestCapture::new();
//! let client = Client::builder().access_token("t").capture(capture.clone()).build()?;
//! let _ = client.inboxes().get(&"orders".parse().unwrap()).await; // answered locally
//! let requests = capture.take();
//! assert_eq!((requests[0].method.as_str(), requests[0].body.is_none()), ("GET", true));
//! # let _ = CapturedBody::Text(String::new());
//! # Ok(()) }
//! # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use reqwest::header::AUTHORIZATION;
use serde::Serialize;

/// Records the requests of a capturing client. Clones share one record.
///
/// ```
/// let capture = zapier_embed::testing::RequestCapture::new();
/// assert!(capture.take().is_empty());
/// ```
#[derive(Clone, Default)]
pub struct RequestCapture {
    requests: Arc<Mutex<Vec<CapturedRequest>>>,
}

impl RequestCapture {
    /// An empty recorder.
    ///
    /// ```
    /// assert!(zapier_embed::testing::RequestCapture::new().take().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Returns the requests recorded so far, in order, and forgets them.
    ///
    /// ```
    /// let capture = zapier_embed::testing::RequestCapture::new();
    /// assert_eq!(capture.take(), Vec::new());
    /// ```
    pub fn take(&self) -> Vec<CapturedRequest> {
        std::mem::take(&mut *self.lock())
    }

    /// Records the request `operation` would have sent (the wire layer's recorder calls this).
    pub(crate) fn record(&self, operation: &str, request: &reqwest::Request) {
        let captured = CapturedRequest::from_request(operation, request);
        self.lock().push(captured);
    }

    fn lock(&self) -> MutexGuard<'_, Vec<CapturedRequest>> {
        // A panic while holding the lock cannot leave the Vec half-written; keep going.
        self.requests.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl fmt::Debug for RequestCapture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestCapture")
            .field("recorded", &self.lock().len())
            .finish()
    }
}

/// One request as it would have gone on the wire, minus the `Authorization` header.
///
/// Serializes to stable JSON (headers sorted) for snapshots.
///
/// ```
/// # fn show(request: &zapier_embed::testing::CapturedRequest) {
/// println!("{} {} {}", request.method, request.path, serde_json::to_string(&request.body).unwrap());
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CapturedRequest {
    /// The operation id (the snake_case operationId of the API document).
    pub operation: String,
    /// HTTP method, upper case.
    pub method: String,
    /// URL path, including the configured path prefix.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Every header except `Authorization`, lower-case names.
    pub headers: BTreeMap<String, String>,
    /// Whether an `Authorization` header was set (its value is never recorded).
    pub authorized: bool,
    /// The body, decoded by content type.
    pub body: Option<CapturedBody>,
}

/// A captured request body.
///
/// ```
/// use zapier_embed::testing::CapturedBody;
/// let body = CapturedBody::Json(serde_json::json!({"lease_limit": 10}));
/// assert_eq!(serde_json::to_value(&body).unwrap(), serde_json::json!({"json": {"lease_limit": 10}}));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CapturedBody {
    /// A JSON body.
    Json(serde_json::Value),
    /// A form-urlencoded body, as ordered key/value pairs (secrets included: a capturing client
    /// never sends, and tests use fake credentials).
    Form(Vec<(String, String)>),
    /// Any other body, lossily decoded as UTF-8.
    Text(String),
}

impl CapturedRequest {
    /// What is kept of `request`: everything but the value of its `Authorization` header.
    fn from_request(operation: &str, request: &reqwest::Request) -> Self {
        let url = request.url();
        let mut headers = BTreeMap::new();
        for (name, value) in request.headers() {
            if name == AUTHORIZATION {
                continue;
            }
            headers.insert(
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            );
        }
        let content_type = headers.get("content-type").map_or("", String::as_str);
        let body = request
            .body()
            .and_then(|b| b.as_bytes())
            .map(|bytes| CapturedBody::decode(content_type, bytes));
        CapturedRequest {
            operation: operation.to_owned(),
            method: request.method().as_str().to_owned(),
            path: url.path().to_owned(),
            query: url.query().map(str::to_owned),
            headers,
            authorized: request.headers().contains_key(AUTHORIZATION),
            body,
        }
    }
}

impl CapturedBody {
    /// Decodes a body by its content type; JSON that does not parse is kept as text.
    fn decode(content_type: &str, bytes: &[u8]) -> Self {
        if content_type.starts_with("application/json") {
            serde_json::from_slice(bytes)
                .map(CapturedBody::Json)
                .unwrap_or_else(|_| CapturedBody::Text(String::from_utf8_lossy(bytes).into_owned()))
        } else if content_type.starts_with("application/x-www-form-urlencoded") {
            CapturedBody::Form(
                url::form_urlencoded::parse(bytes)
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect(),
            )
        } else {
            CapturedBody::Text(String::from_utf8_lossy(bytes).into_owned())
        }
    }
}

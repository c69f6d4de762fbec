//! Request capture for tests and dry runs: a client built with
//! [`ClientBuilder::capture`](crate::ClientBuilder::capture) records every request it would send
//! and answers it locally.
//!
//! These types are the facade's own, not the generated client's: regenerating the API crate
//! cannot change them, so they are covered by this crate's semver like everything else.
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

use serde::Serialize;

/// Records the requests of a capturing client. Clones share one record.
///
/// ```
/// let capture = zapier_embed::testing::RequestCapture::new();
/// assert!(capture.take().is_empty());
/// ```
#[derive(Clone, Debug, Default)]
pub struct RequestCapture {
    inner: zapier_embed_api::RequestCapture,
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
        self.inner
            .take()
            .into_iter()
            .map(CapturedRequest::from_generated)
            .collect()
    }

    /// The api crate's recorder this one wraps (sharing its record), for the wire layer.
    pub(crate) fn generated(&self) -> zapier_embed_api::RequestCapture {
        self.inner.clone()
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

// Conversions from the generated client's types are private functions, not `From` impls: a
// public trait impl would name the api crate's types in this crate's surface.
impl CapturedRequest {
    fn from_generated(request: zapier_embed_api::CapturedRequest) -> Self {
        CapturedRequest {
            operation: request.operation,
            method: request.method,
            path: request.path,
            query: request.query,
            headers: request.headers,
            authorized: request.authorized,
            body: request.body.map(CapturedBody::from_generated),
        }
    }
}

impl CapturedBody {
    fn from_generated(body: zapier_embed_api::CapturedBody) -> Self {
        match body {
            zapier_embed_api::CapturedBody::Json(value) => CapturedBody::Json(value),
            zapier_embed_api::CapturedBody::Form(pairs) => CapturedBody::Form(pairs),
            zapier_embed_api::CapturedBody::Text(text) => CapturedBody::Text(text),
            // A body kind added to the generated client later: keep its text form.
            other => CapturedBody::Text(format!("{other:?}")),
        }
    }
}

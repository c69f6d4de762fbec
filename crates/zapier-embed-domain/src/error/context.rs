//! [`ErrorContext`], where and how a failure happened, and [`ErrorSource`], its cause.

use super::*;

/// Where and how a failure happened: the operation, and what the server said.
///
/// Never holds a token: transport messages and details are scrubbed of `Authorization` values
/// and URL query strings, and JSON body excerpts have credential fields replaced.
///
/// ```
/// use zapier_embed_domain::ErrorContext;
/// let ctx = ErrorContext::new("get inbox").with_status(404).with_code("not_found");
/// assert_eq!(ctx.operation, "get inbox");
/// assert_eq!(ctx.status, Some(404));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ErrorContext {
    /// What the SDK was doing, e.g. `lease messages` (the facade uses the operation's name).
    pub operation: Cow<'static, str>,
    /// The HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// The machine-readable error code (`errors[0].code`, or OAuth's `error`).
    pub code: Option<String>,
    /// The short summary (`errors[0].title`).
    pub title: Option<String>,
    /// The human-readable explanation (server `detail`, or the transport / decode message),
    /// bounded and on one line.
    pub detail: Option<String>,
    /// At most [`MAX_BODY_EXCERPT_BYTES`] of the response body, redacted, on one line.
    pub body_excerpt: Option<String>,
}

impl ErrorContext {
    /// A context naming only the operation.
    ///
    /// ```
    /// use zapier_embed_domain::ErrorContext;
    /// assert_eq!(ErrorContext::new("ack messages").operation, "ack messages");
    /// ```
    pub fn new(operation: impl Into<Cow<'static, str>>) -> Self {
        ErrorContext {
            operation: operation.into(),
            ..Self::default()
        }
    }

    /// Sets the HTTP status.
    ///
    /// ```
    /// use zapier_embed_domain::ErrorContext;
    /// assert_eq!(ErrorContext::new("x").with_status(500).status, Some(500));
    /// ```
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets the error code.
    ///
    /// ```
    /// use zapier_embed_domain::ErrorContext;
    /// assert_eq!(ErrorContext::new("x").with_code("conflict").code.as_deref(), Some("conflict"));
    /// ```
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the detail (scrubbed of credentials and bounded to one line).
    ///
    /// ```
    /// use zapier_embed_domain::ErrorContext;
    /// let ctx = ErrorContext::new("x").with_detail("sent Bearer abc.def.ghi");
    /// assert_eq!(ctx.detail.as_deref(), Some("sent Bearer [redacted]"));
    /// ```
    pub fn with_detail(mut self, detail: impl AsRef<str>) -> Self {
        self.detail = Some(clean_detail(detail.as_ref()));
        self
    }

    /// Keeps a bounded, redacted excerpt of a response body.
    ///
    /// ```
    /// use zapier_embed_domain::ErrorContext;
    /// let ctx = ErrorContext::new("x").with_body(br#"{"access_token":"SECRET"}"#);
    /// assert_eq!(ctx.body_excerpt.as_deref(), Some(r#"{"access_token":"[redacted]"}"#));
    /// ```
    pub fn with_body(mut self, body: &[u8]) -> Self {
        self.body_excerpt = body_excerpt(body, MAX_BODY_EXCERPT_BYTES);
        self
    }
}

pub(super) fn clean_detail(text: &str) -> String {
    bounded_one_line(scrub_text(text).trim(), MAX_DETAIL_BYTES)
}

/// The cause of an [`Error`] (a transport, I/O or decode error), shared behind an `Arc` so the
/// error stays `Clone`. It is transparent in a cause chain: its `Display` and `source` are its
/// cause's. Two sources compare equal when their messages are equal (the cause types are not
/// comparable), which keeps [`Error`] `Eq` for tests.
#[derive(Clone)]
pub struct ErrorSource(Arc<dyn std::error::Error + Send + Sync + 'static>);

impl ErrorSource {
    /// Wraps a cause.
    ///
    /// ```
    /// let source = zapier_embed_domain::ErrorSource::new(std::io::Error::other("reset"));
    /// assert_eq!(source.to_string(), "reset");
    /// ```
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        ErrorSource(Arc::new(error))
    }
}

impl fmt::Debug for ErrorSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for ErrorSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for ErrorSource {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl PartialEq for ErrorSource {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.to_string() == other.0.to_string()
    }
}

impl Eq for ErrorSource {}

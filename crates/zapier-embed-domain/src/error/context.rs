//! [`ErrorContext`], where and how a failure happened, and [`ErrorSource`], its cause.

use super::*;

/// Where and how a failure happened: the operation, and what the server said.
///
/// Never holds a token: transport messages and details are scrubbed of `Authorization` values
/// and URL query strings, and JSON body excerpts have credential fields replaced.
///
/// Read it through its accessors. It is built by the code that meets the failure (the facade's
/// wire layer maps every HTTP answer into one) with [`new`](ErrorContext::new) and the `with_*`
/// builders, which clean what they are given (one line, bounded, secrets scrubbed); the
/// `set_*` methods let a caller that re-labels an error (another operation name, the status of
/// the answer that failed to decode) change it in place.
///
/// ```
/// use zapier_embed_domain::ErrorContext;
/// let ctx = ErrorContext::new("get inbox").with_status(404).with_code("not_found");
/// assert_eq!(ctx.operation(), "get inbox");
/// assert_eq!(ctx.status(), Some(404));
/// assert_eq!(ctx.code(), Some("not_found"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ErrorContext {
    /// What the SDK was doing, e.g. `lease messages` (the facade uses the operation's name).
    pub(crate) operation: Cow<'static, str>,
    /// The HTTP status, when a response arrived.
    pub(crate) status: Option<u16>,
    /// The machine-readable error code (`errors[0].code`, or OAuth's `error`).
    pub(crate) code: Option<String>,
    /// The short summary (`errors[0].title`).
    pub(crate) title: Option<String>,
    /// The human-readable explanation (server `detail`, or the transport / decode message),
    /// bounded and on one line.
    pub(crate) detail: Option<String>,
    /// At most [`MAX_BODY_EXCERPT_BYTES`] of the response body, redacted, on one line.
    pub(crate) body_excerpt: Option<String>,
}

impl ErrorContext {
    /// A context naming only the operation.
    ///
    /// ```
    /// use zapier_embed_domain::ErrorContext;
    /// assert_eq!(ErrorContext::new("ack messages").operation(), "ack messages");
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
    /// assert_eq!(ErrorContext::new("x").with_status(500).status(), Some(500));
    /// ```
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets the error code (bounded to one line of at most 100 bytes: it comes from the server).
    ///
    /// ```
    /// use zapier_embed_domain::ErrorContext;
    /// assert_eq!(ErrorContext::new("x").with_code("conflict").code(), Some("conflict"));
    /// ```
    pub fn with_code(mut self, code: impl AsRef<str>) -> Self {
        self.code = Some(bounded_one_line(code.as_ref(), MAX_CODE_BYTES));
        self
    }

    /// Sets the short summary (scrubbed of credentials and bounded to one line).
    ///
    /// ```
    /// use zapier_embed_domain::ErrorContext;
    /// let ctx = ErrorContext::new("x").with_title("Authentication error");
    /// assert_eq!(ctx.title(), Some("Authentication error"));
    /// ```
    pub fn with_title(mut self, title: impl AsRef<str>) -> Self {
        self.title = Some(clean_detail(title.as_ref()));
        self
    }

    /// Sets the detail (scrubbed of credentials and bounded to one line).
    ///
    /// ```
    /// use zapier_embed_domain::ErrorContext;
    /// let ctx = ErrorContext::new("x").with_detail("sent Bearer abc.def.ghi");
    /// assert_eq!(ctx.detail(), Some("sent Bearer [redacted]"));
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
    /// assert_eq!(ctx.body_excerpt(), Some(r#"{"access_token":"[redacted]"}"#));
    /// ```
    pub fn with_body(mut self, body: &[u8]) -> Self {
        self.body_excerpt = body_excerpt(body, MAX_BODY_EXCERPT_BYTES);
        self
    }

    /// Renames the operation in place (a caller reporting a failure of its own step).
    ///
    /// ```
    /// use zapier_embed_domain::ErrorContext;
    /// let mut ctx = ErrorContext::new("get inbox");
    /// ctx.set_operation("wait for inbox");
    /// assert_eq!(ctx.operation(), "wait for inbox");
    /// ```
    pub fn set_operation(&mut self, operation: impl Into<Cow<'static, str>>) {
        self.operation = operation.into();
    }

    /// Sets the HTTP status in place (an answer that arrived but could not be read).
    ///
    /// ```
    /// use zapier_embed_domain::ErrorContext;
    /// let mut ctx = ErrorContext::new("lease messages");
    /// ctx.set_status(200);
    /// assert_eq!(ctx.status(), Some(200));
    /// ```
    pub fn set_status(&mut self, status: u16) {
        self.status = Some(status);
    }

    /// Sets the detail in place, cleaned as [`with_detail`](ErrorContext::with_detail) does.
    ///
    /// ```
    /// use zapier_embed_domain::ErrorContext;
    /// let mut ctx = ErrorContext::new("run action");
    /// ctx.set_detail("run 42");
    /// assert_eq!(ctx.detail(), Some("run 42"));
    /// ```
    pub fn set_detail(&mut self, detail: impl AsRef<str>) {
        self.detail = Some(clean_detail(detail.as_ref()));
    }

    /// What the SDK was doing, e.g. `lease messages` (the facade uses the operation's name).
    pub fn operation(&self) -> &str {
        &self.operation
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The machine-readable error code (`errors[0].code`, or OAuth's `error`).
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The short summary (`errors[0].title`).
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// The human-readable explanation (server `detail`, or the transport / decode message),
    /// bounded and on one line.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// At most [`MAX_BODY_EXCERPT_BYTES`] of the response body, redacted, on one line.
    pub fn body_excerpt(&self) -> Option<&str> {
        self.body_excerpt.as_deref()
    }
}

/// The most bytes of an error code kept (one short token in a log line).
const MAX_CODE_BYTES: usize = 100;

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

//! Correlation and causation ids: which flow a request belongs to, and what caused it.
//!
//! Zapier's Trigger Inbox API documents two optional request headers, `Zapier-Correlation-Id`
//! ("traces this request through downstream systems") and `Zapier-Causation-Id` ("the event or
//! action that caused this request"). The client sends them on every API request that has them
//! (never on the token endpoint), from, in order of precedence:
//!
//! 1. a handle made by [`Client::with_correlation`](crate::Client::with_correlation);
//! 2. the scope of the running future ([`Correlation::scope`]; the consumer runtime scopes each
//!    handler call to its message: correlation and causation = the message id);
//! 3. the client-wide default ([`ClientBuilder::correlation_id`](crate::ClientBuilder::correlation_id)).
//!
//! The ids are also recorded on each call's `zapier_embed.call` span (`correlation_id`,
//! `causation_id`).

use std::fmt;
use std::future::Future;
use std::sync::Arc;

#[cfg(feature = "consumer")]
use futures::future::BoxFuture;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use zapier_embed_domain::{FieldError, FieldProblem};

use crate::Error;

/// The header carrying the correlation id.
pub(crate) const CORRELATION_HEADER: HeaderName = HeaderName::from_static("zapier-correlation-id");
/// The header carrying the causation id.
pub(crate) const CAUSATION_HEADER: HeaderName = HeaderName::from_static("zapier-causation-id");

/// The longest correlation or causation id accepted, in bytes (a UUID has 36).
///
/// ```
/// assert_eq!(zapier_embed::client::MAX_CORRELATION_ID_BYTES, 128);
/// ```
pub const MAX_CORRELATION_ID_BYTES: usize = 128;

tokio::task_local! {
    /// `None` inside the scope of a message whose id is not a valid header value.
    static SCOPE: Option<Correlation>;
}

/// A correlation id and, optionally, a causation id, sent as the `Zapier-Correlation-Id` and
/// `Zapier-Causation-Id` request headers.
///
/// Each id is 1 to [`MAX_CORRELATION_ID_BYTES`] bytes of visible ASCII (`!` to `~`: what any
/// proxy passes unchanged in a header). The values are checked where they are handed to the
/// client ([`Client::with_correlation`](crate::Client::with_correlation),
/// [`ClientBuilder::build`](crate::ClientBuilder::build), [`Correlation::scope`] through
/// [`Correlation::validate`]), so a bad id fails before any request, naming the field.
///
/// ```
/// use zapier_embed::client::Correlation;
///
/// let ids = Correlation::new("order-4711").caused_by("019ce2fe-5ed1-7318-9c39-4a0f3e1d2b7c");
/// assert_eq!(ids.correlation_id(), "order-4711");
/// assert_eq!(ids.causation_id(), Some("019ce2fe-5ed1-7318-9c39-4a0f3e1d2b7c"));
/// ids.validate()?;
/// assert!(Correlation::new("has space").validate().unwrap_err().to_string().contains("correlation_id"));
/// # Ok::<(), zapier_embed::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Correlation {
    correlation: Arc<str>,
    causation: Option<Arc<str>>,
}

impl Correlation {
    /// Ids of a flow, without a cause.
    ///
    /// ```
    /// let ids = zapier_embed::client::Correlation::new("flow-1");
    /// assert_eq!(ids.causation_id(), None);
    /// ```
    pub fn new(correlation_id: impl Into<String>) -> Self {
        Correlation {
            correlation: Arc::from(correlation_id.into()),
            causation: None,
        }
    }

    /// The same flow, caused by `causation_id` (the message or action that led to the request).
    ///
    /// ```
    /// let ids = zapier_embed::client::Correlation::new("flow-1").caused_by("msg-1");
    /// assert_eq!(ids.causation_id(), Some("msg-1"));
    /// ```
    pub fn caused_by(mut self, causation_id: impl Into<String>) -> Self {
        self.causation = Some(Arc::from(causation_id.into()));
        self
    }

    /// The correlation id.
    ///
    /// ```
    /// assert_eq!(zapier_embed::client::Correlation::new("flow-1").correlation_id(), "flow-1");
    /// ```
    pub fn correlation_id(&self) -> &str {
        &self.correlation
    }

    /// The causation id, if any.
    ///
    /// ```
    /// assert_eq!(zapier_embed::client::Correlation::new("flow-1").causation_id(), None);
    /// ```
    pub fn causation_id(&self) -> Option<&str> {
        self.causation.as_deref()
    }

    /// Checks both ids: [`Error::Validation`] naming `correlation_id` or `causation_id`.
    ///
    /// ```
    /// use zapier_embed::client::Correlation;
    /// let err = Correlation::new("ok").caused_by("").validate().unwrap_err();
    /// assert!(err.to_string().contains("causation_id"));
    /// let long = "x".repeat(zapier_embed::client::MAX_CORRELATION_ID_BYTES + 1);
    /// assert!(Correlation::new(long).validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        let mut fields = Vec::new();
        let ids = [
            ("correlation_id", Some(&*self.correlation)),
            ("causation_id", self.causation.as_deref()),
        ];
        for (field, value) in ids {
            if let Some(problem) = value.and_then(problem) {
                fields.push(FieldError::new(field, problem));
            }
        }
        if fields.is_empty() {
            Ok(())
        } else {
            Err(Error::validation("set correlation ids", fields))
        }
    }

    /// Runs `future` with these ids as the default of every request it makes through any
    /// [`Client`](crate::Client) (a handle made by
    /// [`Client::with_correlation`](crate::Client::with_correlation) keeps its own). Tasks that
    /// `future` spawns do not inherit the scope: scope them too. Fails before running anything
    /// when an id is invalid (see [`validate`](Correlation::validate)).
    ///
    /// The consumer runtime does this for every handler call; use it in your own processing
    /// loop (`Consumer::stream`, a plain lease loop).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use zapier_embed::client::Correlation;
    /// let ids = Correlation::new("flow-1").caused_by("msg-1");
    /// let answer = ids.scope(async { 42 }).await?;
    /// assert_eq!(answer, 42);
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn scope<F: Future>(self, future: F) -> Result<F::Output, Error> {
        self.validate()?;
        Ok(SCOPE.scope(Some(self), future).await)
    }

    /// The ids of the scope the current task runs in, if any.
    pub(crate) fn scoped() -> Option<Correlation> {
        SCOPE.try_with(Option::clone).ok().flatten()
    }

    /// Runs a handler processing message `message_id` in the scope of the message's ids: the
    /// message is the root of its flow (a leased message carries no correlation id of its own)
    /// and the cause of every request the handler makes. A message id that is not a valid id
    /// (it comes from the server) scopes the handler to no ids at all.
    #[cfg(feature = "consumer")]
    pub(crate) fn scope_message<F>(message_id: &str, future: F) -> BoxFuture<'static, F::Output>
    where
        F: Future + Send + 'static,
    {
        // One copy of the id serves as both (it is copied for every message handled).
        let id: Arc<str> = Arc::from(message_id);
        let ids = Correlation {
            correlation: id.clone(),
            causation: Some(id),
        };
        let ids = ids.validate().is_ok().then_some(ids);
        Box::pin(SCOPE.scope(ids, future))
    }

    /// The request headers; a value that is not a valid header (only possible for ids that were
    /// never checked) is left out.
    pub(crate) fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let ids = [
            (CORRELATION_HEADER, Some(&*self.correlation)),
            (CAUSATION_HEADER, self.causation.as_deref()),
        ];
        for (name, value) in ids {
            if let Some(value) = value.and_then(|v| HeaderValue::from_str(v).ok()) {
                headers.insert(name, value);
            }
        }
        headers
    }
}

/// What is wrong with one id, if anything.
fn problem(value: &str) -> Option<FieldProblem> {
    if value.is_empty() {
        Some(FieldProblem::Empty)
    } else if value.len() > MAX_CORRELATION_ID_BYTES {
        Some(FieldProblem::Invalid(format!(
            "{} bytes, longer than {MAX_CORRELATION_ID_BYTES}",
            value.len()
        )))
    } else if !value.bytes().all(|b| b.is_ascii_graphic()) {
        Some(FieldProblem::Invalid(
            "only visible ASCII characters (no spaces or control characters) are allowed".into(),
        ))
    } else {
        None
    }
}

impl fmt::Debug for Correlation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Correlation")
            .field("correlation_id", &self.correlation)
            .field("causation_id", &self.causation)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_ids_become_both_headers() {
        let ids = Correlation::new("c-1").caused_by("m-1");
        ids.validate().unwrap();
        let headers = ids.headers();
        assert_eq!(headers[CORRELATION_HEADER], "c-1");
        assert_eq!(headers[CAUSATION_HEADER], "m-1");
        assert_eq!(Correlation::new("c-1").headers().len(), 1);
    }

    #[test]
    fn invalid_ids_name_their_field() {
        for bad in ["", "a b", "line\nbreak", "é", &"x".repeat(129)] {
            let err = Correlation::new(bad).validate().unwrap_err();
            assert!(err.to_string().contains("correlation_id"), "{err}");
            let err = Correlation::new("ok")
                .caused_by(bad)
                .validate()
                .unwrap_err();
            assert!(err.to_string().contains("causation_id"), "{err}");
            assert!(!err.to_string().contains("correlation_id"), "{err}");
        }
        Correlation::new("x".repeat(128)).validate().unwrap();
    }

    #[tokio::test]
    async fn a_scope_is_seen_inside_and_only_inside() {
        assert_eq!(Correlation::scoped(), None);
        let ids = Correlation::new("c").caused_by("m");
        let seen = ids
            .clone()
            .scope(async { Correlation::scoped() })
            .await
            .unwrap();
        assert_eq!(seen, Some(ids));
        assert_eq!(Correlation::scoped(), None);
        assert!(Correlation::new("").scope(async {}).await.is_err());
    }
}

//! [`PageRequest`]: what a paginated listing is called with, its query and the address its page
//! links repeat ([`LinkBase`]), so that a list handler takes what it means rather than the URI,
//! the headers and the query apart.

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;

/// A listing's request: `query` is the query's extractor ([`crate::extract::ApiQuery`], or
/// [`crate::extract::ApiQuery422`] in variant B), `links` where the page links point.
pub(crate) struct PageRequest<Q> {
    pub(crate) query: Q,
    pub(crate) links: LinkBase,
}

impl<S: Send + Sync, Q: FromRequestParts<S>> FromRequestParts<S> for PageRequest<Q> {
    type Rejection = Q::Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let OriginalUri(uri) = OriginalUri::from_request_parts(parts, state)
            .await
            .unwrap_or_else(|never| match never {});
        let links = LinkBase {
            origin: origin(&parts.headers),
            path: uri.path().to_owned(),
        };
        let query = Q::from_request_parts(parts, state).await?;
        Ok(Self { query, links })
    }
}

/// Where a listing's links point: the origin the request was sent to (its `Host`) and the path as
/// the client wrote it (with the prefix a nesting router strips); only the query changes from one
/// page to the next.
pub(crate) struct LinkBase {
    origin: String,
    path: String,
}

impl LinkBase {
    /// `http://host` of the request, for absolute URLs (app icons, page links).
    pub(crate) fn origin(&self) -> &str {
        &self.origin
    }

    /// The absolute URL of the request's path with `query` pairs.
    pub(crate) fn url(&self, query: &[(&str, String)]) -> String {
        let mut url = format!("{}{}", self.origin, self.path);
        if !query.is_empty() {
            let encoded = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())))
                .finish();
            url.push('?');
            url.push_str(&encoded);
        }
        url
    }
}

/// `http://host` of a request (`127.0.0.1` without a readable `Host`).
fn origin(headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

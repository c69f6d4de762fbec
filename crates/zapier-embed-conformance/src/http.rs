//! Raw HTTP exchanges: bounded reads, JSON when the body is JSON, and a bearer token that never
//! appears in `Debug` output or in a verdict.

use std::fmt;
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::verdict::Verdict;

/// Largest response body read; anything longer is a failure of the check that asked.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// A bearer token; its `Debug` form is redacted.
#[derive(Clone)]
pub(crate) struct Token(pub(crate) String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// One answer, read whole (up to [`MAX_BODY_BYTES`]).
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    /// The body as JSON, `Null` when empty or not JSON.
    pub(crate) body: Value,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `errors[0].code` of an `{"errors": [...]}` envelope.
    pub(crate) fn error_code(&self) -> Option<&str> {
        self.body["errors"][0]["code"].as_str()
    }

    /// A short description for a failure message (status and a bounded excerpt of the body).
    pub(crate) fn describe(&self) -> String {
        let mut body = self.body.to_string();
        if body.len() > 300 {
            let mut cut = 300;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            body.truncate(cut);
            body.push('…');
        }
        format!("HTTP {} {body}", self.status)
    }
}

/// The suite's HTTP client.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
}

impl Http {
    pub(crate) fn new(timeout: Duration) -> Self {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!(
                "zapier-embed-conformance/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .unwrap_or_default();
        Http { client }
    }

    pub(crate) fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        self.client.request(method, url)
    }

    /// Sends `request` and reads the answer, failing the check on a transport error.
    pub(crate) async fn send(&self, request: reqwest::RequestBuilder) -> Result<Reply, Verdict> {
        let what = request
            .try_clone()
            .and_then(|r| r.build().ok())
            .map(|r| format!("{} {}", r.method(), r.url().path()))
            .unwrap_or_default();
        let mut response = request
            .send()
            .await
            .map_err(|e| Verdict::Fail(format!("{what}: transport error: {}", e.without_url())))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| Verdict::Fail(format!("{what}: reading the body: {}", e.without_url())))?
        {
            if bytes.len().saturating_add(chunk.len()) > MAX_BODY_BYTES {
                return Err(Verdict::Fail(format!(
                    "{what}: body longer than {MAX_BODY_BYTES} bytes"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Reply {
            status,
            headers,
            body,
        })
    }
}

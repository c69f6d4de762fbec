//! Shared helpers of the cross-crate tests: fixed ids, capturing clients, an httpmock recorder
//! and a snapshot macro that writes to `tests/snapshots/`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use httpmock::{HttpMockRequest, HttpMockResponse, MockServer};
use serde::Serialize;
use serde_json::{Value, json};
use zapier_embed::{
    ApiVariant, Client, ClientBuilder, InboxName, InboxRef, Subscription, retry::RetryPolicy,
    testing::RequestCapture,
};

/// Snapshots land in `tests/snapshots/` (the path is relative to the test file), named without
/// the module prefix, and without the expression (the name says what it is).
#[macro_export]
macro_rules! snapshot {
    ($name:expr, $value:expr) => {{
        // Evaluated outside the settings closure, so the value may be an `.await`.
        let value = $value;
        let name = $name;
        insta::with_settings!({
            snapshot_path => "../snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_json_snapshot!(name, value);
        })
    }};
}

pub const INBOX_ID: &str = "01960a3e-4d5f-7b8e-9c0a-1b2c3d4e5f6a";
pub const INBOX_NAME: &str = "my-slack-inbox";
pub const LEASE_ID: &str = "019ce2fe-5ed1-7318-8a60-33dffd911f6a";
pub const OTHER_LEASE_ID: &str = "019ce2fe-5ed1-7318-8a60-33dffd911f99";
pub const MESSAGE_1: &str = "019ce2fe-5ed1-7318-8a60-33dffd911f6b";
pub const MESSAGE_2: &str = "019ce2fe-5ed1-7318-8a60-33dffd911f6c";
pub const CONNECTION: &str = "019487c8-6b2a-7c1e-9f3d-2a1b0c4d5e6f";
pub const USER_AGENT: &str = "zapier-embed-tests";

pub fn inbox_id() -> uuid::Uuid {
    uuid::Uuid::parse_str(INBOX_ID).expect("fixed uuid")
}

pub fn by_id() -> InboxRef {
    InboxRef::Id(inbox_id())
}

pub fn by_name() -> InboxRef {
    InboxRef::Name(InboxName::new(INBOX_NAME).expect("fixed name"))
}

/// The reference each variant addresses inboxes by natively.
pub fn native_ref(variant: ApiVariant) -> InboxRef {
    match variant {
        ApiVariant::ByName => by_name(),
        _ => by_id(),
    }
}

pub fn variant_name(variant: ApiVariant) -> &'static str {
    match variant {
        ApiVariant::ByName => "by_name",
        _ => "by_id",
    }
}

pub fn subscription() -> Subscription {
    Subscription::new("SlackCLIAPI", "channel_message")
        .with_connection(CONNECTION)
        .with_input("channel", "C0123ABC456")
}

/// A builder for tests: fixed user agent, no backoff to speak of.
pub fn builder(variant: ApiVariant) -> ClientBuilder {
    Client::builder()
        .variant(variant)
        .user_agent(USER_AGENT)
        .retry_policy(
            RetryPolicy::default()
                .with_initial_backoff(std::time::Duration::from_millis(5))
                .with_max_backoff(std::time::Duration::from_millis(20)),
        )
}

/// A client that records requests instead of sending them (the generated crate's capture
/// hook): nothing leaves the process.
pub fn capturing(variant: ApiVariant) -> (Client, RequestCapture) {
    let capture = RequestCapture::new();
    let client = builder(variant)
        // Never contacted: the capture answers every request locally.
        .api_url("http://127.0.0.1:9")
        .auth_url("http://127.0.0.1:9")
        .access_token("test-access-token")
        .capture(capture.clone())
        .build()
        .expect("client");
    (client, capture)
}

/// A request as httpmock received it, reduced to what the SDK controls.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// `accept`, `api-version`, `content-type` and `user-agent` (host, length and the like
    /// vary between runs and are not the SDK's choice).
    pub headers: BTreeMap<String, String>,
    /// Whether `Authorization` was sent (its value is never recorded).
    pub authorized: bool,
    pub body: Option<Value>,
}

const KEPT_HEADERS: [&str; 4] = ["accept", "api-version", "content-type", "user-agent"];

impl Recorded {
    fn from(req: &HttpMockRequest) -> Self {
        let uri = req.uri();
        let mut headers = BTreeMap::new();
        let mut authorized = false;
        for (name, value) in req.headers_vec() {
            let name = name.to_ascii_lowercase();
            if name == "authorization" {
                authorized = true;
            } else if KEPT_HEADERS.contains(&name.as_str()) {
                headers.insert(name, value.clone());
            }
        }
        let content_type = headers.get("content-type").cloned().unwrap_or_default();
        let raw = req.body_ref();
        let body = if raw.is_empty() {
            None
        } else if content_type.starts_with("application/json") {
            Some(
                serde_json::from_slice(raw).unwrap_or_else(|_| json!(String::from_utf8_lossy(raw))),
            )
        } else if content_type.starts_with("application/x-www-form-urlencoded") {
            let pairs: Vec<(String, String)> = url_pairs(raw);
            Some(json!(pairs))
        } else {
            Some(json!(String::from_utf8_lossy(raw)))
        };
        Recorded {
            method: req.method_str().to_owned(),
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            headers,
            authorized,
            body,
        }
    }

    /// The bearer token of a request, for tests that check which token was used.
    pub fn bearer(req: &HttpMockRequest) -> Option<String> {
        req.headers_vec()
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            .and_then(|(_, v)| v.strip_prefix("Bearer ").map(str::to_owned))
    }
}

fn url_pairs(raw: &[u8]) -> Vec<(String, String)> {
    // The form body has the syntax of a query string.
    let text = String::from_utf8_lossy(raw);
    reqwest::Url::parse(&format!("http://form.invalid/?{text}"))
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// One canned answer of the recorder: the first route whose method matches, whose path starts
/// with `path` and whose query contains `query` (when set) answers.
#[derive(Clone)]
pub struct Route {
    pub method: &'static str,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    pub body: String,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
}

impl Route {
    /// Only for requests whose query string contains `fragment`.
    pub fn when_query(mut self, fragment: impl Into<String>) -> Self {
        self.query = Some(fragment.into());
        self
    }

    /// Adds a response header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    fn matches(&self, recorded: &Recorded) -> bool {
        self.method == recorded.method
            && recorded.path.starts_with(&self.path)
            && self
                .query
                .as_deref()
                .is_none_or(|q| recorded.query.as_deref().unwrap_or("").contains(q))
    }
}

/// A JSON answer.
pub fn route(method: &'static str, path: impl Into<String>, status: u16, body: Value) -> Route {
    Route {
        method,
        path: path.into(),
        query: None,
        status,
        body: body.to_string(),
        content_type: "application/json",
        headers: Vec::new(),
    }
}

/// A raw answer of another content type (e.g. `text/event-stream`).
pub fn raw_route(
    method: &'static str,
    path: impl Into<String>,
    status: u16,
    content_type: &'static str,
    body: impl Into<String>,
) -> Route {
    Route {
        method,
        path: path.into(),
        query: None,
        status,
        body: body.into(),
        content_type,
        headers: Vec::new(),
    }
}

/// An httpmock server that records every request and answers from `routes` (404 otherwise).
pub struct Recorder {
    pub server: MockServer,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Recorder {
    pub async fn start(routes: Vec<Route>) -> Recorder {
        let server = MockServer::start_async().await;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        server
            .mock_async(move |_when, then| {
                then.respond_with(move |req: &HttpMockRequest| {
                    let recorded = Recorded::from(req);
                    let answer = routes.iter().find(|r| r.matches(&recorded)).cloned();
                    log.lock().expect("log").push(recorded);
                    match answer {
                        Some(r) => {
                            let mut b = HttpMockResponse::builder()
                                .status(r.status)
                                .header("content-type", r.content_type);
                            for (k, v) in r.headers {
                                b = b.header(k, v);
                            }
                            b.body(r.body).build()
                        }
                        None => HttpMockResponse::builder()
                            .status(404)
                            .header("content-type", "application/json")
                            .body(
                                json!({"errors": [{"code": "not_found", "detail": "no route"}]})
                                    .to_string(),
                            )
                            .build(),
                    }
                });
            })
            .await;
        Recorder { server, requests }
    }

    pub fn url(&self) -> String {
        self.server.base_url()
    }

    /// A client pointed at the recorder.
    pub fn client(&self, variant: ApiVariant) -> Client {
        builder(variant)
            .api_url(self.url())
            .auth_url(self.url())
            .access_token("test-access-token")
            .build()
            .expect("client")
    }

    pub fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.requests.lock().expect("log"))
    }
}

/// An inbox as the documents show it.
pub fn inbox_json(status: &str) -> Value {
    json!({
        "id": INBOX_ID,
        "name": INBOX_NAME,
        "status": status,
        "created_at": "2026-05-21T12:00:00.000000Z",
        "paused_reason": null,
        "notification_url": null,
        "subscription": {
            "connection_id": CONNECTION,
            "app_key": "SlackCLIAPI@1.0.0",
            "action_key": "channel_message",
            "inputs": {"channel": "C0123ABC456"}
        }
    })
}

/// A `tracing` writer into a shared buffer, to search captured logs for secrets.
#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogBuffer {
    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("buffer")).into_owned()
    }

    /// Captures every `zapier_embed` event at trace level into a new buffer, for the current
    /// thread while the guard lives (run the test on one thread).
    pub fn capture() -> (LogBuffer, tracing::subscriber::DefaultGuard) {
        let buffer = LogBuffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("zapier_embed=trace"))
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        (buffer, tracing::subscriber::set_default(subscriber))
    }
}

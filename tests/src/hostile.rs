//! A hostile or broken server, scripted per method and path, for tests that prove the client stays
//! safe and bounded whatever the other side answers.
//!
//! [`HostileServer::start`] binds a real HTTP server on `127.0.0.1:0`. Each route (method and
//! exact path, query ignored) answers from a [`Script`]: a sequence of [`Reply`]s, each given a
//! number of times, the last one repeated forever. Unscripted routes answer `404` with the
//! documented error envelope. Every request is recorded ([`Recorded`]: method, path and query,
//! headers, body) so a test can assert what was (or was not) sent.
//!
//! A second server started the same way is another origin (another port): redirect to it with
//! [`Reply::redirect`] and read [`HostileServer::requests`] on it to see what crossed.
//!
//! ```no_run
//! use zapier_embed_tests::hostile::{HostileServer, Reply, Script};
//!
//! # async fn demo() {
//! let server = HostileServer::start().await;
//! let elsewhere = HostileServer::start().await;
//! server.on("POST", "/oauth/token", Reply::redirect(307, elsewhere.url("/oauth/token")));
//! server.on(
//!     "GET",
//!     "/api/v2/actions",
//!     Script::new().times(2, Reply::retry_after(429, "18446744073709551615")).then(Reply::hang()),
//! );
//! // ... run the client against `server.base_url()` ...
//! assert!(elsewhere.requests().is_empty());
//! # }
//! ```

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use futures::stream::{self, StreamExt};
use serde_json::{Value, json};

/// The most request body bytes recorded; the rest is dropped (the harness itself stays bounded).
const MAX_RECORDED_BODY: usize = 1024 * 1024;

/// One request the server received.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string, if any (without `?`).
    pub query: Option<String>,
    /// Every header, names lowercase.
    pub headers: Vec<(String, String)>,
    /// The body (at most 1 MiB), lossily as text.
    pub body: String,
}

impl Recorded {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The whole request as one text (method, path, headers, body): search it for a secret.
    pub fn text(&self) -> String {
        let mut text = format!("{} {}", self.method, self.path);
        if let Some(query) = &self.query {
            text.push('?');
            text.push_str(query);
        }
        for (name, value) in &self.headers {
            text.push_str(&format!("\n{name}: {value}"));
        }
        text.push_str("\n\n");
        text.push_str(&self.body);
        text
    }
}

/// One answer. Build with the constructors; add headers with [`Reply::header`].
#[derive(Clone, Debug)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: BodyKind,
}

#[derive(Clone, Debug)]
enum BodyKind {
    Bytes(Bytes),
    /// `chunk` forever.
    Endless(Bytes),
    /// Never answers at all.
    Hang,
    /// The error envelope whose `detail` (and `error_description`) is the whole request as
    /// received: headers, form and body reflected back.
    Echo,
    /// A page of `results` and a cursor never seen before, `{"next": ".../path?cursor=N"}`.
    EndlessCursor(Value),
}

impl Reply {
    /// `status` with a JSON body.
    pub fn json(status: u16, body: Value) -> Reply {
        Reply::raw(status, "application/json", body.to_string())
    }

    /// `status` with any body and content type (garbage, truncated JSON, HTML…).
    pub fn raw(status: u16, content_type: &str, body: impl Into<Bytes>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: BodyKind::Bytes(body.into()),
        }
    }

    /// `status` with the documented error envelope (`{"errors": [{code, detail, status, title}]}`)
    /// carrying `detail` verbatim: put a secret in it to test that it is scrubbed.
    pub fn error(status: u16, code: &str, detail: &str) -> Reply {
        Reply::json(
            status,
            json!({"errors": [{"code": code, "detail": detail, "status": status, "title": "Error"}]}),
        )
    }

    /// `status` with the whole request reflected back (every header, the form or body) in the
    /// error envelope's `detail` and in OAuth's `error_description`, as a careless proxy or
    /// debug endpoint would: whatever credential the client sent comes back.
    pub fn echo_request(status: u16) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: BodyKind::Echo,
        }
    }

    /// A redirect (301, 302, 303, 307, 308) to `location` (absolute: another origin).
    pub fn redirect(status: u16, location: impl Into<String>) -> Reply {
        Reply {
            status,
            headers: vec![("location".into(), location.into())],
            body: BodyKind::Bytes(Bytes::new()),
        }
    }

    /// `status` (429 or 503) with `Retry-After: value` (pass `u64::MAX` as text, a huge number,
    /// an HTTP date, garbage…) and an error envelope.
    pub fn retry_after(status: u16, value: &str) -> Reply {
        Reply::error(status, "throttled", "slow down").header("retry-after", value)
    }

    /// A `status` answer whose body never ends: the same 64 KiB chunk, streamed forever.
    /// Starts like a JSON object so a lenient reader keeps going.
    pub fn endless_body(status: u16) -> Reply {
        let mut chunk = b"{\"results\": [\"".to_vec();
        chunk.resize(64 * 1024, b'a');
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: BodyKind::Endless(Bytes::from(chunk)),
        }
    }

    /// A `200 text/event-stream` that sends `data:` lines forever without the blank line that
    /// would end the event.
    pub fn endless_sse_event() -> Reply {
        Reply {
            status: 200,
            headers: vec![("content-type".into(), "text/event-stream".into())],
            body: BodyKind::Endless(Bytes::from(format!("data: {}\n", "x".repeat(1024)))),
        }
    }

    /// A `200 text/event-stream` with the given raw bytes, then the stream ends.
    pub fn sse(raw: impl Into<Bytes>) -> Reply {
        Reply::raw(200, "text/event-stream", raw)
    }

    /// Never answers: the connection stays open with no status line.
    pub fn hang() -> Reply {
        Reply {
            status: 200,
            headers: Vec::new(),
            body: BodyKind::Hang,
        }
    }

    /// `200` with bytes that are no JSON at all.
    pub fn garbage() -> Reply {
        Reply::raw(200, "application/json", &b"\x00\xffnot json{{["[..])
    }

    /// A cursor page (`{"next", "previous", "results": []}`) with no items and a new cursor
    /// each time it is served: a listing that follows it never ends unless the client stops.
    pub fn endless_empty_cursor_pages() -> Reply {
        Reply::endless_cursor_pages(json!([]))
    }

    /// A cursor page with the given `results` (a JSON array) and a new cursor each time it is
    /// served: a listing that follows it never ends unless the client counts pages.
    pub fn endless_cursor_pages(results: Value) -> Reply {
        Reply {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: BodyKind::EndlessCursor(results),
        }
    }

    /// A `200` OAuth token answer (`access_token`, `token_type`, `expires_in`).
    pub fn token(access_token: &str, expires_in: u64) -> Reply {
        Reply::json(
            200,
            json!({"access_token": access_token, "token_type": "Bearer", "expires_in": expires_in,
                   "scope": "zap:all"}),
        )
    }

    /// A variant A lease answer (`201`, one batch `lease_id`) listing the message ids given, in
    /// order (repeat an id to list one message twice; give more than asked for to over-fill).
    pub fn lease_by_id(message_ids: &[&str]) -> Reply {
        let results: Vec<Value> = message_ids
            .iter()
            .map(|id| leased_message(id, None))
            .collect();
        Reply::json(
            201,
            json!({"lease_id": LEASE_ID, "leased_until": "2999-01-01T00:00:00Z",
                   "results": results,
                   "inbox_attributes": {"status": "active", "paused_reason": null}}),
        )
    }

    /// A variant B lease answer (`201`, a `lease_token` per message) listing the message ids
    /// given, in order (repeat an id to list it twice; give more than asked for to over-fill).
    pub fn lease_by_name(message_ids: &[&str]) -> Reply {
        let results: Vec<Value> = message_ids
            .iter()
            .enumerate()
            .map(|(i, id)| leased_message(id, Some(&format!("lt_{i}"))))
            .collect();
        Reply::json(201, json!({ "results": results }))
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// The `lease_id` of [`Reply::lease_by_id`].
pub const LEASE_ID: &str = "019ce2fe-5ed1-7318-8a60-33dffd911f6a";

/// `n` distinct message ids (UUIDs) for lease answers.
pub fn message_ids(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("019ce2fe-5ed1-7318-8a60-{i:012x}"))
        .collect()
}

fn leased_message(id: &str, lease_token: Option<&str>) -> Value {
    let mut message = json!({
        "id": id, "created_at": "2026-03-12T16:59:47.185Z", "status": "leased",
        "payload": {"n": id},
        "message_attributes": {"lease_count": 1, "error_message": null,
                               "possible_duplicate_data": false}
    });
    if let Some(token) = lease_token {
        message["lease_token"] = json!(token);
    }
    message
}

/// What a route answers: each reply a number of times, the last one forever.
#[derive(Clone, Debug, Default)]
pub struct Script {
    steps: Vec<(usize, Reply)>,
}

impl Script {
    /// An empty script (a route with it answers `404`).
    pub fn new() -> Script {
        Script::default()
    }

    /// Answers `reply` the next `n` times.
    pub fn times(mut self, n: usize, reply: Reply) -> Script {
        self.steps.push((n, reply));
        self
    }

    /// Answers `reply` from then on.
    pub fn then(mut self, reply: Reply) -> Script {
        self.steps.push((usize::MAX, reply));
        self
    }

    /// The reply for the `served`-th request (0-based) of the route.
    fn reply(&self, served: usize) -> Option<&Reply> {
        let mut start = 0usize;
        for (n, reply) in &self.steps {
            start = start.saturating_add(*n);
            if served < start {
                return Some(reply);
            }
        }
        self.steps.last().map(|(_, reply)| reply)
    }
}

impl From<Reply> for Script {
    fn from(reply: Reply) -> Script {
        Script::new().then(reply)
    }
}

#[derive(Default)]
struct Routes {
    scripts: HashMap<(String, String), (Script, usize)>,
    fallback: Option<(Script, usize)>,
    requests: Vec<Recorded>,
}

/// The running server; it stops when dropped.
pub struct HostileServer {
    addr: SocketAddr,
    routes: Arc<Mutex<Routes>>,
    task: tokio::task::JoinHandle<()>,
}

impl HostileServer {
    /// Binds `127.0.0.1:0` and serves until dropped.
    pub async fn start() -> HostileServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let routes = Arc::new(Mutex::new(Routes::default()));
        let state = routes.clone();
        let app = axum::Router::new().fallback(move |request: Request| {
            let state = state.clone();
            async move { Ok::<_, Infallible>(answer(state, addr, request).await) }
        });
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        HostileServer { addr, routes, task }
    }

    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `base_url()` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// Scripts `method` `path` (exact path, query ignored); replaces an earlier script of the
    /// route and restarts its count.
    pub fn on(&self, method: &str, path: &str, script: impl Into<Script>) {
        let mut routes = self.routes.lock().expect("routes");
        routes.scripts.insert(
            (method.to_ascii_uppercase(), path.to_owned()),
            (script.into(), 0),
        );
    }

    /// Scripts every route that has no script of its own.
    pub fn on_any(&self, script: impl Into<Script>) {
        self.routes.lock().expect("routes").fallback = Some((script.into(), 0));
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.routes.lock().expect("routes").requests.clone()
    }

    /// The requests received for `path` (any method).
    pub fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(routes: Arc<Mutex<Routes>>, addr: SocketAddr, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = read_bounded(body).await;
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let recorded = Recorded {
        method: method.clone(),
        path: path.clone(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let echo = recorded.text();
    let (reply, served) = {
        let mut routes = routes.lock().expect("routes");
        routes.requests.push(recorded);
        let routes = &mut *routes;
        let entry = match routes.scripts.get_mut(&(method, path.clone())) {
            Some(entry) => Some(entry),
            None => routes.fallback.as_mut(),
        };
        match entry {
            Some((script, served)) => {
                let n = *served;
                *served += 1;
                (script.reply(n).cloned(), n)
            }
            None => (None, 0),
        }
    };
    let Some(reply) = reply else {
        return build(
            Reply::error(404, "not_found", "no script for this route"),
            addr,
            &path,
            served,
            &echo,
        )
        .await_hang()
        .await;
    };
    build(reply, addr, &path, served, &echo).await_hang().await
}

/// Reads at most `MAX_RECORDED_BODY` bytes of a request body.
async fn read_bounded(body: Body) -> Vec<u8> {
    let mut stream = body.into_data_stream();
    let mut out = Vec::new();
    while let Some(Ok(chunk)) = stream.next().await {
        let room = MAX_RECORDED_BODY.saturating_sub(out.len());
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
    }
    out
}

/// A built response, or the instruction to never answer.
enum Built {
    Now(Response),
    Hang,
}

impl Built {
    async fn await_hang(self) -> Response {
        match self {
            Built::Now(response) => response,
            Built::Hang => {
                // Long enough for any test; bounded so a forgotten server cannot pin a task.
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Response::new(Body::empty())
            }
        }
    }
}

fn build(reply: Reply, addr: SocketAddr, path: &str, served: usize, echo: &str) -> Built {
    let body = match reply.body {
        BodyKind::Hang => return Built::Hang,
        BodyKind::Echo => Body::from(
            json!({"errors": [{"code": "echo", "detail": echo, "status": reply.status,
                               "title": "Echo"}],
                   "error": "invalid_request", "error_description": echo})
            .to_string(),
        ),
        BodyKind::Bytes(bytes) => Body::from(bytes),
        BodyKind::Endless(chunk) => {
            Body::from_stream(stream::repeat(chunk).map(Ok::<_, Infallible>))
        }
        BodyKind::EndlessCursor(results) => Body::from(
            json!({
                "next": format!("http://{addr}{path}?cursor=c{served}&offset={}", served + 1),
                "previous": null,
                "count": 0,
                "results": results,
            })
            .to_string(),
        ),
    };
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    let headers: &mut HeaderMap = response.headers_mut();
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            headers.append(name, value);
        }
    }
    Built::Now(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_answer_in_sequence_and_repeat_the_last() {
        let script = Script::new().times(2, Reply::garbage()).then(Reply::hang());
        assert!(matches!(script.reply(0).unwrap().body, BodyKind::Bytes(_)));
        assert!(matches!(script.reply(1).unwrap().body, BodyKind::Bytes(_)));
        assert!(matches!(script.reply(2).unwrap().body, BodyKind::Hang));
        assert!(matches!(script.reply(99).unwrap().body, BodyKind::Hang));
        assert!(Script::new().reply(0).is_none());
    }
}

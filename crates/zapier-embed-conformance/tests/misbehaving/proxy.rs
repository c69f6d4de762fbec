//! The proxy in front of the emulator: it forwards every request and answer, altered by a
//! [`Misbehaviour`] on the way.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// One request as it goes through the proxy.
pub(crate) struct Request {
    pub(crate) method: Method,
    /// Path and query.
    pub(crate) target: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
}

/// One answer as it comes back.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
}

/// State a misbehaviour may keep between requests.
#[derive(Default)]
pub(crate) struct Memory {
    pub(crate) value: Value,
    pub(crate) text: String,
}

pub(crate) type Alter = fn(&mut Request, &mut Memory);
pub(crate) type AlterAnswer = fn(&Request, &mut Answer, &mut Memory);

/// Which requests a status swap applies to.
pub(crate) type Matches = fn(&Request) -> bool;

/// What the proxy changes: the request on its way up, the answer on its way back, and a status
/// the answer gets instead of another.
#[derive(Clone, Copy)]
pub(crate) struct Misbehaviour {
    request: Alter,
    answer: AlterAnswer,
    /// `(requests, from, to)`: an answer to one of `requests` with status `from` gets `to`.
    status: Option<(Matches, u16, u16)>,
}

fn keep(_: &mut Request, _: &mut Memory) {}
fn keep_answer(_: &Request, _: &mut Answer, _: &mut Memory) {}

impl Misbehaviour {
    /// Forwards everything as it is.
    pub(crate) const HONEST: Misbehaviour = Misbehaviour {
        request: keep,
        answer: keep_answer,
        status: None,
    };

    /// Alters requests and answers.
    pub(crate) fn both(request: Alter, answer: AlterAnswer) -> Self {
        Misbehaviour {
            request,
            answer,
            status: None,
        }
    }

    /// Alters requests only.
    pub(crate) fn request(request: Alter) -> Self {
        Self::both(request, keep_answer)
    }

    /// Alters answers only.
    pub(crate) fn answer(answer: AlterAnswer) -> Self {
        Self::both(keep, answer)
    }

    /// Answers `to` instead of `from` to the requests `requests` matches.
    pub(crate) fn status(requests: Matches, from: u16, to: u16) -> Self {
        Misbehaviour {
            status: Some((requests, from, to)),
            ..Self::HONEST
        }
    }

    fn alter_answer(&self, request: &Request, answer: &mut Answer, memory: &mut Memory) {
        (self.answer)(request, answer, memory);
        if let Some((requests, from, to)) = self.status
            && answer.status == from
            && requests(request)
        {
            answer.status = to;
        }
    }
}

struct Proxy {
    upstream: String,
    own: Mutex<String>,
    http: reqwest::Client,
    misbehaviour: Misbehaviour,
    memory: Mutex<Memory>,
}

async fn forward(
    State(proxy): State<Arc<Proxy>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let mut request = Request {
        method,
        target,
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    let raw_body = body.to_vec();
    (proxy.misbehaviour.request)(&mut request, &mut proxy.memory.lock().expect("memory"));
    let mut upstream = proxy.http.request(
        request.method.clone(),
        format!("{}{}", proxy.upstream, request.target),
    );
    for (name, value) in &request.headers {
        if name != "host" && name != "content-length" {
            upstream = upstream.header(name, value);
        }
    }
    upstream = if request.body.is_null() {
        upstream.body(raw_body)
    } else {
        upstream.body(request.body.to_string())
    };
    let Ok(response) = upstream.send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap_or_default();
    // Links the emulator builds point at itself: point them at the proxy.
    let own = proxy.own.lock().expect("own").clone();
    let text = String::from_utf8_lossy(&bytes).replace(&proxy.upstream, &own);
    let mut answer = Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    };
    proxy.misbehaviour.alter_answer(
        &request,
        &mut answer,
        &mut proxy.memory.lock().expect("memory"),
    );
    let mut out = if answer.body.is_null() {
        Response::new(axum::body::Body::from(text))
    } else {
        Response::new(axum::body::Body::from(answer.body.to_string()))
    };
    *out.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    for (name, value) in &answer.headers {
        if name != "content-length" && name != "transfer-encoding" {
            out.headers_mut().append(name, value.clone());
        }
    }
    out
}

/// Serves a proxy to `upstream` that misbehaves so; returns its base URL.
pub(crate) async fn proxy(upstream: &str, misbehaviour: Misbehaviour) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let own = format!("http://{}", listener.local_addr().expect("address"));
    let state = Arc::new(Proxy {
        upstream: upstream.to_owned(),
        own: Mutex::new(own.clone()),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        misbehaviour,
        memory: Mutex::new(Memory::default()),
    });
    let app = axum::Router::new().fallback(forward).with_state(state);
    tokio::spawn(async move { axum::serve(listener, app).await });
    own
}

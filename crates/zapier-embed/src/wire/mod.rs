//! Generated ↔ domain mapping: the only module that touches the generated clients and types.
//!
//! Each function performs one request of one operation and maps the answer to domain or facade
//! types, or the failure to [`Error`] through [`Error::from_response`](AnswerError::from_response)
//! (in `error_mapping`: the one place where HTTP answers become errors). A regenerated client
//! changes this file only; the request-shape snapshots in `tests/snapshots/` show any change on
//! the wire.
//!
//! # How a request is made
//!
//! 1. **Built and sent by the generated client.** The builder's `send()` shapes the request, and
//!    the client's hooks add the bearer token (`pre`) and send it (`exec`), or record it into the
//!    user's capture.
//! 2. **Read here.** The client carries a [`ResponseHandoff`]: `exec` hands the raw response to
//!    this module instead of to the generated code. Success bodies decode into the generated
//!    response types, then into domain types; every other answer goes to
//!    [`Error::from_response`](AnswerError::from_response) with its status, `Retry-After` and
//!    body.
//!
//! Step 2 is why the generated `send()` does not read the answer: for a *documented* error
//! status whose body does not parse as the documented type (an empty 429 from a gateway, a
//! Django `{"detail": "Not found."}` 404), progenitor answers `InvalidResponsePayload`, which has
//! no status, and a rate limit or a missing inbox would then surface as a decode error.
//!
//! # Requests built beside the generated builders
//!
//! Three variant A requests are built here instead of by a builder, because the generated body
//! types cannot express the documented request:
//!
//! * create (`POST /inboxes`) and ensure (`PUT /inboxes`): progenitor ignores `readOnly`, so the
//!   generated `Inbox` / `InboxEnsure` bodies require `id`, `created_at` and `status` and would
//!   send made-up values for them;
//! * update (`PATCH /inboxes/{id}`): the generated `PatchedInboxPatch` skips a `None` URL, so
//!   `{"notification_url": null}` (which clears the URL) cannot be sent.
//!
//! Their method, path and headers (`accept`, `api-version`, `content-type`) mirror the generated
//! code, and the snapshots pin them like every other request.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use futures::StreamExt;
use futures::stream::BoxStream;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo, ResponseValue};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use secrecy::SecretString;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use uuid::Uuid;
use zapier_embed_api::{ClientState, RequestRecorder, ResponseHandoff};

use crate::actions::{Action, ActionType, App, Choice, OutputField, RunState};
use crate::call::{Failure, Operation, Transport};
use crate::connections::Connection;
use crate::limits::Limits;
use crate::pacing::{RateReading, ReadingSlot};
use crate::retry::Reach;
use crate::triggers::Trigger;
use crate::{
    AccessToken, ClientSecret, Error, ErrorContext, FlatInboxBody, Inbox, InboxName, InputField,
    LeaseBodyById, LeaseBodyByName, LeaseResponseBody, Message, MessageId, NestedInboxBody,
    RunError, RunStatus, parse_retry_after,
};

#[macro_use]
mod inbox_variant;
mod by_id;
mod by_name;
mod error_body;
mod error_mapping;
mod inbox_api;
mod lease_decode;
mod oauth;
pub(crate) mod ops;
mod partner;
mod settle_decode;

pub(crate) use by_id::{events_by_id, get_inbox as get_by_id, list_triggers, trigger_input_fields};
pub(crate) use error_mapping::AnswerError;
pub(crate) use inbox_api::{InboxApi, NewInbox, SettleRequest, for_variant};
pub(crate) use oauth::*;
pub(crate) use partner::*;

type ApiError<E> = progenitor_client::Error<E>;

// ---------------------------------------------------------------------------------------------
// The generated clients, one attempt at a time
// ---------------------------------------------------------------------------------------------

/// What this module needs of a generated client.
trait Generated: ClientHooks<ClientState> + ClientInfo<ClientState> + Sized {
    fn make(base: &str, http: reqwest::Client, state: ClientState) -> Self;
    fn base(transport: &Transport) -> &str;
    /// The pool to send with: the token endpoint's follows no redirect (see `ClientBuilder`).
    fn pool(transport: &Transport) -> &reqwest::Client;
}

macro_rules! generated {
    ($($client:path => $base:ident, $pool:ident),+ $(,)?) => {$(
        impl Generated for $client {
            fn make(base: &str, http: reqwest::Client, state: ClientState) -> Self {
                <$client>::new_with_client(base, http, state)
            }
            fn base(transport: &Transport) -> &str {
                &transport.config.$base
            }
            fn pool(transport: &Transport) -> &reqwest::Client {
                &transport.$pool
            }
        }
    )+};
}

generated!(
    zapier_embed_api::by_id::Client => inbox_base, http,
    zapier_embed_api::by_name::Client => inbox_base, http,
    zapier_embed_api::partner::Client => api_url, http,
    zapier_embed_api::oauth::Client => auth_url, auth_http,
);

/// One attempt's view of the generated clients: the shared pool, the attempt's token, the
/// client's request capture, the headers every request of the call adds (correlation ids), and
/// where the answer's rate-limit reading goes (when the call is paced).
pub(crate) struct Api {
    transport: Transport,
    token: Option<AccessToken>,
    headers: HeaderMap,
    reading: Option<ReadingSlot>,
}

/// A 2xx answer, not yet read.
struct Answer {
    status: u16,
    response: reqwest::Response,
    /// `max_response_bytes`: the most of the body read.
    max_bytes: usize,
}

impl Api {
    pub(crate) fn new(
        transport: Transport,
        token: Option<AccessToken>,
        headers: HeaderMap,
        reading: Option<ReadingSlot>,
    ) -> Self {
        Api {
            transport,
            token,
            headers,
            reading,
        }
    }

    /// Keeps the answer's `X-RateLimit-*` reading for the call's pacing.
    fn note_rate(&self, response: &reqwest::Response) {
        if let Some(slot) = &self.reading {
            *slot.lock().unwrap_or_else(|e| e.into_inner()) =
                RateReading::from_headers(response.headers(), Utc::now());
        }
    }

    /// The state a sending client carries: the attempt's token and the user's capture.
    fn state(&self) -> ClientState {
        let mut state = ClientState::default();
        if let Some(token) = &self.token {
            self.transport
                .config
                .secrets
                .remember(token.expose_secret());
            state = state.with_bearer(SecretString::from(token.expose_secret().to_owned()));
        }
        if let Some(capture) = &self.transport.config.capture {
            state = state.with_capture(std::sync::Arc::new(CaptureRecorder(capture.clone())));
        }
        if !self.headers.is_empty() {
            state = state.with_headers(self.headers.clone());
        }
        state
    }

    /// Builds and sends the request of `op` with the generated builder run by `build` (step 1 of
    /// the module documentation); the answer comes back through the hand-off (step 2).
    async fn send<C, F, Fut, R, E>(&self, op: &Operation, build: F) -> Result<Answer, Failure>
    where
        C: Generated,
        F: FnOnce(C) -> Fut,
        Fut: Future<Output = Result<R, ApiError<E>>>,
    {
        let handoff = ResponseHandoff::new();
        let client = C::make(
            C::base(&self.transport),
            C::pool(&self.transport).clone(),
            self.state().with_response_handoff(handoff.clone()),
        );
        match build(client).await {
            Err(ApiError::InvalidRequest(message)) => {
                return Err(Failure::unsent(invalid_request(op, &message)));
            }
            Err(ApiError::CommunicationError(e)) => return Err(transport_failure(op, e)),
            Err(ApiError::Custom(message)) => {
                return Err(Failure::unsent(invalid_request(op, &message)));
            }
            // Every answer reaches the generated code as the hand-off's placeholder.
            _ => {}
        }
        match handoff.take() {
            Some(response) => {
                self.note_rate(&response);
                answer(op, &self.transport.config.limits, response).await
            }
            // The user's capture recorded the request and answered locally with an empty 599:
            // mapped as `from_answer` maps that answer.
            None => Err(Failure::answered(Error::from_response(
                op.name,
                CAPTURED_STATUS,
                None,
                &[],
            ))),
        }
    }

    /// Sends like [`send`](Api::send) and reads the answer as the type the generated builder
    /// names for it.
    async fn fetch<C, F, Fut, G, E>(&self, op: &Operation, build: F) -> Result<(u16, G), Failure>
    where
        C: Generated,
        F: FnOnce(C) -> Fut,
        Fut: Future<Output = Result<ResponseValue<G>, ApiError<E>>>,
        G: DeserializeOwned,
    {
        self.send(op, build).await?.json(op).await
    }

    /// Sends like [`fetch`](Api::fetch) and converts the answer into the domain type `D`
    /// (`what` names it in a decode error).
    async fn fetch_as<C, F, Fut, G, E, D>(
        &self,
        op: &Operation,
        what: &str,
        build: F,
    ) -> Result<D, Failure>
    where
        C: Generated,
        F: FnOnce(C) -> Fut,
        Fut: Future<Output = Result<ResponseValue<G>, ApiError<E>>>,
        G: DeserializeOwned + Serialize,
        D: DeserializeOwned,
    {
        let (status, value) = self.fetch(op, build).await?;
        convert(op, status, what, &value)
    }

    /// Sends a request through `C`'s hooks; answers a 2xx, maps everything else.
    async fn exchange<C: Generated>(
        &self,
        op: &Operation,
        mut request: reqwest::Request,
    ) -> Result<Answer, Failure> {
        let client = C::make(
            C::base(&self.transport),
            C::pool(&self.transport).clone(),
            self.state(),
        );
        // The generated operation id, so a capture names the request as the builder would.
        let info = OperationInfo {
            operation_id: op.id,
        };
        if let Err(e) = client.pre::<()>(&mut request, &info).await {
            return Err(Failure::unsent(hook_error(op, e)));
        }
        let result = client.exec(request, &info).await;
        if let Err(e) = client.post::<()>(&result, &info).await {
            return Err(Failure::answered(hook_error(op, e)));
        }
        let response = result.map_err(|e| transport_failure(op, e))?;
        self.note_rate(&response);
        answer(op, &self.transport.config.limits, response).await
    }

    /// Sends a JSON request built here (see "Requests built beside the generated builders").
    async fn send_json<C: Generated>(
        &self,
        op: &Operation,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> Result<Answer, Failure> {
        let request = C::pool(&self.transport)
            .request(method, format!("{}{path}", C::base(&self.transport)))
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/json")
            .header("api-version", C::api_version())
            .body(
                serde_json::to_vec(body)
                    .map_err(|e| Failure::unsent(invalid_request(op, &e.to_string())))?,
            )
            .build()
            .map_err(|e| Failure::unsent(reqwest_error(op, e)))?;
        self.exchange::<C>(op, request).await
    }
}

/// The generated client's recording hook, feeding the user's capture: the generated client
/// hands each request over and [`RequestCapture`](crate::testing::RequestCapture) decides what
/// is kept of it, so the captured types are the facade's own. A private newtype rather than an
/// impl on `RequestCapture`: a public impl would put the api crate's trait in the facade's
/// surface. Built per attempt only for a capturing client (tests), never on the sending path.
struct CaptureRecorder(crate::testing::RequestCapture);

impl RequestRecorder for CaptureRecorder {
    fn record(&self, operation: &str, request: &reqwest::Request) {
        self.0.record(operation, request);
    }
}

/// The status of a capturing client's local answer (see [`zapier_embed_api::RequestRecorder`]).
const CAPTURED_STATUS: u16 = 599;

/// A 2xx answer as an [`Answer`]; anything else mapped to an error.
async fn answer(
    op: &Operation,
    limits: &Limits,
    response: reqwest::Response,
) -> Result<Answer, Failure> {
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        Ok(Answer {
            status,
            response,
            max_bytes: limits.max_response_bytes,
        })
    } else {
        Err(Failure::answered(
            from_answer(op, limits.max_error_body_bytes, response).await,
        ))
    }
}

impl Answer {
    /// Reads and decodes the body into the generated type `T`.
    async fn json<T: DeserializeOwned>(self, op: &Operation) -> Result<(u16, T), Failure> {
        let status = self.status;
        let max = self.max_bytes;
        let body = read_at_most(self.response, max)
            .await
            .map_err(|e| Failure::answered(reqwest_error(op, e)))?
            .ok_or_else(|| {
                let mut err = Error::limit_exceeded(
                    op.name,
                    "max_response_bytes",
                    u64::try_from(max).unwrap_or(u64::MAX),
                );
                err.context_mut().set_status(status);
                Failure::answered(err)
            })?;
        decode_answer(op, status, &body).map_err(Failure::answered)
    }
}

/// Decodes a success body into the generated type `T`, or a decode error with a bounded
/// excerpt. Never panics, whatever the bytes.
fn decode_answer<T: DeserializeOwned>(
    op: &Operation,
    status: u16,
    body: &[u8],
) -> Result<(u16, T), Error> {
    serde_json::from_slice(body)
        .map(|value| (status, value))
        .map_err(|e| {
            Error::decode_body(
                op.name,
                status,
                format!("the answer does not match the API document: {e}"),
                body,
            )
        })
}

/// The body, read chunk by chunk; `None` as soon as it would pass `max` bytes (the rest is
/// never read, so memory stays flat whatever the server sends).
pub(crate) async fn read_at_most(
    mut response: reqwest::Response,
    max: usize,
) -> Result<Option<Vec<u8>>, reqwest::Error> {
    if response
        .content_length()
        .is_some_and(|declared| usize::try_from(declared).map_or(true, |d| d > max))
    {
        return Ok(None);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if chunk.len() > max.saturating_sub(body.len()) {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

// ---------------------------------------------------------------------------------------------
// Error mapping
// ---------------------------------------------------------------------------------------------

/// A request the generated builder refused to build (a value it could not convert).
fn invalid_request(op: &Operation, message: &str) -> Error {
    Error::Validation {
        context: Box::new(ErrorContext::new(op.name).with_detail(message)),
        fields: Vec::new(),
    }
}

/// A hook refused the request (e.g. a token that is not a valid header value).
fn hook_error(op: &Operation, e: ApiError<()>) -> Error {
    match e {
        ApiError::InvalidRequest(message) | ApiError::Custom(message) => {
            invalid_request(op, &message)
        }
        ApiError::CommunicationError(e) => reqwest_error(op, e),
        _ => invalid_request(op, "a request hook failed"),
    }
}

fn transport_failure(op: &Operation, e: reqwest::Error) -> Failure {
    // Only a failed connection proves the server never saw the request.
    let reach = if e.is_connect() {
        Reach::NotSent
    } else {
        Reach::MaybeProcessed
    };
    Failure {
        error: reqwest_error(op, e),
        reach,
    }
}

fn reqwest_error(op: &Operation, e: reqwest::Error) -> Error {
    if e.is_timeout() {
        return Error::timeout(op.name, "the request timed out");
    }
    let what = if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "failed while reading the response body"
    } else if e.is_request() {
        "failed to send the request"
    } else {
        "HTTP error"
    };
    // The message names where the request went, so "could not connect" says to what; the
    // cause is kept whole as the error's source, without the URL: its query could carry a
    // token, and the client's secret scrubbing reaches the error's texts, not its source's.
    let message = match e.url() {
        Some(url) => format!("{what} ({})", request_target(url)),
        None => what.to_owned(),
    };
    Error::transport_from(op.name, message, e.without_url())
}

/// Where a request went, for an error message: scheme, host, port and path, without user
/// information, query or fragment (any of them could carry a credential).
fn request_target(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    // Both fail only for URLs that cannot have them (`data:`), which then have none to drop.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, Utc::now()))
}

/// Maps an unsuccessful answer (a 599 from a capture included), reading at most `max_bytes` of
/// its body: an error page must not be read without limit, and the error keeps its status
/// whatever follows.
async fn from_answer(op: &Operation, max_bytes: usize, mut response: reqwest::Response) -> Error {
    let status = response.status().as_u16();
    let wait = retry_after(response.headers());
    let mut body = Vec::new();
    while body.len() < max_bytes {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = max_bytes.saturating_sub(body.len());
                body.extend_from_slice(chunk.get(..room).unwrap_or(&chunk));
            }
            Ok(None) | Err(_) => break,
        }
    }
    Error::from_response(op.name, status, wait, &body)
}

/// Converts a generated type into a domain one through their JSON forms. Both sides derive
/// serde from the same documents, so this is total for every answer the document allows; a
/// value outside it is reported as a decode error.
///
/// The JSON form is text, not a `serde_json::Value` tree: a lease answer of 100 messages would
/// otherwise cost a map and a string allocation per field on every call.
fn convert<G: Serialize, D: DeserializeOwned>(
    op: &Operation,
    status: u16,
    what: &str,
    value: &G,
) -> Result<D, Failure> {
    serde_json::to_vec(value)
        .and_then(|json| serde_json::from_slice(&json))
        .map_err(|e| {
            let mut err = Error::decode(op.name, format!("{what}: {e}"));
            err.context_mut().set_status(status);
            Failure::answered(err)
        })
}

/// Builds a generated request body from a domain one (refused before sending if it does not
/// fit the document's constraints).
fn to_body<D: Serialize, G: DeserializeOwned>(
    op: &Operation,
    what: &str,
    value: &D,
) -> Result<G, Failure> {
    serde_json::to_value(value)
        .and_then(serde_json::from_value)
        .map_err(|e| Failure::unsent(invalid_request(op, &format!("{what}: {e}"))))
}

// ---------------------------------------------------------------------------------------------
// Shapes shared by both Trigger Inbox variants
// ---------------------------------------------------------------------------------------------

/// One page of a list.
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    /// The `next` link, if any.
    pub(crate) next: Option<String>,
}

/// Filters and position of one inbox-list request.
#[derive(Clone, Debug, Default)]
pub(crate) struct InboxQuery {
    pub(crate) limit: Option<u32>,
    pub(crate) offset: Option<u64>,
    pub(crate) name: Option<String>,
    pub(crate) status: Option<String>,
}

fn offset(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Pause, resume or delete.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Transition {
    Pause,
    Resume,
    Delete,
}

/// The raw bytes of an inbox's event stream.
pub(crate) type EventBytes = BoxStream<'static, Result<Bytes, Error>>;

/// Ack or release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Settle {
    Ack,
    Release,
}

/// The answer of an ack or release: its status (201: something settled, 200: nothing) and the
/// ids of the messages the server lists as settled.
pub(crate) struct Settled {
    pub(crate) status: u16,
    pub(crate) message_ids: Vec<MessageId>,
}

/// One page of a list answer, its items converted into domain types.
fn page_of<G: Serialize, D: DeserializeOwned>(
    op: &Operation,
    what: &str,
    status: u16,
    results: &G,
    next: Option<String>,
) -> Result<Page<D>, Failure> {
    Ok(Page {
        items: convert(op, status, what, results)?,
        next,
    })
}

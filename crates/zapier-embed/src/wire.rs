//! Generated ↔ domain mapping: the only module that touches the generated clients and types.
//!
//! Each function performs one request of one operation and maps the answer to domain or facade
//! types, or the failure to [`Error`] through [`Error::from_response`]. A regenerated client
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
//!    [`Error::from_response`] with its status, `Retry-After` and body.
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
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use secrecy::SecretString;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use uuid::Uuid;
use zapier_embed_api::{ClientState, ResponseHandoff, by_id, by_name, oauth, partner};

use crate::actions::{Action, ActionType, App, Choice, OutputField, RunState};
use crate::call::{Failure, Operation, Transport};
use crate::connections::Connection;
use crate::limits::Limits;
use crate::retry::Reach;
use crate::triggers::Trigger;
use crate::{
    AccessToken, AckResponse, ClientSecret, Error, ErrorContext, FlatInboxBody, Inbox, InboxName,
    InputField, LeaseBodyById, LeaseBodyByName, LeaseResponseBody, Message, MessageId,
    NestedInboxBody, RunError, RunStatus, parse_retry_after,
};

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
    by_id::Client => inbox_base, http,
    by_name::Client => inbox_base, http,
    partner::Client => api_url, http,
    oauth::Client => auth_url, auth_http,
);

/// One attempt's view of the generated clients: the shared pool, the attempt's token, and the
/// client's request capture.
pub(crate) struct Api {
    transport: Transport,
    token: Option<AccessToken>,
}

/// A 2xx answer, not yet read.
struct Answer {
    status: u16,
    response: reqwest::Response,
    /// `max_response_bytes`: the most of the body read.
    max_bytes: usize,
}

impl Api {
    pub(crate) fn new(transport: Transport, token: Option<AccessToken>) -> Self {
        Api { transport, token }
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
            state = state.with_capture(capture.generated());
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
            Some(response) => answer(op, &self.transport.config.limits, response).await,
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
            .map_err(|e| Failure::unsent(reqwest_error(op, &e)))?;
        self.exchange::<C>(op, request).await
    }
}

/// The status of a capturing client's local answer (see [`zapier_embed_api::RequestCapture`]).
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
            .map_err(|e| Failure::answered(reqwest_error(op, &e)))?
            .ok_or_else(|| {
                let mut err = Error::limit_exceeded(
                    op.name,
                    "max_response_bytes",
                    u64::try_from(max).unwrap_or(u64::MAX),
                );
                err.context_mut().status = Some(status);
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
async fn read_at_most(
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
        ApiError::CommunicationError(e) => reqwest_error(op, &e),
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
        error: reqwest_error(op, &e),
        reach,
    }
}

fn reqwest_error(op: &Operation, e: &reqwest::Error) -> Error {
    if e.is_timeout() {
        Error::timeout(op.name, "the request timed out")
    } else {
        Error::transport_from(op.name, &without_url(e))
    }
}

/// The error chain's text without the URL (whose query could carry a token; the domain scrubs
/// URLs again anyway). reqwest errors are not `Clone`, so the chain is copied as text.
fn without_url(e: &reqwest::Error) -> std::io::Error {
    use std::error::Error as _;
    let mut text = if e.is_connect() {
        "could not connect".to_owned()
    } else if e.is_body() || e.is_decode() {
        "failed while reading the response body".to_owned()
    } else if e.is_request() {
        "failed to send the request".to_owned()
    } else {
        "HTTP error".to_owned()
    };
    let mut source = e.source();
    for _ in 0..16 {
        let Some(cause) = source else { break };
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    std::io::Error::other(text)
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
fn convert<G: Serialize, D: DeserializeOwned>(
    op: &Operation,
    status: u16,
    what: &str,
    value: &G,
) -> Result<D, Failure> {
    serde_json::to_value(value)
        .and_then(serde_json::from_value)
        .map_err(|e| {
            let mut err = Error::decode(op.name, format!("{what}: {e}"));
            err.context_mut().status = Some(status);
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
// Trigger Inbox, variant A (by id)
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

pub(crate) async fn list_inboxes_by_id(
    api: Api,
    op: &Operation,
    query: InboxQuery,
) -> Result<Page<Inbox>, Failure> {
    let answer = api
        .send(op, |c: by_id::Client| async move {
            let mut request = c.list_trigger_inboxes();
            if let Some(limit) = query.limit {
                request = request.limit(i64::from(limit));
            }
            if let Some(o) = query.offset {
                request = request.offset(offset(o));
            }
            if let Some(name) = query.name {
                request = request.name(name);
            }
            if let Some(status) = query.status {
                request = request.status(status);
            }
            request.send().await
        })
        .await?;
    let (status, page): (_, by_id::types::PaginatedInboxList) = answer.json(op).await?;
    Ok(Page {
        items: convert(op, status, "inbox list", &page.results)?,
        next: page.next,
    })
}

pub(crate) async fn create_by_id(
    api: Api,
    op: &Operation,
    body: NestedInboxBody,
) -> Result<Inbox, Failure> {
    let body = serde_json::to_value(&body)
        .map_err(|e| Failure::unsent(invalid_request(op, &e.to_string())))?;
    let answer = api
        .send_json::<by_id::Client>(op, reqwest::Method::POST, "/inboxes", &body)
        .await?;
    let (status, inbox): (_, by_id::types::Inbox) = answer.json(op).await?;
    convert(op, status, "inbox", &inbox)
}

/// Ensure: the inbox and whether it was created (201) rather than found (200).
pub(crate) async fn ensure_by_id(
    api: Api,
    op: &Operation,
    body: NestedInboxBody,
) -> Result<(Inbox, bool), Failure> {
    let body = serde_json::to_value(&body)
        .map_err(|e| Failure::unsent(invalid_request(op, &e.to_string())))?;
    let answer = api
        .send_json::<by_id::Client>(op, reqwest::Method::PUT, "/inboxes", &body)
        .await?;
    let (status, inbox): (_, by_id::types::Inbox) = answer.json(op).await?;
    Ok((convert(op, status, "inbox", &inbox)?, status == 201))
}

pub(crate) async fn get_by_id(api: Api, op: &Operation, id: Uuid) -> Result<Inbox, Failure> {
    let answer = api
        .send(op, |c: by_id::Client| async move {
            c.get_trigger_inbox().id(id).send().await
        })
        .await?;
    let (status, inbox): (_, by_id::types::Inbox) = answer.json(op).await?;
    convert(op, status, "inbox", &inbox)
}

pub(crate) async fn patch_by_id(
    api: Api,
    op: &Operation,
    id: Uuid,
    url: Option<String>,
) -> Result<Inbox, Failure> {
    let body = serde_json::json!({ "notification_url": url });
    let path = format!("/inboxes/{}", id.hyphenated());
    let answer = api
        .send_json::<by_id::Client>(op, reqwest::Method::PATCH, &path, &body)
        .await?;
    let (status, inbox): (_, by_id::types::Inbox) = answer.json(op).await?;
    convert(op, status, "inbox", &inbox)
}

/// Pause, resume or delete.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Transition {
    Pause,
    Resume,
    Delete,
}

pub(crate) async fn transition_by_id(
    api: Api,
    op: &Operation,
    id: Uuid,
    transition: Transition,
) -> Result<Inbox, Failure> {
    let answer = api
        .send(op, |c: by_id::Client| async move {
            match transition {
                Transition::Pause => c.pause_trigger_inbox().id(id).send().await,
                Transition::Resume => c.resume_trigger_inbox().id(id).send().await,
                Transition::Delete => c.delete_trigger_inbox().id(id).send().await,
            }
        })
        .await?;
    let (status, inbox): (_, by_id::types::Inbox) = answer.json(op).await?;
    convert(op, status, "inbox", &inbox)
}

/// The raw bytes of an inbox's event stream.
pub(crate) type EventBytes = BoxStream<'static, Result<Bytes, Error>>;

pub(crate) async fn events_by_id(
    api: Api,
    op: &'static Operation,
    id: Uuid,
) -> Result<EventBytes, Failure> {
    let answer = api
        .send(op, |c: by_id::Client| async move {
            c.get_trigger_inbox_events().inbox_id(id).send().await
        })
        .await?;
    Ok(answer
        .response
        .bytes_stream()
        .map(move |chunk| chunk.map_err(|e| reqwest_error(op, &e)))
        .boxed())
}

pub(crate) async fn list_messages_by_id(
    api: Api,
    op: &Operation,
    id: Uuid,
    cursor: Option<String>,
) -> Result<Page<Message>, Failure> {
    let answer = api
        .send(op, |c: by_id::Client| async move {
            let mut request = c.list_trigger_inbox_messages().inbox_id(id);
            if let Some(cursor) = cursor {
                request = request.cursor(cursor);
            }
            request.send().await
        })
        .await?;
    let (status, page): (_, by_id::types::PaginatedMessageList) = answer.json(op).await?;
    Ok(Page {
        items: convert(op, status, "message list", &page.results)?,
        next: page.next,
    })
}

pub(crate) async fn lease_by_id(
    api: Api,
    op: &Operation,
    id: Uuid,
    body: LeaseBodyById,
) -> Result<LeaseResponseBody, Failure> {
    let body: by_id::types::LeaseRequest = to_body(op, "lease request", &body)?;
    let answer = api
        .send(op, |c: by_id::Client| async move {
            c.lease_trigger_inbox_messages()
                .inbox_id(id)
                .body(body)
                .send()
                .await
        })
        .await?;
    let (status, lease): (_, by_id::types::LeaseResponse) = answer.json(op).await?;
    convert(op, status, "lease response", &lease)
}

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

fn settled<G: Serialize>(op: &Operation, status: u16, body: &G) -> Result<Settled, Failure> {
    // The domain type reads `acked_id` and `released_id` alike.
    let response: AckResponse = convert(op, status, "ack response", body)?;
    Ok(Settled {
        status,
        message_ids: response.messages.into_iter().map(|m| m.id).collect(),
    })
}

pub(crate) async fn settle_by_id(
    api: Api,
    op: &Operation,
    settle: Settle,
    id: Uuid,
    lease_id: Uuid,
    message_ids: Option<Vec<Uuid>>,
) -> Result<Settled, Failure> {
    let message_ids = message_ids.unwrap_or_default();
    match settle {
        Settle::Ack => {
            let body = by_id::types::AckRequest {
                lease_id,
                message_ids,
            };
            let answer = api
                .send(op, |c: by_id::Client| async move {
                    c.acknowledge_trigger_inbox_messages()
                        .inbox_id(id)
                        .body(body)
                        .send()
                        .await
                })
                .await?;
            let (status, body): (_, by_id::types::AckResponse) = answer.json(op).await?;
            settled(op, status, &body)
        }
        Settle::Release => {
            let body = by_id::types::ReleaseRequest {
                lease_id,
                message_ids,
            };
            let answer = api
                .send(op, |c: by_id::Client| async move {
                    c.release_trigger_inbox_messages()
                        .inbox_id(id)
                        .body(body)
                        .send()
                        .await
                })
                .await?;
            let (status, body): (_, by_id::types::ReleaseResponse) = answer.json(op).await?;
            settled(op, status, &body)
        }
    }
}

pub(crate) async fn list_triggers(
    api: Api,
    op: &Operation,
    app: String,
) -> Result<Vec<Trigger>, Failure> {
    let answer = api
        .send(op, |c: by_id::Client| async move {
            c.list_triggers().app(app).send().await
        })
        .await?;
    let (_, list): (_, by_id::types::TriggerList) = answer.json(op).await?;
    Ok(list
        .results
        .into_iter()
        .map(|t| Trigger {
            key: t.key,
            title: t.title,
            description: t.description.filter(|d| !d.is_empty()),
            app_key: t.app_key,
        })
        .collect())
}

pub(crate) async fn trigger_input_fields(
    api: Api,
    op: &Operation,
    app: String,
    trigger: String,
    connection: String,
) -> Result<Vec<InputField>, Failure> {
    let answer = api
        .send(op, |c: by_id::Client| async move {
            c.list_trigger_input_fields()
                .app(app)
                .action(trigger)
                .connection(connection)
                .send()
                .await
        })
        .await?;
    let (status, list): (_, by_id::types::TriggerInputFieldList) = answer.json(op).await?;
    convert(op, status, "trigger input fields", &list.results)
}

// ---------------------------------------------------------------------------------------------
// Trigger Inbox, variant B (by name)
// ---------------------------------------------------------------------------------------------

pub(crate) async fn list_inboxes_by_name(
    api: Api,
    op: &Operation,
    query: InboxQuery,
) -> Result<Page<Inbox>, Failure> {
    let answer = api
        .send(op, |c: by_name::Client| async move {
            let mut request = c.list_inboxes();
            if let Some(limit) = query.limit {
                request = request.limit(i64::from(limit));
            }
            if let Some(o) = query.offset {
                request = request.offset(offset(o));
            }
            if let Some(name) = query.name {
                request = request.name(name);
            }
            if let Some(status) = query.status {
                request = request.status(status);
            }
            request.send().await
        })
        .await?;
    let (status, page): (_, by_name::types::PaginatedInboxList) = answer.json(op).await?;
    Ok(Page {
        items: convert(op, status, "inbox list", &page.results)?,
        next: page.next,
    })
}

pub(crate) async fn get_by_name(
    api: Api,
    op: &Operation,
    name: InboxName,
) -> Result<Inbox, Failure> {
    let answer = api
        .send(op, |c: by_name::Client| async move {
            c.get_inbox().name(name.as_str()).send().await
        })
        .await?;
    let (status, inbox): (_, by_name::types::Inbox) = answer.json(op).await?;
    convert(op, status, "inbox", &inbox)
}

/// Upsert: the inbox and whether it was created (201) rather than found (200).
pub(crate) async fn upsert_by_name(
    api: Api,
    op: &Operation,
    name: InboxName,
    body: FlatInboxBody,
) -> Result<(Inbox, bool), Failure> {
    let body: by_name::types::InboxUpsert = to_body(op, "inbox body", &body)?;
    let answer = api
        .send(op, |c: by_name::Client| async move {
            c.upsert_inbox().name(name.as_str()).body(body).send().await
        })
        .await?;
    let (status, inbox): (_, by_name::types::Inbox) = answer.json(op).await?;
    Ok((convert(op, status, "inbox", &inbox)?, status == 201))
}

pub(crate) async fn transition_by_name(
    api: Api,
    op: &Operation,
    name: InboxName,
    transition: Transition,
) -> Result<Inbox, Failure> {
    let answer = api
        .send(op, |c: by_name::Client| async move {
            match transition {
                Transition::Pause => c.pause_inbox().name(name.as_str()).send().await,
                Transition::Resume => c.resume_inbox().name(name.as_str()).send().await,
                Transition::Delete => c.delete_inbox().name(name.as_str()).send().await,
            }
        })
        .await?;
    let (status, inbox): (_, by_name::types::Inbox) = answer.json(op).await?;
    convert(op, status, "inbox", &inbox)
}

pub(crate) async fn list_messages_by_name(
    api: Api,
    op: &Operation,
    name: InboxName,
    cursor: Option<String>,
) -> Result<Page<Message>, Failure> {
    let answer = api
        .send(op, |c: by_name::Client| async move {
            let mut request = c.list_messages().name(name.as_str());
            if let Some(cursor) = cursor {
                request = request.cursor(cursor);
            }
            request.send().await
        })
        .await?;
    let (status, page): (_, by_name::types::PaginatedMessageList) = answer.json(op).await?;
    Ok(Page {
        items: convert(op, status, "message list", &page.results)?,
        next: page.next,
    })
}

pub(crate) async fn lease_by_name(
    api: Api,
    op: &Operation,
    name: InboxName,
    body: LeaseBodyByName,
) -> Result<LeaseResponseBody, Failure> {
    let body: by_name::types::LeaseRequest = to_body(op, "lease request", &body)?;
    let answer = api
        .send(op, |c: by_name::Client| async move {
            c.lease_messages()
                .name(name.as_str())
                .body(body)
                .send()
                .await
        })
        .await?;
    let (status, lease): (_, by_name::types::LeaseResponse) = answer.json(op).await?;
    convert(op, status, "lease response", &lease)
}

pub(crate) async fn settle_by_name(
    api: Api,
    op: &Operation,
    settle: Settle,
    name: InboxName,
    lease_tokens: Vec<String>,
) -> Result<Settled, Failure> {
    let body = by_name::types::LeaseTokens { lease_tokens };
    match settle {
        Settle::Ack => {
            let answer = api
                .send(op, |c: by_name::Client| async move {
                    c.acknowledge_messages()
                        .name(name.as_str())
                        .body(body)
                        .send()
                        .await
                })
                .await?;
            let (status, body): (_, by_name::types::AckResponse) = answer.json(op).await?;
            settled(op, status, &body)
        }
        Settle::Release => {
            let answer = api
                .send(op, |c: by_name::Client| async move {
                    c.release_messages()
                        .name(name.as_str())
                        .body(body)
                        .send()
                        .await
                })
                .await?;
            let (status, body): (_, by_name::types::ReleaseResponse) = answer.json(op).await?;
            settled(op, status, &body)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Partner API
// ---------------------------------------------------------------------------------------------

fn app_id(app: &partner::types::AuthenticationApp) -> String {
    match app {
        partner::types::AuthenticationApp::String(id) => id.clone(),
        partner::types::AuthenticationApp::App(app) => app.id.clone(),
    }
}

pub(crate) async fn authentications(
    api: Api,
    op: &Operation,
    app: String,
    limit: u32,
    start: u64,
) -> Result<Page<Connection>, Failure> {
    let answer = api
        .send(op, |c: partner::Client| async move {
            c.get_authentications()
                .app(app)
                .limit(i64::from(limit))
                .offset(offset(start))
                .send()
                .await
        })
        .await?;
    let (_, page): (_, partner::types::AuthenticationResponse) = answer.json(op).await?;
    Ok(Page {
        items: page
            .data
            .into_iter()
            .map(|a| Connection {
                app: app_id(&a.app),
                id: a.id,
                title: a.title,
                is_expired: a.is_expired,
            })
            .collect(),
        next: page.links.and_then(|l| l.next),
    })
}

pub(crate) async fn apps(
    api: Api,
    op: &Operation,
    query: String,
    limit: u32,
) -> Result<Vec<App>, Failure> {
    let answer = api
        .send(op, |c: partner::Client| async move {
            c.get_v2_apps()
                .query(query)
                .limit(i64::from(limit))
                .send()
                .await
        })
        .await?;
    let (_, page): (_, partner::types::ExpandedAppsResponse) = answer.json(op).await?;
    Ok(page
        .data
        .into_iter()
        .map(|a| App {
            id: a.id,
            key: a.key,
            title: a.title,
            description: a.description.filter(|d| !d.is_empty()),
            action_types: a
                .action_types
                .iter()
                .map(|t| ActionType::from(t.as_str()))
                .collect(),
        })
        .collect())
}

pub(crate) async fn actions(
    api: Api,
    op: &Operation,
    app: String,
    action_type: Option<ActionType>,
) -> Result<Vec<Action>, Failure> {
    let answer = api
        .send(op, |c: partner::Client| async move {
            let mut request = c.get_actions().app(app);
            if let Some(t) = action_type {
                request = request.action_type(t.as_str().to_owned());
            }
            request.send().await
        })
        .await?;
    let (_, page): (_, partner::types::ActionsResponse) = answer.json(op).await?;
    Ok(page
        .data
        .into_iter()
        .map(|a| Action {
            app: match &a.app {
                partner::types::ActionApp::String(id) => id.clone(),
                partner::types::ActionApp::App(app) => app.id.clone(),
            },
            id: a.id,
            key: a.key,
            action_type: ActionType::from(a.action_type.as_str()),
            title: a.title,
            description: a.description,
            is_instant: a.is_instant,
        })
        .collect())
}

/// Flattens a root fieldset (input fields, info fields, fieldsets of both) into input fields.
fn flatten_fields(
    op: &Operation,
    status: u16,
    items: Vec<partner::types::RootFieldsetItem>,
) -> Result<Vec<InputField>, Failure> {
    use partner::types::{FieldsetFieldsItem, RootFieldsetItem};
    let mut out = Vec::new();
    for item in items {
        match item {
            RootFieldsetItem::InputField(field) => {
                out.push(convert(op, status, "input field", &field)?)
            }
            RootFieldsetItem::Fieldset(set) => {
                for field in set.fields {
                    if let FieldsetFieldsItem::InputField(field) = field {
                        out.push(convert(op, status, "input field", &field)?);
                    }
                }
            }
            // Info fields are text for a form, not inputs.
            RootFieldsetItem::InfoField(_) => {}
        }
    }
    Ok(out)
}

pub(crate) async fn action_inputs(
    api: Api,
    op: &Operation,
    action_id: String,
    authentication: Option<String>,
    inputs: Map<String, Value>,
) -> Result<Vec<InputField>, Failure> {
    let body = partner::types::InputFieldsRequest {
        data: partner::types::InputFieldsParams {
            authentication,
            inputs,
        },
    };
    let answer = api
        .send(op, |c: partner::Client| async move {
            c.get_fields_inputs()
                .action_id(action_id)
                .body(body)
                .send()
                .await
        })
        .await?;
    let (status, page): (_, partner::types::InputFieldsResponse) = answer.json(op).await?;
    flatten_fields(op, status, page.data)
}

pub(crate) async fn action_choices(
    api: Api,
    op: &Operation,
    action_id: String,
    input_id: String,
    page: u32,
    authentication: Option<String>,
    inputs: Map<String, Value>,
) -> Result<Vec<Choice>, Failure> {
    let body = partner::types::ChoiceRequest {
        data: partner::types::ChoiceParams {
            authentication,
            inputs: Some(inputs),
        },
    };
    let answer = api
        .send(op, |c: partner::Client| async move {
            c.get_choices()
                .action_id(action_id)
                .input_id(input_id)
                .page(page.to_string())
                .body(body)
                .send()
                .await
        })
        .await?;
    let (_, choices): (_, partner::types::ChoiceResponse) = answer.json(op).await?;
    Ok(choices
        .data
        .into_iter()
        .map(|c| Choice {
            id: c.id,
            label: c.label,
            value: c.value,
        })
        .collect())
}

pub(crate) async fn action_outputs(
    api: Api,
    op: &Operation,
    action_id: String,
    authentication: Option<String>,
    inputs: Map<String, Value>,
) -> Result<Vec<OutputField>, Failure> {
    let body = partner::types::OutputFieldsRequest {
        data: partner::types::OutputFieldsParams {
            authentication,
            fetch_live_samples: false,
            inputs,
        },
    };
    let answer = api
        .send(op, |c: partner::Client| async move {
            c.get_fields_outputs()
                .action_id(action_id)
                .body(body)
                .send()
                .await
        })
        .await?;
    let (_, page): (_, partner::types::OutputFieldsResponse) = answer.json(op).await?;
    Ok(page
        .data
        .into_iter()
        .map(|f| OutputField {
            id: f.id,
            title: f.title,
            sample: f.sample,
        })
        .collect())
}

/// Creates an action run; answers its id.
pub(crate) async fn create_run(
    api: Api,
    op: &Operation,
    action_id: String,
    authentication: Option<String>,
    inputs: Map<String, Value>,
) -> Result<String, Failure> {
    let body = partner::types::RunActionRequest {
        data: partner::types::RunActionParams {
            action: action_id,
            authentication,
            callback_url: None,
            inputs,
        },
    };
    let answer = api
        .send(op, |c: partner::Client| async move {
            c.create_action_run().body(body).send().await
        })
        .await?;
    let (_, run): (_, partner::types::RunActionResponse) = answer.json(op).await?;
    Ok(run.data.id)
}

pub(crate) async fn get_run(api: Api, op: &Operation, run_id: String) -> Result<RunState, Failure> {
    let answer = api
        .send(op, |c: partner::Client| async move {
            c.retrieve_action_run().id(run_id).send().await
        })
        .await?;
    let (status, run): (_, partner::types::ActionRunResponse) = answer.json(op).await?;
    let run = run.data;
    let errors: Vec<RunError> = convert(op, status, "action run errors", &run.errors)?;
    Ok(RunState {
        status: RunStatus::from(run.status),
        results: run.results,
        errors,
    })
}

// ---------------------------------------------------------------------------------------------
// OAuth
// ---------------------------------------------------------------------------------------------

/// The fields of one token request (a subset is used per grant). Secrets stay in redacting
/// types until the generated body is built, right before sending.
#[derive(Clone, Default)]
pub(crate) struct TokenForm {
    pub(crate) grant_type: &'static str,
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<ClientSecret>,
    pub(crate) scope: Option<String>,
    pub(crate) subject_token: Option<AccessToken>,
    pub(crate) subject_token_type: Option<&'static str>,
    pub(crate) requested_token_type: Option<&'static str>,
    pub(crate) resource: Option<String>,
}

/// A token answer: the token and its lifetime, if given.
pub(crate) struct Grant {
    pub(crate) access_token: AccessToken,
    pub(crate) expires_in: Option<Duration>,
}

pub(crate) async fn oauth_token(
    api: Api,
    op: &Operation,
    form: TokenForm,
) -> Result<Grant, Failure> {
    let secrets = api.transport.config.secrets.clone();
    if let Some(secret) = &form.client_secret {
        secrets.remember(secret.expose_secret());
    }
    if let Some(subject) = &form.subject_token {
        secrets.remember(subject.expose_secret());
    }
    let body = oauth::types::TokenRequest {
        audience: None,
        client_id: form.client_id,
        client_secret: form.client_secret.map(|s| s.expose_secret().to_owned()),
        grant_type: form.grant_type.to_owned(),
        requested_token_type: form.requested_token_type.map(str::to_owned),
        resource: form.resource,
        scope: form.scope,
        subject_token: form.subject_token.map(|t| t.expose_secret().to_owned()),
        subject_token_type: form.subject_token_type.map(str::to_owned),
    };
    let answer = api
        .send(op, |c: oauth::Client| async move {
            c.oauth_token().body(body).send().await
        })
        .await?;
    // Straight into the redacting type: the generated struct derives a revealing Debug.
    let (_, token): (_, oauth::types::TokenResponse) = answer.json(op).await?;
    secrets.remember(&token.access_token);
    Ok(Grant {
        access_token: AccessToken::new(token.access_token),
        expires_in: token
            .expires_in
            .and_then(|s| u64::try_from(s).ok())
            .map(Duration::from_secs),
    })
}

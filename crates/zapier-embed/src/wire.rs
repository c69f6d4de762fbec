//! Generated ↔ domain mapping: the only module that touches the generated clients and types.
//!
//! Each function sends one request of one operation through a generated client (with the
//! attempt's token and the client's request capture) and maps the answer to domain or facade
//! types, or the failure to [`Error`] through [`Error::from_response`]. A regenerated client
//! changes this file only; the request-shape snapshots in `tests/snapshots/` show any change on
//! the wire.
//!
//! # Requests sent beside the generated builders
//!
//! Three variant A requests are built here and sent through the generated client's own hooks
//! (`pre` sets the bearer token, `exec` sends or captures), because the generated body types
//! cannot express the documented request:
//!
//! * create (`POST /inboxes`) and ensure (`PUT /inboxes`): progenitor ignores `readOnly`, so the
//!   generated `Inbox` / `InboxEnsure` bodies require `id`, `created_at` and `status` and would
//!   send made-up values for them;
//! * update (`PATCH /inboxes/{id}`): the generated `PatchedInboxPatch` skips a `None` URL, so
//!   `{"notification_url": null}` (which clears the URL) cannot be sent.
//!
//! Their method, path, headers (`accept`, `api-version`, `content-type`) and status handling
//! mirror the generated code, and the snapshots pin them like every other request.

use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use futures::StreamExt;
use futures::stream::BoxStream;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{ACCEPT, HeaderMap, RETRY_AFTER};
use secrecy::SecretString;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use uuid::Uuid;
use zapier_embed_api::{ClientState, by_id, by_name, oauth, partner};

use crate::actions::{Action, ActionType, App, Choice, OutputField, RunState};
use crate::call::{Failure, Operation, Transport};
use crate::connections::Connection;
use crate::triggers::Trigger;
use crate::{
    AccessToken, AckResponse, ClientSecret, Error, ErrorContext, FlatInboxBody, Inbox, InboxName,
    InputField, LeaseBodyById, LeaseBodyByName, LeaseResponseBody, Message, MessageId,
    NestedInboxBody, RunError, RunStatus, parse_retry_after,
};

/// The most bytes of an unexpected answer read for the error excerpt.
const MAX_ERROR_BODY: usize = 64 * 1024;

type ApiError<E> = progenitor_client::Error<E>;

/// One attempt's view of the generated clients: the shared pool, the attempt's token, and the
/// client's request capture.
pub(crate) struct Api {
    transport: Transport,
    token: Option<AccessToken>,
}

impl Api {
    pub(crate) fn new(transport: Transport, token: Option<AccessToken>) -> Self {
        Api { transport, token }
    }

    fn state(&self) -> ClientState {
        let mut state = ClientState::default();
        if let Some(token) = &self.token {
            state = state.with_bearer(SecretString::from(token.expose_secret().to_owned()));
        }
        if let Some(capture) = &self.transport.config.capture {
            state = state.with_capture(capture.clone());
        }
        state
    }

    fn by_id(&self) -> by_id::Client {
        by_id::Client::new_with_client(
            &self.transport.config.inbox_base,
            self.transport.http.clone(),
            self.state(),
        )
    }

    fn by_name(&self) -> by_name::Client {
        by_name::Client::new_with_client(
            &self.transport.config.inbox_base,
            self.transport.http.clone(),
            self.state(),
        )
    }

    fn partner(&self) -> partner::Client {
        partner::Client::new_with_client(
            &self.transport.config.api_url,
            self.transport.http.clone(),
            self.state(),
        )
    }

    fn oauth(&self) -> oauth::Client {
        oauth::Client::new_with_client(
            &self.transport.config.auth_url,
            self.transport.http.clone(),
            self.state(),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Error mapping
// ---------------------------------------------------------------------------------------------

/// Maps a failure of a generated call.
async fn fail<E: Serialize>(op: &Operation, err: ApiError<E>) -> Failure {
    match err {
        ApiError::InvalidRequest(message) => Failure::unsent(invalid_request(op, &message)),
        ApiError::CommunicationError(e) => transport_failure(op, e),
        ApiError::InvalidUpgrade(e) | ApiError::ResponseBodyError(e) => {
            Failure::answered(reqwest_error(op, &e))
        }
        ApiError::ErrorResponse(answer) => {
            let status = answer.status().as_u16();
            let retry_after = retry_after(answer.headers());
            // The typed body is written back to JSON for the one parser of error bodies; it
            // holds every field the documents declare.
            let body = serde_json::to_vec(&answer.into_inner()).unwrap_or_default();
            Failure::answered(Error::from_response(op.name, status, retry_after, &body))
        }
        ApiError::InvalidResponsePayload(body, e) => {
            // progenitor keeps no status here; the excerpt still shows what came back.
            let mut err = Error::decode(
                op.name,
                format!("the answer did not match the API document: {e}"),
            );
            let context = err.context_mut();
            *context = context.clone().with_body(&body);
            Failure::answered(err)
        }
        ApiError::UnexpectedResponse(response) => {
            Failure::answered(from_answer(op, response).await)
        }
        ApiError::Custom(message) => Failure::unsent(Error::transport(op.name, message)),
    }
}

/// A request the generated builder refused to build (a value it could not convert).
fn invalid_request(op: &Operation, message: &str) -> Error {
    Error::Validation {
        context: Box::new(ErrorContext::new(op.name).with_detail(message)),
        fields: Vec::new(),
    }
}

fn transport_failure(op: &Operation, e: reqwest::Error) -> Failure {
    // Only a failed connection proves the server never saw the request.
    let reach = if e.is_connect() {
        crate::retry::Reach::NotSent
    } else {
        crate::retry::Reach::MaybeProcessed
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
        // `without_url` keeps query strings (which could carry a token) out of the message; the
        // domain scrubs URLs again anyway.
        let e = clone_without_url(e);
        Error::transport_from(op.name, &e)
    }
}

/// reqwest errors are not `Clone`; rebuild the chain's text without the URL.
fn clone_without_url(e: &reqwest::Error) -> std::io::Error {
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

/// Maps an answer the document does not declare for the operation (a 5xx, a 599 from the
/// capture, an undocumented 2xx…).
async fn from_answer(op: &Operation, mut response: reqwest::Response) -> Error {
    let status = response.status().as_u16();
    let wait = retry_after(response.headers());
    let mut body = Vec::new();
    // Bounded: an error page must not be read without limit.
    while body.len() < MAX_ERROR_BODY {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    if (200..300).contains(&status) {
        return Error::decode_body(
            op.name,
            status,
            "the API document does not declare this status",
            &body,
        );
    }
    Error::from_response(op.name, status, wait, &body)
}

/// Converts between a generated and a domain type through their JSON forms. Both sides derive
/// serde from the same documents, so this is total for every answer the document allows; a
/// server sending something else is reported as a decode error.
fn convert<G: Serialize, D: DeserializeOwned>(
    op: &Operation,
    what: &str,
    value: &G,
) -> Result<D, Failure> {
    serde_json::to_value(value)
        .and_then(serde_json::from_value)
        .map_err(|e| Failure::answered(Error::decode(op.name, format!("{what}: {e}"))))
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
// Requests beside the builders (see the module documentation)
// ---------------------------------------------------------------------------------------------

/// Sends a JSON request through `client`'s hooks; answers 2xx as `(status, body)` and maps every
/// other outcome to a failure.
async fn send_json<C>(
    client: &C,
    op: &Operation,
    operation_id: &'static str,
    method: reqwest::Method,
    path: &str,
    body: &Value,
) -> Result<(u16, Bytes), Failure>
where
    C: ClientHooks<ClientState> + ClientInfo<ClientState>,
{
    let request = client
        .client()
        .request(method, format!("{}{path}", client.baseurl()))
        .header(ACCEPT, "application/json")
        .header("api-version", C::api_version())
        .json(body)
        .build();
    let mut request = match request {
        Ok(request) => request,
        Err(e) => return Err(Failure::unsent(reqwest_error(op, &e))),
    };
    let info = OperationInfo { operation_id };
    if let Err(e) = client.pre::<()>(&mut request, &info).await {
        return Err(fail(op, e).await);
    }
    let result = client.exec(request, &info).await;
    if let Err(e) = client.post::<()>(&result, &info).await {
        return Err(fail(op, e).await);
    }
    let response = result.map_err(|e| transport_failure(op, e))?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(Failure::answered(from_answer(op, response).await));
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|e| Failure::answered(reqwest_error(op, &e)))?;
    Ok((status, bytes))
}

fn decode_json<D: DeserializeOwned>(
    op: &Operation,
    status: u16,
    body: &[u8],
) -> Result<D, Failure> {
    serde_json::from_slice(body)
        .map_err(|e| Failure::answered(Error::decode_body(op.name, status, e.to_string(), body)))
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

pub(crate) async fn list_inboxes_by_id(
    api: Api,
    op: &Operation,
    query: InboxQuery,
) -> Result<Page<Inbox>, Failure> {
    let client = api.by_id();
    let mut request = client.list_trigger_inboxes();
    if let Some(limit) = query.limit {
        request = request.limit(i64::from(limit));
    }
    if let Some(offset) = query.offset {
        request = request.offset(i64::try_from(offset).unwrap_or(i64::MAX));
    }
    if let Some(name) = query.name {
        request = request.name(name);
    }
    if let Some(status) = query.status {
        request = request.status(status);
    }
    match request.send().await {
        Ok(answer) => {
            let page = answer.into_inner();
            Ok(Page {
                items: convert(op, "inbox list", &page.results)?,
                next: page.next,
            })
        }
        Err(e) => Err(fail(op, e).await),
    }
}

pub(crate) async fn create_by_id(
    api: Api,
    op: &Operation,
    body: NestedInboxBody,
) -> Result<Inbox, Failure> {
    let client = api.by_id();
    let body = serde_json::to_value(&body)
        .map_err(|e| Failure::unsent(invalid_request(op, &e.to_string())))?;
    let (status, bytes) = send_json(
        &client,
        op,
        "create_trigger_inbox",
        reqwest::Method::POST,
        "/inboxes",
        &body,
    )
    .await?;
    decode_json(op, status, &bytes)
}

/// Ensure: the inbox and whether it was created (201) rather than found (200).
pub(crate) async fn ensure_by_id(
    api: Api,
    op: &Operation,
    body: NestedInboxBody,
) -> Result<(Inbox, bool), Failure> {
    let client = api.by_id();
    let body = serde_json::to_value(&body)
        .map_err(|e| Failure::unsent(invalid_request(op, &e.to_string())))?;
    let (status, bytes) = send_json(
        &client,
        op,
        "ensure_trigger_inbox",
        reqwest::Method::PUT,
        "/inboxes",
        &body,
    )
    .await?;
    Ok((decode_json(op, status, &bytes)?, status == 201))
}

pub(crate) async fn get_by_id(api: Api, op: &Operation, id: Uuid) -> Result<Inbox, Failure> {
    let client = api.by_id();
    match client.get_trigger_inbox().id(id).send().await {
        Ok(answer) => convert(op, "inbox", &answer.into_inner()),
        Err(e) => Err(fail(op, e).await),
    }
}

pub(crate) async fn patch_by_id(
    api: Api,
    op: &Operation,
    id: Uuid,
    url: Option<String>,
) -> Result<Inbox, Failure> {
    let client = api.by_id();
    let body = serde_json::json!({ "notification_url": url });
    let path = format!("/inboxes/{}", id.hyphenated());
    let (status, bytes) = send_json(
        &client,
        op,
        "patch_trigger_inbox",
        reqwest::Method::PATCH,
        &path,
        &body,
    )
    .await?;
    decode_json(op, status, &bytes)
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
    let client = api.by_id();
    let answer = match transition {
        Transition::Pause => client.pause_trigger_inbox().id(id).send().await,
        Transition::Resume => client.resume_trigger_inbox().id(id).send().await,
        Transition::Delete => client.delete_trigger_inbox().id(id).send().await,
    };
    match answer {
        Ok(answer) => convert(op, "inbox", &answer.into_inner()),
        Err(e) => Err(fail(op, e).await),
    }
}

/// The raw bytes of an inbox's event stream.
pub(crate) type EventBytes = BoxStream<'static, Result<Bytes, Error>>;

pub(crate) async fn events_by_id(
    api: Api,
    op: &'static Operation,
    id: Uuid,
) -> Result<EventBytes, Failure> {
    let client = api.by_id();
    match client.get_trigger_inbox_events().inbox_id(id).send().await {
        Ok(answer) => Ok(answer
            .into_inner_stream()
            .map(move |chunk| chunk.map_err(|e| reqwest_error(op, &e)))
            .boxed()),
        Err(e) => Err(fail(op, e).await),
    }
}

pub(crate) async fn list_messages_by_id(
    api: Api,
    op: &Operation,
    id: Uuid,
    cursor: Option<String>,
) -> Result<Page<Message>, Failure> {
    let client = api.by_id();
    let mut request = client.list_trigger_inbox_messages().inbox_id(id);
    if let Some(cursor) = cursor {
        request = request.cursor(cursor);
    }
    match request.send().await {
        Ok(answer) => {
            let page = answer.into_inner();
            Ok(Page {
                items: convert(op, "message list", &page.results)?,
                next: page.next,
            })
        }
        Err(e) => Err(fail(op, e).await),
    }
}

pub(crate) async fn lease_by_id(
    api: Api,
    op: &Operation,
    id: Uuid,
    body: LeaseBodyById,
) -> Result<LeaseResponseBody, Failure> {
    let client = api.by_id();
    let body: by_id::types::LeaseRequest = to_body(op, "lease request", &body)?;
    match client
        .lease_trigger_inbox_messages()
        .inbox_id(id)
        .body(body)
        .send()
        .await
    {
        Ok(answer) => convert(op, "lease response", &answer.into_inner()),
        Err(e) => Err(fail(op, e).await),
    }
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

/// Reads an ack / release answer of either variant (`acked_id` or `released_id`, `results`).
fn settled(
    op: &Operation,
    status: u16,
    body: serde_json::Result<Value>,
) -> Result<Settled, Failure> {
    let response: AckResponse = body
        .and_then(serde_json::from_value)
        .map_err(|e| Failure::answered(Error::decode(op.name, format!("ack response: {e}"))))?;
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
    let client = api.by_id();
    let message_ids = message_ids.unwrap_or_default();
    let answer = match settle {
        Settle::Ack => client
            .acknowledge_trigger_inbox_messages()
            .inbox_id(id)
            .body(by_id::types::AckRequest {
                lease_id,
                message_ids,
            })
            .send()
            .await
            .map(|a| (a.status().as_u16(), serde_json::to_value(a.into_inner()))),
        Settle::Release => client
            .release_trigger_inbox_messages()
            .inbox_id(id)
            .body(by_id::types::ReleaseRequest {
                lease_id,
                message_ids,
            })
            .send()
            .await
            .map(|a| (a.status().as_u16(), serde_json::to_value(a.into_inner()))),
    };
    match answer {
        Ok((status, body)) => settled(op, status, body),
        Err(e) => Err(fail(op, e).await),
    }
}

pub(crate) async fn list_triggers(
    api: Api,
    op: &Operation,
    app: String,
) -> Result<Vec<Trigger>, Failure> {
    let client = api.by_id();
    match client.list_triggers().app(app).send().await {
        Ok(answer) => Ok(answer
            .into_inner()
            .results
            .into_iter()
            .map(|t| Trigger {
                key: t.key,
                title: t.title,
                description: t.description.filter(|d| !d.is_empty()),
                app_key: t.app_key,
            })
            .collect()),
        Err(e) => Err(fail(op, e).await),
    }
}

pub(crate) async fn trigger_input_fields(
    api: Api,
    op: &Operation,
    app: String,
    trigger: String,
    connection: String,
) -> Result<Vec<InputField>, Failure> {
    let client = api.by_id();
    match client
        .list_trigger_input_fields()
        .app(app)
        .action(trigger)
        .connection(connection)
        .send()
        .await
    {
        Ok(answer) => convert(op, "trigger input fields", &answer.into_inner().results),
        Err(e) => Err(fail(op, e).await),
    }
}

// ---------------------------------------------------------------------------------------------
// Trigger Inbox, variant B (by name)
// ---------------------------------------------------------------------------------------------

pub(crate) async fn list_inboxes_by_name(
    api: Api,
    op: &Operation,
    query: InboxQuery,
) -> Result<Page<Inbox>, Failure> {
    let client = api.by_name();
    let mut request = client.list_inboxes();
    if let Some(limit) = query.limit {
        request = request.limit(i64::from(limit));
    }
    if let Some(offset) = query.offset {
        request = request.offset(i64::try_from(offset).unwrap_or(i64::MAX));
    }
    if let Some(name) = query.name {
        request = request.name(name);
    }
    if let Some(status) = query.status {
        request = request.status(status);
    }
    match request.send().await {
        Ok(answer) => {
            let page = answer.into_inner();
            Ok(Page {
                items: convert(op, "inbox list", &page.results)?,
                next: page.next,
            })
        }
        Err(e) => Err(fail(op, e).await),
    }
}

pub(crate) async fn get_by_name(
    api: Api,
    op: &Operation,
    name: InboxName,
) -> Result<Inbox, Failure> {
    let client = api.by_name();
    match client.get_inbox().name(name.as_str()).send().await {
        Ok(answer) => convert(op, "inbox", &answer.into_inner()),
        Err(e) => Err(fail(op, e).await),
    }
}

/// Upsert: the inbox and whether it was created (201) rather than found (200).
pub(crate) async fn upsert_by_name(
    api: Api,
    op: &Operation,
    name: InboxName,
    body: FlatInboxBody,
) -> Result<(Inbox, bool), Failure> {
    let client = api.by_name();
    let body: by_name::types::InboxUpsert = to_body(op, "inbox body", &body)?;
    match client
        .upsert_inbox()
        .name(name.as_str())
        .body(body)
        .send()
        .await
    {
        Ok(answer) => {
            let created = answer.status().as_u16() == 201;
            Ok((convert(op, "inbox", &answer.into_inner())?, created))
        }
        Err(e) => Err(fail(op, e).await),
    }
}

pub(crate) async fn transition_by_name(
    api: Api,
    op: &Operation,
    name: InboxName,
    transition: Transition,
) -> Result<Inbox, Failure> {
    let client = api.by_name();
    let answer = match transition {
        Transition::Pause => client.pause_inbox().name(name.as_str()).send().await,
        Transition::Resume => client.resume_inbox().name(name.as_str()).send().await,
        Transition::Delete => client.delete_inbox().name(name.as_str()).send().await,
    };
    match answer {
        Ok(answer) => convert(op, "inbox", &answer.into_inner()),
        Err(e) => Err(fail(op, e).await),
    }
}

pub(crate) async fn list_messages_by_name(
    api: Api,
    op: &Operation,
    name: InboxName,
    cursor: Option<String>,
) -> Result<Page<Message>, Failure> {
    let client = api.by_name();
    let mut request = client.list_messages().name(name.as_str());
    if let Some(cursor) = cursor {
        request = request.cursor(cursor);
    }
    match request.send().await {
        Ok(answer) => {
            let page = answer.into_inner();
            Ok(Page {
                items: convert(op, "message list", &page.results)?,
                next: page.next,
            })
        }
        Err(e) => Err(fail(op, e).await),
    }
}

pub(crate) async fn lease_by_name(
    api: Api,
    op: &Operation,
    name: InboxName,
    body: LeaseBodyByName,
) -> Result<LeaseResponseBody, Failure> {
    let client = api.by_name();
    let body: by_name::types::LeaseRequest = to_body(op, "lease request", &body)?;
    match client
        .lease_messages()
        .name(name.as_str())
        .body(body)
        .send()
        .await
    {
        Ok(answer) => convert(op, "lease response", &answer.into_inner()),
        Err(e) => Err(fail(op, e).await),
    }
}

pub(crate) async fn settle_by_name(
    api: Api,
    op: &Operation,
    settle: Settle,
    name: InboxName,
    lease_tokens: Vec<String>,
) -> Result<Settled, Failure> {
    let client = api.by_name();
    let body = by_name::types::LeaseTokens { lease_tokens };
    let answer = match settle {
        Settle::Ack => client
            .acknowledge_messages()
            .name(name.as_str())
            .body(body)
            .send()
            .await
            .map(|a| (a.status().as_u16(), serde_json::to_value(a.into_inner()))),
        Settle::Release => client
            .release_messages()
            .name(name.as_str())
            .body(body)
            .send()
            .await
            .map(|a| (a.status().as_u16(), serde_json::to_value(a.into_inner()))),
    };
    match answer {
        Ok((status, body)) => settled(op, status, body),
        Err(e) => Err(fail(op, e).await),
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
    offset: u64,
) -> Result<Page<Connection>, Failure> {
    let client = api.partner();
    match client
        .get_authentications()
        .app(app)
        .limit(i64::from(limit))
        .offset(i64::try_from(offset).unwrap_or(i64::MAX))
        .send()
        .await
    {
        Ok(answer) => {
            let page = answer.into_inner();
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
        Err(e) => Err(fail(op, e).await),
    }
}

pub(crate) async fn apps(
    api: Api,
    op: &Operation,
    query: String,
    limit: u32,
) -> Result<Vec<App>, Failure> {
    let client = api.partner();
    match client
        .get_v2_apps()
        .query(query)
        .limit(i64::from(limit))
        .send()
        .await
    {
        Ok(answer) => Ok(answer
            .into_inner()
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
            .collect()),
        Err(e) => Err(fail(op, e).await),
    }
}

pub(crate) async fn actions(
    api: Api,
    op: &Operation,
    app: String,
    action_type: Option<ActionType>,
) -> Result<Vec<Action>, Failure> {
    let client = api.partner();
    let mut request = client.get_actions().app(app);
    if let Some(t) = action_type {
        request = request.action_type(t.as_str().to_owned());
    }
    match request.send().await {
        Ok(answer) => Ok(answer
            .into_inner()
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
            .collect()),
        Err(e) => Err(fail(op, e).await),
    }
}

/// Flattens a root fieldset (input fields, info fields, fieldsets of both) into input fields.
fn flatten_fields(
    op: &Operation,
    items: Vec<partner::types::RootFieldsetItem>,
) -> Result<Vec<InputField>, Failure> {
    use partner::types::{FieldsetFieldsItem, RootFieldsetItem};
    let mut out = Vec::new();
    for item in items {
        match item {
            RootFieldsetItem::InputField(field) => out.push(convert(op, "input field", &field)?),
            RootFieldsetItem::Fieldset(set) => {
                for field in set.fields {
                    if let FieldsetFieldsItem::InputField(field) = field {
                        out.push(convert(op, "input field", &field)?);
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
    let client = api.partner();
    let body = partner::types::InputFieldsRequest {
        data: partner::types::InputFieldsParams {
            authentication,
            inputs,
        },
    };
    match client
        .get_fields_inputs()
        .action_id(action_id)
        .body(body)
        .send()
        .await
    {
        Ok(answer) => flatten_fields(op, answer.into_inner().data),
        Err(e) => Err(fail(op, e).await),
    }
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
    let client = api.partner();
    let body = partner::types::ChoiceRequest {
        data: partner::types::ChoiceParams {
            authentication,
            inputs: Some(inputs),
        },
    };
    match client
        .get_choices()
        .action_id(action_id)
        .input_id(input_id)
        .page(page.to_string())
        .body(body)
        .send()
        .await
    {
        Ok(answer) => Ok(answer
            .into_inner()
            .data
            .into_iter()
            .map(|c| Choice {
                id: c.id,
                label: c.label,
                value: c.value,
            })
            .collect()),
        Err(e) => Err(fail(op, e).await),
    }
}

pub(crate) async fn action_outputs(
    api: Api,
    op: &Operation,
    action_id: String,
    authentication: Option<String>,
    inputs: Map<String, Value>,
) -> Result<Vec<OutputField>, Failure> {
    let client = api.partner();
    let body = partner::types::OutputFieldsRequest {
        data: partner::types::OutputFieldsParams {
            authentication,
            fetch_live_samples: false,
            inputs,
        },
    };
    match client
        .get_fields_outputs()
        .action_id(action_id)
        .body(body)
        .send()
        .await
    {
        Ok(answer) => Ok(answer
            .into_inner()
            .data
            .into_iter()
            .map(|f| OutputField {
                id: f.id,
                title: f.title,
                sample: f.sample,
            })
            .collect()),
        Err(e) => Err(fail(op, e).await),
    }
}

/// Creates an action run; answers its id.
pub(crate) async fn create_run(
    api: Api,
    op: &Operation,
    action_id: String,
    authentication: Option<String>,
    inputs: Map<String, Value>,
) -> Result<String, Failure> {
    let client = api.partner();
    let body = partner::types::RunActionRequest {
        data: partner::types::RunActionParams {
            action: action_id,
            authentication,
            callback_url: None,
            inputs,
        },
    };
    match client.create_action_run().body(body).send().await {
        Ok(answer) => Ok(answer.into_inner().data.id),
        Err(e) => Err(fail(op, e).await),
    }
}

pub(crate) async fn get_run(api: Api, op: &Operation, run_id: String) -> Result<RunState, Failure> {
    let client = api.partner();
    match client.retrieve_action_run().id(run_id).send().await {
        Ok(answer) => {
            let run = answer.into_inner().data;
            let errors: Vec<RunError> = convert(op, "action run errors", &run.errors)?;
            Ok(RunState {
                status: RunStatus::from(run.status),
                results: run.results,
                errors,
            })
        }
        Err(e) => Err(fail(op, e).await),
    }
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
    let client = api.oauth();
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
    match client.oauth_token().body(body).send().await {
        Ok(answer) => {
            // Straight into the redacting type: the generated struct derives a revealing Debug.
            let answer = answer.into_inner();
            Ok(Grant {
                access_token: AccessToken::new(answer.access_token),
                expires_in: answer
                    .expires_in
                    .and_then(|s| u64::try_from(s).ok())
                    .map(Duration::from_secs),
            })
        }
        Err(e) => Err(fail(op, e).await),
    }
}

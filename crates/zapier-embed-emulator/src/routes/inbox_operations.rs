//! What both variants of the Trigger Inbox API do once the inbox is resolved to its id (variant A
//! parses it from the path, variant B looks the name up; [`CallerInbox`]): the listings and their
//! pagination, reading, deleting, pausing and resuming an inbox, the lease parameters, and
//! ack/release.
//! Variant B answers the same outcomes, with its own status for validation errors (`422`).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::cursor::{decode_cursor, encode_cursor};
use super::page_request::LinkBase;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::models::inbox::*;
use crate::queue::{Settle, StoredMessage};
use crate::state::Store;
use crate::state::inboxes::{Cursor, LeaseOutcome, MessagePage, NewSubscription};

const STATUSES: [&str; 5] = [
    "active",
    "deleting",
    "initialization_failure",
    "initializing",
    "paused",
];

/// Query of the inbox listings.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct InboxListQuery {
    /// Page size (1..=1000, default 100).
    #[serde(default)]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
    /// Index of the first result (default 0).
    #[serde(default)]
    #[param(minimum = 0, maximum = 9_007_199_254_740_991_f64)]
    pub offset: Option<u64>,
    /// Exact name filter.
    #[serde(default)]
    pub name: Option<String>,
    /// Exact key filter (alias of `name`).
    #[serde(default)]
    pub key: Option<String>,
    /// Status filter: `active`, `deleting`, `initialization_failure`, `initializing`, `paused`.
    #[serde(default)]
    #[param(pattern = "^(active|deleting|initialization_failure|initializing|paused)$")]
    pub status: Option<String>,
}

/// Query of the message listings.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct MessageListQuery {
    /// Opaque cursor from `next` / `previous`.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Page size (1..=1000, default 100).
    #[serde(default)]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
}

fn page_size(limit: Option<u64>) -> ApiResult<usize> {
    match limit {
        None => Ok(100),
        Some(n) if (1..=1000).contains(&n) => Ok(n as usize),
        Some(_) => Err(ApiError::invalid_param(
            "limit",
            "limit: must be between 1 and 1000.",
        )),
    }
}

/// Shared by both variants: filtered, offset-paginated inbox list.
pub(crate) fn inbox_page(
    state: &AppState,
    caller: &Caller,
    q: InboxListQuery,
    links: &LinkBase,
) -> ApiResult<PaginatedInboxList> {
    if let Some(s) = &q.status
        && !STATUSES.contains(&s.as_str())
    {
        return Err(ApiError::invalid_param(
            "status",
            format!("status: `{s}` is not one of {}.", STATUSES.join(", ")),
        ));
    }
    let limit = page_size(q.limit)?;
    let offset = crate::extract::offset(q.offset)? as usize;
    let name = q.name.as_deref().or(q.key.as_deref());
    let all = state
        .store()
        .list_inboxes(caller.user, q.status.as_deref(), name, state.now());
    let count = all.len();
    let mut base: Vec<(&str, String)> = Vec::new();
    if let Some(s) = &q.status {
        base.push(("status", s.clone()));
    }
    if let Some(n) = &q.name {
        base.push(("name", n.clone()));
    }
    if let Some(k) = &q.key {
        base.push(("key", k.clone()));
    }
    let link = |off: usize| {
        let mut query = base.clone();
        query.push(("limit", limit.to_string()));
        query.push(("offset", off.to_string()));
        links.url(&query)
    };
    let next = (offset.saturating_add(limit) < count).then(|| link(offset + limit));
    let previous = (offset > 0).then(|| link(offset.saturating_sub(limit)));
    let results = all.into_iter().skip(offset).take(limit).collect();
    Ok(PaginatedInboxList {
        count: count as u64,
        next,
        previous,
        results,
    })
}

/// Validates `lease_seconds` / the batch size; `size_field` names the variant's field.
pub(crate) fn lease_params(
    seconds: Option<i64>,
    default_seconds: i64,
    limit: Option<i64>,
    size_field: &str,
) -> ApiResult<(i64, usize)> {
    let seconds = seconds.unwrap_or(default_seconds);
    if !(1..=3600).contains(&seconds) {
        return Err(ApiError::validation(
            "/lease_seconds",
            "lease_seconds: must be between 1 and 3600.",
        ));
    }
    let limit = limit.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::validation(
            &format!("/{size_field}"),
            format!("{size_field}: must be between 1 and 100."),
        ));
    }
    Ok((seconds, limit as usize))
}

fn settle_response(how: Settle, settled: &[StoredMessage]) -> Response {
    let results: Vec<Message> = settled.iter().map(Message::from).collect();
    let (status, id) = if results.is_empty() {
        (StatusCode::OK, None)
    } else {
        (StatusCode::CREATED, Some(Uuid::now_v7()))
    };
    match how {
        Settle::Ack => (
            status,
            Json(AckResponse {
                acked_id: id,
                results,
            }),
        )
            .into_response(),
        Settle::Release => (
            status,
            Json(ReleaseResponse {
                released_id: id,
                results,
            }),
        )
            .into_response(),
    }
}

/// Ensures the caller has an inbox `name` subscribed as `sub` (variant A's ensure, variant B's
/// upsert): `201` with the inbox when the call created it, `200` when it existed, `409` when it
/// exists with another subscription; `name_pointer` is where errors point for the name.
pub(crate) fn ensure(
    state: &AppState,
    caller: &Caller,
    name: &str,
    name_pointer: &str,
    sub: &NewSubscription,
) -> ApiResult<(StatusCode, Json<Inbox>)> {
    let now = state.now();
    let mut store = state.store();
    let (id, created) = store.ensure_inbox(caller.user, name, name_pointer, sub, now)?;
    let wire = store.inbox(caller.user, id, now)?.to_wire();
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(wire)))
}

/// A lifecycle call of the store (`Store::pause_inbox`, `resume_inbox`, `delete_inbox`).
pub(crate) type Transition = fn(&mut Store, Uuid, Uuid, DateTime<Utc>) -> ApiResult<Inbox>;

/// A lease's answer: `201` when it handed out messages, `200` when there were none.
pub(crate) fn lease_answer(granted: bool, body: impl serde::Serialize) -> Response {
    let status = if granted {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (status, Json(body)).into_response()
}

/// One of the caller's inboxes, its id known (parsed from the path in variant A, looked up by
/// name in variant B; see [`super::inbox_call::InboxCall`]): what both variants do with it.
pub(crate) struct CallerInbox<'a> {
    pub(crate) state: &'a AppState,
    pub(crate) caller: &'a Caller,
    pub(crate) id: Uuid,
}

impl CallerInbox<'_> {
    /// `GET` the inbox.
    pub(crate) fn get(&self) -> ApiResult<Json<Inbox>> {
        let state = self.state;
        let mut store = state.store();
        Ok(Json(
            store
                .inbox(self.caller.user, self.id, state.now())?
                .to_wire(),
        ))
    }

    /// Applies a lifecycle transition; answers the inbox after it.
    pub(crate) fn transition(&self, transition: Transition) -> ApiResult<Json<Inbox>> {
        let mut store = self.state.store();
        let inbox = transition(&mut store, self.caller.user, self.id, self.state.now())?;
        Ok(Json(inbox))
    }

    /// A transition Zapier answers `202 Accepted`, the inbox on its way (delete: `deleting`;
    /// resume: `initializing`).
    pub(crate) fn accepted(&self, transition: Transition) -> ApiResult<(StatusCode, Json<Inbox>)> {
        Ok((StatusCode::ACCEPTED, self.transition(transition)?))
    }

    /// One page of the inbox's messages, with absolute cursor links.
    pub(crate) fn messages(
        &self,
        q: &MessageListQuery,
        links: &LinkBase,
    ) -> ApiResult<PaginatedMessageList> {
        let cursor = decode_cursor(q.cursor.as_deref())?;
        let limit = page_size(q.limit)?;
        let state = self.state;
        let MessagePage {
            messages,
            previous,
            next,
        } = state.store().list_messages(
            self.caller.user,
            self.id,
            cursor,
            limit,
            state.now(),
            &state.0.stats,
        )?;
        let link = |c: Cursor| {
            let mut query = vec![("cursor", encode_cursor(c).unwrap_or_default())];
            if let Some(l) = q.limit {
                query.push(("limit", l.to_string()));
            }
            links.url(&query)
        };
        Ok(PaginatedMessageList {
            next: next.map(link),
            previous: previous.map(link),
            results: messages.iter().map(Message::from).collect(),
        })
    }

    /// Leases up to `limit` messages for `seconds` (validated by [`lease_params`]).
    pub(crate) fn lease(&self, (seconds, limit): (i64, usize)) -> ApiResult<LeaseOutcome> {
        let (state, user) = (self.state, self.caller.user);
        // The time is read once the store is locked (as in every method here), so that the
        // times of the operations follow the order in which they change the store.
        state
            .store()
            .lease(user, self.id, seconds, limit, state.now(), &state.0.stats)
    }

    /// Acks or releases the messages of `batches` (lease, and which of its messages; `None`: all
    /// of them); answers as both variants do.
    pub(crate) fn settle(
        &self,
        batches: &[(Uuid, Option<Vec<Uuid>>)],
        how: Settle,
    ) -> ApiResult<Response> {
        let (state, user) = (self.state, self.caller.user);
        let settled =
            state
                .store()
                .settle(user, self.id, batches, how, state.now(), &state.0.stats)?;
        Ok(settle_response(how, &settled))
    }
}

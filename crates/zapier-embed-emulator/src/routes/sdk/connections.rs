//! `GET /api/v0/connections` and `GET /api/v0/connections/{id}`: the caller's connections in the
//! shape the SDK's `ConnectionItemSchema` requires (string ids, `is_expired` as `"true"` /
//! `"false"`, `implementation_id` = versioned app key), backed by the same connections the
//! Partner API lists.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Envelope, Page, comma_list, external, page};
use crate::app::AppState;
use crate::auth::Caller;
use crate::catalog;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::routes::page_request::PageRequest;
use crate::state::users::Connection;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v0/connections", get(list_connections))
        .route("/api/v0/connections/{id}", get(get_connection))
}

/// Query of `GET /api/v0/connections`, as the SDK sends it.
#[derive(Debug, Deserialize)]
struct ConnectionsQuery {
    /// Versionless implementation name (`SlackCLIAPI`) or slug.
    app_key: Option<String>,
    /// Comma-separated connection ids.
    connection_ids: Option<String>,
    /// Case-insensitive substring of the title.
    search: Option<String>,
    /// Exact title.
    title: Option<String>,
    /// `me` (the SDK's default) or the caller's own id; nothing is shared in the emulator.
    owner: Option<String>,
    /// `true` (expired only) or `false` (valid only).
    is_expired: Option<bool>,
    page_size: Option<u64>,
    offset: Option<u64>,
}

/// One connection (the gateway's normalised `ConnectionItem`).
#[derive(Debug, Serialize)]
struct ConnectionItem {
    id: String,
    date: String,
    account_id: String,
    profile_id: String,
    is_invite_only: bool,
    is_private: bool,
    shared_with_all: bool,
    title: String,
    is_stale: String,
    is_shared: String,
    is_expired: String,
    expired_at: Option<String>,
    implementation_id: String,
    app_key: String,
    app_version: String,
}

/// When a connection was made: its id is a UUIDv7, which carries its creation time.
fn created_at(conn: &Connection) -> Option<DateTime<Utc>> {
    let ts = uuid::Uuid::try_parse(&conn.id).ok()?.get_timestamp()?;
    let (secs, nanos) = ts.to_unix();
    DateTime::from_timestamp(i64::try_from(secs).ok()?, nanos)
}

fn item(conn: &Connection, caller: &Caller) -> ConnectionItem {
    let date = created_at(conn)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    ConnectionItem {
        id: conn.id.clone(),
        account_id: caller.user.to_string(),
        profile_id: caller.user.to_string(),
        is_invite_only: false,
        is_private: true,
        shared_with_all: false,
        title: conn.title.clone(),
        is_stale: conn.expired.to_string(),
        is_shared: false.to_string(),
        is_expired: conn.expired.to_string(),
        expired_at: conn.expired.then(|| date.clone()),
        date,
        implementation_id: conn.app.versioned_key(),
        app_key: conn.app.key.to_owned(),
        app_version: conn.app.version.to_owned(),
    }
}

/// List the caller's connections (offset pagination, filters as the SDK sends them).
async fn list_connections(
    State(state): State<AppState>,
    caller: Caller,
    request: PageRequest<ApiQuery<ConnectionsQuery>>,
) -> ApiResult<Json<Page<ConnectionItem>>> {
    let q = request.query.0;
    let caller = external(caller)?;
    let own = q
        .owner
        .as_deref()
        .is_none_or(|o| o == "me" || o == caller.user.to_string());
    let app = q.app_key.as_deref().map(catalog::resolve_app);
    // An unknown app has no connections.
    let visible = own && !matches!(app, Some(None));
    let ids = comma_list(q.connection_ids.as_deref());
    let search = q.search.as_deref().map(str::to_lowercase);
    let items: Vec<ConnectionItem> = if visible {
        let store = state.store();
        store
            .users
            .connections_of(caller.user, app.flatten())
            .into_iter()
            .filter(|c| ids.is_empty() || ids.contains(&c.id.as_str()))
            .filter(|c| q.is_expired.is_none_or(|e| e == c.expired))
            .filter(|c| q.title.as_deref().is_none_or(|t| t == c.title))
            .filter(|c| {
                search
                    .as_deref()
                    .is_none_or(|s| c.title.to_lowercase().contains(s))
            })
            .map(|c| item(c, &caller))
            .collect()
    } else {
        Vec::new()
    };
    let mut base = Vec::new();
    for (name, value) in [
        ("app_key", &q.app_key),
        ("connection_ids", &q.connection_ids),
        ("search", &q.search),
        ("title", &q.title),
        ("owner", &q.owner),
    ] {
        if let Some(v) = value {
            base.push((name, v.clone()));
        }
    }
    if let Some(e) = q.is_expired {
        base.push(("is_expired", e.to_string()));
    }
    page(items, q.page_size, q.offset, &request.links, &base).map(Json)
}

/// One of the caller's connections; another user's is as unknown as a made-up id (404).
async fn get_connection(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Envelope<ConnectionItem>>> {
    let caller = external(caller)?;
    let store = state.store();
    let conn = store
        .users
        .connection(caller.user, &id)
        .ok_or_else(|| ApiError::not_found(format!("No connection with id `{id}`.")))?;
    Ok(Json(Envelope {
        data: item(conn, &caller),
    }))
}

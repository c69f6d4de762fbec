//! The routes Zapier's TypeScript SDK (`@zapier/zapier-sdk`) calls, so that it runs against the
//! emulator with only its documented configuration: `baseUrl` set to the emulator's address and
//! client-credentials `credentials`.
//!
//! Given a base URL that is not a `zapier.com` host, the SDK sends every request to that origin
//! and rewrites its internal path prefixes the way Zapier's `sdkapi` gateway expects them:
//!
//! | SDK path | sent to | served by |
//! |---|---|---|
//! | `/oauth/token/` (form, client credentials) | `/oauth/token/` | the OAuth routes |
//! | `/trigger-inbox/api/v1/...` | `/api/v0/sdk/trigger-inbox/api/v1/...` | variant A, the same handlers and state as `/trigger-inbox/api/v1` |
//! | (route override) | `/api/v1/...` | variant A, likewise |
//! | `/api/v0/connections[/{id}]` | unchanged | [`connections`] |
//! | `/api/v0/apps` | unchanged | [`apps`] |
//! | `/zapier/api/v4/implementations-meta/lookup/`, `/implementations/`, `/implementations/needs/`, `/implementations/choices/` | `/api/v0/sdk/zapier/api/v4/...` | [`apps`] |
//! | `/zapier/api/actions/v1/runs[/{id}]` | `/api/v0/sdk/zapier/api/actions/v1/runs[/{id}]` | [`runs`] |
//!
//! An inbox created through the SDK is therefore the very inbox a Rust client sees under
//! `/trigger-inbox/api/v1`, and every route is isolated per user exactly as the rest of the API:
//! the bearer (or `JWT`) token names the user, and another user's inboxes, connections and runs
//! answer 404. Every route requires the `external` scope (what the SDK asks for by default) and
//! answers errors with the `{"errors":[...]}` envelope.
//!
//! None of these routes is part of a document in `openapi/` (they are the gateway's, not a
//! published Zapier API), so they stay out of the emulator's `/openapi.json`, which the contract
//! test keeps equal to those documents. Fault rules still match the inbox copies by operation id
//! (`leaseTriggerInboxMessages` covers all prefixes), and the other routes by path prefix.

pub(crate) mod apps;
pub(crate) mod connections;
pub(crate) mod runs;

use axum::Router;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;

use super::page_request::LinkBase;
use super::{canonical, inbox_by_id};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

/// Where the SDK's `sdkapi` gateway serves the Trigger Inbox API, and the prefix of its route
/// override.
pub(crate) const SDK_TRIGGER_INBOX_PREFIXES: [&str; 2] =
    ["/api/v0/sdk/trigger-inbox/api/v1", "/api/v1"];

/// Where the gateway serves the `zapier.com` APIs the SDK reaches with its `/zapier` prefix.
pub(crate) const SDK_ZAPIER_PREFIX: &str = "/api/v0/sdk/zapier";

/// `(METHOD, route template)` → canonical operation id, for fault matching.
pub(crate) type OperationIndex = Vec<((String, String), String)>;

/// The SDK's routes, and the operation ids of its Trigger Inbox copies.
pub(crate) fn router() -> (Router<AppState>, OperationIndex) {
    let mut inboxes = OpenApiRouter::new();
    for prefix in SDK_TRIGGER_INBOX_PREFIXES {
        inboxes = inboxes.nest(prefix, inbox_by_id::router());
    }
    let (inbox_router, doc) = inboxes.split_for_parts();
    let mut operations = Vec::new();
    for (path, item) in &doc.paths.paths {
        let ops = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ];
        for (method, op) in ops {
            if let Some(id) = op.as_ref().and_then(|op| op.operation_id.as_deref()) {
                operations.push(((method.to_owned(), path.clone()), canonical(id)));
            }
        }
    }
    let router = inbox_router
        .merge(connections::router())
        .merge(apps::router())
        .merge(runs::router());
    (router, operations)
}

/// The caller, checked for the `external` scope every SDK route requires.
pub(crate) fn external(caller: Caller) -> ApiResult<Caller> {
    caller.require_scope("external")?;
    Ok(caller)
}

/// Splits a comma-separated query value into its non-empty, trimmed items.
pub(crate) fn comma_list(raw: Option<&str>) -> Vec<&str> {
    raw.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// The gateway's envelope of one item, `{"data": ...}`: a connection, a run, a run request.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Envelope<T> {
    pub(crate) data: T,
}

/// Default and largest page of the gateway's `{data, links, meta}` lists.
pub(crate) const PAGE_SIZE_MAX: u64 = 100;

/// A page of the gateway's list answers (`/api/v0/connections`, `/api/v0/apps`).
#[derive(Debug, Serialize)]
pub(crate) struct Page<T> {
    data: Vec<T>,
    links: PageLinks,
    meta: PageMeta,
}

#[derive(Debug, Serialize)]
struct PageLinks {
    /// Absolute URL of the next page; the SDK reads its `offset` parameter as the cursor.
    next: Option<String>,
}

#[derive(Debug, Serialize)]
struct PageMeta {
    count: u64,
    limit: u64,
    offset: u64,
}

/// Offset paging: `page_size` (1..=[`PAGE_SIZE_MAX`], default the maximum) items from `offset`,
/// with a `next` link carrying the `base` query pairs.
pub(crate) fn page<T>(
    items: Vec<T>,
    page_size: Option<u64>,
    offset: Option<u64>,
    links: &LinkBase,
    base: &[(&str, String)],
) -> ApiResult<Page<T>> {
    let limit = match page_size {
        None => PAGE_SIZE_MAX,
        Some(n) if (1..=PAGE_SIZE_MAX).contains(&n) => n,
        Some(_) => {
            return Err(ApiError::invalid_param(
                "page_size",
                format!("page_size: must be between 1 and {PAGE_SIZE_MAX}."),
            ));
        }
    };
    let offset = offset.unwrap_or(0);
    let count = items.len() as u64;
    let next = (offset.saturating_add(limit) < count).then(|| {
        let mut query = base.to_vec();
        query.push(("page_size", limit.to_string()));
        query.push(("offset", offset.saturating_add(limit).to_string()));
        links.url(&query)
    });
    let data = items
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(limit as usize)
        .collect();
    Ok(Page {
        data,
        links: PageLinks { next },
        meta: PageMeta {
            count,
            limit,
            offset,
        },
    })
}

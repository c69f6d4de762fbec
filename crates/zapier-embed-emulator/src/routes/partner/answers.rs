//! The answers of the Partner API routes, apart from HTTP: pagination, the wire shapes of apps,
//! connections, actions and fields from the catalog, and action runs from the store.

use crate::app::AppState;
use crate::auth::Caller;
use crate::catalog::{self, APPS, App};
use crate::error::{ApiError, ApiResult};
use crate::models::partner::*;
use crate::routes::page_request::LinkBase;
use crate::state::runs::ActionRef;

pub(super) fn app_param(app: &str) -> ApiResult<&'static App> {
    catalog::resolve_app(app)
        .ok_or_else(|| ApiError::not_found(format!("app: no app matches `{app}`.")))
}

pub(super) fn page_limit(limit: Option<u64>) -> ApiResult<u64> {
    match limit {
        None => Ok(10),
        Some(n) if (1..=100).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid_param(
            "limit",
            "limit: must be between 1 and 100.",
        )),
    }
}

/// Offset paging over `items`, with `next`/`prev` links built from `base` query pairs; the
/// `offset` parameter is checked here (`400` above [`crate::extract::MAX_OFFSET`]).
pub(super) fn paginate<T>(
    items: Vec<T>,
    limit: u64,
    offset: Option<u64>,
    links: &LinkBase,
    base: &[(&str, String)],
) -> ApiResult<(Vec<T>, BaseMeta, Links)> {
    let offset = crate::extract::offset(offset)?;
    let count = items.len() as u64;
    let link = |off: u64| {
        let mut q = base.to_vec();
        q.push(("limit", limit.to_string()));
        q.push(("offset", off.to_string()));
        links.url(&q)
    };
    let links = Links {
        next: (offset.saturating_add(limit) < count).then(|| link(offset + limit)),
        prev: (offset > 0).then(|| link(offset.saturating_sub(limit))),
    };
    let page = items
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .collect();
    Ok((
        page,
        BaseMeta {
            count,
            limit: Some(limit),
            offset,
        },
        links,
    ))
}

/// The metadata of a list answered whole: every item, no page size, from offset 0.
fn whole_list(count: usize) -> BaseMeta {
    BaseMeta {
        count: count as u64,
        limit: None,
        offset: 0,
    }
}

pub(super) fn app_wire(app: &App, origin: &str) -> Apps {
    let icon = |px: u32| format!("{origin}/static/apps/{}-{px}.png", app.slug);
    let mut types: Vec<String> = app
        .actions
        .iter()
        .map(|a| a.action_type.as_str().to_owned())
        .collect();
    types.dedup();
    Apps {
        id: app.id.to_owned(),
        key: Some(app.key.to_owned()),
        kind: "app".to_owned(),
        image: icon(64),
        links: AppLinks {
            connect_new_authentication: format!("https://connect.zapier.com/to/{}", app.slug),
        },
        action_types: types,
        title: app.title.to_owned(),
        images: AppImages {
            url_16x16: icon(16),
            url_32x32: icon(32),
            url_64x64: icon(64),
            url_128x128: icon(128),
        },
        hex_color: app.hex_color.to_owned(),
        categories: app
            .categories
            .iter()
            .map(|c| AppCategory {
                slug: (*c).to_owned(),
            })
            .collect(),
        description: app.description.to_owned(),
    }
}

pub(super) fn authentications(
    state: &AppState,
    caller: &Caller,
    q: AuthenticationsQuery,
    links: &LinkBase,
) -> ApiResult<AuthenticationResponse> {
    let app = app_param(&q.app)?;
    let limit = page_limit(q.limit)?;
    let items: Vec<Authentication> = state
        .store()
        .users
        .connections_of(caller.user, Some(app))
        .into_iter()
        .map(|c| Authentication {
            kind: "authentication".to_owned(),
            id: c.id.clone(),
            app: c.app.id.to_owned(),
            is_expired: c.expired,
            title: c.title.clone(),
        })
        .collect();
    let (data, meta, links) = paginate(items, limit, q.offset, links, &[("app", q.app.clone())])?;
    Ok(AuthenticationResponse { links, meta, data })
}

pub(super) fn apps(q: AppsQuery, links: &LinkBase) -> ApiResult<ExpandedAppsResponse> {
    if q.ids.is_some() && q.category.is_some() {
        return Err(ApiError::invalid_param(
            "ids",
            "ids: cannot be combined with category.",
        ));
    }
    let limit = page_limit(q.limit)?;
    let ids: Option<Vec<&str>> = q.ids.as_deref().map(|s| {
        s.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    });
    if let Some(unknown) = ids
        .iter()
        .flatten()
        .find(|i| !APPS.iter().any(|a| a.id.eq_ignore_ascii_case(i)))
    {
        return Err(ApiError::not_found(format!(
            "ids: no app with id `{unknown}`."
        )));
    }
    let needle = q.query.as_deref().map(str::to_lowercase);
    let items: Vec<Apps> = APPS
        .iter()
        .filter(|a| {
            ids.as_ref()
                .is_none_or(|ids| ids.iter().any(|i| i.eq_ignore_ascii_case(a.id)))
        })
        .filter(|a| {
            q.category
                .as_deref()
                .is_none_or(|c| a.categories.contains(&c))
        })
        .filter(|a| {
            needle
                .as_deref()
                .is_none_or(|n| a.title.to_lowercase().contains(n))
        })
        .map(|a| app_wire(a, links.origin()))
        .collect();
    let mut base = Vec::new();
    for (k, v) in [
        ("query", &q.query),
        ("ids", &q.ids),
        ("category", &q.category),
    ] {
        if let Some(v) = v {
            base.push((k, v.clone()));
        }
    }
    let (data, meta, links) = paginate(items, limit, q.offset, links, &base)?;
    Ok(ExpandedAppsResponse { data, meta, links })
}

pub(super) fn actions(
    state: &AppState,
    caller: &Caller,
    q: ActionsQuery,
) -> ApiResult<ActionsResponse> {
    let app = app_param(&q.app)?;
    const TYPES: [&str; 6] = [
        "READ",
        "READ_BULK",
        "SEARCH",
        "SEARCH_AND_WRITE",
        "SEARCH_OR_WRITE",
        "WRITE",
    ];
    if let Some(t) = &q.action_type
        && !TYPES.contains(&t.as_str())
    {
        return Err(ApiError::invalid_param(
            "action_type",
            format!("action_type: `{t}` is not one of {}.", TYPES.join(", ")),
        ));
    }
    let mut store = state.store();
    let data: Vec<Action> = app
        .actions
        .iter()
        .filter(|a| {
            q.action_type
                .as_deref()
                .is_none_or(|t| a.action_type.as_str() == t)
        })
        .map(|a| Action {
            // A fresh id on every lookup: runs must not reuse one.
            id: store.issue_action_id(caller.user, app, a),
            key: a.key.to_owned(),
            app: app.id.to_owned(),
            kind: "action".to_owned(),
            action_type: a.action_type.as_str().to_owned(),
            is_instant: a.is_trigger(),
            title: a.title.to_owned(),
            description: a.description.to_owned(),
        })
        .collect();
    Ok(ActionsResponse {
        links: Links::default(),
        meta: whole_list(data.len()),
        data,
    })
}

/// The action `action_id` names for `caller`, after checking the request's `authentication`
/// against its app: what the inputs, choices and outputs routes all start with.
pub(super) fn fields_action(
    state: &AppState,
    caller: &Caller,
    action_id: &str,
    body: &FieldsRequest,
) -> ApiResult<ActionRef> {
    let store = state.store();
    let r = store.action_ref(caller.user, action_id)?;
    store.check_authentication(
        caller.user,
        r.app,
        body.data.authentication.as_deref(),
        "/data/authentication",
    )?;
    Ok(r)
}

/// An action's input fields (`POST /v2/actions/{action_id}/inputs`).
pub(super) fn inputs(action: &catalog::Action) -> InputFieldsResponse {
    let data: Vec<InputField> = action
        .inputs
        .iter()
        .map(|f| InputField {
            kind: "input_field".to_owned(),
            id: f.key.to_owned(),
            default_value: f.default_value.unwrap_or("").to_owned(),
            depends_on: Vec::new(),
            description: f.description.unwrap_or("").to_owned(),
            format: f.format.to_owned(),
            invalidates_input_fields: false,
            is_required: f.required,
            items: f
                .choices
                .iter()
                .filter(|_| f.value_type == "BOOLEAN")
                .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
                .collect(),
            placeholder: String::new(),
            title: f.title.to_owned(),
            value_type: f.value_type.to_owned(),
        })
        .collect();
    InputFieldsResponse {
        links: Links::default(),
        meta: whole_list(data.len()),
        data,
    }
}

pub(super) fn choices(
    state: &AppState,
    caller: &Caller,
    action_id: &str,
    input_id: &str,
    q: ChoicesQuery,
    body: &FieldsRequest,
) -> ApiResult<ChoiceResponse> {
    let page: u64 =
        match q.page.as_deref() {
            None => 1,
            Some(p) => p.parse().ok().filter(|p| *p >= 1).ok_or_else(|| {
                ApiError::invalid_param("page", "page: must be a positive integer.")
            })?,
        };
    let r = fields_action(state, caller, action_id, body)?;
    let field = r
        .action
        .inputs
        .iter()
        .find(|f| f.key == input_id)
        .ok_or_else(|| {
            ApiError::not_found(format!("No input `{input_id}` on `{}`.", r.action.key))
        })?;
    // Every choice fits on page 1; later pages are empty.
    let data = if page == 1 {
        field
            .choices
            .iter()
            .map(|(v, l)| Choice {
                id: (*v).to_owned(),
                kind: "choice".to_owned(),
                label: Some((*l).to_owned()),
                value: (*v).to_owned(),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(ChoiceResponse {
        data,
        links: Links::default(),
        meta: Meta { page },
    })
}

/// An action's output fields (`POST /v2/actions/{action_id}/outputs`).
pub(super) fn outputs(action: &catalog::Action) -> OutputFieldsResponse {
    let data: Vec<OutputField> = action
        .outputs
        .iter()
        .map(|(id, title, sample)| OutputField {
            kind: "output_field".to_owned(),
            id: (*id).to_owned(),
            title: (*title).to_owned(),
            sample: Some((*sample).to_owned()),
        })
        .collect();
    OutputFieldsResponse {
        links: Links::default(),
        meta: whole_list(data.len()),
        data,
    }
}

pub(super) fn run(
    state: &AppState,
    caller: &Caller,
    body: RunActionRequest,
) -> ApiResult<RunActionResponse> {
    let d = body.data;
    let callback = d
        .callback_url
        .as_deref()
        .map(|url| {
            crate::callbacks::check_callback_url(url, state.0.config.allow_loopback_callbacks)
        })
        .transpose()?;
    let now = state.now();
    let id = state.store().create_run(
        caller.user,
        &d.action,
        d.authentication.as_deref(),
        &d.inputs,
        now,
    )?;
    // The callback goes only to the URL given with this run, and carries only this run.
    if let Some(url) = callback {
        crate::callbacks::schedule(state, caller.user, id.clone(), url);
    }
    Ok(RunActionResponse {
        data: RunReference {
            kind: "run".to_owned(),
            id,
        },
    })
}

pub(super) fn run_state(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> ApiResult<ActionRunResponse> {
    Ok(ActionRunResponse {
        data: state.store().run(caller.user, id, state.now())?,
    })
}

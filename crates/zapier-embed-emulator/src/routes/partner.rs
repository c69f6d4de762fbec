//! Partner API v2 subset: connections, apps, actions (fresh ids), fields, choices, outputs and
//! action runs. Every path is also served with a trailing slash (the guides write them so).

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::absolute_url;
use crate::app::AppState;
use crate::auth::Caller;
use crate::catalog::{self, APPS, App};
use crate::error::{ApiError, ApiResult, Errors};
use crate::extract::{ApiJson, ApiQuery};
use crate::models::partner::*;

/// Partner routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_authentications))
        .routes(routes!(get_authentications_slash))
        .routes(routes!(get_apps))
        .routes(routes!(get_apps_slash))
        .routes(routes!(get_actions))
        .routes(routes!(get_actions_slash))
        .routes(routes!(get_inputs))
        .routes(routes!(get_inputs_slash))
        .routes(routes!(get_choices))
        .routes(routes!(get_choices_slash))
        .routes(routes!(get_outputs))
        .routes(routes!(get_outputs_slash))
        .routes(routes!(create_action_run))
        .routes(routes!(create_action_run_slash))
        .routes(routes!(get_action_run))
        .routes(routes!(get_action_run_slash))
}

fn app_param(app: &str) -> ApiResult<&'static App> {
    catalog::resolve_app(app)
        .ok_or_else(|| ApiError::not_found(format!("app: no app matches `{app}`.")))
}

fn page_limit(limit: Option<u64>) -> ApiResult<u64> {
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
fn paginate<T>(
    items: Vec<T>,
    limit: u64,
    offset: Option<u64>,
    headers: &HeaderMap,
    path: &str,
    base: &[(&str, String)],
) -> ApiResult<(Vec<T>, BaseMeta, Links)> {
    let offset = crate::extract::offset(offset)?;
    let count = items.len() as u64;
    let link = |off: u64| {
        let mut q = base.to_vec();
        q.push(("limit", limit.to_string()));
        q.push(("offset", off.to_string()));
        absolute_url(headers, path, &q)
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

fn app_wire(app: &App, headers: &HeaderMap) -> Apps {
    let icon = |px: u32| {
        format!(
            "{}/static/apps/{}-{px}.png",
            super::origin(headers),
            app.slug
        )
    };
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

fn authentications(
    state: &AppState,
    caller: &Caller,
    q: AuthenticationsQuery,
    headers: &HeaderMap,
    path: &str,
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
    let (data, meta, links) = paginate(
        items,
        limit,
        q.offset,
        headers,
        path,
        &[("app", q.app.clone())],
    )?;
    Ok(AuthenticationResponse { links, meta, data })
}

fn apps(q: AppsQuery, headers: &HeaderMap, path: &str) -> ApiResult<ExpandedAppsResponse> {
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
        .map(|a| app_wire(a, headers))
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
    let (data, meta, links) = paginate(items, limit, q.offset, headers, path, &base)?;
    Ok(ExpandedAppsResponse { data, meta, links })
}

fn actions(state: &AppState, caller: &Caller, q: ActionsQuery) -> ApiResult<ActionsResponse> {
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
    let count = data.len() as u64;
    Ok(ActionsResponse {
        links: Links::default(),
        meta: BaseMeta {
            count,
            limit: None,
            offset: 0,
        },
        data,
    })
}

fn inputs(
    state: &AppState,
    caller: &Caller,
    action_id: &str,
    body: &FieldsRequest,
) -> ApiResult<InputFieldsResponse> {
    let store = state.store();
    let r = store.action_ref(caller.user, action_id)?;
    store.check_authentication(
        caller.user,
        r.app,
        body.data.authentication.as_deref(),
        "/data/authentication",
    )?;
    let data: Vec<InputField> = r
        .action
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
    let count = data.len() as u64;
    Ok(InputFieldsResponse {
        links: Links::default(),
        meta: BaseMeta {
            count,
            limit: None,
            offset: 0,
        },
        data,
    })
}

fn choices(
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
    let store = state.store();
    let r = store.action_ref(caller.user, action_id)?;
    store.check_authentication(
        caller.user,
        r.app,
        body.data.authentication.as_deref(),
        "/data/authentication",
    )?;
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

fn outputs(
    state: &AppState,
    caller: &Caller,
    action_id: &str,
    body: &FieldsRequest,
) -> ApiResult<OutputFieldsResponse> {
    let store = state.store();
    let r = store.action_ref(caller.user, action_id)?;
    store.check_authentication(
        caller.user,
        r.app,
        body.data.authentication.as_deref(),
        "/data/authentication",
    )?;
    let data: Vec<OutputField> = r
        .action
        .outputs
        .iter()
        .map(|(id, title, sample)| OutputField {
            kind: "output_field".to_owned(),
            id: (*id).to_owned(),
            title: (*title).to_owned(),
            sample: Some((*sample).to_owned()),
        })
        .collect();
    let count = data.len() as u64;
    Ok(OutputFieldsResponse {
        links: Links::default(),
        meta: BaseMeta {
            count,
            limit: None,
            offset: 0,
        },
        data,
    })
}

fn run(state: &AppState, caller: &Caller, body: RunActionRequest) -> ApiResult<RunActionResponse> {
    let d = body.data;
    if let Some(url) = &d.callback_url
        && (url.len() > 2048 || reqwest::Url::parse(url).is_err())
    {
        return Err(ApiError::validation(
            "/data/callback_url",
            "data.callback_url: must be an absolute URL of at most 2048 characters.",
        ));
    }
    let now = state.now();
    let id = state.store().create_run(
        caller.user,
        &d.action,
        d.authentication.as_deref(),
        &d.inputs,
        now,
    )?;
    Ok(RunActionResponse {
        data: RunReference {
            kind: "run".to_owned(),
            id,
        },
    })
}

fn run_state(state: &AppState, caller: &Caller, id: &str) -> ApiResult<ActionRunResponse> {
    Ok(ActionRunResponse {
        data: state.store().run(caller.user, id, state.now())?,
    })
}

/// List the caller's connections for an app (`app` = UUID, key or slug).
#[utoipa::path(get, path = "/v2/authentications", operation_id = "get-authentications", tag = "Partner",
    params(AuthenticationsQuery),
    responses((status = 200, body = AuthenticationResponse), (status = 400, body = Errors), (status = 401, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["connection:read"])))]
async fn get_authentications(
    State(s): State<AppState>,
    c: Caller,
    OriginalUri(u): OriginalUri,
    h: HeaderMap,
    ApiQuery(q): ApiQuery<AuthenticationsQuery>,
) -> ApiResult<Json<AuthenticationResponse>> {
    c.require_scope("connection:read")?;
    authentications(&s, &c, q, &h, u.path()).map(Json)
}

/// List the caller's connections (trailing-slash form).
#[utoipa::path(get, path = "/v2/authentications/", operation_id = "get-authentications_trailing_slash", tag = "Partner",
    params(AuthenticationsQuery),
    responses((status = 200, body = AuthenticationResponse), (status = 400, body = Errors), (status = 401, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["connection:read"])))]
async fn get_authentications_slash(
    State(s): State<AppState>,
    c: Caller,
    OriginalUri(u): OriginalUri,
    h: HeaderMap,
    ApiQuery(q): ApiQuery<AuthenticationsQuery>,
) -> ApiResult<Json<AuthenticationResponse>> {
    c.require_scope("connection:read")?;
    authentications(&s, &c, q, &h, u.path()).map(Json)
}

/// List apps (`query`, `ids`, `category`, `limit`, `offset`).
#[utoipa::path(get, path = "/v2/apps", operation_id = "get-v2-apps", tag = "Partner",
    params(AppsQuery),
    responses((status = 200, body = ExpandedAppsResponse), (status = 400, body = Errors), (status = 401, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["zap"])))]
async fn get_apps(
    c: Caller,
    OriginalUri(u): OriginalUri,
    h: HeaderMap,
    ApiQuery(q): ApiQuery<AppsQuery>,
) -> ApiResult<Json<ExpandedAppsResponse>> {
    c.require_scope("zap")?;
    apps(q, &h, u.path()).map(Json)
}

/// List apps (trailing-slash form).
#[utoipa::path(get, path = "/v2/apps/", operation_id = "get-v2-apps_trailing_slash", tag = "Partner",
    params(AppsQuery),
    responses((status = 200, body = ExpandedAppsResponse), (status = 400, body = Errors), (status = 401, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["zap"])))]
async fn get_apps_slash(
    c: Caller,
    OriginalUri(u): OriginalUri,
    h: HeaderMap,
    ApiQuery(q): ApiQuery<AppsQuery>,
) -> ApiResult<Json<ExpandedAppsResponse>> {
    c.require_scope("zap")?;
    apps(q, &h, u.path()).map(Json)
}

/// List an app's actions; every lookup returns fresh single-use ids.
#[utoipa::path(get, path = "/v2/actions", operation_id = "get-actions", tag = "Partner",
    params(ActionsQuery),
    responses((status = 200, body = ActionsResponse), (status = 400, body = Errors), (status = 401, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["zap"])))]
async fn get_actions(
    State(s): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<ActionsQuery>,
) -> ApiResult<Json<ActionsResponse>> {
    c.require_scope("zap")?;
    actions(&s, &c, q).map(Json)
}

/// List an app's actions (trailing-slash form).
#[utoipa::path(get, path = "/v2/actions/", operation_id = "get-actions_trailing_slash", tag = "Partner",
    params(ActionsQuery),
    responses((status = 200, body = ActionsResponse), (status = 400, body = Errors), (status = 401, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["zap"])))]
async fn get_actions_slash(
    State(s): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<ActionsQuery>,
) -> ApiResult<Json<ActionsResponse>> {
    c.require_scope("zap")?;
    actions(&s, &c, q).map(Json)
}

/// An action's input fields.
#[utoipa::path(post, path = "/v2/actions/{action_id}/inputs", operation_id = "get-fields-inputs", tag = "Partner",
    params(("action_id" = String, Path, description = "Action id from GET /v2/actions")),
    request_body = FieldsRequest,
    responses((status = 200, body = InputFieldsResponse), (status = 400, body = Errors), (status = 401, body = Errors), (status = 404, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["zap:write"])))]
async fn get_inputs(
    State(s): State<AppState>,
    Path(action_id): Path<String>,
    c: Caller,
    ApiJson(b): ApiJson<FieldsRequest>,
) -> ApiResult<Json<InputFieldsResponse>> {
    c.require_scope("zap:write")?;
    inputs(&s, &c, &action_id, &b).map(Json)
}

/// An action's input fields (trailing-slash form).
#[utoipa::path(post, path = "/v2/actions/{action_id}/inputs/", operation_id = "get-fields-inputs_trailing_slash", tag = "Partner",
    params(("action_id" = String, Path, description = "Action id from GET /v2/actions")),
    request_body = FieldsRequest,
    responses((status = 200, body = InputFieldsResponse), (status = 400, body = Errors), (status = 401, body = Errors), (status = 404, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["zap:write"])))]
async fn get_inputs_slash(
    State(s): State<AppState>,
    Path(action_id): Path<String>,
    c: Caller,
    ApiJson(b): ApiJson<FieldsRequest>,
) -> ApiResult<Json<InputFieldsResponse>> {
    c.require_scope("zap:write")?;
    inputs(&s, &c, &action_id, &b).map(Json)
}

/// Choices of a `SELECT` input.
#[utoipa::path(post, path = "/v2/actions/{action_id}/inputs/{input_id}/choices", operation_id = "get-choices", tag = "Partner",
    params(("action_id" = String, Path, description = "Action id"), ("input_id" = String, Path, description = "Input field id"), ChoicesQuery),
    request_body = FieldsRequest,
    responses((status = 200, body = ChoiceResponse), (status = 400, body = Errors), (status = 401, body = Errors), (status = 404, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["zap"])))]
async fn get_choices(
    State(s): State<AppState>,
    Path((action_id, input_id)): Path<(String, String)>,
    c: Caller,
    ApiQuery(q): ApiQuery<ChoicesQuery>,
    ApiJson(b): ApiJson<FieldsRequest>,
) -> ApiResult<Json<ChoiceResponse>> {
    c.require_scope("zap")?;
    choices(&s, &c, &action_id, &input_id, q, &b).map(Json)
}

/// Choices of a `SELECT` input (trailing-slash form).
#[utoipa::path(post, path = "/v2/actions/{action_id}/inputs/{input_id}/choices/", operation_id = "get-choices_trailing_slash", tag = "Partner",
    params(("action_id" = String, Path, description = "Action id"), ("input_id" = String, Path, description = "Input field id"), ChoicesQuery),
    request_body = FieldsRequest,
    responses((status = 200, body = ChoiceResponse), (status = 400, body = Errors), (status = 401, body = Errors), (status = 404, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["zap"])))]
async fn get_choices_slash(
    State(s): State<AppState>,
    Path((action_id, input_id)): Path<(String, String)>,
    c: Caller,
    ApiQuery(q): ApiQuery<ChoicesQuery>,
    ApiJson(b): ApiJson<FieldsRequest>,
) -> ApiResult<Json<ChoiceResponse>> {
    c.require_scope("zap")?;
    choices(&s, &c, &action_id, &input_id, q, &b).map(Json)
}

/// An action's output fields.
#[utoipa::path(post, path = "/v2/actions/{action_id}/outputs", operation_id = "get-fields-outputs", tag = "Partner",
    params(("action_id" = String, Path, description = "Action id")),
    request_body = FieldsRequest,
    responses((status = 200, body = OutputFieldsResponse), (status = 400, body = Errors), (status = 401, body = Errors), (status = 404, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["zap:write"])))]
async fn get_outputs(
    State(s): State<AppState>,
    Path(action_id): Path<String>,
    c: Caller,
    ApiJson(b): ApiJson<FieldsRequest>,
) -> ApiResult<Json<OutputFieldsResponse>> {
    c.require_scope("zap:write")?;
    outputs(&s, &c, &action_id, &b).map(Json)
}

/// An action's output fields (trailing-slash form).
#[utoipa::path(post, path = "/v2/actions/{action_id}/outputs/", operation_id = "get-fields-outputs_trailing_slash", tag = "Partner",
    params(("action_id" = String, Path, description = "Action id")),
    request_body = FieldsRequest,
    responses((status = 200, body = OutputFieldsResponse), (status = 400, body = Errors), (status = 401, body = Errors), (status = 404, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["zap:write"])))]
async fn get_outputs_slash(
    State(s): State<AppState>,
    Path(action_id): Path<String>,
    c: Caller,
    ApiJson(b): ApiJson<FieldsRequest>,
) -> ApiResult<Json<OutputFieldsResponse>> {
    c.require_scope("zap:write")?;
    outputs(&s, &c, &action_id, &b).map(Json)
}

/// Start an action run (needs a fresh, unused action id).
#[utoipa::path(post, path = "/v2/action-runs", operation_id = "create-action-run", tag = "Partner",
    request_body = RunActionRequest,
    responses((status = 200, body = RunActionResponse), (status = 400, body = Errors), (status = 401, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["action:run"])))]
async fn create_action_run(
    State(s): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<RunActionRequest>,
) -> ApiResult<Json<RunActionResponse>> {
    c.require_scope("action:run")?;
    run(&s, &c, b).map(Json)
}

/// Start an action run (trailing-slash form).
#[utoipa::path(post, path = "/v2/action-runs/", operation_id = "create-action-run_trailing_slash", tag = "Partner",
    request_body = RunActionRequest,
    responses((status = 200, body = RunActionResponse), (status = 400, body = Errors), (status = 401, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["action:run"])))]
async fn create_action_run_slash(
    State(s): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<RunActionRequest>,
) -> ApiResult<Json<RunActionResponse>> {
    c.require_scope("action:run")?;
    run(&s, &c, b).map(Json)
}

/// An action run's state (`waiting`, `success`, `error`).
#[utoipa::path(get, path = "/v2/action-runs/{id}", operation_id = "retrieve-action-run", tag = "Partner",
    params(("id" = String, Path, description = "Run id")),
    responses((status = 200, body = ActionRunResponse), (status = 401, body = Errors), (status = 404, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["action:run"])))]
async fn get_action_run(
    State(s): State<AppState>,
    Path(id): Path<String>,
    c: Caller,
) -> ApiResult<Json<ActionRunResponse>> {
    c.require_scope("action:run")?;
    run_state(&s, &c, &id).map(Json)
}

/// An action run's state (trailing-slash form).
#[utoipa::path(get, path = "/v2/action-runs/{id}/", operation_id = "retrieve-action-run_trailing_slash", tag = "Partner",
    params(("id" = String, Path, description = "Run id")),
    responses((status = 200, body = ActionRunResponse), (status = 401, body = Errors), (status = 404, body = Errors), (status = 429, body = Errors)),
    security(("OAuth" = ["action:run"])))]
async fn get_action_run_slash(
    State(s): State<AppState>,
    Path(id): Path<String>,
    c: Caller,
) -> ApiResult<Json<ActionRunResponse>> {
    c.require_scope("action:run")?;
    run_state(&s, &c, &id).map(Json)
}

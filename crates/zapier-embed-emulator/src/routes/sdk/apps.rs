//! App and trigger discovery as the SDK performs it, over the emulator's catalog:
//!
//! * `GET {zapier}/api/v4/implementations-meta/lookup/?slugs=..|selected_apis=..`: app metadata
//!   (`id` = versioned key), which the SDK uses to turn a slug (`slack`) into a versioned
//!   implementation id (`SlackCLIAPI@1.0.0`);
//! * `GET /api/v0/apps?app_keys=Key@version,..`: `getApp` / `listApps`;
//! * `GET {zapier}/api/v4/implementations/?selected_apis=..`: the actions of an app (`type` =
//!   `read` for triggers, `write`, `search`), behind `listTriggers`, `listActions`, `getAction`;
//! * `POST {zapier}/api/v4/implementations/needs/`: the input fields ("needs") of one action,
//!   behind `listTriggerInputFields`, `listTriggerInputFieldChoices` (static choices) and
//!   `getTriggerInputFieldsSchema`.
//!
//! `{zapier}` is [`super::SDK_ZAPIER_PREFIX`]. An action's `id` is stable
//! (`core:{app key}:{action key}`); action runs check it against the action they name.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::{Page, SDK_ZAPIER_PREFIX, comma_list, external, page};
use crate::app::AppState;
use crate::auth::Caller;
use crate::catalog::{self, APPS, Action, ActionType, App, Field};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::page_request::PageRequest;

pub(crate) fn router() -> Router<AppState> {
    let v4 = |path: &str| format!("{SDK_ZAPIER_PREFIX}/api/v4{path}");
    Router::new()
        .route(&v4("/implementations-meta/lookup/"), get(lookup))
        .route(&v4("/implementations/"), get(implementations))
        .route(&v4("/implementations/needs/"), post(needs))
        .route("/api/v0/apps", get(list_apps))
}

/// The SDK's name for an action kind (`read` = trigger).
pub(crate) fn sdk_action_type(kind: ActionType) -> &'static str {
    match kind {
        ActionType::Read => "read",
        ActionType::Write => "write",
        ActionType::Search => "search",
    }
}

/// The stable id the SDK echoes back when it runs an action.
pub(crate) fn action_id(app: &App, action: &Action) -> String {
    format!("core:{}:{}", app.key, action.key)
}

/// How many actions of each kind an app has.
#[derive(Debug, Serialize)]
struct ActionCounts {
    read: usize,
    write: usize,
    search: usize,
}

/// Fields shared by implementation metadata and app items.
#[derive(Debug, Serialize)]
struct AppFacts {
    slug: String,
    description: String,
    version: String,
    primary_color: String,
    is_public: bool,
    is_beta: bool,
    has_reads: bool,
    has_writes: bool,
    has_searches: bool,
    actions: ActionCounts,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_type: Option<String>,
}

fn facts(app: &App) -> AppFacts {
    let count = |kind| app.actions.iter().filter(|a| a.action_type == kind).count();
    let actions = ActionCounts {
        read: count(ActionType::Read),
        write: count(ActionType::Write),
        search: count(ActionType::Search),
    };
    AppFacts {
        slug: app.slug.to_owned(),
        description: app.description.to_owned(),
        version: app.version.to_owned(),
        primary_color: format!("#{}", app.hex_color),
        is_public: true,
        is_beta: false,
        has_reads: actions.read > 0,
        has_writes: actions.write > 0,
        has_searches: actions.search > 0,
        actions,
        auth_type: app.needs_connection.then(|| "oauth2".to_owned()),
    }
}

/// One entry of `implementations-meta/lookup/` (`ImplementationMetaSchema`).
#[derive(Debug, Serialize)]
struct ImplementationMeta {
    id: String,
    name: String,
    #[serde(flatten)]
    facts: AppFacts,
}

/// A Django-style page (`count`, `next`, `previous`, `results`).
#[derive(Debug, Serialize)]
struct ResultsPage<T> {
    count: usize,
    next: Option<String>,
    previous: Option<String>,
    results: Vec<T>,
}

impl<T> ResultsPage<T> {
    /// Everything on one page (the catalog is small).
    fn single(results: Vec<T>) -> Self {
        Self {
            count: results.len(),
            next: None,
            previous: None,
            results,
        }
    }
}

#[derive(Debug, Deserialize)]
struct LookupQuery {
    /// Comma-separated slugs (`slack,webhook`).
    slugs: Option<String>,
    /// Comma-separated implementation names, versioned or not.
    selected_apis: Option<String>,
}

/// Apps matching any of `references` (or every app when there are none), in catalog order.
fn apps_matching(references: &[&str]) -> Vec<&'static App> {
    if references.is_empty() {
        return APPS.to_vec();
    }
    let wanted: Vec<&App> = references
        .iter()
        .filter_map(|r| catalog::resolve_app(r))
        .collect();
    APPS.iter()
        .copied()
        .filter(|app| wanted.iter().any(|w| std::ptr::eq(*w, *app)))
        .collect()
}

/// App metadata by slug or implementation name.
async fn lookup(
    caller: Caller,
    ApiQuery(q): ApiQuery<LookupQuery>,
) -> ApiResult<Json<ResultsPage<ImplementationMeta>>> {
    external(caller)?;
    let mut references = comma_list(q.slugs.as_deref());
    references.extend(comma_list(q.selected_apis.as_deref()));
    let results = apps_matching(&references)
        .into_iter()
        .map(|app| ImplementationMeta {
            id: app.versioned_key(),
            name: app.title.to_owned(),
            facts: facts(app),
        })
        .collect();
    Ok(Json(ResultsPage::single(results)))
}

#[derive(Debug, Deserialize)]
struct AppsQuery {
    /// Comma-separated `Key@version` (or `Key@latest`).
    app_keys: Option<String>,
    /// Case-insensitive substring of the title, slug or key.
    search: Option<String>,
    page_size: Option<u64>,
    offset: Option<u64>,
}

/// One app of `/api/v0/apps` (`AppItemSchema`).
#[derive(Debug, Serialize)]
struct AppItem {
    key: String,
    title: String,
    implementation_id: String,
    #[serde(flatten)]
    facts: AppFacts,
}

/// `getApp` / `listApps`.
async fn list_apps(
    caller: Caller,
    request: PageRequest<ApiQuery<AppsQuery>>,
) -> ApiResult<Json<Page<AppItem>>> {
    let q = request.query.0;
    external(caller)?;
    let keys = comma_list(q.app_keys.as_deref());
    let search = q.search.as_deref().map(str::to_lowercase);
    let items = apps_matching(&keys)
        .into_iter()
        .filter(|app| {
            search.as_deref().is_none_or(|s| {
                [app.title, app.slug, app.key]
                    .iter()
                    .any(|t| t.to_lowercase().contains(s))
            })
        })
        .map(|app| AppItem {
            key: app.key.to_owned(),
            title: app.title.to_owned(),
            implementation_id: app.versioned_key(),
            facts: facts(app),
        })
        .collect();
    let mut base = Vec::new();
    if let Some(k) = &q.app_keys {
        base.push(("app_keys", k.clone()));
    }
    if let Some(s) = &q.search {
        base.push(("search", s.clone()));
    }
    page(items, q.page_size, q.offset, &request.links, &base).map(Json)
}

#[derive(Debug, Deserialize)]
struct ImplementationsQuery {
    /// Comma-separated versioned implementation ids.
    selected_apis: Option<String>,
}

/// One action of an implementation.
#[derive(Debug, Serialize)]
struct ActionEntry {
    id: String,
    key: String,
    name: String,
    description: String,
    #[serde(rename = "type")]
    kind: &'static str,
    is_important: bool,
    is_hidden: bool,
    selected_api: String,
}

/// One implementation with its actions.
#[derive(Debug, Serialize)]
struct Implementation {
    selected_api: String,
    name: String,
    slug: String,
    actions: Vec<ActionEntry>,
}

/// The actions of the requested apps (`selected_apis` is required: the SDK always sends it).
async fn implementations(
    caller: Caller,
    ApiQuery(q): ApiQuery<ImplementationsQuery>,
) -> ApiResult<Json<ResultsPage<Implementation>>> {
    external(caller)?;
    let references = comma_list(q.selected_apis.as_deref());
    if references.is_empty() {
        return Err(ApiError::invalid_param(
            "selected_apis",
            "selected_apis: this query parameter is required.",
        ));
    }
    let results = apps_matching(&references)
        .into_iter()
        .map(|app| Implementation {
            selected_api: app.versioned_key(),
            name: app.title.to_owned(),
            slug: app.slug.to_owned(),
            actions: app
                .actions
                .iter()
                .map(|a| ActionEntry {
                    id: action_id(app, a),
                    key: a.key.to_owned(),
                    name: a.title.to_owned(),
                    description: a.description.to_owned(),
                    kind: sdk_action_type(a.action_type),
                    is_important: true,
                    is_hidden: false,
                    selected_api: app.versioned_key(),
                })
                .collect(),
        })
        .collect();
    Ok(Json(ResultsPage::single(results)))
}

/// The dotted field name of a JSON pointer (`/data/action_key` → `data.action_key`).
fn field_name(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

/// Resolves an app reference and an action key of the given kind into the catalog; errors name
/// the field (`app_pointer`, `action_pointer`) at fault.
pub(crate) fn resolve_action(
    selected_api: &str,
    action_key: &str,
    kind: &str,
    app_pointer: &str,
    action_pointer: &str,
) -> ApiResult<(&'static App, &'static Action)> {
    let app = catalog::resolve_app(selected_api).ok_or_else(|| {
        ApiError::validation(
            app_pointer,
            format!(
                "{}: no app matches `{selected_api}`.",
                field_name(app_pointer)
            ),
        )
    })?;
    let action = app
        .action(action_key)
        .filter(|a| sdk_action_type(a.action_type) == kind)
        .ok_or_else(|| {
            ApiError::validation(
                action_pointer,
                format!(
                    "{}: {} has no {kind} action `{action_key}`.",
                    field_name(action_pointer),
                    app.title
                ),
            )
        })?;
    Ok((app, action))
}

/// A connection id as the SDK sends it: a UUID string, or a legacy integer.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum ConnectionRef {
    Text(String),
    Number(u64),
}

impl ConnectionRef {
    pub(crate) fn as_id(&self) -> String {
        match self {
            ConnectionRef::Text(s) => s.clone(),
            ConnectionRef::Number(n) => n.to_string(),
        }
    }
}

/// Body of `POST .../implementations/needs/`.
#[derive(Debug, Deserialize)]
struct NeedsRequest {
    selected_api: String,
    action: String,
    /// `read`, `write` or `search`.
    type_of: String,
    /// Current input values (accepted; the catalog's fields do not depend on them).
    #[serde(default)]
    #[allow(dead_code)]
    params: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    authentication_id: Option<ConnectionRef>,
}

/// One static choice of a `SELECT` field.
#[derive(Debug, Serialize)]
struct NeedChoice {
    key: String,
    label: String,
    value: String,
}

/// One input field, in the "needs" shape the SDK converts into its field items.
#[derive(Debug, Serialize)]
struct Need {
    key: String,
    label: String,
    required: bool,
    /// `string`, `boolean`, `integer`, `decimal`.
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    choices: Vec<NeedChoice>,
}

#[derive(Debug, Serialize)]
struct NeedsResponse {
    success: bool,
    needs: Vec<Need>,
    /// The same fields as a JSON Schema object (`getTriggerInputFieldsSchema` returns it).
    schema: serde_json::Value,
}

/// A JSON Schema for the inputs of `action`: one property per field, required fields listed.
fn input_schema(action: &Action) -> serde_json::Value {
    let mut properties = serde_json::Map::new();
    for field in action.inputs {
        let mut property = serde_json::json!({
            "type": match field.value_type {
                "BOOLEAN" => "boolean",
                "INTEGER" => "integer",
                "NUMBER" | "DECIMAL" => "number",
                _ => "string",
            },
            "title": field.title,
        });
        if let Some(d) = field.description {
            property["description"] = d.into();
        }
        if let Some(d) = field.default_value {
            property["default"] = d.into();
        }
        if !field.choices.is_empty() {
            property["enum"] = field.choices.iter().map(|(v, _)| *v).collect();
        }
        properties.insert(field.key.to_owned(), property);
    }
    let required: Vec<&str> = action
        .inputs
        .iter()
        .filter(|f| f.required)
        .map(|f| f.key)
        .collect();
    serde_json::json!({"type": "object", "properties": properties, "required": required})
}

fn need(field: &Field) -> Need {
    Need {
        key: field.key.to_owned(),
        label: field.title.to_owned(),
        required: field.required,
        kind: match field.value_type {
            "BOOLEAN" => "boolean",
            "INTEGER" => "integer",
            "NUMBER" | "DECIMAL" => "decimal",
            _ => "string",
        },
        help_text: field.description.map(str::to_owned),
        default: field.default_value.map(str::to_owned),
        choices: field
            .choices
            .iter()
            .map(|(value, label)| NeedChoice {
                key: (*value).to_owned(),
                label: (*label).to_owned(),
                value: (*value).to_owned(),
            })
            .collect(),
    }
}

/// The input fields of one action. A given `authentication_id` must be one of the caller's
/// connections of that app (404 otherwise, whoever owns it).
async fn needs(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NeedsRequest>,
) -> ApiResult<Json<NeedsResponse>> {
    let caller = external(caller)?;
    let (app, action) = resolve_action(
        &body.selected_api,
        &body.action,
        &body.type_of,
        "/selected_api",
        "/action",
    )?;
    if let Some(conn) = &body.authentication_id {
        state.store().check_authentication(
            caller.user,
            app,
            Some(&conn.as_id()),
            "/authentication_id",
        )?;
    }
    Ok(Json(NeedsResponse {
        success: true,
        needs: action.inputs.iter().map(need).collect(),
        schema: input_schema(action),
    }))
}

//! Trigger discovery: `GET /triggers/?app=` and `GET /trigger-input-fields/?app=&action=&connection=`
//! (with and without trailing slash).

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::auth::Caller;
use crate::catalog::{self, App};
use crate::error::{ApiError, ApiResult, Errors};
use crate::extract::ApiQuery;
use crate::models::discovery::*;
use crate::routes::alias::with_alias;

/// Discovery routes (mounted under both prefixes).
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_triggers))
        .routes(routes!(list_triggers_slash))
        .routes(routes!(list_trigger_input_fields))
        .routes(routes!(list_trigger_input_fields_slash))
}

fn app_param(app: &str) -> ApiResult<&'static App> {
    catalog::resolve_app(app)
        .ok_or_else(|| ApiError::invalid_param("app", format!("app: no app matches `{app}`.")))
}

fn triggers(q: &TriggersQuery) -> ApiResult<TriggerList> {
    let app = app_param(&q.app)?;
    let results = app
        .triggers()
        .map(|t| Trigger {
            key: t.key.to_owned(),
            title: t.title.to_owned(),
            description: t.description.to_owned(),
            app_key: app.key.to_owned(),
        })
        .collect();
    Ok(TriggerList { results })
}

fn input_fields(
    state: &AppState,
    caller: &Caller,
    q: &TriggerInputFieldsQuery,
) -> ApiResult<TriggerInputFieldList> {
    let app = app_param(&q.app)?;
    let trigger = app
        .action(&q.action)
        .filter(|a| a.is_trigger())
        .ok_or_else(|| {
            ApiError::invalid_param(
                "action",
                format!("action: `{}` is not a trigger of {}.", q.action, app.key),
            )
        })?;
    if app.needs_connection {
        let conn = Some(q.connection.as_str())
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                ApiError::invalid_param(
                    "connection",
                    format!("connection: required for {}.", app.title),
                )
            })?;
        let store = state.store();
        match store.users.connection(caller.user, conn) {
            Some(c) if std::ptr::eq(c.app, app) => {}
            _ => {
                return Err(ApiError::invalid_param(
                    "connection",
                    format!(
                        "connection: no {} connection `{conn}` for this user.",
                        app.title
                    ),
                ));
            }
        }
    }
    let results = trigger
        .inputs
        .iter()
        .map(|f| TriggerInputField {
            key: f.key.to_owned(),
            title: f.title.to_owned(),
            value_type: f.value_type.to_owned(),
            format: f.format.to_owned(),
            is_required: f.required,
            description: f.description.map(str::to_owned),
            default_value: f.default_value.map(str::to_owned),
        })
        .collect();
    Ok(TriggerInputFieldList { results })
}

with_alias! {
    /// List an app's triggers.
    #[utoipa::path(get, path = "/triggers", operation_id = "listTriggers", tag = "Triggers",
        params(TriggersQuery),
        responses((status = 200, body = TriggerList), (status = 400, body = Errors), (status = 401, body = Errors), (status = 429, body = Errors)),
        security(("OAuth" = ["external"])))]
    async fn list_triggers(
        _caller: Caller,
        ApiQuery(q): ApiQuery<TriggersQuery>,
    ) -> ApiResult<Json<TriggerList>> {
        triggers(&q).map(Json)
    }
    /// List an app's triggers (trailing-slash form).
    alias list_triggers_slash at "/triggers/";
}

with_alias! {
    /// List a trigger's input fields.
    #[utoipa::path(get, path = "/trigger-input-fields", operation_id = "listTriggerInputFields", tag = "Triggers",
        params(TriggerInputFieldsQuery),
        responses((status = 200, body = TriggerInputFieldList), (status = 400, body = Errors), (status = 401, body = Errors), (status = 429, body = Errors)),
        security(("OAuth" = ["external"])))]
    async fn list_trigger_input_fields(
        State(state): State<AppState>,
        caller: Caller,
        ApiQuery(q): ApiQuery<TriggerInputFieldsQuery>,
    ) -> ApiResult<Json<TriggerInputFieldList>> {
        input_fields(&state, &caller, &q).map(Json)
    }
    /// List a trigger's input fields (trailing-slash form).
    alias list_trigger_input_fields_slash at "/trigger-input-fields/";
}

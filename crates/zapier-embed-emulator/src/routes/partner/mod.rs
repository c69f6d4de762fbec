//! Partner API v2 subset: connections, apps, actions (fresh ids), fields, choices, outputs and
//! action runs. Every path is also served with a trailing slash (the guides write them so).

use axum::Json;
use axum::extract::{Path, State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

mod answers;

use self::answers::*;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Errors};
use crate::extract::{ApiJson, ApiQuery};
use crate::models::partner::*;
use crate::routes::alias::with_alias;
use crate::routes::page_request::PageRequest;

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

with_alias! {
    /// List the caller's connections for an app (`app` = UUID, key or slug).
    #[utoipa::path(get, path = "/v2/authentications", operation_id = "get-authentications", tag = "Partner",
        params(AuthenticationsQuery),
        responses((status = 200, body = AuthenticationResponse), (status = 400, body = Errors), (status = 401, body = Errors), (status = 429, body = Errors)),
        security(("OAuth" = ["connection:read"])))]
    async fn get_authentications(
        State(s): State<AppState>,
        c: Caller,
        PageRequest { query: ApiQuery(q), links }: PageRequest<ApiQuery<AuthenticationsQuery>>,
    ) -> ApiResult<Json<AuthenticationResponse>> {
        c.require_scope("connection:read")?;
        authentications(&s, &c, q, &links).map(Json)
    }
    /// List the caller's connections (trailing-slash form).
    alias get_authentications_slash at "/v2/authentications/";
}

with_alias! {
    /// List apps (`query`, `ids`, `category`, `limit`, `offset`).
    #[utoipa::path(get, path = "/v2/apps", operation_id = "get-v2-apps", tag = "Partner",
        params(AppsQuery),
        responses((status = 200, body = ExpandedAppsResponse), (status = 400, body = Errors), (status = 401, body = Errors), (status = 429, body = Errors)),
        security(("OAuth" = ["zap"])))]
    async fn get_apps(
        c: Caller,
        PageRequest { query: ApiQuery(q), links }: PageRequest<ApiQuery<AppsQuery>>,
    ) -> ApiResult<Json<ExpandedAppsResponse>> {
        c.require_scope("zap")?;
        apps(q, &links).map(Json)
    }
    /// List apps (trailing-slash form).
    alias get_apps_slash at "/v2/apps/";
}

with_alias! {
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
    alias get_actions_slash at "/v2/actions/";
}

with_alias! {
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
        let action = fields_action(&s, &c, &action_id, &b)?.action;
        Ok(Json(inputs(action)))
    }
    /// An action's input fields (trailing-slash form).
    alias get_inputs_slash at "/v2/actions/{action_id}/inputs/";
}

with_alias! {
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
    alias get_choices_slash at "/v2/actions/{action_id}/inputs/{input_id}/choices/";
}

with_alias! {
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
        let action = fields_action(&s, &c, &action_id, &b)?.action;
        Ok(Json(outputs(action)))
    }
    /// An action's output fields (trailing-slash form).
    alias get_outputs_slash at "/v2/actions/{action_id}/outputs/";
}

with_alias! {
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
    alias create_action_run_slash at "/v2/action-runs/";
}

with_alias! {
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
    alias get_action_run_slash at "/v2/action-runs/{id}/";
}

//! Partner API v2 wire types (spec `Partner API 2024.11.0` component names).

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Pagination links.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct Links {
    /// Next page URL.
    #[schema(required = true)]
    pub next: Option<String>,
    /// Previous page URL.
    #[schema(required = true)]
    pub prev: Option<String>,
}

/// Offset pagination metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct BaseMeta {
    /// Total items.
    pub count: u64,
    /// Page size.
    #[schema(required = true)]
    pub limit: Option<u64>,
    /// Offset of this page.
    pub offset: u64,
}

/// A user's connection to an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct Authentication {
    /// `authentication`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Connection id (UUID).
    pub id: String,
    /// App id (UUID).
    pub app: String,
    /// Whether the credentials have expired (reconnect needed).
    pub is_expired: bool,
    /// Title.
    pub title: String,
}

/// `GET /v2/authentications` result.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct AuthenticationResponse {
    /// Links.
    pub links: Links,
    /// Paging.
    pub meta: BaseMeta,
    /// Connections.
    pub data: Vec<Authentication>,
}

/// Image URLs of an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct AppImages {
    /// 16 px.
    pub url_16x16: String,
    /// 32 px.
    pub url_32x32: String,
    /// 64 px.
    pub url_64x64: String,
    /// 128 px.
    pub url_128x128: String,
}

/// A category reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct AppCategory {
    /// Category slug.
    pub slug: String,
}

/// Links of an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct AppLinks {
    /// Connect UI URL for a new connection.
    pub connect_new_authentication: String,
}

/// An app (`Apps`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = Apps)]
pub(crate) struct Apps {
    /// App id (UUID).
    pub id: String,
    /// Versionless key.
    #[schema(required = true)]
    pub key: Option<String>,
    /// `app`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Icon URL.
    pub image: String,
    /// Links.
    pub links: AppLinks,
    /// Supported action types (`READ`, `WRITE`, ...).
    pub action_types: Vec<String>,
    /// Title.
    pub title: String,
    /// Icons.
    pub images: AppImages,
    /// Brand colour.
    pub hex_color: String,
    /// Categories.
    pub categories: Vec<AppCategory>,
    /// Description.
    pub description: String,
}

/// `GET /v2/apps` result.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ExpandedAppsResponse {
    /// Apps.
    pub data: Vec<Apps>,
    /// Paging.
    pub meta: BaseMeta,
    /// Links.
    pub links: Links,
}

/// An action of an app. `id` is fresh on every lookup; `key` is stable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct Action {
    /// Single-use id for one action run.
    pub id: String,
    /// Stable key.
    pub key: String,
    /// App id.
    pub app: String,
    /// `action`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `READ`, `WRITE`, `SEARCH`, ...
    pub action_type: String,
    /// True for instant triggers.
    pub is_instant: bool,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
}

/// `GET /v2/actions` result.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ActionsResponse {
    /// Links.
    pub links: Links,
    /// Paging.
    pub meta: BaseMeta,
    /// Actions.
    pub data: Vec<Action>,
}

/// Parameters of inputs/choices/outputs requests.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[allow(
    dead_code,
    reason = "deserialized for the OpenAPI contract; some fields are accepted and ignored"
)]
pub(crate) struct FieldsParams {
    /// Connection id, or null for connection-less apps.
    pub authentication: Option<String>,
    /// Inputs collected so far.
    // `default` keeps the schema from listing it as required: the declared `value_type` hides
    // the `Option` from utoipa.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub inputs: Option<serde_json::Map<String, serde_json::Value>>,
    /// Outputs only: fetch live samples (ignored).
    pub fetch_live_samples: Option<bool>,
}

/// `{"data": FieldsParams}` body of inputs/choices/outputs.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub(crate) struct FieldsRequest {
    /// Parameters.
    pub data: FieldsParams,
}

/// An input field (`InputField`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct InputField {
    /// `input_field`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Field id (key in `inputs`).
    pub id: String,
    /// Default value (empty when none).
    pub default_value: String,
    /// Fields it depends on.
    pub depends_on: Vec<String>,
    /// Help text.
    pub description: String,
    /// `SELECT`, `MULTILINE`, ...
    pub format: String,
    /// Whether changing it invalidates other fields.
    pub invalidates_input_fields: bool,
    /// Required.
    pub is_required: bool,
    /// Static choices.
    pub items: std::collections::BTreeMap<String, String>,
    /// Placeholder.
    pub placeholder: String,
    /// Label.
    pub title: String,
    /// `STRING`, `BOOLEAN`, ...
    pub value_type: String,
}

/// `POST /v2/actions/{action_id}/inputs` result.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct InputFieldsResponse {
    /// Links.
    pub links: Links,
    /// Paging.
    pub meta: BaseMeta,
    /// Fields.
    pub data: Vec<InputField>,
}

/// A choice of a `SELECT` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct Choice {
    /// Choice id.
    pub id: String,
    /// `choice`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Label.
    #[schema(required = true)]
    pub label: Option<String>,
    /// Value to put in `inputs`.
    pub value: String,
}

/// Choice paging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct Meta {
    /// Page number.
    pub page: u64,
}

/// `POST .../choices` result.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ChoiceResponse {
    /// Choices.
    pub data: Vec<Choice>,
    /// Links.
    pub links: Links,
    /// Page.
    pub meta: Meta,
}

/// An output field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct OutputField {
    /// `output_field`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Field id.
    pub id: String,
    /// Label.
    pub title: String,
    /// Sample value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<String>,
}

/// `POST .../outputs` result.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct OutputFieldsResponse {
    /// Links.
    pub links: Links,
    /// Paging.
    pub meta: BaseMeta,
    /// Fields.
    pub data: Vec<OutputField>,
}

/// Parameters of an action run.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub(crate) struct RunActionParams {
    /// A fresh action id from `GET /v2/actions` (single use).
    pub action: String,
    /// Connection id, or null for connection-less apps.
    pub authentication: Option<String>,
    /// Inputs.
    #[schema(value_type = Object)]
    pub inputs: serde_json::Map<String, serde_json::Value>,
    /// HTTPS URL POSTed the run's result when it reaches a terminal state.
    pub callback_url: Option<String>,
}

/// `POST /v2/action-runs` body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub(crate) struct RunActionRequest {
    /// Parameters.
    pub data: RunActionParams,
}

/// Created run reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct RunReference {
    /// `run`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Run id.
    pub id: String,
}

/// `POST /v2/action-runs` result.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct RunActionResponse {
    /// The run.
    pub data: RunReference,
}

/// A typed action-run error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub(crate) struct ActionRunError {
    /// `user`, `authentication`, `partner`, `system`, `throttled`, ...
    pub code: String,
    /// Summary.
    pub title: String,
    /// Explanation.
    pub detail: String,
    /// Seconds to wait when throttled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<u64>,
    /// Extra data.
    #[schema(value_type = Option<Object>, required = true)]
    pub meta: Option<serde_json::Value>,
}

/// A run's state.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ActionRun {
    /// `run`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Run id.
    pub id: String,
    /// `waiting`, `success` or `error`.
    pub status: String,
    /// Results (on success).
    #[schema(value_type = Vec<Object>)]
    pub results: Vec<serde_json::Value>,
    /// Errors (on error).
    pub errors: Vec<ActionRunError>,
}

/// `GET /v2/action-runs/{id}` result.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ActionRunResponse {
    /// The run.
    pub data: ActionRun,
}

/// Declares the query of a Partner API listing: its own filters, then the offset pagination every
/// listing shares (`limit`, `offset`). A shared struct cannot be `#[serde(flatten)]`ed in:
/// utoipa's `IntoParams` does not flatten, and serde would buffer the query's values as text so
/// the numbers would no longer parse.
macro_rules! paged_query {
    (
        $(#[doc = $doc:tt])*
        $query:ident {
            $(
                $(#[doc = $field_doc:tt])*
                pub $field:ident: $ty:ty,
            )*
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Deserialize, IntoParams)]
        #[into_params(parameter_in = Query)]
        pub(crate) struct $query {
            $(
                $(#[doc = $field_doc])*
                pub $field: $ty,
            )*
            /// Page size (1..=100, default 10).
            #[param(minimum = 1, maximum = 100)]
            pub limit: Option<u64>,
            /// Offset.
            #[param(minimum = 0, maximum = 9_007_199_254_740_991_f64)]
            pub offset: Option<u64>,
        }
    };
}

paged_query! {
    /// Query of `GET /v2/authentications`.
    AuthenticationsQuery {
        /// App: UUID, key or slug.
        pub app: String,
    }
}

paged_query! {
    /// Query of `GET /v2/apps`.
    AppsQuery {
        /// Partial, case-insensitive title search.
        pub query: Option<String>,
        /// Comma-separated app ids (not combinable with `category`).
        pub ids: Option<String>,
        /// Category slug.
        pub category: Option<String>,
    }
}

/// Query of `GET /v2/actions`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ActionsQuery {
    /// App: UUID, key or slug.
    pub app: String,
    /// `READ`, `WRITE`, `SEARCH`, ...
    pub action_type: Option<String>,
}

/// Query of `POST .../choices`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ChoicesQuery {
    /// Page (default "1"): a positive integer, as text.
    #[param(pattern = "^[1-9][0-9]{0,8}$")]
    pub page: Option<String>,
}

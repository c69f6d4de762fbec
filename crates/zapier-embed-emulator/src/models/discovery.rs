//! Trigger discovery wire types (`/triggers/`, `/trigger-input-fields/`).

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A trigger of an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct Trigger {
    /// Stable key; pass as `action` / `action_key`.
    pub key: String,
    /// Title.
    pub title: String,
    /// What it fires on.
    pub description: String,
    /// Versionless app key (informational).
    pub app_key: String,
}

/// `{"results":[Trigger]}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct TriggerList {
    /// Triggers.
    pub results: Vec<Trigger>,
}

/// An input field of a trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct TriggerInputField {
    /// Key in `inputs`.
    pub key: String,
    /// Label.
    pub title: String,
    /// `STRING`, `BOOLEAN`, `INTEGER`.
    pub value_type: String,
    /// `SELECT` or `TEXT`.
    pub format: String,
    /// Must be provided.
    pub is_required: bool,
    /// Help text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Default for optional fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_value: Option<String>,
}

/// `{"results":[TriggerInputField]}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct TriggerInputFieldList {
    /// Fields.
    pub results: Vec<TriggerInputField>,
}

/// Query of `/triggers/`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TriggersQuery {
    /// App slug or key.
    pub app: String,
}

/// Query of `/trigger-input-fields/`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TriggerInputFieldsQuery {
    /// App slug or key.
    pub app: String,
    /// Trigger key.
    pub action: String,
    /// Connection id (used to load dynamic options; ignored for connection-less apps).
    pub connection: String,
}

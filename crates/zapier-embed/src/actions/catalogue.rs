//! What the Partner API lists: apps, their actions, and the actions' fields and choices.

use super::*;

/// An action's type. `Read` actions are triggers, `Write` actions create things.
///
/// ```
/// use zapier_embed::actions::ActionType;
/// assert_eq!(ActionType::from("WRITE"), ActionType::Write);
/// assert_eq!(ActionType::from("NEW_KIND").as_str(), "NEW_KIND");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ActionType {
    /// `READ`: a trigger.
    Read,
    /// `READ_BULK`.
    ReadBulk,
    /// `WRITE`: creates or updates something.
    Write,
    /// `SEARCH`.
    Search,
    /// `SEARCH_OR_WRITE`.
    SearchOrWrite,
    /// `SEARCH_AND_WRITE`.
    SearchAndWrite,
    /// `FILTER`.
    Filter,
    /// A value this version does not know, kept verbatim.
    Other(String),
}

impl ActionType {
    /// The wire value.
    ///
    /// ```
    /// assert_eq!(zapier_embed::actions::ActionType::SearchOrWrite.as_str(), "SEARCH_OR_WRITE");
    /// ```
    pub fn as_str(&self) -> &str {
        match self {
            ActionType::Read => "READ",
            ActionType::ReadBulk => "READ_BULK",
            ActionType::Write => "WRITE",
            ActionType::Search => "SEARCH",
            ActionType::SearchOrWrite => "SEARCH_OR_WRITE",
            ActionType::SearchAndWrite => "SEARCH_AND_WRITE",
            ActionType::Filter => "FILTER",
            ActionType::Other(raw) => raw,
        }
    }
}

impl From<&str> for ActionType {
    fn from(raw: &str) -> Self {
        match raw {
            "READ" => ActionType::Read,
            "READ_BULK" => ActionType::ReadBulk,
            "WRITE" => ActionType::Write,
            "SEARCH" => ActionType::Search,
            "SEARCH_OR_WRITE" => ActionType::SearchOrWrite,
            "SEARCH_AND_WRITE" => ActionType::SearchAndWrite,
            "FILTER" => ActionType::Filter,
            other => ActionType::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for ActionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ActionType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ActionType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|raw| ActionType::from(raw.as_str()))
    }
}

/// An app of the catalog.
///
/// ```
/// let app: zapier_embed::actions::App = serde_json::from_value(serde_json::json!({
///     "id": "81f613aa-c98a-4383-a5fc-195e68647217", "key": "SlackCLIAPI", "title": "Slack",
///     "description": null, "action_types": ["READ", "WRITE"]
/// })).unwrap();
/// assert_eq!(app.key.as_deref(), Some("SlackCLIAPI"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct App {
    /// The app id (a uuid): what actions and connections are listed by.
    pub id: String,
    /// The versionless implementation key (a subscription's `app`), e.g. `SlackCLIAPI`.
    pub key: Option<String>,
    /// The app's name.
    pub title: String,
    /// A description.
    pub description: Option<String>,
    /// The kinds of actions it offers.
    pub action_types: Vec<ActionType>,
}

/// An action of an app. Its `id` is unique per lookup: take a fresh one before every run (the
/// `key` is stable).
///
/// ```
/// let action: zapier_embed::actions::Action = serde_json::from_value(serde_json::json!({
///     "id": "core:853266", "key": "send_channel_message", "app": "81f6…",
///     "action_type": "WRITE", "title": "Send Channel Message", "description": "", "is_instant": false
/// })).unwrap();
/// assert_eq!(action.action_type, zapier_embed::actions::ActionType::Write);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Action {
    /// The per-lookup id.
    pub id: String,
    /// The stable key.
    pub key: String,
    /// The app id.
    pub app: String,
    /// Its type.
    pub action_type: ActionType,
    /// A title to show.
    pub title: String,
    /// A description.
    pub description: String,
    /// Whether it is an instant trigger.
    pub is_instant: bool,
}

/// A choice of a `SELECT` input.
///
/// ```
/// let c: zapier_embed::actions::Choice = serde_json::from_value(serde_json::json!(
///     {"id": "C1", "label": "#general", "value": "C1"})).unwrap();
/// assert_eq!(c.value, "C1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Choice {
    /// The choice id.
    pub id: String,
    /// A label to show.
    pub label: Option<String>,
    /// The value to put in the inputs.
    pub value: String,
}

/// A field an action outputs.
///
/// ```
/// let f: zapier_embed::actions::OutputField = serde_json::from_value(serde_json::json!(
///     {"id": "ts", "title": "Timestamp", "sample": "1700000000.0001"})).unwrap();
/// assert_eq!(f.id, "ts");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OutputField {
    /// The field id, e.g. `parents[]sha`.
    pub id: String,
    /// A title to show.
    pub title: Option<String>,
    /// A sample value.
    pub sample: Option<Value>,
}

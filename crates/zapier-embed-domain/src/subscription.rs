//! What an inbox subscribes to — (app, trigger, connection, inputs) — and the two wire shapes of
//! the create / ensure request body.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::inbox_ref::InboxName;
use crate::input_field::InputField;
use crate::validation::{ValidationError, validate_inputs};

/// The id of a user's connected app account ("authentication" in the Partner API).
///
/// The spec types it as `uuid string | integer | null`: `/v2/authentications` returns uuids,
/// Connect UI's `postMessage` reports a numeric `authId`, and legacy hashids still circulate. Both
/// forms are kept exactly as given so that the value re-serializes unchanged (a JSON number stays
/// a number, a string stays a string). The absence of a connection (triggers such as Webhooks by
/// Zapier need none) is `Option::<ConnectionId>::None`.
///
/// ```
/// use zapier_embed_domain::ConnectionId;
/// let text = ConnectionId::from("019487c8-6b2a-7c1e-9f3d-2a1b0c4d5e6f");
/// let number = ConnectionId::from(5678);
/// assert_eq!(serde_json::to_string(&text).unwrap(), "\"019487c8-6b2a-7c1e-9f3d-2a1b0c4d5e6f\"");
/// assert_eq!(serde_json::to_string(&number).unwrap(), "5678");
/// assert_eq!(number.to_string(), "5678");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ConnectionId {
    /// A string id (a uuid, or a legacy opaque id); sent as a JSON string.
    Text(String),
    /// A numeric id; sent as a JSON number.
    Number(i64),
}

impl ConnectionId {
    /// The id as a uuid, when it is a string in any form `uuid` accepts.
    ///
    /// ```
    /// use zapier_embed_domain::ConnectionId;
    /// assert!(ConnectionId::from("019487c8-6b2a-7c1e-9f3d-2a1b0c4d5e6f").as_uuid().is_some());
    /// assert!(ConnectionId::from(7).as_uuid().is_none());
    /// ```
    pub fn as_uuid(&self) -> Option<Uuid> {
        match self {
            ConnectionId::Text(raw) => Uuid::try_parse(raw).ok(),
            ConnectionId::Number(_) => None,
        }
    }
}

impl fmt::Display for ConnectionId {
    /// The string unchanged, or the number in decimal (the form used in query strings such as
    /// `trigger-input-fields/?connection=`).
    ///
    /// ```
    /// use zapier_embed_domain::ConnectionId;
    /// assert_eq!(ConnectionId::from("abc").to_string(), "abc");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionId::Text(raw) => f.write_str(raw),
            ConnectionId::Number(n) => write!(f, "{n}"),
        }
    }
}

impl From<&str> for ConnectionId {
    /// A string id.
    ///
    /// ```
    /// use zapier_embed_domain::ConnectionId;
    /// assert_eq!(ConnectionId::from("abc"), ConnectionId::Text("abc".into()));
    /// ```
    fn from(raw: &str) -> Self {
        ConnectionId::Text(raw.to_owned())
    }
}

impl From<String> for ConnectionId {
    /// A string id.
    ///
    /// ```
    /// use zapier_embed_domain::ConnectionId;
    /// assert_eq!(ConnectionId::from(String::from("abc")).to_string(), "abc");
    /// ```
    fn from(raw: String) -> Self {
        ConnectionId::Text(raw)
    }
}

impl From<i64> for ConnectionId {
    /// A numeric id.
    ///
    /// ```
    /// use zapier_embed_domain::ConnectionId;
    /// assert_eq!(ConnectionId::from(42_i64), ConnectionId::Number(42));
    /// ```
    fn from(n: i64) -> Self {
        ConnectionId::Number(n)
    }
}

impl From<i32> for ConnectionId {
    /// A numeric id (lets integer literals convert without a suffix).
    ///
    /// ```
    /// use zapier_embed_domain::ConnectionId;
    /// assert_eq!(ConnectionId::from(42), ConnectionId::Number(42));
    /// ```
    fn from(n: i32) -> Self {
        ConnectionId::Number(i64::from(n))
    }
}

impl From<Uuid> for ConnectionId {
    /// A uuid id, sent as its hyphenated string.
    ///
    /// ```
    /// use uuid::Uuid;
    /// use zapier_embed_domain::ConnectionId;
    /// assert_eq!(ConnectionId::from(Uuid::nil()).as_uuid(), Some(Uuid::nil()));
    /// ```
    fn from(id: Uuid) -> Self {
        ConnectionId::Text(id.hyphenated().to_string())
    }
}

impl Serialize for ConnectionId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ConnectionId::Text(raw) => serializer.serialize_str(raw),
            ConnectionId::Number(n) => serializer.serialize_i64(*n),
        }
    }
}

impl<'de> Deserialize<'de> for ConnectionId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = ConnectionId;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a connection id (string or integer)")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ConnectionId, E> {
                Ok(ConnectionId::Text(v.to_owned()))
            }

            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<ConnectionId, E> {
                Ok(ConnectionId::Text(v))
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ConnectionId, E> {
                Ok(ConnectionId::Number(v))
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ConnectionId, E> {
                i64::try_from(v)
                    .map(ConnectionId::Number)
                    .map_err(|_| E::custom(format!("connection id {v} is out of range")))
            }
        }

        deserializer.deserialize_any(Visitor)
    }
}

impl JsonSchema for ConnectionId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ConnectionId".into()
    }

    fn json_schema(_generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": ["string", "integer"] })
    }
}

/// What an inbox listens to: an app's trigger, on a user's connection, with trigger inputs.
///
/// Serde uses the nested wire names that every inbox *response* carries (`app_key`,
/// `action_key`, `connection_id`, `inputs`) and also accepts the flat names (`app`, `action`,
/// `connection`) when decoding. `connection_id` is written as `null` when absent, as Zapier's own
/// SDK does for connection-less triggers.
///
/// ```
/// use serde_json::json;
/// use zapier_embed_domain::Subscription;
/// let sub = Subscription::new("SlackCLIAPI", "channel_message")
///     .with_connection("CONNECTION_ID")
///     .with_input("channel", "C0123ABC456");
/// assert_eq!(
///     serde_json::to_value(&sub).unwrap(),
///     json!({"app_key": "SlackCLIAPI", "action_key": "channel_message",
///            "connection_id": "CONNECTION_ID", "inputs": {"channel": "C0123ABC456"}})
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Subscription {
    /// App key: a slug (`slack`), a versionless key (`SlackCLIAPI`) or a versioned one
    /// (`SlackCLIAPI@1.0.0`). The server stores and returns the fully versioned form.
    #[serde(rename = "app_key", alias = "app")]
    pub app: String,
    /// Trigger key (`action_key` on the wire), e.g. `channel_message` or `hook_v2`.
    #[serde(rename = "action_key", alias = "action")]
    pub trigger: String,
    /// The user's connection; `None` for triggers that need no app account.
    #[serde(rename = "connection_id", alias = "connection", default)]
    pub connection: Option<ConnectionId>,
    /// Trigger input values, keyed by input-field key.
    #[serde(default)]
    pub inputs: Map<String, Value>,
}

impl Subscription {
    /// A subscription to `trigger` of `app`, with no connection and no inputs yet.
    ///
    /// ```
    /// use zapier_embed_domain::Subscription;
    /// let sub = Subscription::new("webhook", "hook_v2");
    /// assert!(sub.connection.is_none() && sub.inputs.is_empty());
    /// ```
    pub fn new(app: impl Into<String>, trigger: impl Into<String>) -> Self {
        Self {
            app: app.into(),
            trigger: trigger.into(),
            connection: None,
            inputs: Map::new(),
        }
    }

    /// Sets the connection.
    ///
    /// ```
    /// use zapier_embed_domain::{ConnectionId, Subscription};
    /// let sub = Subscription::new("slack", "channel_message").with_connection(5678);
    /// assert_eq!(sub.connection, Some(ConnectionId::Number(5678)));
    /// ```
    pub fn with_connection(mut self, connection: impl Into<ConnectionId>) -> Self {
        self.connection = Some(connection.into());
        self
    }

    /// Sets one input value (replacing an earlier value for the same key).
    ///
    /// ```
    /// use zapier_embed_domain::Subscription;
    /// let sub = Subscription::new("slack", "channel_message")
    ///     .with_input("channel", "C1")
    ///     .with_input("listen_for_bots", false);
    /// assert_eq!(sub.inputs["listen_for_bots"], false);
    /// ```
    pub fn with_input(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.inputs.insert(key.into(), value.into());
        self
    }

    /// Replaces all inputs.
    ///
    /// ```
    /// use serde_json::{json, Map};
    /// use zapier_embed_domain::Subscription;
    /// let mut inputs = Map::new();
    /// inputs.insert("channel".into(), json!("C1"));
    /// let sub = Subscription::new("slack", "channel_message").with_inputs(inputs);
    /// assert_eq!(sub.inputs.len(), 1);
    /// ```
    pub fn with_inputs(mut self, inputs: Map<String, Value>) -> Self {
        self.inputs = inputs;
        self
    }

    /// Checks the inputs against the trigger's input-field definitions (see
    /// [`validate_inputs`]) and returns a copy whose inputs have defaults filled in.
    ///
    /// ```
    /// use zapier_embed_domain::{InputField, Subscription, ValueType};
    /// let fields = [InputField::new("channel", ValueType::String).required()];
    /// let sub = Subscription::new("slack", "channel_message");
    /// let err = sub.validated(&fields).unwrap_err();
    /// assert_eq!(err.to_string(), "invalid inputs: channel: required field is missing");
    /// ```
    pub fn validated(&self, fields: &[InputField]) -> Result<Self, ValidationError> {
        let inputs = validate_inputs(fields, &self.inputs)?;
        Ok(Self {
            inputs,
            ..self.clone()
        })
    }

    /// The variant A (by id) create / ensure body: `{"name"?, "subscription": {…}, "notification_url"?}`.
    ///
    /// `name` is required by the ensure (`PUT`) call and optional for create (`POST`).
    ///
    /// ```
    /// use serde_json::json;
    /// use zapier_embed_domain::{InboxName, Subscription};
    /// let sub = Subscription::new("SlackCLIAPI", "channel_message")
    ///     .with_connection("CONNECTION_ID")
    ///     .with_input("channel", "C0123ABC456");
    /// let name = InboxName::new("my-slack-inbox").unwrap();
    /// let body = sub.to_nested_body(Some(&name), None);
    /// assert_eq!(serde_json::to_value(&body).unwrap(), json!({
    ///     "name": "my-slack-inbox",
    ///     "subscription": {"app_key": "SlackCLIAPI", "action_key": "channel_message",
    ///                      "connection_id": "CONNECTION_ID", "inputs": {"channel": "C0123ABC456"}}
    /// }));
    /// ```
    pub fn to_nested_body(
        &self,
        name: Option<&InboxName>,
        notification_url: Option<&str>,
    ) -> NestedInboxBody {
        NestedInboxBody {
            name: name.cloned(),
            subscription: self.clone(),
            notification_url: notification_url.map(str::to_owned),
        }
    }

    /// The variant B (by name) upsert body: `{"app", "action", "connection", "inputs", "notification_url"?}`.
    /// The name travels in the path (`PUT …/inboxes/{name}/`), not in the body.
    ///
    /// ```
    /// use serde_json::json;
    /// use zapier_embed_domain::Subscription;
    /// let sub = Subscription::new("slack", "channel_message")
    ///     .with_connection("CONNECTION_ID")
    ///     .with_input("channel", "C0123ABC456");
    /// let body = sub.to_flat_body(Some("https://your-server.example/trigger-webhook"));
    /// assert_eq!(serde_json::to_value(&body).unwrap(), json!({
    ///     "app": "slack", "action": "channel_message", "connection": "CONNECTION_ID",
    ///     "inputs": {"channel": "C0123ABC456"},
    ///     "notification_url": "https://your-server.example/trigger-webhook"
    /// }));
    /// ```
    pub fn to_flat_body(&self, notification_url: Option<&str>) -> FlatInboxBody {
        FlatInboxBody {
            app: self.app.clone(),
            action: self.trigger.clone(),
            connection: self.connection.clone(),
            inputs: self.inputs.clone(),
            notification_url: notification_url.map(str::to_owned),
        }
    }
}

/// The variant A create (`POST …/inboxes`) and ensure (`PUT …/inboxes`) request body.
///
/// ```
/// use zapier_embed_domain::{NestedInboxBody, Subscription};
/// let body: NestedInboxBody = Subscription::new("webhook", "hook_v2").to_nested_body(None, None);
/// let json = serde_json::to_string(&body).unwrap();
/// assert_eq!(json, r#"{"subscription":{"app_key":"webhook","action_key":"hook_v2","connection_id":null,"inputs":{}}}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct NestedInboxBody {
    /// The inbox name (required for ensure, optional for create); omitted when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<InboxName>,
    /// The nested subscription.
    pub subscription: Subscription,
    /// Where Zapier POSTs availability notifications; omitted when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_url: Option<String>,
}

/// The variant B upsert (`PUT …/inboxes/{name}/`) request body.
///
/// ```
/// use zapier_embed_domain::{FlatInboxBody, Subscription};
/// let body: FlatInboxBody = Subscription::new("webhook", "hook_v2").to_flat_body(None);
/// let json = serde_json::to_string(&body).unwrap();
/// assert_eq!(json, r#"{"app":"webhook","action":"hook_v2","connection":null,"inputs":{}}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct FlatInboxBody {
    /// App key or slug.
    pub app: String,
    /// Trigger key.
    pub action: String,
    /// Connection id; the spec marks it required, so `None` is sent as `null`.
    pub connection: Option<ConnectionId>,
    /// Trigger input values.
    pub inputs: Map<String, Value>,
    /// Where Zapier POSTs availability notifications; omitted when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn connection_id_round_trips_both_forms() {
        for raw in [json!("029a64f8-ced3-889b-aa1a-9d37bcd59ddb"), json!(5678)] {
            let id: ConnectionId = serde_json::from_value(raw.clone()).unwrap();
            assert_eq!(serde_json::to_value(&id).unwrap(), raw);
        }
        assert!(serde_json::from_value::<ConnectionId>(json!(u64::MAX)).is_err());
        assert!(serde_json::from_value::<ConnectionId>(json!(1.5)).is_err());
    }

    #[test]
    fn subscription_decodes_nested_and_flat_names() {
        let nested: Subscription = serde_json::from_value(json!({
            "connection_id": 5678, "app_key": "SlackCLIAPI@1.0.0", "action_key": "x",
            "inputs": {"channel": "C1"}
        }))
        .unwrap();
        assert_eq!(nested.connection, Some(ConnectionId::Number(5678)));
        let flat: Subscription = serde_json::from_value(json!({
            "app": "slack", "action": "x", "connection": "c", "inputs": {}, "future": 1
        }))
        .unwrap();
        assert_eq!(flat.app, "slack");
        assert_eq!(flat.connection, Some(ConnectionId::from("c")));
        let no_conn: Subscription = serde_json::from_value(
            json!({"app_key": "webhook", "action_key": "hook_v2", "inputs": {}}),
        )
        .unwrap();
        assert!(no_conn.connection.is_none());
    }

    #[test]
    fn nested_body_with_integer_connection_matches_spec_example() {
        let body = Subscription::new("SlackCLIAPI@1.0.0", "example_action")
            .with_connection(5678)
            .with_input("channel", "C1234567890")
            .to_nested_body(None, None);
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"subscription": {"app_key": "SlackCLIAPI@1.0.0", "action_key": "example_action",
                    "connection_id": 5678, "inputs": {"channel": "C1234567890"}}})
        );
    }
}

//! The declared set of inboxes: the file format of `zembed inboxes apply`, and its checks.

use std::collections::HashSet;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::inboxes::InvalidInboxName;
use crate::{ConnectionId, InboxName, Subscription};

/// A declared set of inboxes: what [`plan`](super::plan) and [`apply`](super::apply) read.
///
/// Deserialize it from JSON or YAML (unknown fields are refused, so a typo is an error, not a
/// silently ignored key):
///
/// ```yaml
/// inboxes:
///   - name: support-messages
///     app: slack
///     trigger: channel_message
///     connection: CONNECTION_ID          # optional
///     inputs: {channel: C0123ABC456}     # optional; validated, defaults filled in
///     notification_url: https://example.com/hook   # optional
/// ```
///
/// ```
/// use zapier_embed::apply::Declarations;
///
/// let declarations: Declarations = serde_json::from_str(
///     r#"{"inboxes": [{"name": "support", "app": "slack", "trigger": "channel_message"}]}"#,
/// ).unwrap();
/// assert_eq!(declarations.inboxes[0].name, "support");
/// assert!(serde_json::from_str::<Declarations>(r#"{"inboxes": [], "color": "red"}"#).is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "zapier-embed inbox declarations (zembed inboxes apply)",
    description = "The inboxes to ensure: each is created when absent, left alone when it exists with the same subscription, a conflict otherwise."
)]
pub struct Declarations {
    /// The inboxes, applied in this order; names are unique.
    pub inboxes: Vec<DeclaredInbox>,
}

/// One declared inbox: a name and the subscription it must have.
///
/// ```
/// use zapier_embed::apply::DeclaredInbox;
///
/// let declared = DeclaredInbox::new("support", "slack", "channel_message");
/// assert_eq!(declared.subscription().trigger, "channel_message");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(description = "One declared inbox: a name and the subscription it must have.")]
#[non_exhaustive]
pub struct DeclaredInbox {
    /// The inbox name (1..=100 characters, no control characters, not `.` or `..`, no `\`).
    #[schemars(length(min = 1, max = 100))]
    pub name: String,
    /// The app key or slug, e.g. `slack`.
    pub app: String,
    /// The trigger key, e.g. `channel_message`.
    pub trigger: String,
    /// The connection (the user's app account) the trigger runs with, if it needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// The trigger's inputs; validated against its input fields, defaults filled in.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub inputs: Map<String, Value>,
    /// The URL Zapier POSTs to when messages become available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_url: Option<String>,
}

impl DeclaredInbox {
    /// A declaration of the inbox `name` subscribed to `trigger` of `app`, with no connection,
    /// inputs or notification URL (set the public fields for those).
    ///
    /// ```
    /// let mut declared = zapier_embed::apply::DeclaredInbox::new("support", "slack", "channel_message");
    /// declared.connection = Some("conn-1".to_owned());
    /// assert_eq!(declared.subscription().connection.unwrap().to_string(), "conn-1");
    /// ```
    pub fn new(
        name: impl Into<String>,
        app: impl Into<String>,
        trigger: impl Into<String>,
    ) -> Self {
        DeclaredInbox {
            name: name.into(),
            app: app.into(),
            trigger: trigger.into(),
            connection: None,
            inputs: Map::new(),
            notification_url: None,
        }
    }

    /// The declared subscription (not yet validated against the trigger's input fields).
    ///
    /// ```
    /// let declared = zapier_embed::apply::DeclaredInbox::new("support", "slack", "channel_message");
    /// assert_eq!(declared.subscription().app, "slack");
    /// ```
    pub fn subscription(&self) -> Subscription {
        let mut sub = Subscription::new(self.app.clone(), self.trigger.clone())
            .with_inputs(self.inputs.clone());
        if let Some(connection) = &self.connection {
            sub = sub.with_connection(ConnectionId::from(connection.as_str()));
        }
        sub
    }
}

impl Declarations {
    /// Checks what can be checked without a request: at least one inbox, every name valid, no
    /// name declared twice. [`plan`](super::plan) and [`apply`](super::apply) call it first.
    ///
    /// ```
    /// use zapier_embed::apply::{DeclarationError, Declarations, DeclaredInbox};
    ///
    /// let twice = Declarations {
    ///     inboxes: vec![DeclaredInbox::new("a", "slack", "t"), DeclaredInbox::new("a", "slack", "t")],
    /// };
    /// assert!(matches!(twice.check(), Err(DeclarationError::Duplicate { .. })));
    /// assert!(matches!(Declarations::default().check(), Err(DeclarationError::Empty)));
    /// ```
    pub fn check(&self) -> Result<(), DeclarationError> {
        let mut seen = HashSet::new();
        for declared in &self.inboxes {
            InboxName::new(declared.name.clone()).map_err(|reason| {
                DeclarationError::InvalidName {
                    name: declared.name.clone(),
                    reason,
                }
            })?;
            if !seen.insert(declared.name.as_str()) {
                return Err(DeclarationError::Duplicate {
                    name: declared.name.clone(),
                });
            }
        }
        if self.inboxes.is_empty() {
            return Err(DeclarationError::Empty);
        }
        Ok(())
    }

    /// The JSON Schema (draft 2020-12) of the file format, generated from these types.
    ///
    /// ```
    /// let schema = zapier_embed::apply::Declarations::json_schema();
    /// assert_eq!(schema["required"][0], "inboxes");
    /// ```
    pub fn json_schema() -> Value {
        schemars::schema_for!(Declarations).to_value()
    }
}

/// Why a set of declarations cannot be planned or applied at all (checked before any request).
///
/// ```
/// use zapier_embed::apply::Declarations;
///
/// let error = Declarations::default().check().unwrap_err();
/// assert_eq!(error.to_string(), "declares no inboxes");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeclarationError {
    /// No inbox is declared.
    Empty,
    /// A declared name is not a valid inbox name.
    InvalidName {
        /// The name as declared.
        name: String,
        /// What is wrong with it.
        reason: InvalidInboxName,
    },
    /// Two inboxes are declared under one name.
    Duplicate {
        /// The name declared twice.
        name: String,
    },
}

impl fmt::Display for DeclarationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeclarationError::Empty => f.write_str("declares no inboxes"),
            DeclarationError::InvalidName { name, reason } => {
                write!(f, "inbox name {name:?}: {reason}")
            }
            DeclarationError::Duplicate { name } => {
                write!(f, "inbox {name:?} is declared twice")
            }
        }
    }
}

impl std::error::Error for DeclarationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DeclarationError::InvalidName { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published schema, relative to this crate.
    const SCHEMA_PATH: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../schemas/inboxes-apply.schema.json"
    );

    #[test]
    fn the_published_schema_is_the_generated_one() {
        let generated = format!(
            "{}\n",
            serde_json::to_string_pretty(&Declarations::json_schema()).unwrap()
        );
        if std::env::var_os("ZAPIER_EMBED_UPDATE_SCHEMAS").is_some() {
            std::fs::write(SCHEMA_PATH, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(SCHEMA_PATH).unwrap_or_default();
        assert!(
            committed == generated,
            "schemas/inboxes-apply.schema.json is not the schema of `Declarations`; regenerate it \
             with `ZAPIER_EMBED_UPDATE_SCHEMAS=1 cargo test -p zapier-embed --lib apply::` and \
             review the diff"
        );
    }

    #[test]
    fn declarations_parse_and_refuse_unknown_fields() {
        let json = r#"{"inboxes":[{"name":"a","app":"slack","trigger":"t"}]}"#;
        let file: Declarations = serde_json::from_str(json).unwrap();
        assert!(file.inboxes[0].inputs.is_empty());
        assert_eq!(file.check(), Ok(()));
        assert!(
            serde_json::from_str::<Declarations>(
                r#"{"inboxes":[{"name":"a","app":"x","trigger":"t","color":"red"}]}"#
            )
            .is_err()
        );
    }

    #[test]
    fn check_names_the_bad_declaration() {
        let bad = Declarations {
            inboxes: vec![DeclaredInbox::new("..", "slack", "t")],
        };
        let error = bad.check().unwrap_err();
        assert!(
            error.to_string().starts_with("inbox name \"..\": "),
            "{error}"
        );
        assert!(std::error::Error::source(&error).is_some());
    }
}

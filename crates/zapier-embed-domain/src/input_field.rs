//! Trigger (and action) input-field definitions, as returned by `trigger-input-fields` and the
//! Partner API's `…/inputs`.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::open_enum::open_enum;

open_enum! {
    /// The value type of an input field (`value_type`).
    ///
    /// The seeds document `STRING`, `BOOLEAN` and `INTEGER`; the Partner API adds `NUMBER` (and
    /// `ARRAY` / `OBJECT`, which decode as [`ValueType::Unknown`] and are not type-checked).
    ///
    /// ```
    /// use zapier_embed_domain::ValueType;
    /// assert_eq!(ValueType::from("BOOLEAN"), ValueType::Boolean);
    /// assert_eq!(ValueType::Integer.to_string(), "INTEGER");
    /// ```
    pub enum ValueType {
        /// Text.
        String => "STRING",
        /// True / false (Zapier also accepts `yes` / `no`).
        Boolean => "BOOLEAN",
        /// A whole number.
        Integer => "INTEGER",
        /// Any number.
        Number => "NUMBER",
        @other
        /// A type this version of the crate does not check, kept verbatim.
        Unknown,
    }
}

open_enum! {
    /// How an input field is presented (`format`).
    ///
    /// ```
    /// use zapier_embed_domain::FieldFormat;
    /// assert!(FieldFormat::from("SELECT").needs_choices());
    /// assert!(FieldFormat::Password.is_sensitive());
    /// ```
    pub enum FieldFormat {
        /// Pick from choices fetched from the app (dynamic dropdown).
        Select => "SELECT",
        /// Free text.
        Text => "TEXT",
        /// A date-time.
        Datetime => "DATETIME",
        /// Multi-line text.
        Multiline => "MULTILINE",
        /// A secret: its value is never echoed in validation errors.
        Password => "PASSWORD",
        /// Code.
        Code => "CODE",
        /// Read-only.
        Readonly => "READONLY",
        /// A file.
        File => "FILE",
        @other
        /// A format this version of the crate does not know, kept verbatim.
        Unknown,
    }
}

impl FieldFormat {
    /// Whether choices must be fetched before presenting the field (`SELECT`).
    ///
    /// ```
    /// use zapier_embed_domain::FieldFormat;
    /// assert!(!FieldFormat::Text.needs_choices());
    /// ```
    pub fn needs_choices(&self) -> bool {
        matches!(self, FieldFormat::Select)
    }

    /// Whether values of this field must not be echoed (`PASSWORD`).
    ///
    /// ```
    /// use zapier_embed_domain::FieldFormat;
    /// assert!(!FieldFormat::Select.is_sensitive());
    /// ```
    pub fn is_sensitive(&self) -> bool {
        matches!(self, FieldFormat::Password)
    }
}

/// The definition of one input field.
///
/// Decodes the seeds' `trigger-input-fields` items (`key`, `title`, `value_type`, `format`,
/// `is_required`, `default_value`, `description`) and the Partner API's `InputField` (`id` instead
/// of `key`). A blank `default_value` or `format` decodes as `None`; a non-string default (a
/// number or boolean) is kept as its JSON text.
///
/// ```
/// use zapier_embed_domain::{FieldFormat, InputField, ValueType};
/// let field: InputField = serde_json::from_str(r#"{
///   "key": "listen_for_bots", "title": "Trigger for Bot Messages?", "value_type": "BOOLEAN",
///   "format": "SELECT", "is_required": false, "default_value": "no"
/// }"#).unwrap();
/// assert_eq!(field.value_type, ValueType::Boolean);
/// assert_eq!(field.format, Some(FieldFormat::Select));
/// assert_eq!(field.default_value.as_deref(), Some("no"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(from = "InputFieldWire")]
#[non_exhaustive]
pub struct InputField {
    /// The key to use in `inputs`.
    pub key: String,
    /// Label for a UI.
    pub title: String,
    /// The value type; `Unknown("")` when the server sent none (then nothing is type-checked).
    pub value_type: ValueType,
    /// Presentation hint.
    pub format: Option<FieldFormat>,
    /// Whether a value must be provided.
    pub is_required: bool,
    /// The value to use when none is provided.
    pub default_value: Option<String>,
    /// Help text.
    pub description: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
struct InputFieldWire {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    value_type: Option<ValueType>,
    #[serde(default, deserialize_with = "blank_format_as_none")]
    format: Option<FieldFormat>,
    #[serde(default)]
    is_required: bool,
    #[serde(default, deserialize_with = "default_value_as_text")]
    default_value: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

fn blank_format_as_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<FieldFormat>, D::Error> {
    let raw = Option::<String>::deserialize(d)?;
    Ok(raw.filter(|s| !s.is_empty()).map(FieldFormat::from))
}

fn default_value_as_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    })
}

impl From<InputFieldWire> for InputField {
    fn from(wire: InputFieldWire) -> Self {
        InputField {
            key: wire.key.or(wire.id).unwrap_or_default(),
            title: wire.title.unwrap_or_default(),
            value_type: wire
                .value_type
                .unwrap_or_else(|| ValueType::Unknown(String::new())),
            format: wire.format,
            is_required: wire.is_required,
            default_value: wire.default_value,
            description: wire.description.filter(|d| !d.is_empty()),
        }
    }
}

impl InputField {
    /// An optional field with no default, title or format.
    ///
    /// ```
    /// use zapier_embed_domain::{InputField, ValueType};
    /// let f = InputField::new("channel", ValueType::String);
    /// assert!(!f.is_required);
    /// ```
    pub fn new(key: impl Into<String>, value_type: ValueType) -> Self {
        InputField {
            key: key.into(),
            title: String::new(),
            value_type,
            format: None,
            is_required: false,
            default_value: None,
            description: None,
        }
    }

    /// Marks the field required.
    ///
    /// ```
    /// use zapier_embed_domain::{InputField, ValueType};
    /// assert!(InputField::new("channel", ValueType::String).required().is_required);
    /// ```
    pub fn required(mut self) -> Self {
        self.is_required = true;
        self
    }

    /// Sets the default value.
    ///
    /// ```
    /// use zapier_embed_domain::{InputField, ValueType};
    /// let f = InputField::new("listen_for_bots", ValueType::Boolean).with_default("no");
    /// assert_eq!(f.default_value.as_deref(), Some("no"));
    /// ```
    pub fn with_default(mut self, value: impl Into<String>) -> Self {
        self.default_value = Some(value.into());
        self
    }

    /// Sets the format.
    ///
    /// ```
    /// use zapier_embed_domain::{FieldFormat, InputField, ValueType};
    /// let f = InputField::new("api_key", ValueType::String).with_format(FieldFormat::Password);
    /// assert!(f.is_sensitive());
    /// ```
    pub fn with_format(mut self, format: FieldFormat) -> Self {
        self.format = Some(format);
        self
    }

    /// Sets the title.
    ///
    /// ```
    /// use zapier_embed_domain::{InputField, ValueType};
    /// assert_eq!(InputField::new("c", ValueType::String).with_title("Channel").title, "Channel");
    /// ```
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Sets the description.
    ///
    /// ```
    /// use zapier_embed_domain::{InputField, ValueType};
    /// let f = InputField::new("c", ValueType::String).with_description("Pick one");
    /// assert_eq!(f.description.as_deref(), Some("Pick one"));
    /// ```
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Whether values of this field must not be echoed (format `PASSWORD`).
    ///
    /// ```
    /// use zapier_embed_domain::{InputField, ValueType};
    /// assert!(!InputField::new("c", ValueType::String).is_sensitive());
    /// ```
    pub fn is_sensitive(&self) -> bool {
        self.format.as_ref().is_some_and(FieldFormat::is_sensitive)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_the_seed_field_list() {
        // Seed 000 / 001, step 4.
        let body = json!({"results": [
            {"key": "channel", "title": "Channel", "value_type": "STRING", "format": "SELECT",
             "is_required": true,
             "description": "Only channels you are a member of will appear in this list."},
            {"key": "listen_for_bots", "title": "Trigger for Bot Messages?", "value_type": "BOOLEAN",
             "format": "SELECT", "is_required": false, "default_value": "no"}
        ]});
        let fields: Vec<InputField> = serde_json::from_value(body["results"].clone()).unwrap();
        assert_eq!(fields.len(), 2);
        assert!(fields[0].is_required);
        assert_eq!(fields[0].default_value, None);
        assert_eq!(fields[1].value_type, ValueType::Boolean);
    }

    #[test]
    fn decodes_partner_api_field_with_id_and_blank_default() {
        let f: InputField = serde_json::from_value(json!({
            "type": "input_field", "id": "repo", "default_value": "", "depends_on": [],
            "description": "", "format": "", "invalidates_input_fields": false, "is_required": true,
            "items": {}, "placeholder": "", "title": "Repo", "value_type": "ARRAY"
        }))
        .unwrap();
        assert_eq!(f.key, "repo");
        assert_eq!(f.default_value, None);
        assert_eq!(f.format, None);
        assert_eq!(f.description, None);
        assert_eq!(f.value_type, ValueType::Unknown("ARRAY".into()));
    }

    #[test]
    fn non_string_default_is_kept_as_text() {
        let f: InputField = serde_json::from_value(
            json!({"key": "n", "value_type": "INTEGER", "default_value": 10}),
        )
        .unwrap();
        assert_eq!(f.default_value.as_deref(), Some("10"));
    }
}

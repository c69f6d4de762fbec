//! An event's data as a queue stores it: the JSON text of one object, written once and shared.

use std::sync::Arc;

use serde_json::Value;

/// The data of one event: the compact JSON text of an object, shared (reference-counted, never
/// copied) by every message and every inbox it was delivered to.
///
/// Text rather than a parsed [`Value`]: a parsed object costs a map node per object on top of its
/// strings (about 600 bytes for a small object), the text costs its length plus a 16-byte header.
/// It is parsed again only when a lease hands the message out.
///
/// ```
/// use zapier_embed_emulator::queue::Payload;
/// let value = serde_json::json!({"text": "hi", "n": 1});
/// let payload = Payload::from_value(&value);
/// assert_eq!(payload.as_str(), r#"{"n":1,"text":"hi"}"#);
/// assert_eq!(payload.to_value(), value);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload(Arc<str>);

impl Payload {
    /// Serializes `value` (compact JSON).
    ///
    /// ```
    /// use zapier_embed_emulator::queue::Payload;
    /// assert_eq!(Payload::from_value(&serde_json::json!({})).len(), 2);
    /// ```
    pub fn from_value(value: &Value) -> Self {
        Self(Arc::from(value.to_string()))
    }

    /// The JSON text.
    ///
    /// ```
    /// use zapier_embed_emulator::queue::Payload;
    /// let payload = Payload::from_value(&serde_json::json!({"a": [1, 2]}));
    /// assert_eq!(payload.as_str(), r#"{"a":[1,2]}"#);
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Length of the JSON text in bytes.
    ///
    /// ```
    /// use zapier_embed_emulator::queue::Payload;
    /// let payload = Payload::from_value(&serde_json::json!({"a": 1}));
    /// assert_eq!(payload.len(), r#"{"a":1}"#.len());
    /// assert!(!payload.is_empty());
    /// ```
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the text is empty (never, for a payload made by [`Payload::from_value`]).
    ///
    /// ```
    /// use zapier_embed_emulator::queue::Payload;
    /// assert!(!Payload::from_value(&serde_json::json!({})).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The data as a JSON value, parsed from the text.
    ///
    /// The text was written by `serde_json` from a value that `serde_json` itself parsed (so
    /// within its nesting limit), so it parses back. Should that ever fail, the text is
    /// returned as `{"raw": "<text>"}`, the shape catch hooks give a body that is not an object,
    /// rather than a panic.
    ///
    /// ```
    /// use zapier_embed_emulator::queue::Payload;
    /// let value = serde_json::json!({"nested": {"list": [true, null, 1.5]}});
    /// assert_eq!(Payload::from_value(&value).to_value(), value);
    /// ```
    pub fn to_value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or_else(|_| serde_json::json!({ "raw": &*self.0 }))
    }
}

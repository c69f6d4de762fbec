//! Reading the error bodies the APIs send, whatever their shape.
//!
//! Four shapes are documented or observed:
//! * the Trigger Inbox / Partner API envelope `{"errors": [{"code", "detail", "status", "title",
//!   "source"}]}` (`source` free-form, or `{pointer, parameter, header}` in the Partner API);
//! * the lease 409 `{"detail", "inbox_attributes": {"status", "paused_reason", "paused_at"}}`;
//! * OAuth errors `{"error", "error_description"}` from the token endpoint;
//! * plain Django REST Framework bodies (`{"detail"}` or `{"field": ["message", …]}`), which
//!   the Trigger Inbox backend is built on and may answer with outside the documented paths.
//!
//! Anything else (HTML from a proxy, an empty body) parses as "nothing known"; the caller still
//! keeps a bounded excerpt.

use serde_json::{Map, Value};

use zapier_embed_domain::{FieldError, InboxAttributes, is_secret_key};

/// What could be read from an error body.
#[derive(Debug, Default)]
pub(crate) struct ParsedBody {
    pub(crate) code: Option<String>,
    pub(crate) title: Option<String>,
    pub(crate) detail: Option<String>,
    /// Field-level problems (from `source`, a `field: …` detail, or a DRF field map).
    pub(crate) fields: Vec<FieldError>,
    /// Present when the body is a lease 409.
    pub(crate) inbox_attributes: Option<InboxAttributes>,
    /// True for OAuth `{"error": …}` bodies.
    pub(crate) oauth: bool,
}

/// Keys of a DRF-style object that are not field names.
const NON_FIELD_KEYS: &[&str] = &[
    "detail",
    "code",
    "status",
    "title",
    "message",
    "error",
    "error_description",
    "errors",
    "inbox_attributes",
    "non_field_errors",
    "type",
    "meta",
];

pub(crate) fn parse(body: &[u8]) -> ParsedBody {
    let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) else {
        return ParsedBody::default();
    };
    let mut parsed = ParsedBody::default();

    if let Some(errors) = obj.get("errors").and_then(Value::as_array) {
        parse_envelope(errors, &mut parsed);
    }
    if let Some(attrs) = obj.get("inbox_attributes")
        && attrs.is_object()
    {
        parsed.inbox_attributes = serde_json::from_value(attrs.clone()).ok();
    }
    if let Some(error) = str_of(&obj, "error") {
        parsed.oauth = true;
        parsed.code.get_or_insert(error);
        if let Some(desc) = str_of(&obj, "error_description") {
            parsed.detail.get_or_insert(desc);
        }
    }
    if let Some(code) = str_of(&obj, "code") {
        parsed.code.get_or_insert(code);
    }
    if let Some(title) = str_of(&obj, "title") {
        parsed.title.get_or_insert(title);
    }
    for key in ["detail", "message"] {
        if let Some(detail) = str_of(&obj, key) {
            parsed.detail.get_or_insert(detail);
        }
    }
    if let Some(non_field) = obj.get("non_field_errors").and_then(messages_of) {
        parsed.detail.get_or_insert(non_field);
    }
    if parsed.fields.is_empty() && !parsed.oauth {
        parse_drf_field_map(&obj, &mut parsed);
    }
    parsed
}

fn parse_envelope(errors: &[Value], parsed: &mut ParsedBody) {
    let mut details = Vec::new();
    for entry in errors {
        let Some(entry) = entry.as_object() else {
            if let Some(text) = entry.as_str() {
                details.push(text.to_owned());
            }
            continue;
        };
        let code = str_of(entry, "code");
        let title = str_of(entry, "title");
        let detail = str_of(entry, "detail");
        if parsed.code.is_none() {
            parsed.code.clone_from(&code);
        }
        if parsed.title.is_none() {
            parsed.title.clone_from(&title);
        }
        if let Some(d) = &detail {
            details.push(d.clone());
        }
        let from_source = entry.get("source").and_then(field_from_source);
        let field = match from_source {
            // A detail that names the field itself (`connection: required for Slack.`) keeps
            // only its message: the field is shown once, in front of it.
            Some(field) => {
                let why = detail.as_deref().map(|d| without_field_name(d, &field));
                Some((field, why))
            }
            // `field: message` → the field, and the message without the repeated name.
            None => detail
                .as_deref()
                .and_then(field_from_detail)
                .map(|(field, rest)| (field, Some(rest))),
        };
        if let Some((field, why)) = field {
            let why = why
                .or(title)
                .or(code)
                .unwrap_or_else(|| "rejected by the server".to_owned());
            parsed
                .fields
                .push(FieldError::server_reported(&field, &why));
        }
    }
    if !details.is_empty() {
        parsed.detail = Some(details.join("; "));
    }
}

/// DRF's default validation body: `{"field": ["message", …], …}`. Only list values count (DRF
/// always sends lists there), so a stray string field, let alone a credential, is never read as
/// a field error.
fn parse_drf_field_map(obj: &Map<String, Value>, parsed: &mut ParsedBody) {
    for (key, value) in obj {
        if NON_FIELD_KEYS.contains(&key.as_str()) || is_secret_key(key) || !value.is_array() {
            continue;
        }
        if let Some(why) = messages_of(value) {
            parsed.fields.push(FieldError::server_reported(key, &why));
        }
    }
}

/// A string, or an array of strings joined with `; ` (DRF's per-field list).
fn messages_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => {
            let texts: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            (!texts.is_empty() && texts.len() == items.len()).then(|| texts.join("; "))
        }
        _ => None,
    }
}

fn str_of(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The field an envelope entry's `source` points at.
fn field_from_source(source: &Value) -> Option<String> {
    match source {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(obj) => {
            for key in ["field", "attr", "parameter"] {
                if let Some(v) = str_of(obj, key) {
                    return Some(v);
                }
            }
            str_of(obj, "pointer")
                .and_then(|p| field_from_pointer(&p))
                .or_else(|| str_of(obj, "header"))
        }
        _ => None,
    }
}

/// `/data/inputs/channel` → `inputs.channel` (the Partner API wraps bodies in `data`).
fn field_from_pointer(pointer: &str) -> Option<String> {
    let mut segments: Vec<&str> = pointer.split('/').filter(|s| !s.is_empty()).collect();
    if segments.first() == Some(&"data") && segments.len() > 1 {
        segments.remove(0);
    }
    (!segments.is_empty()).then(|| {
        segments
            .iter()
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect::<Vec<_>>()
            .join(".")
    })
}

/// `detail` without a leading `field: ` naming `field` (also as its pointer's full path, e.g.
/// `data.authentication` for the field `authentication` of the pointer `/data/authentication`).
fn without_field_name(detail: &str, field: &str) -> String {
    match field_from_detail(detail) {
        Some((named, rest)) if named.strip_prefix("data.").unwrap_or(&named) == field => rest,
        _ => detail.to_owned(),
    }
}

/// `app_key: No app matches.` → (`app_key`, `No app matches.`) (the errors guide says `detail`
/// names the field).
fn field_from_detail(detail: &str) -> Option<(String, String)> {
    let (head, rest) = detail.split_once(": ")?;
    let ident = head.trim();
    let valid = !ident.is_empty()
        && ident.len() <= 100
        && ident
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && ident
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'));
    valid.then(|| (ident.to_owned(), rest.trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_with_pointer_source() {
        let p = parse(
            br#"{"errors":[{"status":400,"code":"invalid","title":"Invalid","detail":"bad channel",
                 "source":{"pointer":"/data/inputs/channel","parameter":null,"header":null},"meta":null}]}"#,
        );
        assert_eq!(p.code.as_deref(), Some("invalid"));
        assert_eq!(p.fields[0].field, "inputs.channel");
    }

    #[test]
    fn a_field_named_by_source_and_detail_is_named_once() {
        let p = parse(
            br#"{"errors":[{"code":"validation_error","detail":"connection: required for Slack.",
                 "source":{"parameter":"connection"}}]}"#,
        );
        assert_eq!(p.fields[0].to_string(), "connection: required for Slack.");
        let p = parse(
            br#"{"errors":[{"code":"validation_error","detail":"data.authentication: required for Slack.",
                 "source":{"pointer":"/data/authentication"}}]}"#,
        );
        assert_eq!(
            p.fields[0].to_string(),
            "authentication: required for Slack."
        );
        // A detail naming another field is kept whole.
        let p = parse(
            br#"{"errors":[{"code":"validation_error","detail":"inputs.channel: missing.",
                 "source":{"parameter":"connection"}}]}"#,
        );
        assert_eq!(
            p.fields[0].to_string(),
            "connection: inputs.channel: missing."
        );
    }

    #[test]
    fn detail_names_the_field() {
        let p = parse(
            br#"{"errors":[{"code":"validation_error","detail":"app_key: No app matches 'nope'."}]}"#,
        );
        assert_eq!(p.fields[0].field, "app_key");
        let p = parse(br#"{"errors":[{"code":"x","detail":"Token has expired."}]}"#);
        assert!(p.fields.is_empty());
    }

    #[test]
    fn drf_field_map_and_oauth() {
        let p = parse(br#"{"name":["This field is required."],"inputs":{"x":1}}"#);
        assert_eq!(p.fields.len(), 1);
        assert_eq!(p.fields[0].field, "name");
        let p = parse(
            br#"{"error":"invalid_client","error_description":"Client authentication failed."}"#,
        );
        assert!(p.oauth);
        assert_eq!(p.code.as_deref(), Some("invalid_client"));
        assert!(p.fields.is_empty());
    }

    #[test]
    fn junk_is_nothing() {
        for body in [&b""[..], b"<html>502</html>", b"[1,2]", b"\xff\xfe"] {
            let p = parse(body);
            assert!(p.code.is_none() && p.detail.is_none() && p.fields.is_empty());
        }
    }
}

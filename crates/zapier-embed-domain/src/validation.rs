//! Checking trigger inputs against their field definitions before any request is sent.
//!
//! Rules, and why:
//! * A required field must be present, not `null`, and not blank (`""`, whitespace, `[]`);
//!   Zapier would otherwise create an inbox that cannot work, which only shows up later as an
//!   `initialization_failure`.
//! * Values of known types are checked: `STRING` takes strings; `BOOLEAN` takes `true`/`false`
//!   and the strings `yes`/`no`/`true`/`false` (any case), which is what Zapier's own dropdown
//!   sends; `INTEGER` takes whole numbers and strings holding one; `NUMBER` takes numbers and
//!   numeric strings. Values are not rewritten: the server gets exactly what the caller gave.
//! * A missing (or blank optional) field with a `default_value` gets the default, as a string,
//!   the form in which the server published it.
//! * Keys that no field declares are **kept, not rejected**: Zapier triggers take static inputs
//!   that the field list does not always declare (Webhooks by Zapier's `_zap_static_hook_code` and
//!   `_zap_static_hook_seed`), and a validator that rejected them would block valid requests.
//! * Every bad field is reported at once, in the order of the field definitions.

use std::collections::HashSet;
use std::fmt;

use serde_json::{Map, Value};

use crate::input_field::{InputField, ValueType};
use crate::lease_options::RangeError;
use crate::redact::{bounded_one_line, scrub_text};

/// How long a rejected value may be when echoed in a [`FieldProblem::WrongType`].
const MAX_ECHO: usize = 64;

/// What is wrong with one field.
///
/// ```
/// use zapier_embed_domain::{FieldProblem, ValueType};
/// let p = FieldProblem::WrongType { expected: ValueType::Boolean, got: "\"maybe\"".into() };
/// assert_eq!(p.to_string(), "expected BOOLEAN, got \"maybe\"");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldProblem {
    /// A required field is absent or `null`.
    Missing,
    /// A required field is blank (`""`, whitespace only, or `[]`).
    Empty,
    /// The value has the wrong type.
    WrongType {
        /// The declared type.
        expected: ValueType,
        /// The rejected value as compact JSON, at most 64 characters, or `[redacted]` for a
        /// `PASSWORD` field.
        got: String,
    },
    /// The value has the right type but lies outside the accepted range.
    OutOfRange {
        /// The rejected value.
        got: String,
        /// The accepted range, e.g. `1..=3600`.
        range: String,
    },
    /// Any other problem, in words (server-reported problems land here).
    Invalid(String),
}

impl fmt::Display for FieldProblem {
    /// One short clause, without the field name.
    ///
    /// ```
    /// use zapier_embed_domain::FieldProblem;
    /// assert_eq!(FieldProblem::Missing.to_string(), "required field is missing");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldProblem::Missing => f.write_str("required field is missing"),
            FieldProblem::Empty => f.write_str("required field is empty"),
            FieldProblem::WrongType { expected, got } => {
                write!(f, "expected {expected}, got {got}")
            }
            FieldProblem::OutOfRange { got, range } => {
                write!(f, "{got} is outside {range}")
            }
            FieldProblem::Invalid(why) => f.write_str(why),
        }
    }
}

/// One bad field: its key and what is wrong with it.
///
/// ```
/// use zapier_embed_domain::{FieldError, FieldProblem};
/// let e = FieldError::new("channel", FieldProblem::Missing);
/// assert_eq!(e.to_string(), "channel: required field is missing");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct FieldError {
    /// The field key (for server-reported errors: the name the server gave, e.g. `app_key` or
    /// `subscription.inputs.channel`).
    pub field: String,
    /// What is wrong.
    pub problem: FieldProblem,
}

impl FieldError {
    /// Builds a field error.
    ///
    /// ```
    /// use zapier_embed_domain::{FieldError, FieldProblem};
    /// let e = FieldError::new("app_key", FieldProblem::Invalid("unknown app".into()));
    /// assert_eq!(e.field, "app_key");
    /// ```
    pub fn new(field: impl Into<String>, problem: FieldProblem) -> Self {
        FieldError {
            field: field.into(),
            problem,
        }
    }

    /// A field problem a server reported: the field name kept to one line of at most 200
    /// bytes, the message scrubbed of credentials (see [`redact_text`](crate::redact_text)) and
    /// kept to one line of at most 300 bytes, since both come from the network.
    ///
    /// ```
    /// use zapier_embed_domain::{FieldError, FieldProblem};
    /// let e = FieldError::server_reported("token", "bad value for Bearer abc.def\nsee docs");
    /// assert_eq!(e.field, "token");
    /// assert_eq!(e.problem, FieldProblem::Invalid("bad value for Bearer [redacted] see docs".into()));
    /// ```
    pub fn server_reported(field: &str, message: &str) -> Self {
        FieldError::new(
            bounded_one_line(field, MAX_SERVER_FIELD_BYTES),
            FieldProblem::Invalid(bounded_one_line(
                scrub_text(message).trim(),
                MAX_SERVER_MESSAGE_BYTES,
            )),
        )
    }
}

/// The most bytes of a server-reported field name kept in a [`FieldError`].
const MAX_SERVER_FIELD_BYTES: usize = 200;
/// The most bytes of a server-reported field message kept in a [`FieldError`].
const MAX_SERVER_MESSAGE_BYTES: usize = 300;

impl fmt::Display for FieldError {
    /// `field: problem`.
    ///
    /// ```
    /// use zapier_embed_domain::{FieldError, FieldProblem};
    /// assert_eq!(FieldError::new("x", FieldProblem::Empty).to_string(), "x: required field is empty");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

impl From<RangeError> for FieldError {
    /// A lease option out of range, as a field error.
    ///
    /// ```
    /// use zapier_embed_domain::{FieldError, LeaseSeconds};
    /// let e = FieldError::from(LeaseSeconds::new(0).unwrap_err());
    /// assert_eq!(e.to_string(), "lease_seconds: 0 is outside 1..=3600");
    /// ```
    fn from(err: RangeError) -> Self {
        FieldError::new(
            err.field,
            FieldProblem::OutOfRange {
                got: err.got.to_string(),
                range: format!("{}..={}", err.min, err.max),
            },
        )
    }
}

/// Every bad input at once.
///
/// ```
/// use serde_json::json;
/// use zapier_embed_domain::{validate_inputs, InputField, ValueType};
/// let fields = [
///     InputField::new("channel", ValueType::String).required(),
///     InputField::new("listen_for_bots", ValueType::Boolean).with_default("no"),
/// ];
/// let inputs = json!({"listen_for_bots": "maybe"});
/// let err = validate_inputs(&fields, inputs.as_object().unwrap()).unwrap_err();
/// assert_eq!(err.to_string(),
///     "invalid inputs: channel: required field is missing; listen_for_bots: expected BOOLEAN, got \"maybe\"");
/// assert_eq!(err.fields.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValidationError {
    /// The bad fields, in the order of the field definitions; never empty.
    pub fields: Vec<FieldError>,
}

impl ValidationError {
    /// Wraps a list of field errors.
    ///
    /// ```
    /// use zapier_embed_domain::{FieldError, FieldProblem, ValidationError};
    /// let err = ValidationError::new(vec![FieldError::new("x", FieldProblem::Missing)]);
    /// assert_eq!(err.fields.len(), 1);
    /// ```
    pub fn new(fields: Vec<FieldError>) -> Self {
        ValidationError { fields }
    }

    /// The keys of the bad fields.
    ///
    /// ```
    /// use zapier_embed_domain::{FieldError, FieldProblem, ValidationError};
    /// let err = ValidationError::new(vec![FieldError::new("x", FieldProblem::Missing)]);
    /// assert_eq!(err.field_names().collect::<Vec<_>>(), ["x"]);
    /// ```
    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|f| f.field.as_str())
    }
}

impl fmt::Display for ValidationError {
    /// `invalid inputs: a: …; b: …` on one line.
    ///
    /// ```
    /// use zapier_embed_domain::{FieldError, FieldProblem, ValidationError};
    /// let err = ValidationError::new(vec![FieldError::new("x", FieldProblem::Empty)]);
    /// assert_eq!(err.to_string(), "invalid inputs: x: required field is empty");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid inputs: ")?;
        write_field_list(f, &self.fields)
    }
}

impl std::error::Error for ValidationError {}

/// `a: …; b: …` (shared with [`Error`](crate::Error)'s display).
pub(crate) fn write_field_list(f: &mut fmt::Formatter<'_>, fields: &[FieldError]) -> fmt::Result {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            f.write_str("; ")?;
        }
        write!(f, "{field}")?;
    }
    Ok(())
}

/// Checks `inputs` against `fields` and returns the inputs with defaults filled in.
///
/// Rules:
/// * a required field must be present, not `null`, and not blank (`""`, whitespace, `[]`);
/// * `STRING` takes strings; `BOOLEAN` takes `true`/`false` and the strings
///   `yes`/`no`/`true`/`false` (any case); `INTEGER` takes whole numbers and strings holding
///   one; `NUMBER` takes numbers and numeric strings; other types are not checked;
/// * a missing (or blank optional) field with a `default_value` gets the default, as a string;
/// * keys no field declares are kept, not rejected (Zapier static inputs such as
///   `_zap_static_hook_code` are not always declared);
/// * every bad field is reported, in the order of `fields`.
///
/// Never panics; never drops or rewrites a caller's value.
///
/// ```
/// use serde_json::json;
/// use zapier_embed_domain::{validate_inputs, InputField, ValueType};
/// let fields = [
///     InputField::new("channel", ValueType::String).required(),
///     InputField::new("listen_for_bots", ValueType::Boolean).with_default("no"),
/// ];
/// let inputs = json!({"channel": "C0123ABC456", "_zap_static_hook_code": "abc"});
/// let out = validate_inputs(&fields, inputs.as_object().unwrap()).unwrap();
/// assert_eq!(out["listen_for_bots"], "no");           // default filled
/// assert_eq!(out["_zap_static_hook_code"], "abc");   // undeclared key kept
/// ```
pub fn validate_inputs(
    fields: &[InputField],
    inputs: &Map<String, Value>,
) -> Result<Map<String, Value>, ValidationError> {
    let mut out = inputs.clone();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();

    for field in fields {
        // A field list with a key twice is a server quirk; the first definition wins so that
        // each key is reported at most once.
        if !seen.insert(field.key.as_str()) {
            continue;
        }
        let value = inputs.get(&field.key);
        let absent = matches!(value, None | Some(Value::Null));
        let blank = value.is_some_and(is_blank);

        if absent || blank {
            if let Some(default) = &field.default_value {
                // A blank *required* value is a caller mistake worth reporting, not a cue to
                // substitute the default behind their back.
                if !(blank && field.is_required) {
                    out.insert(field.key.clone(), Value::String(default.clone()));
                    continue;
                }
            }
            if field.is_required {
                let problem = if absent {
                    FieldProblem::Missing
                } else {
                    FieldProblem::Empty
                };
                errors.push(FieldError::new(field.key.clone(), problem));
            }
            continue;
        }

        if let Some(value) = value
            && let Some(problem) = check_type(field, value)
        {
            errors.push(FieldError::new(field.key.clone(), problem));
        }
    }

    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ValidationError::new(errors))
    }
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::String(s) => s.trim().is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// `None` when the value fits the field's declared type.
fn check_type(field: &InputField, value: &Value) -> Option<FieldProblem> {
    let ok = match &field.value_type {
        ValueType::String => value.is_string(),
        ValueType::Boolean => match value {
            Value::Bool(_) => true,
            Value::String(s) => ["yes", "no", "true", "false"]
                .iter()
                .any(|w| s.trim().eq_ignore_ascii_case(w)),
            _ => false,
        },
        ValueType::Integer => return check_integer(field, value),
        ValueType::Number => match value {
            Value::Number(_) => true,
            Value::String(s) => s.trim().parse::<f64>().is_ok_and(f64::is_finite),
            _ => false,
        },
        // Types this crate does not check (ARRAY, OBJECT, new ones): accept anything rather than
        // block a request the server would take.
        _ => true,
    };
    if ok {
        None
    } else {
        Some(wrong_type(field, value))
    }
}

fn check_integer(field: &InputField, value: &Value) -> Option<FieldProblem> {
    let out_of_range = |got: String| FieldProblem::OutOfRange {
        got,
        range: format!("{}..={}", i64::MIN, i64::MAX),
    };
    match value {
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            if n.as_i64().is_some() {
                None
            } else {
                Some(out_of_range(echo(field, value)))
            }
        }
        Value::Number(n) => {
            // A float: whole numbers such as `3.0` are fine, fractions are not integers.
            let f = n.as_f64().unwrap_or(f64::NAN);
            if !f.is_finite() || f.fract() != 0.0 {
                Some(wrong_type(field, value))
            } else if !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
                Some(out_of_range(echo(field, value)))
            } else {
                None
            }
        }
        Value::String(s) => {
            let t = s.trim();
            let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                Some(wrong_type(field, value))
            } else if t.parse::<i64>().is_ok() {
                None
            } else {
                Some(out_of_range(echo(field, value)))
            }
        }
        _ => Some(wrong_type(field, value)),
    }
}

fn wrong_type(field: &InputField, value: &Value) -> FieldProblem {
    FieldProblem::WrongType {
        expected: field.value_type.clone(),
        got: echo(field, value),
    }
}

/// The value as compact JSON, bounded, or `[redacted]` for password fields.
fn echo(field: &InputField, value: &Value) -> String {
    if field.is_sensitive() {
        crate::secret::REDACTED.to_owned()
    } else {
        bounded_one_line(&value.to_string(), MAX_ECHO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input_field::FieldFormat;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn booleans_accept_zapier_strings() {
        let fields = [InputField::new("b", ValueType::Boolean).required()];
        for ok in [
            json!(true),
            json!("yes"),
            json!("No"),
            json!("TRUE"),
            json!("false"),
        ] {
            assert!(
                validate_inputs(&fields, &obj(json!({"b": ok.clone()}))).is_ok(),
                "{ok}"
            );
        }
        for bad in [json!("maybe"), json!(1), json!({})] {
            assert!(
                validate_inputs(&fields, &obj(json!({"b": bad.clone()}))).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn integers_accept_integer_strings_and_report_overflow() {
        let fields = [InputField::new("n", ValueType::Integer).required()];
        for ok in [
            json!(5),
            json!(-5),
            json!("42"),
            json!(" 7 "),
            json!(3.0),
            json!("-0"),
        ] {
            assert!(
                validate_inputs(&fields, &obj(json!({"n": ok.clone()}))).is_ok(),
                "{ok}"
            );
        }
        for bad in [
            json!(1.5),
            json!("1.5"),
            json!("ten"),
            json!(true),
            json!("-"),
        ] {
            let err = validate_inputs(&fields, &obj(json!({"n": bad.clone()}))).unwrap_err();
            assert!(
                matches!(err.fields[0].problem, FieldProblem::WrongType { .. }),
                "{bad}"
            );
        }
        for big in [json!(u64::MAX), json!("99999999999999999999"), json!(1e30)] {
            let err = validate_inputs(&fields, &obj(json!({"n": big.clone()}))).unwrap_err();
            assert!(
                matches!(err.fields[0].problem, FieldProblem::OutOfRange { .. }),
                "{big}"
            );
        }
    }

    #[test]
    fn numbers_and_strings() {
        let fields = [
            InputField::new("x", ValueType::Number),
            InputField::new("s", ValueType::String),
        ];
        assert!(validate_inputs(&fields, &obj(json!({"x": "1.5e3", "s": "a"}))).is_ok());
        let err = validate_inputs(&fields, &obj(json!({"x": "NaN", "s": 1}))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid inputs: x: expected NUMBER, got \"NaN\"; s: expected STRING, got 1"
        );
    }

    #[test]
    fn blank_required_is_empty_even_with_default_and_blank_optional_gets_default() {
        let fields = [
            InputField::new("r", ValueType::String)
                .required()
                .with_default("d"),
            InputField::new("o", ValueType::String).with_default("d"),
        ];
        let err = validate_inputs(&fields, &obj(json!({"r": "  ", "o": ""}))).unwrap_err();
        assert_eq!(err.fields, vec![FieldError::new("r", FieldProblem::Empty)]);
        let out = validate_inputs(&fields, &obj(json!({"o": ""}))).unwrap();
        assert_eq!(out["r"], "d");
        assert_eq!(out["o"], "d");
    }

    #[test]
    fn password_values_are_never_echoed() {
        let fields =
            [InputField::new("api_key", ValueType::Integer).with_format(FieldFormat::Password)];
        let err =
            validate_inputs(&fields, &obj(json!({"api_key": "sk_live_SENSITIVE"}))).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("SENSITIVE"));
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn long_values_are_bounded_in_messages() {
        let fields = [InputField::new("s", ValueType::Boolean)];
        let err = validate_inputs(&fields, &obj(json!({"s": "x".repeat(10_000)}))).unwrap_err();
        assert!(err.to_string().len() < 200);
    }

    #[test]
    fn duplicate_definitions_report_once() {
        let fields = [
            InputField::new("c", ValueType::String).required(),
            InputField::new("c", ValueType::Integer).required(),
        ];
        let err = validate_inputs(&fields, &Map::new()).unwrap_err();
        assert_eq!(err.fields.len(), 1);
    }
}

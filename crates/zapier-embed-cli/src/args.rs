//! Value parsers shared by the commands: clap rejects bad values with exit code 2 before any
//! request is made.

use std::time::Duration;

use serde_json::{Map, Value};
use zapier_embed::{InboxRef, LeaseLimit, LeaseSeconds};

/// `KEY=VALUE` (the value may be empty and may contain `=`).
pub fn key_value(raw: &str) -> Result<(String, String), String> {
    match raw.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_owned(), value.to_owned()))
        }
        Some(_) => Err(format!("`{raw}` has an empty key; expected KEY=VALUE")),
        None => Err(format!("`{raw}` is not KEY=VALUE")),
    }
}

/// The `--input` pairs as a JSON object of strings (a later key wins).
pub fn inputs_map(pairs: &[(String, String)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect()
}

/// `--lease-seconds`: checked by the domain's `LeaseSeconds` (1..=3600).
pub fn lease_seconds(raw: &str) -> Result<LeaseSeconds, String> {
    let n: u32 = raw
        .trim()
        .parse()
        .map_err(|_| format!("`{raw}` is not a whole number of seconds"))?;
    LeaseSeconds::new(n).map_err(|e| e.to_string())
}

/// `--limit` of a lease: checked by the domain's `LeaseLimit`.
pub fn lease_limit(raw: &str) -> Result<LeaseLimit, String> {
    let n: u32 = raw
        .trim()
        .parse()
        .map_err(|_| format!("`{raw}` is not a whole number"))?;
    LeaseLimit::new(n).map_err(|e| e.to_string())
}

/// An inbox: a hyphenated uuid is an id, anything else a name.
pub fn inbox_ref(raw: &str) -> Result<InboxRef, String> {
    raw.parse::<InboxRef>()
        .map_err(|e| format!("`{raw}` is not an inbox id or name: {e}"))
}

/// A duration: `500ms`, `30s`, `2m`, `1h`, or a bare number of seconds.
pub fn duration(raw: &str) -> Result<Duration, String> {
    let s = raw.trim();
    let bad = || format!("`{raw}` is not a duration (e.g. 500ms, 30s, 2m)");
    let (number, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(at) => s.split_at(at),
        None => (s, "s"),
    };
    let value: f64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(bad()),
    };
    if !seconds.is_finite() || !(0.0..=86_400.0 * 365.0).contains(&seconds) {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_values() {
        assert_eq!(key_value("channel=C1"), Ok(("channel".into(), "C1".into())));
        assert_eq!(key_value("a=b=c"), Ok(("a".into(), "b=c".into())));
        assert_eq!(key_value("empty="), Ok(("empty".into(), String::new())));
        assert!(key_value("novalue").is_err());
        assert!(key_value("=x").is_err());
    }

    #[test]
    fn lease_seconds_use_the_domain_range() {
        assert_eq!(lease_seconds("30").map(LeaseSeconds::get), Ok(30));
        assert!(lease_seconds("0").unwrap_err().contains("1..=3600"));
        assert!(lease_seconds("3601").unwrap_err().contains("1..=3600"));
        assert!(lease_seconds("ten").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(duration("2m"), Ok(Duration::from_secs(120)));
        assert!(duration("soon").is_err());
        assert!(duration("5d").is_err());
    }

    #[test]
    fn inbox_refs() {
        assert!(matches!(
            inbox_ref("00000000-0000-0000-0000-000000000000"),
            Ok(InboxRef::Id(_))
        ));
        assert!(matches!(inbox_ref("orders"), Ok(InboxRef::Name(_))));
        assert!(inbox_ref("").is_err());
    }
}

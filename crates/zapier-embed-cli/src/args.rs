//! Value parsers shared by the commands: clap rejects bad values with exit code 2 before any
//! request is made.

use std::ffi::OsStr;
use std::time::Duration;

use clap::builder::TypedValueParser;
use clap::error::ErrorKind;

use serde_json::{Map, Value};
use zapier_embed::{InboxName, InboxRef, messages::LeaseLimit, messages::LeaseSeconds};

/// The most characters of a rejected value an error message repeats.
const EXCERPT_CHARS: usize = 40;

/// The longest app, trigger or action key accepted (Zapier's keys are short identifiers).
pub const MAX_KEY_CHARS: usize = 200;

/// A rejected value as an error message shows it: whole when short, else its start and its
/// length, so that a pasted file or a runaway variable is not echoed back in full.
pub fn excerpt(raw: &str) -> String {
    quoted_excerpt(raw, '`')
}

/// [`excerpt`] between `quote` characters.
pub fn quoted_excerpt(raw: &str, quote: char) -> String {
    let chars = raw.chars().count();
    if chars <= EXCERPT_CHARS {
        return format!("{quote}{raw}{quote}");
    }
    let start: String = raw.chars().take(EXCERPT_CHARS / 2).collect();
    format!("{quote}{start}…{quote} ({chars} characters)")
}

/// A value parser from a checking function: like clap's own function parsers, but its error
/// names the flag without repeating the value (which may be kilobytes long); the function's
/// message shows an [`excerpt`] where the value matters.
#[derive(Clone, Copy)]
pub struct Checked<T>(pub fn(&str) -> Result<T, String>);

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Checked<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let field = arg.map_or_else(|| "...".to_owned(), ToString::to_string);
        let checked = value
            .to_str()
            .ok_or_else(|| "is not valid UTF-8".to_owned())
            .and_then(self.0);
        checked.map_err(|message| {
            clap::Error::raw(
                ErrorKind::ValueValidation,
                format!("invalid value for '{field}': {message}\n"),
            )
            .with_cmd(cmd)
        })
    }
}

/// `KEY=VALUE` (the value may be empty and may contain `=`).
pub fn key_value(raw: &str) -> Result<(String, String), String> {
    match raw.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_owned(), value.to_owned()))
        }
        Some(_) => Err(format!(
            "{} has an empty key; expected KEY=VALUE",
            excerpt(raw)
        )),
        None => Err(format!("{} is not KEY=VALUE", excerpt(raw))),
    }
}

/// An app, trigger or action key (`--app`, `--trigger`, `--action`): not empty or blank, at
/// most [`MAX_KEY_CHARS`] characters, no control characters. Sent as given.
pub fn key(raw: &str) -> Result<String, String> {
    let chars = raw.chars().count();
    if raw.trim().is_empty() {
        return Err("must not be empty".into());
    }
    if chars > MAX_KEY_CHARS {
        return Err(format!(
            "{} is too long: {chars} characters, the limit is {MAX_KEY_CHARS}",
            excerpt(raw)
        ));
    }
    if raw.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(raw.to_owned())
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
    LeaseSeconds::new(whole_number(raw, "a whole number of seconds")?).map_err(|e| e.to_string())
}

/// `--limit` of a lease: checked by the domain's `LeaseLimit`.
pub fn lease_limit(raw: &str) -> Result<LeaseLimit, String> {
    LeaseLimit::new(whole_number(raw, "a whole number")?).map_err(|e| e.to_string())
}

/// `raw` as a whole number, else an error saying that it is not `what`.
fn whole_number(raw: &str, what: &str) -> Result<u32, String> {
    raw.trim()
        .parse()
        .map_err(|_| format!("{} is not {what}", excerpt(raw)))
}

/// An inbox: a hyphenated uuid is an id, anything else a name (checked as [`inbox_name`]).
pub fn inbox_ref(raw: &str) -> Result<InboxRef, String> {
    raw.parse::<InboxRef>()
        .map_err(|e| format!("{} is not an inbox id or name: {e}", excerpt(raw)))
}

/// An inbox name, checked by the domain's `InboxName`: 1..=100 characters, no control
/// characters, not `.` or `..` (in a URL path they would address another resource).
pub fn inbox_name(raw: &str) -> Result<String, String> {
    InboxName::new(raw)
        .map(InboxName::into_string)
        .map_err(|e| format!("{} is not an inbox name: {e}", excerpt(raw)))
}

/// A positive whole number (a count such as `--limit` of a listing).
pub fn positive_count(raw: &str) -> Result<usize, String> {
    match raw.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{} is not a whole number", excerpt(raw))),
    }
}

/// A [`duration`] that is not zero (a timeout of zero could only ever fail).
pub fn positive_duration(raw: &str) -> Result<Duration, String> {
    match duration(raw)? {
        d if d.is_zero() => Err("must be longer than zero (e.g. 500ms, 30s, 2m)".into()),
        d => Ok(d),
    }
}

/// A duration: `500ms`, `30s`, `2m`, `1h`, or a bare number of seconds.
pub fn duration(raw: &str) -> Result<Duration, String> {
    let s = raw.trim();
    let bad = || format!("{} is not a duration (e.g. 500ms, 30s, 2m)", excerpt(raw));
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

/// A Redis URL: `redis://HOST:PORT[/DB]` or `rediss://` (TLS). The value is never repeated in the
/// message: it may hold a password.
pub fn redis_url(raw: &str) -> Result<String, String> {
    let rest = raw
        .strip_prefix("redis://")
        .or_else(|| raw.strip_prefix("rediss://"))
        .ok_or_else(|| "must be a redis://HOST:PORT or rediss://HOST:PORT URL".to_owned())?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err("names no host (e.g. redis://127.0.0.1:6379)".into());
    }
    Ok(raw.to_owned())
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
    fn redis_urls_need_the_scheme_and_a_host_and_are_never_echoed() {
        assert_eq!(
            redis_url("redis://127.0.0.1:6379").as_deref(),
            Ok("redis://127.0.0.1:6379")
        );
        assert!(redis_url("rediss://cache.internal:6380/2").is_ok());
        assert!(redis_url("redis://").unwrap_err().contains("no host"));
        let secret = redis_url("http://user:hunter2@host:6379").unwrap_err();
        assert!(!secret.contains("hunter2"), "{secret}");
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
    fn keys_counts_and_timeouts_refuse_what_cannot_work() {
        assert_eq!(key("slack"), Ok("slack".into()));
        assert!(key("").unwrap_err().contains("empty"));
        assert!(key("  ").unwrap_err().contains("empty"));
        assert!(key("a\nb").is_err());
        let long = "k".repeat(5000);
        let err = key(&long).unwrap_err();
        assert!(err.contains("5000 characters") && err.len() < 200, "{err}");
        assert!(positive_count("0").is_err());
        assert_eq!(positive_count("3"), Ok(3));
        assert!(positive_duration("0").is_err());
        assert!(positive_duration("0ms").is_err());
        assert_eq!(positive_duration("1ms"), Ok(Duration::from_millis(1)));
        let err = duration(&"9".repeat(4000)).unwrap_err();
        assert!(err.len() < 200, "{err}");
    }

    #[test]
    fn inbox_refs() {
        assert!(inbox_ref(".").is_err());
        assert!(inbox_ref("..").is_err());
        assert!(inbox_ref("...").is_ok());
        let err = inbox_ref(&"n".repeat(3000)).unwrap_err();
        assert!(err.len() < 300, "{err}");
        assert!(matches!(
            inbox_ref("00000000-0000-0000-0000-000000000000"),
            Ok(InboxRef::Id(_))
        ));
        assert!(matches!(inbox_ref("orders"), Ok(InboxRef::Name(_))));
        assert!(inbox_ref("").is_err());
    }
}

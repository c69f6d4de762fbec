//! Keeping secrets and unbounded text out of error messages.
//!
//! Error messages end up in logs. Three things must never reach them: bearer tokens (an
//! `Authorization` header echoed by an HTTP library), secrets in URL query strings (a Connect UI
//! URL carries `?token=`), and credential fields in a JSON body. Messages are also kept to one
//! bounded line so one bad response cannot flood a log.

use serde_json::Value;

use crate::secret::REDACTED;

/// Query/form parameters whose values are replaced in free text.
const SECRET_PARAMS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "client_secret",
    "subject_token",
    "actor_token",
    "assertion",
    "password",
];

/// JSON keys whose string values are replaced in body excerpts (compared case-insensitively):
/// every [`SECRET_PARAMS`] name, and these.
const SECRET_ONLY_KEYS: &[&str] = &["authorization", "jwt", "secret"];

/// Authorization schemes whose credential is replaced in free text.
const AUTH_SCHEMES: &[&str] = &["bearer ", "jwt ", "basic "];

/// `text` on one line (control characters become spaces), cut at a char boundary so that the
/// result including a trailing `…` is at most `max_bytes` bytes (and never less than the marker).
pub(crate) fn bounded_one_line(text: &str, max_bytes: usize) -> String {
    const MARK: &str = "…";
    let mut out = String::with_capacity(text.len().min(max_bytes));
    let limit = max_bytes.saturating_sub(MARK.len());
    let fits = text.len() <= max_bytes;
    for c in text.chars() {
        let c = if c.is_control() { ' ' } else { c };
        if !fits && out.len() + c.len_utf8() > limit {
            out.push_str(MARK);
            return out;
        }
        out.push(c);
    }
    out
}

/// Removes credentials from free text (an HTTP library's error message, a server detail): the
/// userinfo, query and fragment of URLs of any scheme, the credential after `Bearer` / `JWT` /
/// `Basic`, and the values of credential parameters (`client_secret=…`, `token=…`).
///
/// ```
/// use zapier_embed_domain::redact_text;
/// assert_eq!(
///     redact_text("GET ftp://me:pw@host/x?token=t with Bearer abc"),
///     "GET ftp://[redacted]@host/x?[redacted] with Bearer [redacted]"
/// );
/// ```
pub fn scrub_text(text: &str) -> String {
    let text = scrub_urls(text);
    let text = scrub_auth_schemes(&text);
    scrub_params(&text)
}

/// Drops userinfo, query and fragment of every URL in `text`, whatever its scheme (`http`,
/// `https`, `ftp`, `socks5`, `redis`…): anything shaped `scheme://authority…`.
fn scrub_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(sep) = rest.find("://") {
        let head = rest.get(..sep).unwrap_or("");
        let start = head
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-')))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let scheme = head.get(start..).unwrap_or("");
        if !scheme.starts_with(|c: char| c.is_ascii_alphabetic()) {
            // Not a URL (`://` alone): keep it and look further.
            let (kept, after) = rest.split_at(sep + 3);
            out.push_str(kept);
            rest = after;
            continue;
        }
        let (before, from_url) = rest.split_at(start);
        out.push_str(before);
        let body_start = scheme.len() + 3;
        let end = from_url
            .get(body_start..)
            .unwrap_or("")
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '>' | '<' | ','))
            .map_or(from_url.len(), |i| i + body_start);
        let (url, after) = from_url.split_at(end);
        out.push_str(&scrub_one_url(url));
        rest = after;
    }
    out.push_str(rest);
    out
}

fn scrub_one_url(url: &str) -> String {
    let (scheme, rest) = url.split_at(url.find("://").map_or(0, |i| i + 3));
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path_and_more) = rest.split_at(authority_end);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let cut = path_and_more.find(['?', '#']);
    let mut out = String::with_capacity(url.len());
    out.push_str(scheme);
    if host.len() != authority.len() {
        out.push_str(REDACTED);
        out.push('@');
    }
    out.push_str(host);
    match cut {
        Some(i) => {
            let (path, _) = path_and_more.split_at(i);
            out.push_str(path);
            out.push('?');
            out.push_str(REDACTED);
        }
        None => out.push_str(path_and_more),
    }
    out
}

/// Replaces the credential after `Bearer ` / `JWT ` / `Basic `.
fn scrub_auth_schemes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let lower = rest.to_ascii_lowercase();
        let hit = AUTH_SCHEMES
            .iter()
            .filter_map(|s| lower.find(s).map(|i| (i, s.len())))
            .filter(|(i, _)| {
                // Only whole words: "jwt " inside "xjwt " is not a scheme.
                lower
                    .get(..*i)
                    .unwrap_or("")
                    .chars()
                    .next_back()
                    .is_none_or(|c| !c.is_ascii_alphanumeric())
            })
            .min();
        let Some((i, len)) = hit else {
            out.push_str(rest);
            return out;
        };
        let (before, from) = rest.split_at(i);
        let (scheme, after) = from.split_at(len);
        out.push_str(before);
        out.push_str(scheme);
        let token_end = after
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ')' | ';'))
            .unwrap_or(after.len());
        if token_end > 0 {
            out.push_str(REDACTED);
        }
        let (_, tail) = after.split_at(token_end);
        rest = tail;
    }
}

/// Replaces the value of `name=value` pairs whose name is a credential parameter.
fn scrub_params(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'outer: loop {
        let lower = rest.to_ascii_lowercase();
        let mut best: Option<(usize, usize)> = None;
        for p in SECRET_PARAMS {
            let needle_len = p.len() + 1;
            let mut from = 0;
            while let Some(found) = lower.get(from..).and_then(|s| s.find(p)) {
                let i = from + found;
                let word_start = lower
                    .get(..i)
                    .unwrap_or("")
                    .chars()
                    .next_back()
                    .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
                if word_start && lower.get(i + p.len()..).is_some_and(|s| s.starts_with('=')) {
                    if best.is_none_or(|(b, _)| i < b) {
                        best = Some((i, needle_len));
                    }
                    break;
                }
                from = i + p.len();
            }
        }
        let Some((i, len)) = best else {
            out.push_str(rest);
            break 'outer;
        };
        let (before, from) = rest.split_at(i + len);
        out.push_str(before);
        let value_end = from
            .find(|c: char| c.is_whitespace() || matches!(c, '&' | '"' | '\'' | ',' | ')' | ';'))
            .unwrap_or(from.len());
        if value_end > 0 {
            out.push_str(REDACTED);
        }
        let (_, tail) = from.split_at(value_end);
        rest = tail;
    }
    out
}

/// The shortest secret value [`redact_secrets`] replaces: a shorter one would blank out ordinary
/// words.
pub const MIN_REDACTED_SECRET_BYTES: usize = 4;

/// Replaces every occurrence of each of `secrets` in `text` (verbatim, and percent-encoded as a
/// form or query would carry it) with `[redacted]`. Values shorter than
/// [`MIN_REDACTED_SECRET_BYTES`] are ignored. This catches what pattern-based scrubbing cannot:
/// a server that echoes a known credential in free text.
///
/// ```
/// use zapier_embed_domain::redact_secrets;
/// assert_eq!(
///     redact_secrets("the secret s3cr+t/v was wrong (s3cr%2Bt%2Fv)", &["s3cr+t/v"]),
///     "the secret [redacted] was wrong ([redacted])"
/// );
/// ```
pub fn redact_secrets(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        if secret.len() < MIN_REDACTED_SECRET_BYTES {
            continue;
        }
        for form in [(*secret).to_owned(), percent_encoded(secret)] {
            if out.contains(&form) {
                out = out.replace(&form, REDACTED);
            }
        }
    }
    out
}

/// `value` percent-encoded as `application/x-www-form-urlencoded` would (unreserved bytes kept).
fn percent_encoded(value: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// Whether a JSON key names a credential (`access_token`, `client_secret`, `password`…,
/// compared case-insensitively): its value is redacted from body excerpts, and an error body's
/// field map never reads it as a field name.
///
/// ```
/// use zapier_embed_domain::is_secret_key;
/// assert!(is_secret_key("Client_Secret"));
/// assert!(!is_secret_key("channel"));
/// ```
pub fn is_secret_key(key: &str) -> bool {
    SECRET_PARAMS
        .iter()
        .chain(SECRET_ONLY_KEYS)
        .any(|k| key.eq_ignore_ascii_case(k))
}

/// Replaces string values of credential keys anywhere in a JSON document.
pub(crate) fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                let secret = is_secret_key(key);
                if secret && !v.is_null() {
                    *v = Value::String(REDACTED.to_owned());
                } else {
                    redact_json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        Value::String(s) => {
            let scrubbed = scrub_text(s);
            if scrubbed != *s {
                *s = scrubbed;
            }
        }
        _ => {}
    }
}

/// A bounded, redacted, one-line excerpt of a response body (`None` for an empty body).
pub(crate) fn body_excerpt(body: &[u8], max_bytes: usize) -> Option<String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(mut json) => {
            redact_json(&mut json);
            json.to_string()
        }
        Err(_) => scrub_text(&String::from_utf8_lossy(body)),
    };
    Some(bounded_one_line(text.trim(), max_bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_is_char_safe_and_bounded() {
        let s = "é".repeat(1000);
        for max in [0, 1, 2, 3, 4, 5, 10, 511, 512] {
            let out = bounded_one_line(&s, max);
            assert!(out.len() <= max.max(3), "{max}: {}", out.len());
        }
        assert_eq!(bounded_one_line("short\nline", 512), "short line");
    }

    #[test]
    fn urls_lose_query_and_userinfo() {
        let s = scrub_text(
            "error sending request for url (https://user:pw@connect.zapier.com/to/slack?token=SECRET1&theme=x)",
        );
        assert!(!s.contains("SECRET1") && !s.contains("pw@"), "{s}");
        assert!(
            s.contains("https://[redacted]@connect.zapier.com/to/slack?[redacted])"),
            "{s}"
        );
    }

    #[test]
    fn urls_of_any_scheme_lose_userinfo() {
        for (input, expected) in [
            (
                "proxy socks5://u:pw@proxy:1080/x failed",
                "proxy socks5://[redacted]@proxy:1080/x failed",
            ),
            ("ftp://user:pw@host/f", "ftp://[redacted]@host/f"),
            (
                "redis+tls://:pw@h?db=1",
                "redis+tls://[redacted]@h?[redacted]",
            ),
            ("a :// b", "a :// b"),
            ("é://x", "é://x"),
        ] {
            assert_eq!(scrub_text(input), expected);
        }
    }

    #[test]
    fn known_secrets_are_redacted_verbatim_and_encoded() {
        assert_eq!(
            redact_secrets(
                "echo SECRETVALUE and SECRET%2BX",
                &["SECRETVALUE", "SECRET+X", "ab"]
            ),
            "echo [redacted] and [redacted]"
        );
        assert_eq!(redact_secrets("ab cd", &["ab"]), "ab cd");
    }

    #[test]
    fn auth_headers_and_params_are_scrubbed() {
        let s = scrub_text("header authorization: Bearer eyJSECRET2 sent; JWT abc.SECRET3");
        assert!(!s.contains("SECRET"), "{s}");
        let s = scrub_text("body grant_type=x&client_secret=SECRET4&subject_token=SECRET5 end");
        assert!(!s.contains("SECRET"), "{s}");
        assert!(s.contains("grant_type=x"), "{s}");
        // A parameter whose name merely ends in a secret name is not touched.
        assert_eq!(scrub_text("lease_token=lt_1"), "lease_token=lt_1");
    }

    #[test]
    fn json_credentials_are_redacted() {
        let out = body_excerpt(
            br#"{"error":"invalid_grant","access_token":"SECRET6","nested":[{"client_secret":"SECRET7"}]}"#,
            512,
        )
        .unwrap();
        assert!(!out.contains("SECRET"), "{out}");
        assert!(out.contains("invalid_grant"));
        assert_eq!(body_excerpt(b"  \n", 512), None);
    }
}

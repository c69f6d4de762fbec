//! The Connect UI's pages: consent, connected and refused, each a complete HTML document whose
//! every value from input is escaped, with its script's data as escaped JSON under a
//! nonce-based Content-Security-Policy.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use reqwest::Url;
use serde_json::json;

use super::{Refusal, ReturnTo, connect_result};
use crate::catalog::App;
use crate::state::users::Connection;

/// The consent page: what is being connected (or reconnected), for whom, and where the result
/// goes.
pub(super) fn consent_page(
    app: &'static App,
    user: &str,
    title: &str,
    token: &str,
    reconnect_id: Option<&str>,
    back: &ReturnTo,
) -> Response {
    let hidden = |name: &str, value: Option<&str>| {
        value.map_or_else(String::new, |v| {
            format!(
                r#"<input type="hidden" name="{name}" value="{}">"#,
                escape(v)
            )
        })
    };
    let redirect = back.redirect.as_ref().map(Url::as_str);
    let destination = match back.partner_origin() {
        Some(origin) => format!(
            "<p>The result goes back to <code id=\"partner-origin\">{}</code>.</p>",
            escape(&origin)
        ),
        None => "<p>No page is waiting for the result: the new connection is listed with your \
                 connections.</p>"
            .to_owned(),
    };
    let body = format!(
        r#"<h1>Connect <span id="app">{app_title}</span></h1>
<p>Authorizing account: Zapier user <code id="account">{user}</code></p>
<p>{effect} <strong id="connection-title">{title}</strong>.</p>
{destination}
<form method="post" action="/to/{slug}">
{token}{reconnect}{redirect}{state}{opener}
<button type="submit" name="decision" value="authorize" id="authorize">Authorize</button>
<button type="submit" name="decision" value="cancel" id="cancel">Cancel</button>
</form>"#,
        app_title = escape(app.title),
        user = escape(user),
        title = escape(title),
        slug = escape(app.slug),
        effect = if reconnect_id.is_some() {
            "This re-authorizes the connection"
        } else {
            "This creates the connection"
        },
        token = hidden("token", Some(token)),
        reconnect = hidden("reconnect_id", reconnect_id),
        redirect = hidden("redirect_uri", redirect),
        state = hidden("state", back.state.as_deref()),
        opener = hidden("opener_origin", back.opener.as_deref()),
    );
    let form_target = back
        .redirect
        .as_ref()
        .map(|u| u.origin().ascii_serialization());
    page(
        StatusCode::OK,
        &format!("Connect {}", app.title),
        &body,
        None,
        form_target.as_deref(),
    )
}

/// The popup's result page after a connection was made.
pub(super) fn connected_page(conn: &Connection, back: &ReturnTo) -> Response {
    let body = format!(
        r#"<h1>Connected</h1>
<p>Created <strong id="connection-title">{}</strong> (<code id="connection-id">{}</code>).</p>"#,
        escape(&conn.title),
        escape(&conn.id)
    );
    let message = serde_json::to_value(connect_result(conn)).unwrap_or_default();
    page(
        StatusCode::OK,
        "Connected",
        &body,
        Some((back, message)),
        None,
    )
}

/// A refusal: a clear page, which in the popup flow also posts `authenticationError`.
pub(super) fn refused_page(back: &ReturnTo, refusal: &Refusal) -> Response {
    let body = format!(
        r#"<h1>Not connected</h1>
<p id="error" data-code="{code}">{description}</p>"#,
        code = escape(refusal.code),
        description = escape(&refusal.description)
    );
    let message = json!({
        "type": "authenticationError",
        "error": refusal.code,
        "error_description": refusal.description,
    });
    let status = if refusal.code == "access_denied" {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    page(status, "Not connected", &body, Some((back, message)), None)
}

/// The script of result pages: posts the message to the opener's origin, never to `*`.
const REPORT_SCRIPT: &str = r#"
const report = JSON.parse(document.getElementById("report").textContent);
const status = document.getElementById("status");
if (report.target && window.opener) {
  window.opener.postMessage(report.message, report.target);
  status.textContent = "Reported back to " + report.target + ". You can close this window.";
} else {
  status.textContent = "No page is waiting for this result. You can close this window.";
}
"#;

/// One HTML page with the Connect UI's security headers. `report` adds the result message and
/// the script that posts it; `form_target` is an origin a form on the page may redirect to.
fn page(
    status: StatusCode,
    title: &str,
    body: &str,
    report: Option<(&ReturnTo, serde_json::Value)>,
    form_target: Option<&str>,
) -> Response {
    let mut nonce = [0u8; 18];
    rand::rng().fill_bytes(&mut nonce);
    let nonce = URL_SAFE_NO_PAD.encode(nonce);
    let script = report.map_or_else(String::new, |(back, message)| {
        let data = json!({"target": back.opener, "message": message});
        format!(
            r#"<p id="status"></p>
<script type="application/json" id="report">{}</script>
<script nonce="{nonce}">{REPORT_SCRIPT}</script>"#,
            script_json(&data)
        )
    });
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style nonce="{nonce}">body{{font-family:sans-serif;max-width:36em;margin:2em auto}}button{{margin-right:1em}}</style>
</head><body>
{body}
{script}
</body></html>
"#,
        title = escape(title),
    );
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; \
         form-action 'self'{}; frame-ancestors 'none'; base-uri 'none'",
        form_target.map(|o| format!(" {o}")).unwrap_or_default()
    );
    let mut resp = (status, html).into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

/// HTML-escapes text for element content and quoted attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON safe inside a `<script>` element: no `</script>`, no `<!--`, no HTML entities, no line
/// separators JavaScript would choke on.
fn script_json(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_every_html_metacharacter() {
        assert_eq!(
            escape(r#"<a href="x" onclick='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn script_json_cannot_close_its_element_and_still_parses() {
        let value = json!({"e": "</script><!-- & \u{2028}"});
        let out = script_json(&value);
        assert!(
            !out.contains('<') && !out.contains('>') && !out.contains('&'),
            "{out}"
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&out).unwrap(),
            value
        );
    }
}

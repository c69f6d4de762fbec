//! The Connect UI stand-in: a real page at `/to/{app}`, as `https://connect.zapier.com/to/{app}` is.
//!
//! `GET /to/{app}?token=CONNECT_TOKEN[&redirect_uri=URL&state=S][&reconnect_id=ID]` shows the app and the account
//! being connected, with an Authorize and a Cancel button; it changes nothing. The form posts to
//! `POST /to/{app}`, which uses the connect token up and reports back the way Zapier's Connect UI
//! does:
//! - redirect flow (`redirect_uri` given): `303` to `redirect_uri?authentication_id=ID&service=KEY`
//!   (`&state=S` echoed), or to `redirect_uri?error=CODE&error_description=TEXT&state=S`;
//! - popup flow: a page that posts `{"type":"authenticationSuccess","authId":ID}` or
//!   `{"type":"authenticationError","error":CODE,"error_description":TEXT}` to `window.opener`,
//!   with the opener's origin (from the `Referer` of the page's first load) as the target origin.
//!   Never `*`: when the opener's origin is unknown nothing is posted and the page says so;
//! - a scripted client (`Accept` naming `application/json` and not `text/html`) gets the message
//!   as JSON (`ConnectResult`, or the OAuth error body).
//!
//! With `reconnect_id` (one of the token user's connections to the app) Authorize re-authorizes
//! that connection (valid again, same id) instead of creating one.
//!
//! Tenant safety: the connect token alone decides the user, so one tenant's token can only
//! create a connection for that tenant's user; it is single use, bound to its app, and lives six
//! minutes. An invalid, used or expired token gets a page that says so (or, in the redirect flow,
//! the documented `invalid_request` redirect). Every value rendered from input is HTML-escaped,
//! data for the script is JSON with `<`, `>` and `&` escaped, and every page sends a nonce-based
//! `Content-Security-Policy` with `frame-ancestors 'none'` (the Authorize button cannot be
//! clickjacked), `Referrer-Policy: no-referrer` (the token in the URL leaks nowhere) and
//! `Cache-Control: no-store`.
//!
//! Limits: `redirect_uri` at most [`MAX_URL_LEN`] characters, absolute http(s), without
//! credentials or fragment; `state` at most [`MAX_STATE_LEN`]. The emulator has no registry of
//! partner callback URLs (Zapier redirects only to those registered at onboarding), so any URL
//! that passes these checks is accepted.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use reqwest::Url;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

mod pages;

use self::pages::{connected_page, consent_page, refused_page};
use crate::app::AppState;
use crate::catalog;
use crate::error::{ApiError, OAuthError};
use crate::models::oauth::{ConnectDecisionForm, ConnectQuery, ConnectResult};
use crate::models::partner::Authentication;
use crate::state::users::{ConnectTokenError, Connection};

/// Longest accepted `redirect_uri` (the length Zapier allows for partner callback URLs).
pub(crate) const MAX_URL_LEN: usize = 2048;
/// Longest accepted `state`.
pub(crate) const MAX_STATE_LEN: usize = 1024;

/// Connect routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(connect_page, connect_decision))
}

/// Why the flow ended without a connection: an OAuth error code and a sentence for the user.
#[derive(Debug, Clone)]
struct Refusal {
    code: &'static str,
    description: String,
}

impl Refusal {
    fn invalid(description: impl Into<String>) -> Self {
        Refusal {
            code: "invalid_request",
            description: description.into(),
        }
    }

    fn token(err: ConnectTokenError) -> Self {
        Refusal::invalid(match err {
            ConnectTokenError::Invalid => {
                "The connect token is invalid or was already used. Start the connection again from the app.".to_owned()
            }
            ConnectTokenError::Expired => {
                "The connect token has expired (connect tokens live six minutes). Start the connection again from the app.".to_owned()
            }
            ConnectTokenError::WrongApp(slug) => {
                format!("The connect token was issued for `{slug}`, not for this app.")
            }
            ConnectTokenError::NotReconnectable => {
                "reconnect_id does not name one of this account's connections to this app."
                    .to_owned()
            }
        })
    }
}

/// Where the result goes: decided from validated input before anything is rendered.
#[derive(Debug, Clone, Default)]
struct ReturnTo {
    /// Redirect flow: the partner's callback URL.
    redirect: Option<Url>,
    /// Popup flow: the origin of the page that opened the Connect UI.
    opener: Option<String>,
    /// Echoed to the redirect URL.
    state: Option<String>,
}

impl ReturnTo {
    fn new(
        redirect_uri: Option<&str>,
        opener: Option<String>,
        state: Option<&str>,
    ) -> Result<Self, Refusal> {
        let redirect = redirect_uri
            .filter(|r| !r.is_empty())
            .map(parse_redirect)
            .transpose()?;
        let state = state.filter(|s| !s.is_empty());
        if state.is_some_and(|s| s.chars().count() > MAX_STATE_LEN) {
            return Err(Refusal::invalid(format!(
                "state is longer than {MAX_STATE_LEN} characters."
            )));
        }
        Ok(ReturnTo {
            redirect,
            opener,
            state: state.map(str::to_owned),
        })
    }

    /// The origin the result is meant for (the redirect URL's, else the opener's).
    fn partner_origin(&self) -> Option<String> {
        self.redirect
            .as_ref()
            .map(|u| u.origin().ascii_serialization())
            .or_else(|| self.opener.clone())
    }
}

/// A `redirect_uri` the page may send the browser to: absolute http(s), with a host, no
/// credentials, no fragment, bounded.
fn parse_redirect(raw: &str) -> Result<Url, Refusal> {
    let bad = |why: &str| Refusal::invalid(format!("redirect_uri {why}."));
    if raw.chars().count() > MAX_URL_LEN {
        return Err(bad(&format!("is longer than {MAX_URL_LEN} characters")));
    }
    let url = Url::parse(raw).map_err(|_| bad("is not an absolute URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(bad("must be an http or https URL with a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not carry credentials"));
    }
    if url.fragment().is_some() {
        return Err(bad("must not have a fragment"));
    }
    Ok(url)
}

/// The http(s) origin of `raw` (a URL or an origin), serialized as browsers compare it.
fn http_origin(raw: &str) -> Option<String> {
    let url = Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return None;
    }
    Some(url.origin().ascii_serialization())
}

/// The origin of the page that opened the Connect UI: browsers send it as the `Referer` of a
/// cross-origin navigation (`strict-origin-when-cross-origin`, their default policy).
fn opener_from_referer(headers: &HeaderMap, own_host: Option<&str>) -> Option<String> {
    let origin = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(http_origin)?;
    // A load from the Connect UI itself (a reload after a refusal) names no partner.
    let own = own_host.map(|h| format!("http://{h}"));
    (Some(&origin) != own.as_ref()).then_some(origin)
}

/// Whether the caller is a script asking for JSON rather than a browser.
fn wants_json(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.contains("application/json") && !accept.contains("text/html")
}

/// Show the Connect UI for a connect token: the app, the account, Authorize and Cancel.
///
/// Changes nothing; an unknown app, a missing, used, expired or other app's token, or a bad
/// `redirect_uri` get a page saying so (`400`), or in the redirect flow the documented
/// `invalid_request` redirect.
#[utoipa::path(get, path = "/to/{app}", operation_id = "connectApp", tag = "Connect",
    params(("app" = String, Path, description = "App slug, key or id"), ConnectQuery),
    responses(
        (status = 200, description = "The Connect UI page", content_type = "text/html", body = String),
        (status = 303, description = "Redirect flow: the request is invalid; back to `redirect_uri` with `error`, `error_description` and `state`"),
        (status = 400, description = "A page naming what is wrong (unknown app, bad token, bad `redirect_uri`)", content_type = "text/html", body = String),
    ))]
async fn connect_page(
    State(state): State<AppState>,
    Path(app_ref): Path<String>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let query: ConnectQuery = match serde_urlencoded::from_str(uri.query().unwrap_or("")) {
        Ok(q) => q,
        Err(e) => {
            let refusal = Refusal::invalid(format!("The query is malformed: {e}."));
            return refused_page(&ReturnTo::default(), &refusal);
        }
    };
    let own_host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let back = match ReturnTo::new(
        query.redirect_uri.as_deref(),
        opener_from_referer(&headers, own_host),
        query.state.as_deref(),
    ) {
        Ok(back) => back,
        // Never redirect to a URL that failed the checks.
        Err(refusal) => return refused_page(&ReturnTo::default(), &refusal),
    };
    let Some(app) = catalog::resolve_app(&app_ref) else {
        return report(
            &back,
            false,
            Err(Refusal::invalid(format!("Unknown app `{app_ref}`."))),
        );
    };
    let Some(token) = query.token.filter(|t| !t.is_empty()) else {
        return report(
            &back,
            false,
            Err(Refusal::invalid(
                "The connect token is missing (`token` query parameter).",
            )),
        );
    };
    let store = state.store();
    let user = match store.users.connect_token_user(&token, app, state.now()) {
        Ok(user) => user,
        Err(e) => {
            drop(store);
            return report(&back, false, Err(Refusal::token(e)));
        }
    };
    let reconnect = query.reconnect_id.filter(|id| !id.is_empty());
    let title = match &reconnect {
        Some(id) => store
            .users
            .reconnectable(user, app, id)
            .map(|conn| conn.title.clone()),
        None => Ok(store.users.next_connection_title(user, app)),
    };
    drop(store);
    match title {
        Ok(title) => consent_page(
            app,
            &user.to_string(),
            &title,
            &token,
            reconnect.as_deref(),
            &back,
        ),
        Err(e) => report(&back, false, Err(Refusal::token(e))),
    }
}

/// Authorize or cancel: uses the connect token up and reports the result to the partner.
#[utoipa::path(post, path = "/to/{app}", operation_id = "connectAppDecision", tag = "Connect",
    params(("app" = String, Path, description = "App slug, key or id")),
    request_body(content = ConnectDecisionForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Popup flow: a page that posts the result to the opener; to a scripted client, the message as JSON", content(
            (String = "text/html"),
            (ConnectResult = "application/json"),
        )),
        (status = 303, description = "Redirect flow: back to `redirect_uri` with `authentication_id` and `service`, or `error`, `error_description` (and `state`)"),
        (status = 400, description = "Refused (bad token, unknown app, bad decision): a page naming why, or the OAuth error", content(
            (String = "text/html"),
            (OAuthError = "application/json"),
        )),
    ))]
async fn connect_decision(
    State(state): State<AppState>,
    Path(app_ref): Path<String>,
    headers: HeaderMap,
    form: Result<Form<ConnectDecisionForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let json = wants_json(&headers);
    let Form(form) = match form {
        Ok(form) => form,
        Err(e) => {
            let refusal = Refusal::invalid(format!("The form is malformed: {}", e.body_text()));
            return report(&ReturnTo::default(), json, Err(refusal));
        }
    };
    let opener = form.opener_origin.as_deref().and_then(|o| {
        // Only an exact origin; anything else is dropped rather than used as a target.
        http_origin(o).filter(|parsed| parsed == o)
    });
    let back = match ReturnTo::new(form.redirect_uri.as_deref(), opener, form.state.as_deref()) {
        Ok(back) => back,
        Err(refusal) => return report(&ReturnTo::default(), json, Err(refusal)),
    };
    let Some(app) = catalog::resolve_app(&app_ref) else {
        return report(
            &back,
            json,
            Err(Refusal::invalid(format!("Unknown app `{app_ref}`."))),
        );
    };
    let now = state.now();
    let mut store = state.store();
    let outcome = match form.decision.as_str() {
        "authorize" => match form.reconnect_id.as_deref().filter(|id| !id.is_empty()) {
            Some(id) => store.users.reconnect_with_token(&form.token, app, id, now),
            None => store.users.redeem_connect_token(&form.token, app, now),
        }
        .map_err(Refusal::token),
        "cancel" => match store.users.decline_connect_token(&form.token, app, now) {
            Ok(()) => Err(Refusal {
                code: "access_denied",
                description: "The user cancelled the connection.".to_owned(),
            }),
            Err(e) => Err(Refusal::token(e)),
        },
        other => Err(Refusal::invalid(format!(
            "decision must be `authorize` or `cancel`, not `{other}`."
        ))),
    };
    drop(store);
    report(&back, json, outcome)
}

/// Reports the end of the flow the way the caller can take it.
fn report(back: &ReturnTo, json: bool, outcome: Result<Connection, Refusal>) -> Response {
    if json {
        return match outcome {
            Ok(conn) => Json(connect_result(&conn)).into_response(),
            Err(refusal) => ApiError::oauth(refusal.code, refusal.description).into_response(),
        };
    }
    if let Some(url) = &back.redirect {
        return redirect(url, back.state.as_deref(), &outcome);
    }
    match outcome {
        Ok(conn) => connected_page(&conn, back),
        Err(refusal) => refused_page(back, &refusal),
    }
}

/// The popup message (and JSON answer) for a new connection.
fn connect_result(conn: &Connection) -> ConnectResult {
    ConnectResult {
        kind: "authenticationSuccess".to_owned(),
        auth_id: conn.id.clone(),
        authentication: Authentication {
            kind: "authentication".to_owned(),
            id: conn.id.clone(),
            app: conn.app.id.to_owned(),
            is_expired: false,
            title: conn.title.clone(),
        },
    }
}

/// `303` to the partner's callback URL with the documented parameters.
fn redirect(url: &Url, state: Option<&str>, outcome: &Result<Connection, Refusal>) -> Response {
    let mut url = url.clone();
    {
        let mut pairs = url.query_pairs_mut();
        match outcome {
            Ok(conn) => {
                pairs.append_pair("authentication_id", &conn.id);
                pairs.append_pair("service", conn.app.key);
            }
            Err(refusal) => {
                pairs.append_pair("error", refusal.code);
                pairs.append_pair("error_description", &refusal.description);
            }
        }
        if let Some(state) = state {
            pairs.append_pair("state", state);
        }
    }
    let mut resp = StatusCode::SEE_OTHER.into_response();
    let headers = resp.headers_mut();
    if let Ok(location) = HeaderValue::from_str(url.as_str()) {
        headers.insert(header::LOCATION, location);
    }
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uri_must_be_plain_absolute_http() {
        assert!(parse_redirect("https://partner.example/cb?x=1").is_ok());
        for bad in [
            "/callback",
            "javascript:alert(1)",
            "data:text/html,x",
            "https://user:pw@partner.example/cb",
            "https://partner.example/cb#frag",
        ] {
            assert!(parse_redirect(bad).is_err(), "{bad}");
        }
        let long = format!("https://p.example/{}", "a".repeat(MAX_URL_LEN));
        assert!(parse_redirect(&long).is_err());
    }

    #[test]
    fn opener_is_an_http_origin_other_than_the_connect_ui() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::REFERER,
            HeaderValue::from_static("http://127.0.0.1:4000/app/page?x=1"),
        );
        assert_eq!(
            opener_from_referer(&headers, Some("127.0.0.1:5000")).as_deref(),
            Some("http://127.0.0.1:4000")
        );
        assert_eq!(opener_from_referer(&headers, Some("127.0.0.1:4000")), None);
        headers.insert(
            header::REFERER,
            HeaderValue::from_static("file:///etc/passwd"),
        );
        assert_eq!(opener_from_referer(&headers, None), None);
    }
}

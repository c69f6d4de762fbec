//! Keeps the control surface out of reach of server-side fetches.
//!
//! The emulator POSTs to tenant-chosen `notification_url`s. Without a guard a tenant could point
//! one at the emulator's own `POST /_emulator/reset` (or at a catch hook, which would make every
//! delivery trigger the next one). Two independent defences:
//! * at subscription time, [`check_notification_url`] refuses a URL whose path is the control
//!   surface (`/_emulator...` on any host; `/hooks/...` and `/openapi.json` on a loopback or
//!   unspecified host), after percent-decoding and dot-segment removal;
//! * at send time the URL is checked again, redirects are not followed, and every fetch carries
//!   [`FETCH_MARKER`]; the control routes refuse any request bearing it ([`refuse_own_fetches`]),
//!   which also covers names that resolve to this machine.
//!
//! A web page the developer happens to visit is a server-side fetch of another kind: it can send
//! a simple cross-site POST to `http://127.0.0.1:8787/_emulator/reset` without any CORS preflight.
//! [`refuse_own_fetches`] therefore also refuses `/_emulator/*` requests that a browser marks as
//! cross-site or same-site (`Sec-Fetch-Site`), or whose `Origin` is not the emulator's own.
//! Catch hooks stay open to browsers, as Zapier's are (a web form may post to one).

use std::net::IpAddr;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Header set on every request the emulator itself sends.
pub(crate) const FETCH_MARKER: &str = "x-zapier-embed-emulator-fetch";

/// Longest accepted `notification_url`.
pub(crate) const MAX_URL_LEN: usize = 2048;

/// Why a URL may not be fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not an absolute http(s) URL of at most [`MAX_URL_LEN`] characters.
    Malformed,
    /// It targets the emulator's control surface.
    ControlSurface,
}

impl Refusal {
    /// The `notification_url` validation message.
    pub(crate) fn detail(self) -> String {
        match self {
            Refusal::Malformed => format!(
                "notification_url: must be an absolute http(s) URL of at most {MAX_URL_LEN} characters."
            ),
            Refusal::ControlSurface => "notification_url: must not target the emulator's control API (`/_emulator/*`, `/hooks/*`).".to_owned(),
        }
    }
}

/// Whether `url` names this machine (a loopback or unspecified address, or `localhost`).
pub(crate) fn loopback_host(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => is_local(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_local(IpAddr::V6(ip)),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        None => true,
    }
}

fn is_local(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    ip.is_loopback() || ip.is_unspecified()
}

/// The path as the router would see it once every percent-escape is decoded (so `/%5Femulator`
/// is caught too).
fn decoded_path(url: &reqwest::Url) -> String {
    percent_encoding::percent_decode_str(url.path())
        .decode_utf8_lossy()
        .into_owned()
}

/// Parses and checks a URL the emulator is asked to POST to.
pub(crate) fn check_fetch_target(raw: &str) -> Result<reqwest::Url, Refusal> {
    if raw.len() > MAX_URL_LEN {
        return Err(Refusal::Malformed);
    }
    let url = reqwest::Url::parse(raw).map_err(|_| Refusal::Malformed)?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(Refusal::Malformed);
    }
    let path = decoded_path(&url);
    let control = path.starts_with("/_emulator")
        || (loopback_host(&url) && crate::middleware::is_control(&path));
    if control {
        return Err(Refusal::ControlSurface);
    }
    Ok(url)
}

/// Validates an optional `notification_url` (`400 validation_error` naming the field).
pub(crate) fn check_notification_url(url: Option<&str>) -> Result<(), ApiError> {
    match url.map(check_fetch_target) {
        Some(Err(why)) => Err(ApiError::validation("/notification_url", why.detail())),
        _ => Ok(()),
    }
}

/// Whether a browser sent this request from another site (`Sec-Fetch-Site`), or from a page
/// whose origin is not the host it addresses (`Origin` vs `Host`).
fn from_another_site(headers: &axum::http::HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if matches!(text("sec-fetch-site"), Some("cross-site" | "same-site")) {
        return true;
    }
    match (text("origin"), text("host")) {
        (Some(origin), Some(host)) => reqwest::Url::parse(origin)
            .ok()
            .and_then(|o| {
                let h = o.host_str()?;
                Some(match o.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_owned(),
                })
            })
            .is_none_or(|o| !o.eq_ignore_ascii_case(host)),
        (Some(_), None) => true,
        _ => false,
    }
}

/// Middleware of the control routes: a request the emulator sent itself is refused with `403`,
/// and so is a `/_emulator/*` request a browser sent from another site.
pub(crate) async fn refuse_own_fetches(req: Request, next: Next) -> Response {
    if req.headers().contains_key(FETCH_MARKER) {
        return ApiError::forbidden(
            "The control API does not answer requests sent by the emulator itself.",
        )
        .into_response();
    }
    if req.uri().path().starts_with("/_emulator") && from_another_site(req.headers()) {
        return ApiError::forbidden(
            "The control API does not answer requests a browser sends from another site.",
        )
        .into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_surface_targets_are_refused_however_spelled() {
        for url in [
            "http://127.0.0.1:8787/_emulator/reset",
            "http://localhost:1/a/../_emulator/reset",
            "http://[::1]:1/%5Femulator/reset",
            "http://[::ffff:127.0.0.1]:1/_emulator/faults",
            "http://0.0.0.0:1/hooks/catch/acct/code/",
            "https://example.com/_emulator/reset",
        ] {
            assert_eq!(
                check_fetch_target(url).unwrap_err(),
                Refusal::ControlSurface,
                "{url}"
            );
        }
    }

    #[test]
    fn ordinary_targets_pass() {
        for url in [
            "https://example.com/hooks/zapier",
            "http://127.0.0.1:9000/webhook",
        ] {
            assert!(check_fetch_target(url).is_ok(), "{url}");
        }
        assert_eq!(
            check_fetch_target("ftp://example.com/").unwrap_err(),
            Refusal::Malformed
        );
    }
}

//! The `callback_url` of an action run, checked before any request.

use std::net::IpAddr;
use std::str::FromStr;

use crate::{Error, FieldError, FieldProblem};

/// Longest `callback_url` Zapier accepts, in bytes.
///
/// ```
/// assert_eq!(zapier_embed::actions::MAX_CALLBACK_URL_LEN, 2048);
/// ```
pub const MAX_CALLBACK_URL_LEN: usize = 2048;

const FIELD: &str = "callback_url";

/// A URL Zapier may POST an action run's result to (see
/// [`Actions::start_with_callback`](super::Actions::start_with_callback)).
///
/// [`CallbackUrl::new`] checks what Zapier documents, before any request: an absolute `https`
/// URL of at most [`MAX_CALLBACK_URL_LEN`] bytes, naming no private, loopback or link-local IP
/// address (nor `localhost`); this client also refuses user information (`user:pass@`), which
/// would travel in clear in every callback request the server logs. A host *name* is not
/// resolved: Zapier checks where it points.
///
/// For tests against the local emulator (started with its `allow_loopback_callbacks` option),
/// [`CallbackUrl::loopback_for_tests`] accepts a loopback host over `http`; Zapier refuses such
/// URLs.
///
/// `Debug` leaves out the query string, which may carry a token of the receiver's.
///
/// ```
/// use zapier_embed::actions::CallbackUrl;
/// let url = CallbackUrl::new("https://example.com/zapier/callbacks")?;
/// assert_eq!(url.as_str(), "https://example.com/zapier/callbacks");
/// assert!(CallbackUrl::new("http://example.com/cb").is_err());
/// assert!(CallbackUrl::new("https://10.0.0.1/cb").is_err());
/// assert!(CallbackUrl::new("https://user:pw@example.com/cb").is_err());
/// let err = CallbackUrl::new("https://127.0.0.1/cb").unwrap_err();
/// assert_eq!(err.field_errors()[0].field, "callback_url");
/// assert!(CallbackUrl::loopback_for_tests("http://127.0.0.1:8080/cb").is_ok());
/// # Ok::<(), zapier_embed::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CallbackUrl(url::Url);

impl std::fmt::Debug for CallbackUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown = self.0.clone();
        if shown.query().is_some() {
            shown.set_query(Some("[redacted]"));
        }
        f.debug_tuple("CallbackUrl").field(&shown.as_str()).finish()
    }
}

/// Which URLs a check admits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admit {
    /// What Zapier accepts: public `https`.
    Public,
    /// Also `http` and `https` on a loopback host (tests, the emulator).
    Loopback,
}

fn refuse(operation: &'static str, field: &str, why: &str) -> Error {
    Error::validation(
        operation,
        vec![FieldError::new(
            field,
            FieldProblem::Invalid(why.to_owned()),
        )],
    )
}

/// Whether `ip` is a public unicast address.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80) // link local
        }
    }
}

fn is_localhost(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => is_localhost(d),
        None => false,
    }
}

/// Checks a URL this client hands to, or fetches from, Zapier: absolute, at most
/// [`MAX_CALLBACK_URL_LEN`] bytes, no user information, and `https` to a public host unless
/// `admit` lets a loopback host through.
pub(crate) fn check_url(
    operation: &'static str,
    field: &str,
    raw: &str,
    admit: Admit,
) -> Result<url::Url, Error> {
    if raw.len() > MAX_CALLBACK_URL_LEN {
        return Err(refuse(
            operation,
            field,
            &format!("longer than {MAX_CALLBACK_URL_LEN} bytes"),
        ));
    }
    let url = url::Url::parse(raw)
        .map_err(|e| refuse(operation, field, &format!("not an absolute URL ({e})")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse(
            operation,
            field,
            "must not carry user information (user:password@)",
        ));
    }
    if admit == Admit::Loopback && is_loopback(&url) && matches!(url.scheme(), "http" | "https") {
        return Ok(url);
    }
    if url.scheme() != "https" {
        return Err(refuse(operation, field, "must use https"));
    }
    let public = match url.host() {
        Some(url::Host::Ipv4(ip)) => is_public(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_public(IpAddr::V6(ip)),
        Some(url::Host::Domain(d)) => !is_localhost(d),
        None => false,
    };
    if !public {
        return Err(refuse(
            operation,
            field,
            "must name a public host (private, loopback and link-local addresses are refused)",
        ));
    }
    Ok(url)
}

const CHECK: &str = "check callback URL";

impl CallbackUrl {
    /// A URL Zapier accepts: absolute `https`, at most [`MAX_CALLBACK_URL_LEN`] bytes, a public
    /// host, no user information. The error names the field `callback_url`.
    ///
    /// ```
    /// use zapier_embed::actions::CallbackUrl;
    /// assert!(CallbackUrl::new("https://hooks.example.com/zapier").is_ok());
    /// assert!(CallbackUrl::new("/relative").is_err());
    /// ```
    pub fn new(url: &str) -> Result<Self, Error> {
        check_url(CHECK, FIELD, url, Admit::Public).map(CallbackUrl)
    }

    /// Like [`CallbackUrl::new`], but a loopback host (`127.0.0.0/8`, `::1`, `localhost`) is
    /// also accepted, over `http` too: for tests against the emulator started with
    /// `allow_loopback_callbacks`. Zapier refuses such URLs with `400`.
    ///
    /// ```
    /// use zapier_embed::actions::CallbackUrl;
    /// assert!(CallbackUrl::loopback_for_tests("http://localhost:3000/cb").is_ok());
    /// assert!(CallbackUrl::loopback_for_tests("http://example.com/cb").is_err());
    /// ```
    pub fn loopback_for_tests(url: &str) -> Result<Self, Error> {
        check_url(CHECK, FIELD, url, Admit::Loopback).map(CallbackUrl)
    }

    /// The URL as sent.
    ///
    /// ```
    /// let url = zapier_embed::actions::CallbackUrl::new("https://example.com/cb")?;
    /// assert_eq!(url.as_str(), "https://example.com/cb");
    /// # Ok::<(), zapier_embed::Error>(())
    /// ```
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl FromStr for CallbackUrl {
    type Err = Error;

    /// [`CallbackUrl::new`].
    fn from_str(s: &str) -> Result<Self, Error> {
        CallbackUrl::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zapier_rules_are_checked_before_any_request() {
        for ok in [
            "https://example.com/cb",
            "https://93.184.216.34/cb",
            "https://[2606:4700::1111]/cb?token=x",
        ] {
            assert!(CallbackUrl::new(ok).is_ok(), "{ok}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_CALLBACK_URL_LEN));
        for bad in [
            "http://example.com/cb",
            "ftp://example.com/cb",
            "example.com/cb",
            "https://user@example.com/cb",
            "https://127.0.0.1/cb",
            "https://10.0.0.1/cb",
            "https://192.168.0.1/cb",
            "https://172.20.0.1/cb",
            "https://169.254.169.254/",
            "https://[::1]/cb",
            "https://[fe80::1]/cb",
            "https://[::ffff:192.168.0.1]/cb",
            "https://localhost/cb",
            "https://a.localhost./cb",
            long.as_str(),
        ] {
            let err = CallbackUrl::new(bad).unwrap_err();
            assert_eq!(err.field_errors()[0].field, "callback_url", "{bad}");
        }
    }

    #[test]
    fn the_loopback_door_opens_for_loopback_only() {
        for ok in [
            "http://127.0.0.1:9/cb",
            "http://[::1]:9/cb",
            "https://localhost/cb",
        ] {
            assert!(CallbackUrl::loopback_for_tests(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1/cb",
            "http://example.com/cb",
            "http://u:p@127.0.0.1/cb",
        ] {
            assert!(CallbackUrl::loopback_for_tests(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_hides_the_query() {
        let url = CallbackUrl::new("https://example.com/cb?token=s3cr3t").unwrap();
        let shown = format!("{url:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("example.com/cb"));
    }
}

//! `Error::from_response` over every documented status and body shape (the seed documents'
//! bodies among them), the one-line display, and the promise that no secret reaches `Display`
//! or `Debug`.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use zapier_embed_domain::{MAX_BODY_EXCERPT_BYTES, PausedReason};

use super::AnswerError;
use crate::Error;

fn envelope(code: &str, detail: &str) -> Vec<u8> {
    format!(r#"{{"errors":[{{"code":"{code}","detail":"{detail}","status":0,"title":"T"}}]}}"#)
        .into_bytes()
}

#[test]
fn documented_statuses_and_codes_map_to_their_variants() {
    let cases: Vec<(u16, Vec<u8>, &str)> = vec![
        (400, envelope("unauthenticated", "Token has expired."), "Unauthenticated"),
        (401, envelope("authentication_failed", "Missing bearer"), "AuthenticationFailed"),
        (401, b"".to_vec(), "AuthenticationFailed"),
        (401, envelope("invalid_audience", "wrong aud"), "InvalidAudience"),
        (403, envelope("permission_denied", "scope"), "PermissionDenied"),
        (404, envelope("not_found", "Inbox name does not exist"), "NotFound"),
        (404, br#"{"detail":"Not found."}"#.to_vec(), "NotFound"),
        (409, envelope("conflict", "name taken"), "Conflict"),
        (409, b"".to_vec(), "Conflict"),
        (
            409,
            br#"{"detail":"paused","inbox_attributes":{"status":"paused","paused_reason":"user","paused_at":null}}"#.to_vec(),
            "InboxPaused",
        ),
        (
            409,
            br#"{"detail":"failed","inbox_attributes":{"status":"initialization_failure","paused_reason":"subscribe_failed","paused_at":null}}"#.to_vec(),
            "InitializationFailed",
        ),
        (422, envelope("validation_error", "channel: This field is required."), "Validation"),
        (400, envelope("invalid", "app_key: ambiguous"), "Validation"),
        (400, br#"{"name":["This field is required."]}"#.to_vec(), "Validation"),
        (400, envelope("lease_expired", "The lease has expired."), "LeaseExpired"),
        (429, envelope("rate_limited", "Too many requests"), "RateLimited"),
        (429, b"".to_vec(), "RateLimited"),
        (408, b"".to_vec(), "Timeout"),
        (500, br#"{"errors":[{"status":500,"code":"error","title":"APIException","detail":"A server error occurred."}]}"#.to_vec(), "Server"),
        (502, b"<html>Bad Gateway</html>".to_vec(), "Server"),
        (503, b"".to_vec(), "Server"),
        (418, b"".to_vec(), "Server"),
        (
            401,
            br#"{"error":"invalid_client","error_description":"Client authentication failed."}"#.to_vec(),
            "AuthenticationFailed",
        ),
        (
            400,
            br#"{"error":"invalid_grant","error_description":"JWT expired"}"#.to_vec(),
            "AuthenticationFailed",
        ),
        (
            400,
            br#"{"error":"invalid_scope","error_description":"bad scope"}"#.to_vec(),
            "Validation",
        ),
    ];
    for (status, body, expected) in cases {
        let err = Error::from_response("op", status, None, &body);
        let debug = format!("{err:?}");
        assert!(
            debug.starts_with(expected),
            "{status} {} → {debug}",
            String::from_utf8_lossy(&body)
        );
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.operation(), "op");
    }
}

#[test]
fn validation_names_fields_from_source_and_detail() {
    let body = br#"{"errors":[
        {"code":"invalid","detail":"No app matches.","source":{"field":"app_key"}},
        {"code":"required","detail":"This field is required.","source":{"pointer":"/subscription/inputs/channel"}},
        {"code":"invalid","detail":"notification_url: Enter a valid URL."}
    ]}"#;
    let err = Error::from_response("ensure inbox", 400, None, body);
    let names: Vec<&str> = err
        .field_errors()
        .iter()
        .map(|f| f.field.as_str())
        .collect();
    assert_eq!(
        names,
        ["app_key", "subscription.inputs.channel", "notification_url"]
    );
    assert_eq!(
        err.to_string(),
        "ensure inbox: invalid request (HTTP 400, code invalid): app_key: No app matches.; \
         subscription.inputs.channel: This field is required.; notification_url: Enter a valid URL."
    );
}

#[test]
fn validation_without_fields_shows_the_detail() {
    let err = Error::from_response(
        "ensure inbox",
        400,
        None,
        &envelope("parse_error", "Malformed request."),
    );
    assert!(err.field_errors().is_empty());
    assert_eq!(
        err.to_string(),
        "ensure inbox: invalid request (HTTP 400, code parse_error): Malformed request."
    );
}

#[test]
fn retry_after_is_carried_by_429_and_5xx() {
    let d = Some(Duration::from_secs(7));
    let err = Error::from_response("lease messages", 429, d, b"");
    assert!(matches!(
        err,
        Error::RateLimited {
            retry_after: Some(_),
            ..
        }
    ));
    assert_eq!(err.retry_after(), d);
    assert!(err.is_retryable());
    assert_eq!(
        err.to_string(),
        "lease messages: rate limited, retry after 7.0s (HTTP 429)"
    );
    let err = Error::from_response("lease messages", 503, d, b"");
    assert_eq!(err.retry_after(), d);
    assert!(err.is_retryable());
    let err = Error::from_response("lease messages", 418, None, b"");
    assert!(!err.is_retryable());
}

#[test]
fn display_is_one_line_and_detail_is_bounded() {
    let long = "x".repeat(10_000);
    let body = format!(r#"{{"errors":[{{"code":"conflict","detail":"line1\nline2 {long}"}}]}}"#);
    let err = Error::from_response("ensure inbox", 409, None, body.as_bytes());
    let shown = err.to_string();
    assert!(!shown.contains('\n'));
    assert!(shown.len() < 700, "{}", shown.len());
    assert!(err.context().body_excerpt().unwrap().len() <= MAX_BODY_EXCERPT_BYTES);
}

#[test]
fn lease_409_paused_and_drained() {
    let body = br#"{"detail":"Inbox is paused and fully drained.","inbox_attributes":{"status":"paused","paused_reason":"authentication","paused_at":"2026-03-12T16:59:47.185Z"}}"#;
    let err = Error::from_response("lease messages", 409, None, body);
    match &err {
        Error::InboxPaused {
            reason, paused_at, ..
        } => {
            assert_eq!(reason, &Some(PausedReason::Authentication));
            assert!(reason.as_ref().unwrap().needs_reconnect());
            assert_eq!(
                paused_at.unwrap(),
                Utc.with_ymd_and_hms(2026, 3, 12, 16, 59, 47).unwrap()
                    + chrono::Duration::milliseconds(185)
            );
        }
        other => panic!("expected InboxPaused, got {other:?}"),
    }
    assert_eq!(err.status(), Some(409));
    assert_eq!(err.detail(), Some("Inbox is paused and fully drained."));
    assert!(!err.is_retryable());
}

#[test]
fn error_envelope() {
    let err = Error::from_response(
        "ensure inbox",
        400,
        None,
        br#"{"errors":[{"code":"unauthenticated","detail":"Token has expired.","status":400,"title":"Authentication error"}]}"#,
    );
    assert!(matches!(err, Error::Unauthenticated { .. }));
    assert_eq!(err.code(), Some("unauthenticated"));
    assert_eq!(err.detail(), Some("Token has expired."));
    assert_eq!(err.context().title(), Some("Authentication error"));
    assert!(err.should_refresh_token());
    assert_eq!(
        err.to_string(),
        "ensure inbox: access token expired or invalid (HTTP 400, code unauthenticated): Token has expired."
    );
}

#[test]
fn no_secret_reaches_display_or_debug() {
    let secret = "SECRET_TOKEN_VALUE";
    let errors = [
        Error::from_response(
            "get token",
            400,
            None,
            format!(r#"{{"error":"invalid_request","error_description":"bad","access_token":"{secret}","client_secret":"{secret}"}}"#).as_bytes(),
        ),
        Error::from_response(
            "get token",
            500,
            None,
            format!("upstream said: client_secret={secret}&grant_type=x").as_bytes(),
        ),
    ];
    for err in errors {
        for shown in [err.to_string(), format!("{err:?}"), format!("{err:#?}")] {
            assert!(!shown.contains(secret), "leaked: {shown}");
        }
    }
}

#[test]
fn a_wrong_audience_asks_for_no_refresh() {
    let audience = Error::from_response(
        "x",
        401,
        None,
        br#"{"errors":[{"code":"invalid_audience","detail":"d"}]}"#,
    );
    assert!(matches!(audience, Error::InvalidAudience { .. }));
    assert!(!audience.should_refresh_token());
}

proptest! {
    #[test]
    fn from_response_never_panics_and_bounds_the_excerpt(
        status in 0u16..1000,
        body in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let err = Error::from_response("op", status, None, &body);
        if let Some(excerpt) = err.context().body_excerpt() {
            prop_assert!(excerpt.len() <= MAX_BODY_EXCERPT_BYTES, "excerpt too long");
        }
        let shown = err.to_string();
        prop_assert!(!shown.contains('\n'), "display spans lines");
    }

    #[test]
    fn from_response_never_panics_on_json_like_bodies(
        status in 400u16..600,
        text in r#"\{("(errors|detail|code|error|inbox_attributes|source)"|[:,\[\]{}"a-z0-9 ]){0,40}\}?"#,
    ) {
        let _ = Error::from_response("op", status, None, text.as_bytes()).to_string();
    }
}

//! `Error::from_response` over every documented status and body shape, the one-line display,
//! and the promise that no secret reaches `Display` or `Debug`.

use std::time::Duration;

use proptest::prelude::*;
use zapier_embed_domain::*;

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
fn action_run_errors_are_typed_and_throttling_is_retryable() {
    let errors: Vec<RunError> = serde_json::from_str(
        r#"[{"code":"throttled","title":"Throttled","detail":"Slow down","delay":12,"meta":null},
            {"code":"system_throttled","title":"Busy","detail":"later","delay":30,"meta":{"x":1}}]"#,
    )
    .unwrap();
    let err = Error::action_run_failed("run action", errors);
    assert!(err.is_retryable());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert_eq!(
        err.to_string(),
        "run action: action run failed: throttled: Throttled: Slow down (and 1 more)"
    );
    let user = Error::action_run_failed(
        "run action",
        vec![RunError::new(RunErrorCode::from("user")).with_title("Bad")],
    );
    assert!(!user.is_retryable());
    assert_eq!(user.retry_after(), None);
    let hydration: RunError = serde_json::from_str(r#"{"code":"hydration"}"#).unwrap();
    assert_eq!(hydration.code, RunErrorCode::Hydration);
    let novel: RunError = serde_json::from_str(r#"{"code":"brand_new","delay":-1}"#).unwrap();
    assert_eq!(novel.code.as_str(), "brand_new");
    assert_eq!(novel.delay, None);
}

#[test]
fn no_secret_reaches_display_or_debug() {
    let secret = "SECRET_TOKEN_VALUE";
    let errors = [
        Error::transport(
            "get inbox",
            format!("error sending request for url (https://api.zapier.com/x?access_token={secret}): Authorization: Bearer {secret}"),
        ),
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
        Error::decode_body("get inbox", 200, format!("JWT {secret}"), format!(r#"{{"token":"{secret}"}}"#).as_bytes()),
        Error::timeout("connect", format!("https://connect.zapier.com/to/slack?token={secret}")),
    ];
    for err in errors {
        for shown in [err.to_string(), format!("{err:?}"), format!("{err:#?}")] {
            assert!(!shown.contains(secret), "leaked: {shown}");
        }
    }
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
fn transport_from_keeps_the_cause_chain_as_sources() {
    use std::error::Error as _;
    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("error sending request")
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
    let err = Error::transport_from(
        "lease messages",
        "failed to send the request",
        Outer(std::io::Error::other("connection refused")),
    );
    assert_eq!(
        err.to_string(),
        "lease messages: transport error: failed to send the request"
    );
    let first = err.source().expect("the cause");
    assert_eq!(first.to_string(), "error sending request");
    let second = first.source().expect("the cause's cause");
    assert_eq!(second.to_string(), "connection refused");
    assert!(second.source().is_none());
    // Clone shares the cause.
    assert_eq!(err.clone(), err);
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

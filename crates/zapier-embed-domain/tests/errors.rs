//! The error's constructors: action-run errors, transport causes, and the promise that no secret
//! reaches `Display` or `Debug`. (How HTTP answers become errors is tested in the facade's wire
//! layer, where that mapping lives.)

use std::time::Duration;

use zapier_embed_domain::*;

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
            format!(
                "error sending request for url (https://api.zapier.com/x?access_token={secret}): Authorization: Bearer {secret}"
            ),
        ),
        Error::decode_body(
            "get inbox",
            200,
            format!("JWT {secret}"),
            format!(r#"{{"token":"{secret}"}}"#).as_bytes(),
        ),
        Error::timeout(
            "connect",
            format!("https://connect.zapier.com/to/slack?token={secret}"),
        ),
    ];
    for err in errors {
        for shown in [err.to_string(), format!("{err:?}"), format!("{err:#?}")] {
            assert!(!shown.contains(secret), "leaked: {shown}");
        }
    }
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

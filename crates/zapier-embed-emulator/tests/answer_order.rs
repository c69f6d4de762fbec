//! Which check answers first when a request to an inbox route is wrong in more than one way: the
//! token (401), then the body or query (400, 422 in variant B), then the inbox of the path
//! (404), then the values the operation checks itself. Each case is wrong in two ways and pins
//! the answer the emulator gives.

// Tests fail by panicking: `unwrap`, `expect` and `panic!` are their assertions (the crate
// denies them in library code, see `[workspace.lints.clippy]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::Method;
use serde_json::Value;
use support::*;

/// One request: method, path, body as sent (`None`: no body), and whether it carries a token.
struct Case {
    method: Method,
    path: String,
    body: Option<&'static str>,
    token: bool,
    /// Expected status, error code and, where it says which check answered, the detail.
    status: u16,
    code: &'static str,
    detail: Option<&'static str>,
}

fn case(method: Method, path: String, body: Option<&'static str>) -> Case {
    Case {
        method,
        path,
        body,
        token: true,
        status: 0,
        code: "",
        detail: None,
    }
}

impl Case {
    fn answers(mut self, status: u16, code: &'static str, detail: Option<&'static str>) -> Self {
        (self.status, self.code, self.detail) = (status, code, detail);
        self
    }

    fn without_token(mut self) -> Self {
        self.token = false;
        self
    }
}

async fn send(env: &Env, token: &str, case: &Case) -> (u16, Value) {
    let mut req = env.http.request(case.method.clone(), env.url(&case.path));
    if case.token {
        req = req.bearer_auth(token);
    }
    if let Some(body) = case.body {
        req = req
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("a JSON error body"))
}

#[tokio::test]
async fn each_inbox_route_answers_the_first_failing_check() {
    let env = start().await;
    let token = env.token("order").await;
    let bad_id = format!("{A}/inboxes/not-a-uuid");
    let no_name = format!("{A}/inboxes/no-such-inbox");
    let lease_id = r#"{"lease_id": "0190a000-0000-7000-8000-000000000000", "message_ids": []}"#;
    let not_found = Some("No inbox with id not-a-uuid.");
    let cases = [
        // Variant A: the token, then the body or query, then the id, then the operation's values.
        case(Method::GET, bad_id.clone(), None)
            .without_token()
            .answers(401, "authentication_failed", None),
        case(Method::PATCH, bad_id.clone(), Some("{")).answers(400, "parse_error", None),
        case(Method::PATCH, bad_id.clone(), Some("{}")).answers(404, "not_found", not_found),
        case(Method::GET, format!("{bad_id}/messages?limit=x"), None).answers(
            400,
            "validation_error",
            None,
        ),
        case(Method::GET, format!("{bad_id}/messages?limit=0"), None).answers(
            404,
            "not_found",
            not_found,
        ),
        case(
            Method::POST,
            format!("{bad_id}/messages/lease"),
            Some("[1]"),
        )
        .answers(
            400,
            "validation_error",
            Some("body: must be a JSON object."),
        ),
        case(
            Method::POST,
            format!("{bad_id}/messages/lease"),
            Some(r#"{"lease_seconds": 0}"#),
        )
        .answers(404, "not_found", not_found),
        case(Method::POST, format!("{bad_id}/messages/ack"), Some("{}")).answers(
            400,
            "validation_error",
            Some("lease_id: this field is required."),
        ),
        case(
            Method::POST,
            format!("{bad_id}/messages/release"),
            Some(lease_id),
        )
        .answers(404, "not_found", not_found),
        // Variant B: the token, then the body or query and the operation's values (422), then
        // the name.
        case(Method::GET, format!("{no_name}/"), None)
            .without_token()
            .answers(401, "authentication_failed", None),
        case(Method::GET, format!("{no_name}/messages/?limit=x"), None).answers(
            422,
            "validation_error",
            None,
        ),
        case(
            Method::POST,
            format!("{no_name}/messages/lease/"),
            Some(r#"{"max_messages": 0}"#),
        )
        .answers(
            422,
            "validation_error",
            Some("max_messages: must be between 1 and 100."),
        ),
        case(
            Method::POST,
            format!("{no_name}/messages/lease/"),
            Some("{}"),
        )
        .answers(404, "not_found", None),
        case(
            Method::POST,
            format!("{no_name}/messages/ack/"),
            Some(r#"{"lease_tokens": ["lt_x"]}"#),
        )
        .answers(
            422,
            "validation_error",
            Some("lease_tokens.0: `lt_x` is not a lease token."),
        ),
        case(
            Method::POST,
            format!("{no_name}/messages/release/"),
            Some(r#"{"lease_tokens": []}"#),
        )
        .answers(
            422,
            "validation_error",
            Some("lease_tokens: must hold 1 to 100 tokens."),
        ),
    ];
    for case in &cases {
        let (status, body) = send(&env, &token, case).await;
        let error = &body["errors"][0];
        let what = format!("{} {}: {body}", case.method, case.path);
        assert_eq!(status, case.status, "{what}");
        assert_eq!(error["code"].as_str(), Some(case.code), "{what}");
        if let Some(detail) = case.detail {
            assert_eq!(error["detail"].as_str(), Some(detail), "{what}");
        }
    }
}

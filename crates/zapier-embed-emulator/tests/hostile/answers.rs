//! Malformed options are answered whole and always alike: status, code, detail and pointer (or
//! parameter) of the lease bodies, listing queries and token forms a client can get wrong, pinned
//! as the exact envelope, so a change to the request models cannot change an answer unnoticed.

use super::*;

/// Sends `body` (raw bytes) to `path` and returns the status with the JSON answer.
async fn answer(env: &Env, method: Method, path: &str, token: &str, body: &[u8]) -> (u16, Value) {
    let (s, _, value) = raw(env, method, path, Some(token), body.to_vec()).await;
    (s.as_u16(), value)
}

/// The `validation_error` envelope naming the field at `source` (`pointer` or `parameter`).
fn invalid(status: u16, detail: &str, source: Value) -> (u16, Value) {
    let title = "Validation error";
    let error = json!({"code": "validation_error", "detail": detail, "source": source, "status": status, "title": title});
    (status, json!({ "errors": [error] }))
}

#[tokio::test]
async fn lease_bodies_of_the_wrong_type_are_answered_exactly() {
    let env = start().await;
    let token = env.token("answers").await;
    let id = env.active_inbox(&token, "answers", "C1").await;
    let by_id = format!("{A}/inboxes/{id}/messages/lease");
    let by_name = format!("{A}/inboxes/nobody/messages/lease/");
    // Each variant names its batch size differently and answers a bad body with its own status;
    // variant B checks the body before it looks the inbox up.
    for (path, status, limit) in [
        (&by_id, 400, "lease_limit"),
        (&by_name, 422, "max_messages"),
    ] {
        for field in ["lease_seconds", limit] {
            let pointer = json!({ "pointer": format!("/{field}") });
            let text = format!("{field}: invalid type: string \"5\", expected a JSON number.");
            let body = json!({ field: "5" }).to_string();
            let got = answer(&env, Method::POST, path, &token, body.as_bytes()).await;
            assert_eq!(
                got,
                invalid(status, &text, pointer.clone()),
                "{path} {body}"
            );
            let whole = format!("{field}: invalid value: 1.5, expected an integer.");
            let body = json!({ field: 1.5 }).to_string();
            let got = answer(&env, Method::POST, path, &token, body.as_bytes()).await;
            assert_eq!(got, invalid(status, &whole, pointer), "{path} {body}");
        }
    }
    let range = "lease_limit: must be between 1 and 100.";
    let got = answer(&env, Method::POST, &by_id, &token, br#"{"lease_limit":-1}"#).await;
    assert_eq!(got, invalid(400, range, json!({"pointer": "/lease_limit"})));
    // An empty body, `null` or `{}` takes the defaults.
    let nothing_leased = json!({"inbox_attributes": {"paused_reason": null, "status": "active"}, "lease_id": null, "leased_until": null, "results": []});
    for body in [&b""[..], b"null", b"{}"] {
        let got = answer(&env, Method::POST, &by_id, &token, body).await;
        assert_eq!(got, (200, nothing_leased.clone()), "{body:?}");
    }
    let no_inbox = json!({"errors": [{"code": "not_found", "detail": "No inbox named `nobody`.", "status": 404, "title": "Not found"}]});
    for body in [&b""[..], br#"{"max_messages":null}"#] {
        let got = answer(&env, Method::POST, &by_name, &token, body).await;
        assert_eq!(got, (404, no_inbox.clone()), "{body:?}");
    }
}

#[tokio::test]
async fn listing_queries_of_the_wrong_type_are_answered_exactly() {
    let env = start().await;
    let token = env.token("answers").await;
    let parameter = |name: &str, detail: &str| invalid(400, detail, json!({ "parameter": name }));
    for (path, expected) in [
        (
            "/v2/authentications?app=slack&limit=abc",
            parameter("limit", "limit: invalid digit found in string."),
        ),
        (
            "/v2/authentications?app=slack&offset=-1",
            parameter("offset", "offset: invalid digit found in string."),
        ),
        (
            "/v2/authentications?limit=5",
            parameter("app", "app: this query parameter is required."),
        ),
        (
            "/v2/authentications?app=slack&app=slack",
            parameter(".", ".: duplicate field `app`."),
        ),
        (
            "/v2/apps?limit=1.5",
            parameter("limit", "limit: invalid digit found in string."),
        ),
        (
            "/v2/apps?offset=x&limit=2",
            parameter("offset", "offset: invalid digit found in string."),
        ),
        (
            "/v2/apps?limit=0",
            parameter("limit", "limit: must be between 1 and 100."),
        ),
        (
            "/v2/apps?offset=9007199254740992",
            parameter("offset", "offset: must be at most 9007199254740991."),
        ),
        (
            "/v2/apps?limit=&query=",
            parameter("limit", "limit: cannot parse integer from empty string."),
        ),
    ] {
        let got = answer(&env, Method::GET, path, &token, b"").await;
        assert_eq!(got, expected, "{path}");
    }
}

#[tokio::test]
async fn token_forms_that_do_not_parse_are_answered_exactly() {
    let env = start().await;
    let expected =
        json!({"error": "invalid_request", "error_description": "grant_type is required."});
    for body in [
        &b""[..],
        b"client_id=x",
        b"grant_type=client_credentials&grant_type=client_credentials",
        b"grant_type=client_credentials&scope=a&scope=b",
    ] {
        let (s, _, got) = raw(&env, Method::POST, "/oauth/token", None, body.to_vec()).await;
        let body = String::from_utf8_lossy(body);
        assert_eq!((s.as_u16(), got), (400, expected.clone()), "{body}");
    }
}

//! What a request must be: a body of the documented JSON type, a token with the `external` scope
//! on the Trigger Inbox API, and the error envelope on every client error, authentication first.

use super::*;

#[tokio::test]
async fn bodies_must_have_the_documented_json_type() {
    let env = start().await;
    let token = env.token("types").await;
    let id = env.active_inbox(&token, "typed", "C1").await;
    env.emit("C1", 3).await;

    let lease = format!("{A}/inboxes/{id}/messages/lease");
    let (s, _, body) = raw(&env, Method::POST, &lease, Some(&token), b"[7,2]".to_vec()).await;
    assert_eq!(
        (s.as_u16(), code(&body)),
        (400, "validation_error".into()),
        "{body}"
    );
    let (s, _, body) = raw(
        &env,
        Method::PATCH,
        &format!("{A}/inboxes/{id}"),
        Some(&token),
        b"[]".to_vec(),
    )
    .await;
    assert_eq!(
        (s.as_u16(), code(&body)),
        (400, "validation_error".into()),
        "{body}"
    );
    let (s, _, body) = raw(&env, Method::POST, &lease, Some(&token), b"\"x\"".to_vec()).await;
    assert_eq!(
        (s.as_u16(), code(&body)),
        (400, "validation_error".into()),
        "{body}"
    );
    let (s, _, body) = raw(&env, Method::POST, &lease, Some(&token), b"[7,".to_vec()).await;
    assert_eq!(
        (s.as_u16(), code(&body)),
        (400, "parse_error".into()),
        "{body}"
    );
    // A nested object given as an array is refused too, naming the field.
    let (s, body) = env
        .post(
            &format!("{A}/inboxes"),
            &token,
            json!({"name": "arr", "subscription": ["slack", "channel_message", null, {}]}),
        )
        .await;
    assert_eq!(
        (s.as_u16(), body["errors"][0]["source"]["pointer"].as_str()),
        (400, Some("/subscription")),
        "{body}"
    );
    // `null` is an accepted lease body (the document declares it nullable), in both variants.
    let (s, _, body) = raw(&env, Method::POST, &lease, Some(&token), b"null".to_vec()).await;
    assert_eq!(
        (s.as_u16(), body["results"].as_array().map(Vec::len)),
        (201, Some(3)),
        "{body}"
    );
    let (s, _, body) = raw(
        &env,
        Method::POST,
        &format!("{A}/inboxes/typed/messages/lease/"),
        Some(&token),
        b"null".to_vec(),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    // But not where an object is required.
    let (s, _, body) = raw(
        &env,
        Method::POST,
        &format!("{A}/inboxes"),
        Some(&token),
        b"null".to_vec(),
    )
    .await;
    assert_eq!(
        (s.as_u16(), code(&body)),
        (400, "validation_error".into()),
        "{body}"
    );
}

#[tokio::test]
async fn the_trigger_inbox_api_needs_the_external_scope() {
    let env = start().await;
    let (s, narrow) = scoped_token(&env, "narrow", Some("connection:read")).await;
    assert_eq!(s, 200);
    let narrow = narrow["access_token"].as_str().unwrap();
    let (s, body) = env.get(&format!("{A}/inboxes"), narrow).await;
    assert_eq!((s.as_u16(), code(&body)), (401, "invalid_audience".into()));
    let (s, body) = env.get(&format!("{A_V1}/inboxes"), narrow).await;
    assert_eq!((s.as_u16(), code(&body)), (401, "invalid_audience".into()));
    let (s, body) = env.get(&format!("{A}/inboxes/"), narrow).await;
    assert_eq!((s.as_u16(), code(&body)), (401, "invalid_audience".into()));
    // The Partner API still serves the scope it was issued for.
    let (s, _) = env.get("/v2/authentications?app=slack", narrow).await;
    assert_eq!(s, 200);

    // Every legitimate path to an `external` token works: client credentials with the scope,
    // with several scopes, with none (the default), and the partner-JWT exchange.
    for scope in [Some("external"), Some("connection:read external"), None] {
        let (s, token) = scoped_token(&env, "wide", scope).await;
        assert_eq!(s, 200);
        let (s, body) = env
            .get(
                &format!("{A}/inboxes"),
                token["access_token"].as_str().unwrap(),
            )
            .await;
        assert_eq!(s, 200, "{scope:?}: {body}");
    }
    let partner = partner_token(&env, "acme", "bob").await;
    let (s, _) = env.get(&format!("{A}/inboxes"), &partner).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn every_client_error_is_an_envelope_and_authentication_comes_first() {
    let env =
        start_with(zapier_embed_emulator::Emulator::builder().max_body_bytes(64 * 1024)).await;
    let token = env.token("errors").await;
    let bad_utf8 = format!("{A}/inboxes/%FF%FE");
    let (s, ct, body) = raw(&env, Method::GET, &bad_utf8, None, Vec::new()).await;
    assert_eq!(
        (s.as_u16(), code(&body)),
        (401, "authentication_failed".into()),
        "{ct} {body}"
    );
    let (s, ct, body) = raw(&env, Method::GET, &bad_utf8, Some(&token), Vec::new()).await;
    assert_eq!(s, 400, "{body}");
    assert!(ct.starts_with("application/json"), "{ct}");
    assert!(body["errors"][0]["code"].is_string(), "{body}");

    // 405, 404 for a path no route serves, 413 one byte over the configured limit.
    let big = vec![b' '; 64 * 1024 + 1];
    let cases = [
        (
            Method::DELETE,
            format!("{A}/inboxes"),
            Vec::new(),
            405,
            "method_not_allowed",
        ),
        (
            Method::GET,
            format!("{A}/nowhere"),
            Vec::new(),
            404,
            "not_found",
        ),
        (
            Method::POST,
            format!("{A}/inboxes"),
            big.clone(),
            413,
            "payload_too_large",
        ),
    ];
    for (method, path, body, status, expected) in cases {
        let (s, _, refused) = raw(&env, method.clone(), &path, None, body.clone()).await;
        assert_eq!(
            (s.as_u16(), code(&refused)),
            (401, "authentication_failed".into()),
            "{method} {path} without a token"
        );
        let (s, _, answer) = raw(&env, method.clone(), &path, Some(&token), body).await;
        assert_eq!(
            (s.as_u16(), code(&answer)),
            (status, expected.to_owned()),
            "{method} {path}"
        );
    }
    // A catch hook needs no token: straight to the 413.
    let (s, _, body) = raw(&env, Method::POST, "/hooks/catch/a/b/", None, big).await;
    assert_eq!((s.as_u16(), code(&body)), (413, "payload_too_large".into()));
}

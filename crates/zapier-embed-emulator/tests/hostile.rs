//! The emulator under hostile input, over real HTTP on loopback: overflow-safe time, a control
//! API that server-side fetches cannot reach, per-account catch hooks, unambiguous partner users,
//! bodies of the documented JSON type, the `external` scope, bounded per-identity state, and the
//! error envelope on every client error with authentication first. Also the fidelity rules on
//! payloads (objects only; catch hooks split arrays and wrap scalars).

mod support;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::*;

/// `errors[0].code` of an envelope, or a description of what came instead.
fn code(body: &Value) -> String {
    body["errors"][0]["code"]
        .as_str()
        .map_or_else(|| format!("not an envelope: {body}"), str::to_owned)
}

/// A client-credentials token with the given scope (none: the parameter is left out).
async fn scoped_token(env: &Env, client: &str, scope: Option<&str>) -> (StatusCode, Value) {
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", client),
        ("client_secret", "secret"),
    ];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    let resp = env
        .http
        .post(env.url("/oauth/token"))
        .form(&form)
        .send()
        .await
        .expect("token request");
    (resp.status(), resp.json().await.expect("json"))
}

/// A partner-JWT exchange for `(tenant, sub)`; returns the access token.
async fn partner_token(env: &Env, tenant: &str, sub: &str) -> String {
    let exp = chrono::Utc::now().timestamp() + 600;
    let claims = json!({"sub": sub, "org_id": tenant, "aud": "connect.zapier.com", "exp": exp});
    let jwt = format!(
        "{}.{}.c2ln",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let resp = env
        .http
        .post(env.url("/oauth/token"))
        .form(&[
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:token-exchange",
            ),
            ("subject_token", jwt.as_str()),
            (
                "subject_token_type",
                "urn:ietf:params:oauth:token-type:external-jwt",
            ),
            (
                "requested_token_type",
                "urn:ietf:params:oauth:token-type:access-token",
            ),
            ("scope", "external"),
        ])
        .send()
        .await
        .expect("exchange");
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("json");
    body["access_token"].as_str().expect("token").to_owned()
}

/// Sends raw bytes with optional bearer token; returns status, content type and JSON body.
async fn raw(
    env: &Env,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, String, Value) {
    let mut req = env
        .http
        .request(method, env.url(path))
        .header("content-type", "application/json")
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = resp.text().await.expect("body");
    (
        status,
        ct,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A webhook inbox for `hook_code`, active.
async fn hook_inbox(env: &Env, token: &str, name: &str, hook_code: &str) -> String {
    let (s, inbox) = env
        .post(
            &format!("{A}/inboxes"),
            token,
            json!({"name": name, "subscription": {"app_key": "webhook", "action_key": "hook_v2", "connection_id": null, "inputs": {"_zap_static_hook_code": hook_code, "_zap_static_hook_seed": "0f0f0f0f0f0f"}}}),
        )
        .await;
    assert_eq!(s, 201, "{inbox}");
    env.advance(1.0).await;
    inbox["id"].as_str().expect("id").to_owned()
}

/// Leases everything an inbox holds; returns the payloads.
async fn lease_payloads(env: &Env, token: &str, inbox: &str) -> Vec<Value> {
    let (s, lease) = env
        .post(
            &format!("{A}/inboxes/{inbox}/messages/lease"),
            token,
            json!({"lease_limit": 100}),
        )
        .await;
    assert!(s == 200 || s == 201, "{s} {lease}");
    lease["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|m| m["payload"].clone())
        .collect()
}

#[tokio::test]
async fn huge_control_times_are_refused_and_the_clock_stops_short_of_overflow() {
    let env = start().await;
    let token = env.token("time").await;

    let (s, body) = env
        .control(
            "/_emulator/faults",
            json!({"rate_limit_burst": 1, "retry_after_secs": u64::MAX}),
        )
        .await;
    assert_eq!((s.as_u16(), code(&body)), (400, "validation_error".into()));
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("retry_after_secs")
    );
    let (s, body) = env
        .control("/_emulator/faults", json!({"latency_ms": u64::MAX}))
        .await;
    assert_eq!((s.as_u16(), code(&body)), (400, "validation_error".into()));

    // Ten years at a time until the clock refuses to go further: every answer is 200 or 400,
    // never a crash, and the refusal names the field.
    let mut refused = None;
    for _ in 0..1000 {
        let (s, body) = env
            .control(
                "/_emulator/clock/advance",
                json!({"seconds": 10.0 * 365.0 * 86_400.0}),
            )
            .await;
        if s == 400 {
            refused = Some(body);
            break;
        }
        assert_eq!(s, 200, "{body}");
    }
    let refused = refused.expect("the clock has a ceiling");
    assert_eq!(refused["errors"][0]["source"]["pointer"], "/seconds");

    // At the ceiling: a fresh token is not already expired, and a 429 with the longest allowed
    // Retry-After does not break later requests.
    let fresh = env.token("time-late").await;
    let (s, body) = env.get(&format!("{A}/inboxes"), &fresh).await;
    assert_eq!(s, 200, "{body}");
    let (s, _) = env
        .control(
            "/_emulator/faults",
            json!({"route": "listTriggerInboxes", "rate_limit_burst": 1, "retry_after_secs": 86_400}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = env.get(&format!("{A}/inboxes"), &fresh).await;
    assert_eq!(s, 429);
    let (s, body) = env.get(&format!("{A}/inboxes"), &fresh).await;
    assert_eq!(s, 200, "{body}");
    // The older token expired with the move of an era, as it should.
    let (s, body) = env.get(&format!("{A}/inboxes"), &token).await;
    assert_eq!((s.as_u16(), code(&body)), (400, "unauthenticated".into()));
    // Within ten years of the ceiling (9999-01-01), where the last step was refused.
    let now = env.now_text().await;
    let year: u32 = now[..4].parse().unwrap();
    assert!((9989..9999).contains(&year), "{now}");
}

#[tokio::test]
async fn notification_urls_cannot_reach_the_control_api() {
    let env = start().await;
    let token = env.token("ssrf").await;
    let port = env.handle.addr().port();
    let (conn, _) = env.slack_connections(&token).await;
    for url in [
        format!("http://127.0.0.1:{port}/_emulator/reset"),
        format!("http://localhost:{port}/x/../_emulator/reset"),
        format!("http://[::1]:{port}/%5Femulator/faults"),
        format!("http://127.0.0.1:{port}/hooks/catch/acct/code/"),
    ] {
        let (s, body) = env
            .post(
                &format!("{A}/inboxes"),
                &token,
                json!({"name": "n", "notification_url": url, "subscription": {"app_key": "slack", "action_key": "channel_message", "connection_id": conn, "inputs": {"channel": "C1"}}}),
            )
            .await;
        assert_eq!(
            (s.as_u16(), body["errors"][0]["source"]["pointer"].as_str()),
            (400, Some("/notification_url")),
            "{url}: {body}"
        );
    }
    let id = env.active_inbox(&token, "guarded", "C1").await;
    let (s, body) = env
        .call(
            Method::PATCH,
            &format!("{A}/inboxes/{id}"),
            &token,
            Some(json!({"notification_url": format!("http://127.0.0.1:{port}/_emulator/reset")})),
        )
        .await;
    assert_eq!((s.as_u16(), code(&body)), (400, "validation_error".into()));

    // A request bearing the emulator's own fetch marker is refused by every control route.
    for path in ["/_emulator/reset", "/_emulator/faults", "/hooks/catch/a/b/"] {
        let resp = env
            .http
            .post(env.url(path))
            .header("x-zapier-embed-emulator-fetch", "notification")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403, "{path}");
    }

    // Send time: a receiver that redirects to the reset is not followed.
    let target = format!("http://127.0.0.1:{port}/_emulator/reset");
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let target = target.clone();
            async move {
                (
                    StatusCode::TEMPORARY_REDIRECT,
                    [(reqwest::header::LOCATION, target)],
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let (s, _) = env
        .call(
            Method::PATCH,
            &format!("{A}/inboxes/{id}"),
            &token,
            Some(json!({"notification_url": hook})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(env.emit("C1", 1).await, 1);
    tokio::time::timeout(Duration::from_secs(10), async {
        while env.stats().await["notifications_failed"] != 1 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the notification is attempted");
    // Not reset: the inbox and its message are still there.
    assert_eq!(env.stats().await["messages_enqueued"], 1);
    let (s, _) = env.get(&format!("{A}/inboxes/{id}"), &token).await;
    assert_eq!(s, 200);
    server.abort();
}

#[tokio::test]
async fn catch_hooks_belong_to_one_account() {
    let env = start().await;
    let alice = env.token("hook-alice").await;
    let mallory = env.token("hook-mallory").await;
    let a = hook_inbox(&env, &alice, "a", "abc123def456").await;
    let m = hook_inbox(&env, &mallory, "m", "abc123def456").await;

    let (s, caught) = env
        .control(
            &format!("/hooks/catch/{}/abc123def456/", Env::account(&alice)),
            json!({"secret": "alice's"}),
        )
        .await;
    assert_eq!((s.as_u16(), caught["delivered"].as_u64()), (200, Some(1)));
    assert_eq!(
        lease_payloads(&env, &alice, &a).await,
        [json!({"secret": "alice's"})]
    );
    assert!(lease_payloads(&env, &mallory, &m).await.is_empty());

    // The account-less form of the URL is gone: it would be one namespace for every tenant.
    let (s, _, body) = raw(
        &env,
        Method::POST,
        "/hooks/catch/abc123def456/",
        None,
        b"{}".to_vec(),
    )
    .await;
    assert_eq!((s.as_u16(), code(&body)), (404, "not_found".into()));
    // An account that is not one delivers nothing and reveals nothing.
    let (s, caught) = env
        .control("/hooks/catch/nobody/abc123def456/", json!({"x": 1}))
        .await;
    assert_eq!((s.as_u16(), caught["delivered"].as_u64()), (200, Some(0)));
}

#[tokio::test]
async fn partner_users_are_keyed_by_tenant_and_subject_unambiguously() {
    let env = start().await;
    let first = partner_token(&env, "acme:eu", "alice").await;
    let second = partner_token(&env, "acme", "eu:alice").await;
    assert_ne!(Env::account(&first), Env::account(&second));
    env.active_inbox(&first, "mine", "C1").await;
    let (s, list) = env.get(&format!("{A}/inboxes"), &second).await;
    assert_eq!((s.as_u16(), list["count"].as_u64()), (200, Some(0)));
    // The same pair again is the same user.
    let again = partner_token(&env, "acme:eu", "alice").await;
    assert_eq!(Env::account(&first), Env::account(&again));
}

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
async fn bogus_tokens_do_not_grow_the_rate_limiter() {
    let env = start_with(
        zapier_embed_emulator::Emulator::builder().rate_limit(1_000_000, Duration::from_secs(60)),
    )
    .await;
    let token = env.token("flood").await;
    let (s, _) = env.get(&format!("{A}/inboxes"), &token).await;
    assert_eq!(s, 200);
    let before = env.stats().await["rate_limit_keys"].as_u64().unwrap();
    // The issued token, and the shared key of the unauthenticated token request.
    assert_eq!(before, 2);
    for i in 0..300 {
        let (s, _) = env
            .get(&format!("{A}/inboxes"), &format!("bogus-{i}"))
            .await;
        assert_eq!(s, 401);
    }
    let after = env.stats().await["rate_limit_keys"].as_u64().unwrap();
    assert_eq!(
        after, 2,
        "every unauthenticated request shares one identity"
    );
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

#[tokio::test]
async fn payloads_are_objects_and_catch_hooks_split_arrays() {
    let env = start().await;
    for (payload, pointer) in [
        (json!([{"ok": 1}, 7]), "/payload/1"),
        (json!("text"), "/payload"),
        (json!([[1]]), "/payload/0"),
    ] {
        let (s, body) = env
            .control(
                "/_emulator/events",
                json!({"app": "slack", "action": "channel_message", "payload": payload}),
            )
            .await;
        assert_eq!(
            (s.as_u16(), body["errors"][0]["source"]["pointer"].as_str()),
            (400, Some(pointer)),
            "{body}"
        );
    }
    let (_, body) = env
        .control(
            "/_emulator/events",
            json!({"app": "slack", "action": "channel_message", "payload": [{}, 3]}),
        )
        .await;
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("payload[1]"),
        "{body}"
    );

    let token = env.token("split").await;
    let inbox = hook_inbox(&env, &token, "split", "0123456789ab").await;
    let hook = format!("/hooks/catch/{}/0123456789ab/", Env::account(&token));
    let (_, caught) = env
        .control(&hook, json!([{"n": 1}, {"n": 2}, "three", 4]))
        .await;
    assert_eq!(caught["delivered"], 1);
    let (_, _, _) = raw(&env, Method::POST, &hook, None, b"42".to_vec()).await;
    assert_eq!(
        lease_payloads(&env, &token, &inbox).await,
        [
            json!({"n": 1}),
            json!({"n": 2}),
            json!({"raw": "three"}),
            json!({"raw": "4"}),
            json!({"raw": "42"}),
        ]
    );
}

#[tokio::test]
async fn a_web_page_on_another_site_cannot_drive_the_control_api() {
    let env = start().await;
    let token = env.token("csrf").await;
    env.active_inbox(&token, "kept", "C1").await;
    let own = env.handle.base_url();
    let send = |headers: Vec<(&'static str, String)>| {
        let mut req = env.http.post(env.url("/_emulator/reset"));
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send()
    };
    for headers in [
        vec![("origin", "https://evil.example".to_owned())],
        vec![("origin", "null".to_owned())],
        vec![("sec-fetch-site", "cross-site".to_owned())],
    ] {
        let resp = send(headers.clone()).await.unwrap();
        assert_eq!(resp.status(), 403, "{headers:?}");
    }
    // Nothing was reset.
    let (s, _) = env.get(&format!("{A}/inboxes/"), &token).await;
    assert_eq!(s, 200);
    assert_eq!(env.stats().await["rate_limit_keys"].as_u64(), Some(2));
    // The emulator's own origin, and tools that send no Origin, still work.
    let resp = send(vec![("origin", own)]).await.unwrap();
    assert_eq!(resp.status(), 204);
    // A catch hook stays open to a web form on another site, as on Zapier.
    let resp = env
        .http
        .post(env.url("/hooks/catch/someone/0123456789ab/"))
        .header("origin", "https://forms.example")
        .form(&[("a", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

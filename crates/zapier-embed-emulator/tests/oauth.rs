//! Token endpoint (client credentials, partner-JWT exchange, connect tokens) and bearer
//! authentication of the APIs (expiry, missing/malformed headers, schemes).

// Tests fail by panicking: `unwrap`, `expect` and `panic!` are their assertions (the crate
// denies them in library code, see `[workspace.lints.clippy]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use support::*;
use zapier_embed_emulator::Emulator;

async fn token_form(env: &Env, form: &[(&str, &str)]) -> (u16, Value) {
    let resp = env
        .http
        .post(env.url("/oauth/token/"))
        .form(form)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

fn jwt(claims: Value) -> String {
    format!(
        "{}.{}.c2ln",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT","kid":"k1"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

fn exchange(subject: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "grant_type",
            "urn:ietf:params:oauth:grant-type:token-exchange".to_owned(),
        ),
        ("client_id", "partner".to_owned()),
        ("client_secret", "secret".to_owned()),
        ("subject_token", subject.to_owned()),
        (
            "subject_token_type",
            "urn:ietf:params:oauth:token-type:external-jwt".to_owned(),
        ),
        (
            "requested_token_type",
            "urn:ietf:params:oauth:token-type:access-token".to_owned(),
        ),
        ("scope", "external".to_owned()),
    ]
}

fn as_refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, s)| (*k, s.as_str())).collect()
}

#[tokio::test]
async fn client_credentials_issue_bearer_tokens_and_each_client_is_a_user() {
    let env = start().await;
    let (s, body) = token_form(
        &env,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "a"),
            ("client_secret", "x"),
            ("scope", "external"),
        ],
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(
        body["access_token"].as_str().unwrap().split('.').count(),
        3,
        "JWT-shaped"
    );

    let a = env.token("client-a").await;
    let b = env.token("client-b").await;
    let a_again = env.token("client-a").await;
    let (ca, _) = env.slack_connections(&a).await;
    let (cb, _) = env.slack_connections(&b).await;
    let (ca2, _) = env.slack_connections(&a_again).await;
    assert_ne!(ca, cb, "distinct clients are distinct users");
    assert_eq!(ca, ca2, "the same client is the same user");
}

#[tokio::test]
async fn http_basic_client_authentication_is_accepted() {
    let env = start().await;
    let resp = env
        .http
        .post(env.url("/oauth/token"))
        .basic_auth("basic-client", Some("pw"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn bad_grants_answer_oauth_errors() {
    let env = start_with(Emulator::builder().client("known", "right")).await;
    type Case<'a> = (Vec<(&'a str, &'a str)>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", "known"),
                ("client_secret", "wrong"),
            ],
            401,
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", "unknown"),
                ("client_secret", "right"),
            ],
            401,
            "invalid_client",
        ),
        (
            vec![("grant_type", "client_credentials")],
            401,
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "password"),
                ("client_id", "known"),
                ("client_secret", "right"),
            ],
            400,
            "unsupported_grant_type",
        ),
        (vec![("client_id", "known")], 400, "invalid_request"),
        (
            vec![
                (
                    "grant_type",
                    "urn:ietf:params:oauth:grant-type:token-exchange",
                ),
                ("subject_token", "x"),
            ],
            400,
            "invalid_request",
        ),
    ];
    for (form, status, error) in cases {
        let (s, body) = token_form(&env, &form).await;
        assert_eq!(
            (s, body["error"].as_str().unwrap()),
            (status, error),
            "{form:?}: {body}"
        );
        assert!(
            body["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty())
        );
    }
    let (s, _) = token_form(
        &env,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "known"),
            ("client_secret", "right"),
        ],
    )
    .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn partner_jwt_exchange_selects_the_user_by_sub_and_tenant() {
    let env = start().await;
    let exp = chrono::Utc::now().timestamp() + 300;
    let claims = |sub: &str, org: &str| json!({"sub": sub, "org_id": org, "iss": "https://partner.example", "aud": "connect.zapier.com", "iat": exp - 300, "nbf": exp - 300, "exp": exp});
    let mut tokens = Vec::new();
    for (sub, org) in [
        ("u1", "acme"),
        ("u1", "acme"),
        ("u1", "globex"),
        ("u2", "acme"),
    ] {
        let (s, body) = token_form(&env, &as_refs(&exchange(&jwt(claims(sub, org))))).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(
            body["issued_token_type"],
            "urn:ietf:params:oauth:token-type:access-token"
        );
        tokens.push(body["access_token"].as_str().unwrap().to_owned());
    }
    let mut conns = Vec::new();
    for t in &tokens {
        conns.push(env.slack_connections(t).await.0);
    }
    assert_eq!(conns[0], conns[1]);
    assert_ne!(conns[0], conns[2], "another tenant is another user");
    assert_ne!(conns[0], conns[3], "another subject is another user");
}

#[tokio::test]
async fn partner_jwt_claims_are_validated() {
    let env = start().await;
    let exp = chrono::Utc::now().timestamp() + 300;
    let bad = [
        (
            json!({"org_id": "acme", "aud": "connect.zapier.com", "exp": exp}),
            "sub",
        ),
        (
            json!({"sub": "u1", "aud": "connect.zapier.com", "exp": exp}),
            "org_id",
        ),
        (
            json!({"sub": "u1", "org_id": "acme", "aud": "elsewhere", "exp": exp}),
            "aud",
        ),
        (
            json!({"sub": "u1", "org_id": "acme", "aud": "connect.zapier.com", "exp": exp - 600}),
            "expired",
        ),
    ];
    for (claims, needle) in bad {
        let (s, body) = token_form(&env, &as_refs(&exchange(&jwt(claims)))).await;
        assert_eq!(
            (s, body["error"].as_str().unwrap()),
            (400, "invalid_grant"),
            "{body}"
        );
        assert!(
            body["error_description"].as_str().unwrap().contains(needle),
            "{body}"
        );
    }
    let (s, body) = token_form(&env, &as_refs(&exchange("not-a-jwt"))).await;
    assert_eq!((s, body["error"].as_str().unwrap()), (400, "invalid_grant"));
}

#[tokio::test]
async fn tenant_claim_name_is_configurable() {
    let env = start_with(Emulator::builder().tenant_claim("account")).await;
    let exp = chrono::Utc::now().timestamp() + 300;
    let (s, _) = token_form(
        &env,
        &as_refs(&exchange(&jwt(
            json!({"sub": "u", "account": 7, "aud": "connect.zapier.com", "exp": exp}),
        ))),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = token_form(
        &env,
        &as_refs(&exchange(&jwt(
            json!({"sub": "u", "org_id": "x", "aud": "connect.zapier.com", "exp": exp}),
        ))),
    )
    .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn connect_tokens_need_a_connect_ui_resource_and_a_valid_access_token() {
    let env = start().await;
    let access = env.token("connector").await;
    let (s, body) = env
        .connect_token(&access, "https://connect.zapier.com/to/slack")
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["expires_in"], 360);
    assert!(body["access_token"].as_str().unwrap().starts_with("ct_"));

    let (s, body) = env
        .connect_token(&access, "https://connect.zapier.com/elsewhere")
        .await;
    assert_eq!(
        (s, body["error"].as_str().unwrap()),
        (400, "invalid_request")
    );
    let (s, body) = env
        .connect_token("bogus", "https://connect.zapier.com/to/slack")
        .await;
    assert_eq!((s, body["error"].as_str().unwrap()), (400, "invalid_grant"));
}

#[tokio::test]
async fn expired_tokens_answer_400_unauthenticated() {
    let env = start_with(Emulator::builder().token_ttl(Duration::from_secs(60))).await;
    let token = env.token("ttl").await;
    let (s, _) = env.get(&format!("{A}/inboxes"), &token).await;
    assert_eq!(s, 200);
    env.advance(61.0).await;
    let (s, body) = env.get(&format!("{A}/inboxes"), &token).await;
    assert_eq!(s, 400);
    assert_eq!(
        body,
        json!({"errors":[{"code":"unauthenticated","detail":"Token has expired.","status":400,"title":"Authentication error"}]})
    );
}

#[tokio::test]
async fn missing_or_malformed_authorization_is_401() {
    let env = start().await;
    let token = env.token("auth").await;
    let url = env.url(&format!("{A}/inboxes"));
    for header in [
        None,
        Some(token.clone()),
        Some(format!("Token {token}")),
        Some("Bearer".to_owned()),
        Some("Bearer nope".to_owned()),
    ] {
        let mut req = env.http.get(&url);
        if let Some(h) = &header {
            req = req.header("Authorization", h);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 401, "{header:?}");
        assert_eq!(
            resp.json::<Value>().await.unwrap()["errors"][0]["code"],
            "authentication_failed"
        );
    }
    for scheme in ["Bearer", "JWT", "bearer"] {
        let resp = env
            .http
            .get(&url)
            .header("Authorization", format!("{scheme} {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{scheme}");
    }
}

#[tokio::test]
async fn scoped_tokens_are_limited_on_the_partner_api() {
    let env = start().await;
    let (_, body) = token_form(
        &env,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "scoped"),
            ("client_secret", "x"),
            ("scope", "connection:read"),
        ],
    )
    .await;
    assert_eq!(body["scope"], "connection:read");
    let token = body["access_token"].as_str().unwrap();
    let (s, _) = env.get("/v2/authentications?app=slack", token).await;
    assert_eq!(s, 200);
    let (s, body) = env.get("/v2/actions?app=slack", token).await;
    assert_eq!(s, 403);
    assert_eq!(body["errors"][0]["code"], "permission_denied");
}

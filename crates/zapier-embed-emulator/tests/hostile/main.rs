//! The emulator under hostile input, over real HTTP on loopback: overflow-safe time, a control
//! API that server-side fetches cannot reach, per-account catch hooks, unambiguous partner users,
//! bodies of the documented JSON type, the `external` scope, bounded per-identity state, and the
//! error envelope on every client error with authentication first. Also the fidelity rules on
//! payloads (objects only; catch hooks split arrays and wrap scalars).
//!
//! One binary (`--test hostile`), one module per concern: `answers`, `control`, `requests`, `tenants`.

// Tests fail by panicking: `unwrap`, `expect` and `panic!` are their assertions (the crate
// denies them in library code, see `[workspace.lints.clippy]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../support/mod.rs"]
mod support;

mod answers;
mod control;
mod requests;
mod tenants;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::*;

/// `errors[0].code` of an envelope, or a description of what came instead.
pub(crate) fn code(body: &Value) -> String {
    body["errors"][0]["code"]
        .as_str()
        .map_or_else(|| format!("not an envelope: {body}"), str::to_owned)
}

/// A client-credentials token with the given scope (none: the parameter is left out).
pub(crate) async fn scoped_token(
    env: &Env,
    client: &str,
    scope: Option<&str>,
) -> (StatusCode, Value) {
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
pub(crate) async fn partner_token(env: &Env, tenant: &str, sub: &str) -> String {
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
pub(crate) async fn raw(
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
pub(crate) async fn hook_inbox(env: &Env, token: &str, name: &str, hook_code: &str) -> String {
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
pub(crate) async fn lease_payloads(env: &Env, token: &str, inbox: &str) -> Vec<Value> {
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

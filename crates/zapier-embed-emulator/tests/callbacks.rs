//! Action-run callbacks: a run created with `callback_url` is POSTed, signed, when it settles;
//! 5xx answers and network errors are retried (3 attempts in all), 4xx answers are not; the
//! signature verifies against the served JWKS; the URL is checked like Zapier checks it.

// Tests fail by panicking: `unwrap`, `expect` and `panic!` are their assertions (the crate
// denies them in library code, see `[workspace.lints.clippy]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};
use support::*;
use tokio::sync::mpsc;
use zapier_embed_emulator::Emulator;

/// Outer bound of every wait below; reaching it fails the test.
const PATIENCE: Duration = Duration::from_secs(30);

/// One POST the receiver got: the signature header and the JSON body.
struct Received {
    signature: Option<String>,
    body: Value,
}

#[derive(Clone)]
struct Script {
    answers: Arc<Mutex<VecDeque<u16>>>,
    seen: mpsc::UnboundedSender<Received>,
}

async fn receive(State(script): State<Script>, headers: HeaderMap, body: String) -> StatusCode {
    let signature = headers
        .get("zapier-callback-signature")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = serde_json::from_str(&body).unwrap_or(Value::Null);
    let _ = script.seen.send(Received { signature, body });
    let next = script.answers.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(next).unwrap()
}

/// A receiver on 127.0.0.1:0 answering `answers` in turn (then 200); its URL and what it saw.
async fn receiver(answers: &[u16]) -> (String, mpsc::UnboundedReceiver<Received>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let script = Script {
        answers: Arc::new(Mutex::new(answers.iter().copied().collect())),
        seen: tx,
    };
    let app = axum::Router::new()
        .route("/cb", post(receive))
        .with_state(script);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/cb"), rx)
}

async fn loopback_env() -> Env {
    start_with(
        Emulator::builder()
            .action_run_delay(Duration::ZERO)
            .allow_loopback_callbacks(),
    )
    .await
}

/// Creates a run of `send_channel_message` with `callback_url`; answers (status, body).
async fn run_with_callback(env: &Env, token: &str, callback_url: &str) -> (u16, Value) {
    let (conn, _) = env.slack_connections(token).await;
    let action = env.slack_action_id(token, "send_channel_message").await;
    let (s, body) = env
        .post(
            "/v2/action-runs/",
            token,
            json!({"data": {
                "action": action,
                "authentication": conn,
                "inputs": {"channel": "C1", "text": "hi"},
                "callback_url": callback_url,
            }}),
        )
        .await;
    (s.as_u16(), body)
}

/// Waits until the emulator's statistics satisfy `done`.
async fn stats_until(env: &Env, done: impl Fn(&Value) -> bool) -> Value {
    tokio::time::timeout(PATIENCE, async {
        loop {
            let stats = env.stats().await;
            if done(&stats) {
                return stats;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the emulator finished delivering in time")
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(PATIENCE, rx.recv())
        .await
        .expect("a callback arrived in time")
        .expect("receiver alive")
}

#[tokio::test]
async fn the_callback_carries_the_run_and_a_signature_the_served_jwks_verifies() {
    let env = loopback_env().await;
    let token = env.token("partner").await;
    let (url, mut rx) = receiver(&[]).await;
    let (s, created) = run_with_callback(&env, &token, &url).await;
    assert_eq!(s, 200, "{created}");
    let run_id = created["data"]["id"].as_str().unwrap().to_owned();

    let got = next(&mut rx).await;
    let (s, run) = env.get(&format!("/v2/action-runs/{run_id}"), &token).await;
    assert_eq!(s, 200);
    assert_eq!(got.body, run, "the payload is the run as GET shows it");
    assert_eq!(got.body["data"]["status"], "success");
    assert_eq!(got.body["data"]["id"], run_id.as_str());

    // Verified with an independent JWT library against the served key set.
    let jwks: jsonwebtoken::jwk::JwkSet = env
        .http
        .get(env.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token_text = got.signature.expect("Zapier-Callback-Signature");
    let header = jsonwebtoken::decode_header(&token_text).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    let jwk = jwks
        .find(header.kid.as_deref().unwrap())
        .expect("kid served");
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.validate_aud = false;
    let claims = jsonwebtoken::decode::<Value>(&token_text, &key, &validation)
        .expect("the signature verifies")
        .claims;
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, 300, "valid five minutes");

    // A token with a flipped signature byte does not verify.
    let mut forged = token_text.clone().into_bytes();
    let last = forged.len() - 2;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    assert!(jsonwebtoken::decode::<Value>(&forged, &key, &validation).is_err());

    let stats = stats_until(&env, |s| s["callbacks_delivered"] == 1).await;
    assert_eq!(stats["callback_retries"], 0);
}

#[tokio::test]
async fn a_failed_run_is_called_back_with_its_errors() {
    let env = loopback_env().await;
    let token = env.token("partner").await;
    let (url, mut rx) = receiver(&[]).await;
    let (conn, _) = env.slack_connections(&token).await;
    let action = env.slack_action_id(&token, "send_channel_message").await;
    let (s, created) = env
        .post(
            "/v2/action-runs",
            &token,
            json!({"data": {"action": action, "authentication": conn, "inputs": {}, "callback_url": url}}),
        )
        .await;
    assert_eq!(s, 200, "{created}");
    let got = next(&mut rx).await;
    assert_eq!(got.body["data"]["status"], "error");
    assert_eq!(got.body["data"]["errors"][0]["code"], "user");
}

#[tokio::test]
async fn server_errors_are_retried_up_to_three_attempts_in_all() {
    let env = loopback_env().await;
    let token = env.token("partner").await;

    // 500 then 200: delivered on the second attempt.
    let (url, mut rx) = receiver(&[500]).await;
    let (s, _) = run_with_callback(&env, &token, &url).await;
    assert_eq!(s, 200);
    let first = next(&mut rx).await;
    let second = next(&mut rx).await;
    assert_eq!(first.body, second.body);
    stats_until(&env, |s| s["callbacks_delivered"] == 1).await;

    // 503 every time: three attempts, then given up.
    let (url, mut rx) = receiver(&[503, 503, 503, 503]).await;
    let (s, _) = run_with_callback(&env, &token, &url).await;
    assert_eq!(s, 200);
    let stats = stats_until(&env, |s| s["callbacks_failed"] == 1).await;
    assert_eq!(stats["callback_retries"], 1 + 2);
    let mut attempts = 0;
    while rx.try_recv().is_ok() {
        attempts += 1;
    }
    assert_eq!(attempts, 3);
}

#[tokio::test]
async fn network_errors_are_retried() {
    let env = loopback_env().await;
    let token = env.token("partner").await;
    // A port nobody listens on any more.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cb", closed.local_addr().unwrap());
    drop(closed);
    let (s, _) = run_with_callback(&env, &token, &url).await;
    assert_eq!(s, 200);
    let stats = stats_until(&env, |s| s["callbacks_failed"] == 1).await;
    assert_eq!(stats["callback_retries"], 2);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let env = loopback_env().await;
    let token = env.token("partner").await;
    let (url, mut rx) = receiver(&[404, 200]).await;
    let (s, _) = run_with_callback(&env, &token, &url).await;
    assert_eq!(s, 200);
    let stats = stats_until(&env, |s| s["callbacks_failed"] == 1).await;
    assert_eq!(stats["callback_retries"], 0);
    assert!(rx.try_recv().is_ok());
    assert!(rx.try_recv().is_err(), "one attempt only");
}

#[tokio::test]
async fn by_default_the_url_must_be_public_https() {
    let env = start_with(Emulator::builder().action_run_delay(Duration::ZERO)).await;
    let token = env.token("partner").await;
    let (url, _rx) = receiver(&[]).await;
    let long = format!("https://example.com/{}", "a".repeat(2048));
    for bad in [
        url.as_str(),
        "http://example.com/cb",
        "https://10.0.0.8/cb",
        "https://[::1]/cb",
        "https://localhost/cb",
        long.as_str(),
    ] {
        let (s, body) = run_with_callback(&env, &token, bad).await;
        assert_eq!(s, 400, "{bad}: {body}");
        assert_eq!(body["errors"][0]["source"]["pointer"], "/data/callback_url");
    }
    // (Accepting a public https URL is covered by the unit tests: a run here would make the
    // emulator call out beyond loopback.)
}

#[tokio::test]
async fn loopback_mode_still_keeps_the_control_api_out_of_reach() {
    let env = loopback_env().await;
    let token = env.token("partner").await;
    let target = env.url("/_emulator/reset");
    let (s, body) = run_with_callback(&env, &token, &target).await;
    assert_eq!(s, 400, "{body}");
}

#[tokio::test]
async fn each_tenants_callback_goes_only_to_the_url_of_its_own_run() {
    let env = loopback_env().await;
    let (alice, bob) = (env.token("alice").await, env.token("bob").await);
    let (alice_url, mut alice_rx) = receiver(&[]).await;
    let (bob_url, mut bob_rx) = receiver(&[]).await;
    let (_, alice_run) = run_with_callback(&env, &alice, &alice_url).await;
    let (_, bob_run) = run_with_callback(&env, &bob, &bob_url).await;
    assert_eq!(
        next(&mut alice_rx).await.body["data"]["id"],
        alice_run["data"]["id"]
    );
    assert_eq!(
        next(&mut bob_rx).await.body["data"]["id"],
        bob_run["data"]["id"]
    );
    stats_until(&env, |s| s["callbacks_delivered"] == 2).await;
    assert!(alice_rx.try_recv().is_err() && bob_rx.try_recv().is_err());
}

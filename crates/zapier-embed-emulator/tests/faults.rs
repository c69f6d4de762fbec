//! Fault injection (errors, dropped connections, latency, 429 bursts, deterministic seeds), rate
//! limiting with `X-RateLimit-*` headers, and early-retry accounting.

// Tests fail by panicking: `unwrap`, `expect` and `panic!` are their assertions (the crate
// denies them in library code, see `[workspace.lints.clippy]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::*;
use zapier_embed_emulator::Emulator;

async fn add_fault(env: &Env, rule: Value) -> Value {
    let (s, body) = env.control("/_emulator/faults", rule).await;
    assert_eq!(s, 200, "{body}");
    body
}

async fn clear_faults(env: &Env) {
    let left = env.control_client().clear_faults().await.unwrap();
    assert!(left.rules.is_empty());
}

#[tokio::test]
async fn error_rate_fails_the_matching_operation_only() {
    let env = start().await;
    let token = env.token("faults").await;
    let id = env.active_inbox(&token, "f", "C1").await;
    add_fault(
        &env,
        json!({"route": "leaseTriggerInboxMessages", "error_rate": 1.0}),
    )
    .await;
    for prefix in [A, A_V1] {
        let (s, body) = env
            .post(
                &format!("{prefix}/inboxes/{id}/messages/lease"),
                &token,
                json!({}),
            )
            .await;
        assert_eq!(
            (s.as_u16(), body["errors"][0]["code"].as_str()),
            (503, Some("service_unavailable")),
            "{prefix}"
        );
    }
    let (s, _) = env.get(&format!("{A}/inboxes/{id}"), &token).await;
    assert_eq!(s, 200);
    add_fault(
        &env,
        json!({"route": "/v2/", "error_rate": 1.0, "error_status": 500}),
    )
    .await;
    let (s, body) = env.get("/v2/apps", &token).await;
    assert_eq!(
        (s.as_u16(), body["errors"][0]["code"].as_str()),
        (500, Some("error"))
    );
    clear_faults(&env).await;
    let (s, _) = env
        .post(
            &format!("{A}/inboxes/{id}/messages/lease"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let listed = env.control_client().faults().await.unwrap();
    assert!(listed.rules.is_empty());
}

#[tokio::test]
async fn dropped_connections_reach_the_client_as_errors() {
    let env = start().await;
    let token = env.token("faults").await;
    add_fault(&env, json!({"drop_rate": 1.0})).await;
    let outcome = async {
        let resp = env
            .http
            .get(env.url(&format!("{A}/inboxes")))
            .bearer_auth(&token)
            .send()
            .await?;
        resp.bytes().await
    }
    .await;
    assert!(
        outcome.is_err(),
        "expected a connection or body error, got {outcome:?}"
    );
    // The control API is never faulted.
    assert_eq!(env.stats().await["requests_by_status"]["dropped"], 1);
}

#[tokio::test]
async fn latency_is_added_and_listed() {
    let env = start().await;
    let token = env.token("faults").await;
    let state = add_fault(
        &env,
        json!({"route": "listTriggerInboxes", "latency_ms": 30, "seed": 9}),
    )
    .await;
    assert_eq!(state["seed"], 9);
    assert_eq!(state["rules"][0]["latency_ms"], 30);
    let (s, _) = env.get(&format!("{A}/inboxes"), &token).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn rate_limit_bursts_send_retry_after_and_early_retries_are_counted() {
    let env = start().await;
    let token = env.token("faults").await;
    add_fault(&env, json!({"rate_limit_burst": 2, "retry_after_secs": 7})).await;
    let path = env.url(&format!("{A}/inboxes"));
    for _ in 0..2 {
        let resp = env
            .http
            .get(&path)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 429);
        assert_eq!(resp.headers()["retry-after"], "7");
        assert_eq!(
            resp.json::<Value>().await.unwrap()["errors"][0]["code"],
            "rate_limited"
        );
    }
    let resp = env
        .http
        .get(&path)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        env.stats().await["early_retries"],
        2,
        "the 2nd and 3rd came before Retry-After"
    );
    env.advance(8.0).await;
    let resp = env
        .http
        .get(&path)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        env.stats().await["early_retries"],
        2,
        "a retry after the wait is not early"
    );
}

async fn pattern(env: &Env, token: &str) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..20 {
        out.push(env.get(&format!("{A}/inboxes"), token).await.0.as_u16());
    }
    out
}

#[tokio::test]
async fn seeded_faults_are_deterministic() {
    let env = start().await;
    let token = env.token("faults").await;
    add_fault(
        &env,
        json!({"route": "listTriggerInboxes", "error_rate": 0.5, "seed": 42}),
    )
    .await;
    let first = pattern(&env, &token).await;
    clear_faults(&env).await;
    add_fault(
        &env,
        json!({"route": "listTriggerInboxes", "error_rate": 0.5, "seed": 42}),
    )
    .await;
    let second = pattern(&env, &token).await;
    assert_eq!(first, second);
    assert!(first.contains(&200) && first.contains(&503), "{first:?}");
}

#[tokio::test]
async fn invalid_fault_rules_are_rejected() {
    let env = start().await;
    for rule in [
        json!({"error_rate": 2.0}),
        json!({"drop_rate": -0.1}),
        json!({"error_status": 404}),
        json!({"route": ""}),
    ] {
        let (s, body) = env.control("/_emulator/faults", rule.clone()).await;
        assert_eq!(s, 400, "{rule}: {body}");
    }
}

#[tokio::test]
async fn configured_rate_limit_answers_429_with_headers() {
    let env = start_with(Emulator::builder().rate_limit(3, Duration::from_secs(60))).await;
    let token = env.token("limited").await; // the token request counts for the anonymous caller
    let path = env.url(&format!("{A}/inboxes"));
    for remaining in ["2", "1", "0"] {
        let resp = env
            .http
            .get(&path)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["x-ratelimit-limit"], "3");
        assert_eq!(resp.headers()["x-ratelimit-remaining"], remaining);
        let reset: u64 = resp.headers()["x-ratelimit-reset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&reset));
    }
    let resp = env
        .http
        .get(&path)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(
        resp.json::<Value>().await.unwrap()["errors"][0]["code"],
        "rate_limited"
    );
    env.advance(61.0).await;
    let resp = env
        .http
        .get(&path)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn every_api_response_carries_rate_limit_headers() {
    let env = start().await;
    let token = env.token("headers").await;
    for (path, auth, status) in [
        (format!("{A}/inboxes"), true, 200),
        (format!("{A}/inboxes"), false, 401),
        (format!("{A}/inboxes/not-a-uuid"), true, 404),
        ("/v2/apps".to_owned(), true, 200),
    ] {
        let mut req = env.http.get(env.url(&path));
        if auth {
            req = req.bearer_auth(&token);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), status, "{path}");
        for h in [
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
        ] {
            assert!(resp.headers().contains_key(h), "{path} lacks {h}");
        }
    }
    let stats = env.stats().await;
    assert!(
        stats["requests_by_status"]["200"].as_u64().unwrap() >= 2,
        "{stats}"
    );
    assert_eq!(stats["requests_by_status"]["401"], 1);
}

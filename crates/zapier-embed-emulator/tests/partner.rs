//! Partner API v2 subset: connections, apps, actions with fresh ids, fields/choices/outputs, and
//! action runs (`waiting` → `success` / `error`, single-use action ids).

mod support;

use serde_json::{Value, json};
use support::*;

const SLACK_ID: &str = "81f613aa-c98a-4383-a5fc-195e68647217";

async fn run(env: &Env, token: &str, action: &str, auth: &str, inputs: Value) -> (u16, Value) {
    let (s, body) = env
        .post(
            "/v2/action-runs/",
            token,
            json!({"data": {"action": action, "authentication": auth, "inputs": inputs}}),
        )
        .await;
    (s.as_u16(), body)
}

async fn run_state(env: &Env, token: &str, id: &str) -> Value {
    let (s, body) = env.get(&format!("/v2/action-runs/{id}/"), token).await;
    assert_eq!(s, 200, "{body}");
    body["data"].clone()
}

#[tokio::test]
async fn authentications_list_by_uuid_key_or_slug_with_seeded_connections() {
    let env = start().await;
    let token = env.token("partner").await;
    for app in [SLACK_ID, "SlackCLIAPI", "slack"] {
        let (s, body) = env
            .get(&format!("/v2/authentications?app={app}"), &token)
            .await;
        assert_eq!(s, 200);
        let data = body["data"].as_array().unwrap();
        assert_eq!(data.len(), 2);
        assert!(
            data.iter()
                .all(|c| c["type"] == "authentication" && c["app"] == SLACK_ID)
        );
        assert_eq!(data.iter().filter(|c| c["is_expired"] == true).count(), 1);
        assert_eq!(body["meta"], json!({"count": 2, "limit": 10, "offset": 0}));
    }
    let (_, page) = env
        .get("/v2/authentications/?app=slack&limit=1", &token)
        .await;
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    assert!(page["links"]["next"].as_str().unwrap().contains("offset=1"));
    let (s, body) = env.get("/v2/authentications", &token).await;
    assert_eq!(
        (
            s.as_u16(),
            body["errors"][0]["source"]["parameter"].as_str()
        ),
        (400, Some("app"))
    );
    let (s, _) = env.get("/v2/authentications?app=nope", &token).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn apps_filter_by_query_ids_category_and_page() {
    let env = start().await;
    let token = env.token("partner").await;
    let (_, all) = env.get("/v2/apps", &token).await;
    assert_eq!(all["meta"]["count"], 2);
    let (_, q) = env.get("/v2/apps?query=sla", &token).await;
    assert_eq!(
        (
            q["data"].as_array().unwrap().len(),
            q["data"][0]["key"].as_str()
        ),
        (1, Some("SlackCLIAPI"))
    );
    assert_eq!(
        q["data"][0]["links"]["connect_new_authentication"],
        "https://connect.zapier.com/to/slack"
    );
    let (_, c) = env.get("/v2/apps?category=developer-tools", &token).await;
    assert_eq!(c["data"][0]["key"], "WebHookCLIAPI");
    let (_, ids) = env.get(&format!("/v2/apps?ids={SLACK_ID}"), &token).await;
    assert_eq!(ids["data"][0]["id"], SLACK_ID);
    let (_, paged) = env.get("/v2/apps/?limit=1&offset=1", &token).await;
    assert_eq!(
        (
            paged["data"].as_array().unwrap().len(),
            paged["meta"]["offset"].as_u64()
        ),
        (1, Some(1))
    );
    assert!(paged["links"]["prev"].as_str().is_some());
    let (s, _) = env
        .get(&format!("/v2/apps?ids={SLACK_ID}&category=x"), &token)
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn every_action_lookup_returns_fresh_ids() {
    let env = start().await;
    let token = env.token("partner").await;
    let (_, first) = env.get("/v2/actions?app=slack", &token).await;
    let (_, second) = env.get("/v2/actions/?app=slack", &token).await;
    let ids = |b: &Value| {
        b["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let keys = |b: &Value| {
        b["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["key"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&first), keys(&second));
    assert!(ids(&first).iter().all(|i| !ids(&second).contains(i)));
    let (_, reads) = env
        .get("/v2/actions?app=slack&action_type=READ", &token)
        .await;
    assert!(
        reads["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["action_type"] == "READ" && a["is_instant"] == true)
    );
    let (s, _) = env
        .get("/v2/actions?app=slack&action_type=NOPE", &token)
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn inputs_choices_and_outputs() {
    let env = start().await;
    let token = env.token("partner").await;
    let (conn, _) = env.slack_connections(&token).await;
    let id = env.slack_action_id(&token, "send_channel_message").await;
    let body = json!({"data": {"authentication": conn, "inputs": {}}});
    let (s, inputs) = env
        .post(&format!("/v2/actions/{id}/inputs"), &token, body.clone())
        .await;
    assert_eq!(s, 200, "{inputs}");
    let fields = inputs["data"].as_array().unwrap();
    assert!(fields.iter().any(|f| f["id"] == "channel"
        && f["is_required"] == true
        && f["format"] == "SELECT"
        && f["type"] == "input_field"));
    assert!(
        fields
            .iter()
            .any(|f| f["id"] == "text" && f["is_required"] == true)
    );
    let (s, choices) = env
        .post(
            &format!("/v2/actions/{id}/inputs/channel/choices?page=1"),
            &token,
            body.clone(),
        )
        .await;
    assert_eq!(s, 200);
    assert!(
        choices["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["value"] == "C0123ABC456" && c["type"] == "choice")
    );
    assert_eq!(choices["meta"]["page"], 1);
    let (s, outputs) = env
        .post(&format!("/v2/actions/{id}/outputs/"), &token, body.clone())
        .await;
    assert_eq!(s, 200);
    assert!(
        outputs["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["type"] == "output_field")
    );
    let (s, _) = env
        .post("/v2/actions/core:unknown/inputs", &token, body)
        .await;
    assert_eq!(s, 404);
    let (s, _) = env.post(&format!("/v2/actions/{id}/inputs"), &token, json!({"data": {"authentication": "00000000-0000-0000-0000-000000000000", "inputs": {}}})).await;
    assert_eq!(s, 404, "unknown connection");
}

#[tokio::test]
async fn action_run_waits_then_succeeds() {
    let env = start().await;
    let token = env.token("partner").await;
    let (conn, _) = env.slack_connections(&token).await;
    let action = env.slack_action_id(&token, "send_channel_message").await;
    let (s, created) = run(
        &env,
        &token,
        &action,
        &conn,
        json!({"channel": "C1", "text": "hi"}),
    )
    .await;
    assert_eq!(s, 200, "{created}");
    assert_eq!(created["data"]["type"], "run");
    let id = created["data"]["id"].as_str().unwrap();
    let waiting = run_state(&env, &token, id).await;
    assert_eq!(
        (
            waiting["status"].as_str(),
            waiting["errors"].as_array().unwrap().len()
        ),
        (Some("waiting"), 0)
    );
    env.advance(1.0).await;
    let done = run_state(&env, &token, id).await;
    assert_eq!(done["status"], "success");
    assert_eq!(done["results"][0]["text"], "hi");
    let other = env.token("someone-else").await;
    let (s, _) = env.get(&format!("/v2/action-runs/{id}"), &other).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn action_ids_are_single_use_and_must_be_known() {
    let env = start().await;
    let token = env.token("partner").await;
    let (conn, _) = env.slack_connections(&token).await;
    let action = env.slack_action_id(&token, "send_channel_message").await;
    let inputs = json!({"channel": "C1", "text": "hi"});
    assert_eq!(
        run(&env, &token, &action, &conn, inputs.clone()).await.0,
        200
    );
    let (s, reused) = run(&env, &token, &action, &conn, inputs.clone()).await;
    assert_eq!(
        (s, reused["errors"][0]["source"]["pointer"].as_str()),
        (400, Some("/data/action"))
    );
    assert!(
        reused["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("already used")
    );
    let (s, unknown) = run(&env, &token, "core:made-up", &conn, inputs).await;
    assert_eq!(
        (s, unknown["errors"][0]["source"]["pointer"].as_str()),
        (400, Some("/data/action"))
    );
}

#[tokio::test]
async fn invalid_runs_end_in_typed_errors() {
    let env = start().await;
    let token = env.token("partner").await;
    let (conn, expired) = env.slack_connections(&token).await;
    let a = env.slack_action_id(&token, "send_channel_message").await;
    let (_, missing) = run(&env, &token, &a, &conn, json!({"channel": "C1"})).await;
    let b = env.slack_action_id(&token, "send_channel_message").await;
    let (_, stale) = run(
        &env,
        &token,
        &b,
        &expired,
        json!({"channel": "C1", "text": "hi"}),
    )
    .await;
    env.advance(1.0).await;
    let m = run_state(&env, &token, missing["data"]["id"].as_str().unwrap()).await;
    assert_eq!(
        (m["status"].as_str(), m["errors"][0]["code"].as_str()),
        (Some("error"), Some("user"))
    );
    assert!(m["errors"][0]["detail"].as_str().unwrap().contains("text"));
    let e = run_state(&env, &token, stale["data"]["id"].as_str().unwrap()).await;
    assert_eq!(
        (e["status"].as_str(), e["errors"][0]["code"].as_str()),
        (Some("error"), Some("authentication"))
    );
}

//! Router assembly, OpenAPI document and the basic happy path.

// Tests fail by panicking: `unwrap`, `expect` and `panic!` are their assertions (the crate
// denies them in library code, see `[workspace.lints.clippy]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::*;

/// The text of `GET /openapi.json`.
async fn served_openapi(env: &Env) -> String {
    let resp = env.http.get(env.url("/openapi.json")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    resp.text().await.unwrap()
}

#[tokio::test]
async fn openapi_document_lists_every_api() {
    let env = start().await;
    let doc: serde_json::Value = serde_json::from_str(&served_openapi(&env).await).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/oauth/token",
        "/oauth/token/",
        "/trigger-inbox/api/v1/inboxes",
        "/trigger-inbox/v1/inboxes/{id}/pause",
        "/trigger-inbox/api/v1/inboxes/{name}/messages/lease/",
        "/trigger-inbox/api/v1/triggers/",
        "/v2/action-runs/{id}",
        "/to/{app}",
        "/_emulator/events",
    ] {
        assert!(paths.contains_key(p), "{p} missing");
    }
}

#[tokio::test]
async fn lease_and_ack_happy_path() {
    let env = start().await;
    let token = env.token("smoke").await;
    let id = env.active_inbox(&token, "smoke", "C1").await;
    assert_eq!(env.emit("C1", 3).await, 1);
    let (s, lease) = env
        .post(
            &format!("{A}/inboxes/{id}/messages/lease"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(s, 201, "{lease}");
    assert_eq!(lease["results"].as_array().unwrap().len(), 3);
    let (s, ack) = env
        .post(
            &format!("{A}/inboxes/{id}/messages/ack"),
            &token,
            json!({"lease_id": lease["lease_id"]}),
        )
        .await;
    assert_eq!(s, 201, "{ack}");
    assert_eq!(env.stats().await["messages_acked"], 3);
}

#[tokio::test]
async fn operation_ids_are_unique_and_every_operation_documents_its_responses() {
    let env = start().await;
    let doc: serde_json::Value = serde_json::from_str(&served_openapi(&env).await).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut seen = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(seen.insert(id.to_owned()), "duplicate operationId {id}");
            assert!(
                !op["responses"].as_object().unwrap().is_empty(),
                "{method} {path}"
            );
        }
    }
    assert!(seen.len() > 60, "{} operations", seen.len());
}

/// The served OpenAPI document is pinned byte for byte by `tests/openapi.json`, so a refactor of
/// the routes cannot change it unnoticed. After an intended change, rewrite the copy with
/// `UPDATE_EMULATOR_OPENAPI=1 cargo test -p zapier-embed-emulator --test smoke` and review the diff.
#[tokio::test]
async fn openapi_document_matches_the_committed_copy() {
    let env = start().await;
    let served = served_openapi(&env).await;
    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/openapi.json");
    if std::env::var_os("UPDATE_EMULATOR_OPENAPI").is_some() {
        std::fs::write(&committed, &served).unwrap();
    }
    let expected = std::fs::read_to_string(&committed).unwrap();
    assert!(
        served == expected,
        "the served /openapi.json differs from tests/openapi.json (first difference at byte {})",
        served
            .bytes()
            .zip(expected.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(served.len().min(expected.len()))
    );
}

//! Zapier's own TypeScript SDK (`@zapier/zapier-sdk`, pinned in `tests/ts-sdk/package-lock.json`)
//! runs against the emulator with only its documented configuration (`baseUrl` and
//! client-credentials `credentials`): `tests/ts-sdk/conformance.mjs` exercises app, trigger and
//! input-field discovery, connections, every inbox operation, lease/ack/release,
//! `drainTriggerInbox`, `watchTriggerInbox` and `runAction`, asserting each result. This test
//! starts the emulator, runs the script under Node, and then checks through the routes the Rust
//! client uses that the SDK's inbox is the same inbox, and that it is invisible to another
//! tenant.
//!
//! Needs Node 20+ and `npm ci` in `tests/ts-sdk` (`.ci/run` does both); it fails, never skips,
//! when they are missing.

// Tests fail by panicking: `unwrap`, `expect` and `panic!` are their assertions (the crate
// denies them in library code, see `[workspace.lints.clippy]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use support::*;
use zapier_embed_emulator::Emulator;

/// Outer bound of the whole Node run (the script bounds each of its waits to 15 s).
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(180);
const CLIENT: &str = "ts-sdk-tenant";
/// The secret `support::Env::token` presents.
const SECRET: &str = "secret";

fn project_dir() -> PathBuf {
    [env!("CARGO_MANIFEST_DIR"), "tests", "ts-sdk"]
        .iter()
        .collect()
}

/// Fails with the fix when Node or the installed packages are missing.
fn require_node_project() {
    let dir = project_dir();
    let sdk = dir.join("node_modules/@zapier/zapier-sdk/package.json");
    assert!(
        sdk.is_file(),
        "{} is missing: run `npm ci --prefix {}` (Node 20+) first",
        sdk.display(),
        dir.display()
    );
}

/// Runs the conformance script; returns its stdout, or fails showing stdout and stderr.
async fn run_script(base_url: &str) -> String {
    let mut command = tokio::process::Command::new("node");
    // The SDK also reads credentials and URLs from `ZAPIER_*` variables; only ours may count.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ZAPIER_") {
            command.env_remove(name);
        }
    }
    let child = command
        .arg("conformance.mjs")
        .current_dir(project_dir())
        .env("EMULATOR_URL", base_url)
        .env("EMULATOR_CLIENT_ID", CLIENT)
        .env("EMULATOR_CLIENT_SECRET", SECRET)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `node` (Node 20+ is required): {e}"));
    let out = tokio::time::timeout(SCRIPT_TIMEOUT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("conformance.mjs did not finish within {SCRIPT_TIMEOUT:?}"))
        .expect("node output");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "conformance.mjs failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typescript_sdk_runs_against_the_emulator() {
    require_node_project();
    let env = start_with(
        Emulator::builder()
            .client(CLIENT, SECRET)
            .client("other-tenant", SECRET)
            .activation_delay(Duration::from_millis(50))
            .deletion_delay(Duration::from_millis(50))
            .action_run_delay(Duration::from_millis(50)),
    )
    .await;

    let stdout = run_script(&env.handle.base_url()).await;
    let result: Value = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_else(|| panic!("no RESULT line in:\n{stdout}"));
    let inbox = result["inbox"].as_str().expect("inbox id");

    // The same tenant sees the SDK's inbox, and the state the SDK left, on the Rust-facing prefix.
    let token = env.token(CLIENT).await;
    let (status, body) = env.get(&format!("{A}/inboxes?name=orders"), &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["count"], 1, "{body}");
    assert_eq!(body["results"][0]["id"], inbox, "{body}");
    assert_eq!(body["results"][0]["status"], "active", "{body}");
    // The SDK acked everything it consumed; the one event sent while the other inbox was paused
    // (`{"n":20}`) is waiting here, and the Rust-facing routes lease and ack it.
    let lease = format!("{A}/inboxes/{inbox}/messages/lease");
    let (status, body) = env.call(Method::POST, &lease, &token, None).await;
    assert_eq!(status, 201, "{body}");
    let payloads: Vec<&Value> = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|m| &m["payload"])
        .collect();
    assert_eq!(payloads, [&serde_json::json!({"n": 20})], "{body}");
    let ack = serde_json::json!({"lease_id": body["lease_id"]});
    let (status, body) = env
        .post(&format!("{A}/inboxes/{inbox}/messages/ack"), &token, ack)
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = env.call(Method::POST, &lease, &token, None).await;
    assert_eq!(status, 200, "{body}");
    // The route override's prefix serves the same inbox.
    let (status, body) = env.get(&format!("/api/v1/inboxes/{inbox}"), &token).await;
    assert_eq!(
        (status.as_u16(), &body["id"]),
        (200, &result["inbox"]),
        "{body}"
    );

    // Another tenant sees none of it, on any prefix.
    let other = env.token("other-tenant").await;
    for prefix in [A, "/api/v0/sdk/trigger-inbox/api/v1", "/api/v1"] {
        let (status, body) = env.get(&format!("{prefix}/inboxes/{inbox}"), &other).await;
        assert_eq!(status, 404, "{prefix}: {body}");
    }
    let connection = result["connection"].as_str().expect("connection id");
    let (status, body) = env
        .get(&format!("/api/v0/connections/{connection}"), &other)
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["errors"][0]["code"], "not_found", "{body}");
    env.handle.shutdown().await;
}

#[tokio::test]
async fn sdk_routes_answer_the_error_envelope_and_name_the_field() {
    let env = start().await;
    // No token: 401 with the envelope, before anything else is looked at.
    let resp = env
        .http
        .get(env.url("/api/v0/connections"))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["errors"][0]["code"], "authentication_failed", "{body}");

    // A token without the `external` scope may not use the SDK's routes.
    let narrow: Value = env
        .http
        .post(env.url("/oauth/token/"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "acme"),
            ("client_secret", "secret"),
            ("scope", "connection:read"),
        ])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token json");
    let narrow = narrow["access_token"].as_str().expect("access_token");
    let (status, body) = env.get("/api/v0/connections", narrow).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["errors"][0]["code"], "permission_denied", "{body}");
    // Nor the Trigger Inbox API under either SDK prefix, the `/api/v1` override included (its
    // path carries no `trigger-inbox` segment), as on the documents' own prefix.
    for prefix in [
        "/api/v0/sdk/trigger-inbox/api/v1",
        "/api/v1",
        "/trigger-inbox/api/v1",
    ] {
        let (status, body) = env.get(&format!("{prefix}/inboxes"), narrow).await;
        assert_eq!(status, 401, "{prefix}: {body}");
        assert_eq!(
            body["errors"][0]["code"], "invalid_audience",
            "{prefix}: {body}"
        );
    }

    let token = env.token("acme").await;
    let (status, body) = env
        .post(
            "/api/v0/sdk/zapier/api/v4/implementations/needs/",
            &token,
            serde_json::json!({"selected_api": "SlackCLIAPI@1.0.0", "action": "channel_message", "type_of": "write"}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["source"]["pointer"], "/action", "{body}");

    let (status, body) = env
        .post(
            "/api/v0/sdk/zapier/api/actions/v1/runs",
            &token,
            serde_json::json!({"data": {"selected_api": "SlackCLIAPI@1.0.0", "action_id": "core:SlackCLIAPI:mention", "action_key": "send_channel_message", "action_type": "write", "inputs": {}}}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"][0]["source"]["pointer"], "/data/action_id",
        "{body}"
    );

    // Newer SDK versions send `key` where older ones send `name`: both name the same inbox.
    let sdk_inboxes = "/api/v0/sdk/trigger-inbox/api/v1/inboxes";
    let subscription = serde_json::json!({"app_key": "WebHookCLIAPI@1.0.0", "action_key": "hook_v2", "inputs": {"_zap_static_hook_code": "abc", "_zap_static_hook_seed": "1"}, "connection_id": null});
    let (status, created) = env
        .call(
            Method::PUT,
            sdk_inboxes,
            &token,
            Some(serde_json::json!({"key": "by-key", "subscription": subscription})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        (&created["key"], &created["name"]),
        (&"by-key".into(), &"by-key".into())
    );
    let (status, again) = env
        .call(
            Method::PUT,
            sdk_inboxes,
            &token,
            Some(serde_json::json!({"name": "by-key", "subscription": subscription})),
        )
        .await;
    assert_eq!(
        (status.as_u16(), &again["id"]),
        (200, &created["id"]),
        "{again}"
    );
    let (status, listed) = env
        .get(&format!("{sdk_inboxes}?key=by-key&limit=1"), &token)
        .await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["results"][0]["id"], created["id"], "{listed}");

    // Fault rules name operations, whatever the prefix the SDK reaches them under.
    let control = env.control_client();
    let rule = serde_json::json!({"route": "leaseTriggerInboxMessages", "error_rate": 1.0, "error_status": 503});
    let rule = serde_json::from_value(rule).expect("a fault rule");
    control.add_fault(&rule).await.expect("add the fault");
    let inbox = created["id"].as_str().expect("id");
    let (status, body) = env
        .call(
            Method::POST,
            &format!("{sdk_inboxes}/{inbox}/messages/lease"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 503, "{body}");
    control.clear_faults().await.expect("clear faults");

    let (status, body) = env.get("/api/v0/connections?page_size=0", &token).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"][0]["source"]["parameter"], "page_size",
        "{body}"
    );
    env.handle.shutdown().await;
}

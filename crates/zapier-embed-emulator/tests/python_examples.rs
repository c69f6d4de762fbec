//! The complete Python examples of the seed documents (variant A: by id / `lease_id`; variant B:
//! by name / `lease_token`) run unchanged against the emulator, except for their configuration
//! lines and a bounded poll loop (every changed line is marked in `tests/python/*.py`).

// Tests fail by panicking: `unwrap`, `expect` and `panic!` are their assertions (the crate
// denies them in library code, see `[workspace.lints.clippy]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use support::*;

const EVENTS: usize = 25;
const CHANNEL: &str = "C0123ABC456";

fn script(name: &str) -> PathBuf {
    [env!("CARGO_MANIFEST_DIR"), "tests", "python", name]
        .iter()
        .collect()
}

/// Fails loudly (never skips) when the interpreter or `requests` is missing: CI installs them.
async fn require_python_requests() {
    let out = tokio::process::Command::new("python3")
        .args(["-c", "import requests"])
        .output()
        .await;
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "python3 cannot import `requests`: install it with `python3 -m pip install 'requests>=2.31'` \
             (.ci/run does): {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!(
            "python3 with `requests` is required to run the seed examples \
             (e.g. `apt-get install -y python3 python3-requests`): {e}"
        ),
    }
}

async fn emit_events(env: &Env) {
    let payloads: Vec<Value> = (0..EVENTS).map(|i| json!({"text": format!("event {i}"), "user": format!("U{i:04}"), "channel": CHANNEL})).collect();
    let (s, body) = env.control("/_emulator/events", json!({"app": "slack", "action": "channel_message", "inputs": {"channel": CHANNEL}, "payload": payloads})).await;
    assert_eq!(
        (s.as_u16(), body["delivered"].as_u64()),
        (200, Some(1)),
        "{body}"
    );
}

async fn run_script(env: &Env, name: &str, token: &str, connection: &str) -> String {
    let child = tokio::process::Command::new("python3")
        .arg(script(name))
        .env("BASE_URL", env.handle.base_url())
        .env("ACCESS_TOKEN", token)
        .env("CONNECTION_ID", connection)
        .env("EXPECTED_EVENTS", EVENTS.to_string())
        .env("MAX_POLLS", "30")
        .env("EMPTY_SLEEP_SECS", "0.05")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn python3");
    let out = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
        .await
        .expect("the example finished within 120 s")
        .expect("python3 output");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn assert_processed(stdout: &str) {
    for i in 0..EVENTS {
        let line = format!("New message in {CHANNEL} from U{i:04}: event {i}");
        assert!(
            stdout.lines().any(|l| l == line),
            "missing `{line}` in:\n{stdout}"
        );
    }
    assert!(
        stdout.contains(&format!("processed {EVENTS} events")),
        "{stdout}"
    );
}

#[tokio::test]
async fn seed_000_variant_a_example_processes_every_event() {
    require_python_requests().await;
    let env = start().await;
    let token = env.token("python-a").await;
    let (connection, _) = env.slack_connections(&token).await;
    // The example ensures this inbox on startup (same name and subscription: 200), so creating it
    // first lets the events be queued before the script starts.
    let (s, body) = env
        .call(
            reqwest::Method::PUT,
            &format!("{A}/inboxes"),
            &token,
            Some(json!({"name": "my-slack-inbox", "subscription": {"app_key": "SlackCLIAPI", "action_key": "channel_message", "connection_id": connection, "inputs": {"channel": CHANNEL}}})),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    env.advance(1.0).await;
    emit_events(&env).await;

    let stdout = run_script(&env, "seed_000_variant_a.py", &token, &connection).await;
    assert_processed(&stdout);
    let stats = env.stats().await;
    assert_eq!(stats["messages_acked"], EVENTS as u64, "{stats}");
}

#[tokio::test]
async fn seed_001_variant_b_example_processes_every_event() {
    require_python_requests().await;
    let env = start().await;
    let token = env.token("python-b").await;
    let (connection, _) = env.slack_connections(&token).await;
    let (s, body) = env
        .call(
            reqwest::Method::PUT,
            &format!("{A}/inboxes/my-slack-inbox/"),
            &token,
            Some(json!({"app": "slack", "action": "channel_message", "connection": connection, "inputs": {"channel": CHANNEL}})),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    env.advance(1.0).await;
    emit_events(&env).await;

    let stdout = run_script(&env, "seed_001_variant_b.py", &token, &connection).await;
    assert_processed(&stdout);
    let stats = env.stats().await;
    assert_eq!(stats["messages_acked"], EVENTS as u64, "{stats}");
}

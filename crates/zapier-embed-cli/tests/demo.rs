//! `zembed demo` in both variants (in-process emulator, and an emulator in another place through
//! `ZAPIER_EMULATOR_HOST`), and the README quickstart (`crates/zapier-embed/examples/quickstart.rs`)
//! run against an emulator.

mod common;

#[allow(dead_code)]
#[path = "../../zapier-embed/examples/quickstart.rs"]
mod quickstart;

use std::time::Duration;

use common::{TestEmulator, ok, stdout, zembed};
use zapier_embed::{Client, Subscription};

/// Every step the demo walks, in order.
const STEPS: &[&str] = &[
    "emulator",
    "token",
    "connection",
    "triggers",
    "input fields",
    "validation",
    "ensure inbox",
    "ensure again",
    "active",
    "emit events",
    "consume",
    "action runs",
    "backlog",
    "pause",
    "drain",
    "lease 409",
    "resume",
    "delete",
];

#[track_caller]
fn assert_every_step(out: &str) {
    let mut from = 0;
    for step in STEPS {
        let needle = format!("✓ {step} ");
        let at = out[from..]
            .find(&needle)
            .unwrap_or_else(|| panic!("step `{step}` missing or out of order:\n{out}"));
        from += at + needle.len();
    }
    assert!(!out.contains('✗'), "{out}");
    assert!(
        out.contains(&format!("summary: all {} steps succeeded", STEPS.len())),
        "{out}"
    );
    assert!(!out.contains("eyJ"), "a token was printed:\n{out}");
}

#[test]
fn demo_by_id_on_the_in_process_emulator() {
    let out = ok(&zembed(&["demo"], &[]));
    assert_every_step(&out);
    assert!(out.contains("variant by-id"), "{out}");
    assert!(out.contains("reusing valid slack connection"), "{out}");
    assert!(out.contains("dead-lettered on attempt 4"), "{out}");
    assert!(out.contains("7 Action Runs"), "{out}");
    assert!(out.contains("HTTP 409"), "{out}");
}

#[test]
fn demo_by_name_on_the_in_process_emulator() {
    let out = ok(&zembed(
        &["demo", "--variant", "by-name", "--events", "5"],
        &[],
    ));
    assert_every_step(&out);
    assert!(out.contains("variant by-name"), "{out}");
    assert!(out.contains("4 Action Runs"), "{out}");
}

#[test]
fn demo_against_a_running_emulator_connects_through_connect_ui() {
    let emu = TestEmulator::start();
    let out = emu.zembed(&["demo", "--force-connect", "--events", "4"]);
    let text = ok(&out);
    assert_every_step(&text);
    assert!(
        text.contains(&format!("using the emulator at {}", emu.url)),
        "{text}"
    );
    assert!(text.contains("through the Connect UI"), "{text}");
    assert!(
        !stdout(&out).contains("token="),
        "a connect token was printed:\n{text}"
    );
    // The demo cleaned up after itself.
    let listed = ok(&emu.zembed(&["inboxes", "ls"]));
    assert_eq!(listed.trim(), "no inboxes", "{listed}");
}

#[test]
fn demo_needs_an_emulator_when_pointed_elsewhere() {
    // Nothing listens on port 9: the first step fails, the rest are not attempted.
    let out = zembed(&["demo", "--emulator-host", "127.0.0.1:9"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("✗ emulator"), "{text}");
    assert!(!text.contains("✓ token"), "{text}");
    let err = common::stderr(&out);
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        ["error: demo failed at step `emulator`"],
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_example_runs_against_the_emulator() {
    let handle = zapier_embed_emulator::Emulator::builder()
        .activation_delay(Duration::from_millis(20))
        .action_run_delay(Duration::from_millis(10))
        .start()
        .await
        .expect("start the emulator");
    let host = handle.addr().to_string();
    let client = Client::from_env_with(|key| (key == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))
        .expect("client");

    // The first run creates the inbox; nothing has been posted yet.
    assert_eq!(quickstart::run(&client).await.expect("first run"), 0);

    // Two Slack messages arrive; the next run processes and replies to both.
    let mut inputs = serde_json::Map::new();
    inputs.insert("channel".into(), quickstart::CHANNEL.into());
    let delivered = handle
        .emulator()
        .emit(zapier_embed_emulator::models::control::EmitRequest {
            app: "slack".into(),
            action: "channel_message".into(),
            inputs: Some(inputs),
            payload: serde_json::json!([{"text": "hello"}, {"text": "world"}]),
            count: None,
            possible_duplicate_data: false,
        })
        .expect("emit");
    assert_eq!(delivered, 1);
    assert_eq!(quickstart::run(&client).await.expect("second run"), 2);

    let stats = handle.emulator().stats();
    assert_eq!(stats.messages_acked, 2);
    // The inbox is the one the example named, with its validated inputs.
    let inbox = client
        .inboxes()
        .get(&quickstart::INBOX.parse().expect("name"))
        .await
        .expect("get");
    let expected = Subscription::new("slack", "channel_message");
    assert_eq!(inbox.subscription.trigger, expected.trigger);
    assert_eq!(inbox.subscription.inputs["channel"], quickstart::CHANNEL);
    handle.shutdown().await;
}

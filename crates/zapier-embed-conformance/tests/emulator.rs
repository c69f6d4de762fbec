//! The suite passes against the zapier-embed emulator (served in-process on a loopback port) in
//! both variants and on every path prefix the emulator serves each in: variant A under
//! `/trigger-inbox/api/v1` and `/trigger-inbox/v1`, variant B under `/trigger-inbox/api/v1` (the
//! only prefix the by-name guide uses).

use std::time::Duration;

use serde_json::json;
use zapier_embed_conformance::{
    ActionRunSpec, Credentials, Filter, Outcome, Suite, Target, Variant,
};
use zapier_embed_emulator::Emulator;

/// The outer bound of one whole run (a hang fails the test instead of stalling CI).
const RUN_BOUND: Duration = Duration::from_secs(240);

fn target(base_url: &str, variant: Variant, prefix: &str) -> Target {
    let mut target = Target::new(base_url, Credentials::new("conformance-one", "secret-one"));
    target.second_credentials = Some(Credentials::new("conformance-two", "secret-two"));
    target.variant = variant;
    target.inbox_path_prefix = prefix.to_owned();
    target.action_run = Some(ActionRunSpec {
        app_query: "slack".into(),
        action_key: "send_channel_message".into(),
        inputs: json!({"channel": "C1", "text": "conformance"}),
    });
    target.settle_timeout = Duration::from_secs(30);
    target
}

async fn passes(variant: Variant, prefix: &str) {
    let handle = Emulator::builder()
        .activation_delay(Duration::from_millis(20))
        .deletion_delay(Duration::from_millis(20))
        .action_run_delay(Duration::from_millis(10))
        .start()
        .await
        .expect("start the emulator");
    let suite = Suite::new(target(&handle.base_url(), variant, prefix));
    let report = tokio::time::timeout(RUN_BOUND, suite.run(&Filter::default()))
        .await
        .expect("the run finishes in time");
    let lines = report.lines().join("\n");
    assert_eq!(report.failed(), 0, "{variant:?} {prefix}:\n{lines}");
    // Every check ran: the emulator offers events, a clock, two identities and Action Runs, so
    // the only skips are the checks the by-name documents leave without anything to check.
    for check in &report.checks {
        if let Outcome::Skipped(reason) = &check.outcome {
            assert!(
                variant == Variant::ByName && reason.contains("by-name guide documents"),
                "{} skipped: {reason}\n{lines}",
                check.name
            );
        }
    }
    assert!(report.passed() >= 20, "{lines}");
    assert_eq!(suite.cleanup().await, 0, "nothing left to clean up");
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_id_under_the_guides_prefix() {
    passes(Variant::ById, "/trigger-inbox/api/v1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_id_under_the_specifications_prefix() {
    passes(Variant::ById, "/trigger-inbox/v1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_name_under_the_guides_prefix() {
    passes(Variant::ByName, "/trigger-inbox/api/v1").await;
}

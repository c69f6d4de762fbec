//! The suite passes against the zapier-embed emulator (served in-process on a loopback port) in
//! both variants and on every path prefix the emulator serves each in: variant A under
//! `/trigger-inbox/api/v1` and `/trigger-inbox/v1`, variant B under `/trigger-inbox/api/v1` (the
//! only prefix the by-name guide uses).

mod common;

use std::time::Duration;

use zapier_embed_conformance::{Control, Credentials, Filter, Outcome, Suite, Target, Variant};

/// The outer bound of one whole run (a hang fails the test instead of stalling CI).
const RUN_BOUND: Duration = Duration::from_secs(240);

fn target(base_url: &str, variant: Variant, prefix: &str) -> Target {
    let mut target = Target::new(base_url, Credentials::new("conformance-one", "secret-one"));
    target.second_credentials = Some(Credentials::new("conformance-two", "secret-two"));
    target.variant = variant;
    target.inbox_path_prefix = prefix.to_owned();
    target.action_run = Some(common::slack_message());
    target.settle_timeout = Duration::from_secs(30);
    target
}

async fn passes(variant: Variant, prefix: &str) {
    let handle = common::start_emulator().await;
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

/// The `sub` claim of a JWT access token (the emulator's catch hooks are per account `sub`).
fn sub_claim(token: &str) -> String {
    let payload = token.split('.').nth(1).expect("a JWT");
    let mut bits = 0u32;
    let mut count = 0;
    let mut bytes = Vec::new();
    for c in payload.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => continue,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    let claims: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON claims");
    claims["sub"].as_str().expect("a sub claim").to_owned()
}

/// The mode a real Zapier account runs in: no control API, events through a catch hook, short
/// leases waited out instead of a clock moved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_id_through_a_catch_hook_without_the_control_api() {
    let handle = common::start_emulator().await;
    let base = handle.base_url();
    let token: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "conformance-one"),
            ("client_secret", "secret-one"),
            ("scope", "external"),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token JSON");
    let account = sub_claim(token["access_token"].as_str().expect("access_token"));
    let mut target = target(&base, Variant::ById, "/trigger-inbox/v1");
    target.control = Control::Absent;
    target.catch_hook_url = Some(format!("{base}/hooks/catch/{account}/c0ffee123456/"));
    target.delivery_wait = Duration::ZERO;
    let suite = Suite::new(target);
    let report = tokio::time::timeout(RUN_BOUND, suite.run(&Filter::default()))
        .await
        .expect("the run finishes in time");
    let lines = report.lines().join("\n");
    assert_eq!(report.failed(), 0, "{lines}");
    assert_eq!(report.skipped(), 0, "{lines}");
    assert_eq!(suite.cleanup().await, 0);
    handle.shutdown().await;
}

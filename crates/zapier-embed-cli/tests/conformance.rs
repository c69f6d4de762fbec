//! `zembed conformance` against an emulator: one line per check and a summary, `--json`,
//! `--only`, and the exit status (0 only when nothing failed, 1 on a failed check, 2 on a usage
//! error).

mod common;

use common::{TestEmulator, stderr, stdout};

const CREDENTIALS: &[(&str, &str)] = &[
    ("ZAPIER_CLIENT_ID", "cli-conformance"),
    ("ZAPIER_CLIENT_SECRET", "cli-secret"),
    ("ZAPIER_SECOND_CLIENT_ID", "cli-conformance-two"),
    ("ZAPIER_SECOND_CLIENT_SECRET", "cli-secret-two"),
];

#[test]
fn every_check_passes_one_line_each_then_a_summary() {
    let emulator = TestEmulator::start();
    let out = emulator.zembed_env(
        &[
            "conformance",
            "--action-app",
            "slack",
            "--action-key",
            "send_channel_message",
            "--action-inputs",
            r#"{"channel":"C1","text":"conformance"}"#,
        ],
        CREDENTIALS,
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}\n{}", stderr(&out));
    let lines: Vec<&str> = text.lines().collect();
    let checks = zapier_embed_conformance::check_names(zapier_embed_conformance::Variant::ById);
    assert_eq!(lines.len(), checks.len() + 1, "{text}");
    for ((name, section), line) in checks.iter().zip(&lines) {
        assert_eq!(*line, format!("pass     {name} ({section})"), "{text}");
    }
    assert_eq!(
        lines.last().copied(),
        Some(format!("{} passed, 0 failed, 0 skipped", checks.len()).as_str())
    );
}

#[test]
fn json_output_and_the_only_filter() {
    let emulator = TestEmulator::start();
    let out = emulator.zembed_env(
        &[
            "conformance",
            "--only",
            "lease.empty_200,inbox",
            "--skip",
            "inbox.delete_then_404",
            "--json",
        ],
        CREDENTIALS,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let names: Vec<&str> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert!(names.contains(&"lease.empty_200"), "{names:?}");
    assert!(names.contains(&"inbox.pause_resume"), "{names:?}");
    assert!(!names.contains(&"inbox.delete_then_404"), "{names:?}");
    assert!(!names.contains(&"ack.subset"), "{names:?}");
    assert_eq!(report["failed"], 0);
    assert_eq!(report["checks"][0]["outcome"], "pass");
}

#[test]
fn a_failed_check_is_a_fail_line_and_exit_1() {
    let emulator = TestEmulator::start();
    // A prefix the emulator does not serve: every inbox request answers 404.
    let out = emulator.zembed_env(
        &[
            "conformance",
            "--inbox-path-prefix",
            "/no-such/v1",
            "--only",
            "lease.empty_200",
        ],
        CREDENTIALS,
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}\n{}", stderr(&out));
    assert!(text.starts_with("FAIL     lease.empty_200 ("), "{text}");
    assert!(text.contains("HTTP 404"), "{text}");
    assert!(text.ends_with("0 passed, 1 failed, 0 skipped\n"), "{text}");
    assert!(
        stderr(&out).contains("0 passed, 1 failed, 0 skipped"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_credentials_are_a_usage_error() {
    let emulator = TestEmulator::start();
    let out = emulator.zembed(&["conformance"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("ZAPIER_CLIENT_ID"),
        "{}",
        stderr(&out)
    );
}

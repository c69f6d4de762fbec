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

/// Ctrl-C in the middle of a check deletes the inboxes the run created before exiting.
#[cfg(unix)]
#[test]
fn an_interrupted_run_deletes_what_it_created() {
    use std::process::{Command, Stdio};
    use std::time::Duration;

    // Inboxes never become active, so the first check waits (up to its settle timeout).
    let emulator = TestEmulator::start_with(|b| b.activation_delay(Duration::from_secs(3600)));
    let mut command = Command::new(assert_cmd::cargo::cargo_bin!("zembed"));
    for var in common::ZAPIER_VARS {
        command.env_remove(var);
    }
    let mut child = command
        .env("ZAPIER_EMULATOR_HOST", &emulator.host)
        .envs(CREDENTIALS[..2].iter().copied())
        .args([
            "conformance",
            "--only",
            "inbox.create_then_active",
            "--settle-timeout",
            "300",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start zembed");
    let listed = || inbox_statuses(&emulator.url, CREDENTIALS[0].1, CREDENTIALS[1].1);
    // Wait (bounded) until the run has created its inbox.
    let mut waited = 0;
    while listed().is_empty() {
        waited += 1;
        assert!(waited < 600, "the run never created an inbox");
        std::thread::sleep(Duration::from_millis(50));
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(sent.success());
    let mut waited = 0;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        waited += 1;
        if waited > 600 {
            let _ = child.kill();
            panic!("zembed did not stop after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = child.wait_with_output().expect("output");
    assert_eq!(status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
    let left = listed();
    assert!(
        left.iter().all(|status| status == "deleting"),
        "inboxes left behind: {left:?}"
    );
}

/// The statuses of the inboxes the client-credentials identity `id` owns on the emulator.
#[cfg(unix)]
fn inbox_statuses(url: &str, id: &str, secret: &str) -> Vec<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let token: serde_json::Value = http
            .post(format!("{url}/oauth/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
            ])
            .send()
            .await
            .expect("token")
            .json()
            .await
            .expect("token JSON");
        let list: serde_json::Value = http
            .get(format!("{url}/trigger-inbox/api/v1/inboxes"))
            .bearer_auth(token["access_token"].as_str().expect("access_token"))
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("list JSON");
        list["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|i| i["status"].as_str().unwrap_or_default().to_owned())
            .collect()
    })
}

#[test]
fn half_a_second_identity_is_a_usage_error() {
    let emulator = TestEmulator::start();
    let out = emulator.zembed_env(
        &["conformance", "--second-client-id", "two"],
        &CREDENTIALS[..2],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("ZAPIER_SECOND_CLIENT_SECRET"),
        "{}",
        stderr(&out)
    );
}

/// A misspelt `--only` or `--skip` entry is refused before any request, rather than a run that
/// checks nothing (or skips nothing) and exits 0.
#[test]
fn a_filter_entry_naming_no_check_is_a_usage_error() {
    let emulator = TestEmulator::start();
    for flag in ["--only", "--skip"] {
        let out = emulator.zembed_env(&["conformance", flag, "lease,leese"], &CREDENTIALS[..2]);
        assert_eq!(out.status.code(), Some(2), "{flag}: {}", stderr(&out));
        assert!(stderr(&out).contains("leese"), "{flag}: {}", stderr(&out));
        assert!(!stderr(&out).contains("lease,"), "{flag}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{flag}: nothing ran");
    }
}

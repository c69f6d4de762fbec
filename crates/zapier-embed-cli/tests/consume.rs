//! `zembed consume INBOX --exec CMD`: the consumer runtime driving a shell command, against an
//! emulator on 127.0.0.1.

mod common;

use common::{TestEmulator, ensure_active_inbox, fails, ok, ok_json, stderr, temp_dir};
use serde_json::Value;

const CHANNEL: &str = "C0123ABC456";

#[test]
fn consume_runs_the_command_and_acks_or_releases() {
    let emu = TestEmulator::start();
    ensure_active_inbox(&emu, &[], "work");
    emu.emit(CHANNEL, &["alpha", "beta", "gamma"]);
    let dir = temp_dir("consume");
    let sink = dir.join("payloads.jsonl");
    let cmd = format!(
        "cat >> '{}'; echo \"handled $ZEMBED_MESSAGE_ID attempt $ZEMBED_ATTEMPT\"",
        sink.display()
    );
    let out = emu.zembed(&[
        "consume",
        "work",
        "--exec",
        &cmd,
        "--concurrency",
        "2",
        "--max-messages",
        "3",
    ]);
    let printed = ok(&out);
    assert_eq!(
        printed.lines().filter(|l| l.contains("attempt 1")).count(),
        3,
        "{printed}"
    );
    let written = std::fs::read_to_string(&sink).expect("payloads written");
    let texts: Vec<String> = written
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON payload")["text"].to_string())
        .collect();
    assert_eq!(texts.len(), 3, "{written}");
    assert!(stderr(&out).contains("consume:"), "{}", stderr(&out));
    let listed = ok_json(&emu.zembed(&["messages", "ls", "work", "--json"]));
    assert!(
        listed
            .as_array()
            .expect("array")
            .iter()
            .all(|m| m["status"] == "acked"),
        "{listed}"
    );

    // A failing command releases: the message is available again, leased once.
    emu.emit(CHANNEL, &["delta"]);
    ok(&emu.zembed(&["consume", "work", "--exec", "exit 3", "--max-messages", "1"]));
    let listed = ok_json(&emu.zembed(&["messages", "ls", "work", "--json"]));
    let delta: Vec<&Value> = listed
        .as_array()
        .expect("array")
        .iter()
        .filter(|m| m["status"] != "acked")
        .collect();
    assert_eq!(delta.len(), 1, "{listed}");
    assert_eq!(delta[0]["status"], "available");
    assert_eq!(delta[0]["message_attributes"]["lease_count"], 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn consume_drains_on_ctrl_c() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let emu = TestEmulator::start();
    ensure_active_inbox(&emu, &[], "interrupt");
    let mut command = Command::new(assert_cmd::cargo::cargo_bin!("zembed"));
    for var in common::ZAPIER_VARS {
        command.env_remove(var);
    }
    let mut child = command
        .args(["consume", "interrupt", "--exec", "cat > /dev/null"])
        .env("ZAPIER_EMULATOR_HOST", &emu.host)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut first = String::new();
    stderr.read_line(&mut first).expect("read");
    assert!(first.starts_with("consuming inbox interrupt"), "{first}");
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("read");
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status}\n{rest}");
    assert!(rest.contains("consume:"), "{rest}");
}

#[test]
fn consume_rejects_bad_input() {
    let emu = TestEmulator::start();
    for env in [&[][..], &[("ZAPIER_API_VARIANT", "by-name")][..]] {
        let out = emu.zembed_env(&["consume", "no-such-inbox", "--exec", "true"], env);
        let line = fails(&out, 1);
        assert!(line.contains("not found"), "{line}");
        assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    }
    for bad in ["0", "3601"] {
        let line = fails(
            &emu.zembed(&[
                "consume",
                "some-inbox",
                "--exec",
                "true",
                "--lease-seconds",
                bad,
            ]),
            2,
        );
        assert!(line.contains("1..=3600"), "{line}");
    }
    fails(&emu.zembed(&["consume", "some-inbox"]), 2);
    fails(
        &emu.zembed(&[
            "consume",
            "some-inbox",
            "--exec",
            "true",
            "--concurrency",
            "0",
        ]),
        2,
    );
    assert_eq!(emu.emulator.stats().lease_requests, 0);
}

#[test]
fn consume_dead_letters_a_message_failing_its_final_attempt() {
    let emu = TestEmulator::start();
    ensure_active_inbox(&emu, &[], "poison");
    emu.emit(CHANNEL, &["poison pill"]);
    let dir = temp_dir("dead-letter");
    let sink = dir.join("dead.json");
    let dead_letter = format!("cat > '{}'", sink.display());
    // Attempts 1..=4 fail; the fourth is the final one: the dead-letter command runs, then the
    // message is acked instead of being quarantined by the server.
    let out = emu.zembed(&[
        "consume",
        "poison",
        "--exec",
        "exit 1",
        "--dead-letter-exec",
        &dead_letter,
        "--max-messages",
        "4",
    ]);
    ok(&out);
    assert!(
        stderr(&out).contains("failed its final attempt"),
        "{}",
        stderr(&out)
    );
    let written = std::fs::read_to_string(&sink).expect("dead-letter command ran");
    let payload: Value = serde_json::from_str(written.trim()).expect("JSON payload");
    assert_eq!(payload["text"], "poison pill");
    let listed = ok_json(&emu.zembed(&["messages", "ls", "poison", "--json"]));
    assert_eq!(listed[0]["status"], "acked", "{listed}");
    assert_eq!(
        listed[0]["message_attributes"]["lease_count"], 4,
        "{listed}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

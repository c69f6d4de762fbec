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
    use std::process::Command;

    let emu = TestEmulator::start();
    ensure_active_inbox(&emu, &[], "interrupt");
    let mut child = spawn_zembed(&emu, &["consume", "interrupt", "--exec", "cat > /dev/null"]);
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

/// Starts `zembed ARGS` against `emu` in the background (stdout discarded, stderr piped), for
/// tests that signal it.
#[cfg(unix)]
fn spawn_zembed(emu: &TestEmulator, args: &[&str]) -> std::process::Child {
    use std::process::{Command, Stdio};

    let mut command = Command::new(assert_cmd::cargo::cargo_bin!("zembed"));
    for var in common::ZAPIER_VARS {
        command.env_remove(var);
    }
    command
        .args(args)
        .env("ZAPIER_EMULATOR_HOST", &emu.host)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
}

/// Whether process `pid` still runs (a zombie waiting for its reaper counts as ended).
#[cfg(unix)]
fn is_running(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name in parentheses: `pid (comm) S ...`.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// Waits (bounded) until `path` holds a line; answers it.
#[cfg(unix)]
fn wait_for_line(path: &std::path::Path) -> String {
    for _ in 0..600 {
        if let Ok(text) = std::fs::read_to_string(path)
            && let Some(line) = text.lines().next()
        {
            return line.trim().to_owned();
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("{} was never written", path.display());
}

/// Waits (bounded) until `pid` has ended.
#[cfg(unix)]
fn wait_until_gone(pid: &str) -> bool {
    for _ in 0..200 {
        if !is_running(pid) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    false
}

/// A command that leaves a background grandchild and waits for it; the grandchild's pid lands in
/// `pidfile`.
#[cfg(unix)]
fn spawning_command(pidfile: &std::path::Path) -> String {
    format!(
        "cat > /dev/null; sleep 300 & echo $! > '{}'; wait",
        pidfile.display()
    )
}

#[cfg(unix)]
#[test]
fn the_timeout_kills_the_whole_process_group_of_a_command() {
    let emu = TestEmulator::start();
    ensure_active_inbox(&emu, &[], "groups");
    emu.emit(CHANNEL, &["one"]);
    let dir = temp_dir("groups");
    let pidfile = dir.join("grandchild.pid");
    let out = emu.zembed(&[
        "consume",
        "groups",
        "--exec",
        &spawning_command(&pidfile),
        "--timeout",
        "1s",
        "--max-messages",
        "1",
    ]);
    ok(&out);
    assert!(stderr(&out).contains("released 1"), "{}", stderr(&out));
    let grandchild = wait_for_line(&pidfile);
    assert!(
        wait_until_gone(&grandchild),
        "the background grandchild {grandchild} outlived its command"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn a_second_ctrl_c_kills_every_command_group_and_releases_their_messages() {
    use std::io::Read;
    use std::process::Command;

    let emu = TestEmulator::start();
    ensure_active_inbox(&emu, &[], "abort");
    emu.emit(CHANNEL, &["stuck"]);
    let dir = temp_dir("abort");
    let pidfile = dir.join("grandchild.pid");
    let mut child = spawn_zembed(
        &emu,
        &["consume", "abort", "--exec", &spawning_command(&pidfile)],
    );
    let grandchild = wait_for_line(&pidfile);
    let interrupt = || {
        let sent = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(sent.success());
    };
    interrupt();
    // The first Ctrl-C drains (waits for the command); the second must not wait for it.
    std::thread::sleep(std::time::Duration::from_millis(300));
    interrupt();
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("read");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(
        wait_until_gone(&grandchild),
        "the background grandchild {grandchild} outlived zembed\n{err}"
    );
    // Its message went back to the inbox instead of staying leased until expiry.
    let listed = ok_json(&emu.zembed(&["messages", "ls", "abort", "--json"]));
    let statuses: Vec<&Value> = listed
        .as_array()
        .expect("array")
        .iter()
        .map(|m| &m["status"])
        .collect();
    assert_eq!(statuses, [&Value::from("available")], "{listed}\n{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_timeout_also_bounds_a_command_that_never_reads_a_large_payload() {
    let emu = TestEmulator::start();
    ensure_active_inbox(&emu, &[], "unread");
    // Larger than a pipe's buffer: the write blocks until the command reads or exits.
    let text = "x".repeat(256 * 1024);
    emu.emit(CHANNEL, &[text.as_str()]);
    let out = emu.zembed(&[
        "consume",
        "unread",
        "--exec",
        "sleep 300",
        "--timeout",
        "1s",
        // The lease outlasts the test's bound: only --timeout can end the command in time.
        "--lease-seconds",
        "300",
        "--max-messages",
        "1",
    ]);
    ok(&out);
    assert!(stderr(&out).contains("released 1"), "{}", stderr(&out));
}

//! `zembed inboxes apply` against an emulator on 127.0.0.1: the plan, the apply, the idempotent
//! second run, conflicts reported per inbox with exit 1, and a malformed file as a usage error.

mod common;

use std::io::Write;

use common::{TestEmulator, fails, ok, ok_json, slack_connection, stdout, temp_dir};

fn write_file(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).expect("create");
    f.write_all(text.as_bytes()).expect("write");
    path.to_string_lossy().into_owned()
}

#[test]
fn inboxes_apply_plans_creates_and_reports_conflicts() {
    let emu = TestEmulator::start();
    let connection = slack_connection(&emu);
    let dir = temp_dir("apply");
    let yaml = write_file(
        &dir,
        "inboxes.yaml",
        &format!(
            "inboxes:\n  - name: support\n    app: slack\n    trigger: channel_message\n    connection: {connection}\n    inputs: {{channel: C1}}\n  - name: mentions\n    app: slack\n    trigger: mention\n    connection: {connection}\n"
        ),
    );
    let plan = ok(&emu.zembed(&["inboxes", "apply", &yaml, "--dry-run"]));
    assert!(
        plan.lines().filter(|l| l.starts_with("create ")).count() == 2,
        "{plan}"
    );
    assert!(plan.contains("plan: 2 to create"), "{plan}");
    let none = ok(&emu.zembed(&["inboxes", "ls"]));
    assert_eq!(none.trim(), "no inboxes", "a dry run changes nothing");

    let applied = ok_json(&emu.zembed(&["inboxes", "apply", &yaml, "--json"]));
    let results: Vec<&str> = applied
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|l| l["result"].as_str())
        .collect();
    assert_eq!(results, ["created", "created"]);
    let again = ok(&emu.zembed(&["inboxes", "apply", &yaml]));
    assert!(again.contains("0 created, 2 unchanged"), "{again}");
    let plan = ok(&emu.zembed(&["inboxes", "apply", &yaml, "--dry-run"]));
    assert!(plan.contains("2 unchanged, 0 conflict"), "{plan}");

    // Same name, another channel: a conflict, reported per inbox, exit 1.
    let json = write_file(
        &dir,
        "conflict.json",
        &format!(
            r#"{{"inboxes": [{{"name": "support", "app": "slack", "trigger": "channel_message", "connection": "{connection}", "inputs": {{"channel": "C2"}}}},
                              {{"name": "new-one", "app": "slack", "trigger": "channel_message", "connection": "{connection}", "inputs": {{"channel": "C2"}}}}]}}"#
        ),
    );
    let out = emu.zembed(&["inboxes", "apply", &json, "--dry-run"]);
    let line = fails(&out, 1);
    assert!(line.contains("1 conflict"), "{line}");
    assert!(
        stdout(&out).contains("different inputs"),
        "{}",
        stdout(&out)
    );
    let out = emu.zembed(&["inboxes", "apply", &json]);
    fails(&out, 1);
    let table = stdout(&out);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("conflict") && l.contains("support")),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("created") && l.contains("new-one")),
        "{table}"
    );

    // A malformed file is a usage error.
    let bad = write_file(&dir, "bad.yaml", "inboxes:\n  - name: x\n    colour: red\n");
    let line = fails(&emu.zembed(&["inboxes", "apply", &bad]), 2);
    assert!(line.contains("bad.yaml"), "{line}");
    let _ = std::fs::remove_dir_all(&dir);
}

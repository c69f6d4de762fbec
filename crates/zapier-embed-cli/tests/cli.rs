//! Every `zembed` command against an emulator on 127.0.0.1, in both API variants, and the bad
//! input cases: a clear one-line error, a non-zero exit, never a panic or a token.

mod common;

use std::time::Duration;

use common::{
    TestEmulator, ensure_active_inbox, fails, ok, ok_json, slack_connection, stderr, stdout, zembed,
};
use serde_json::Value;

const CHANNEL: &str = "C0123ABC456";

fn by_name() -> [(&'static str, &'static str); 1] {
    [("ZAPIER_API_VARIANT", "by-name")]
}

#[test]
fn help_is_available_on_every_command() {
    let commands: &[&[&str]] = &[
        &[],
        &["emulator"],
        &["emulator", "serve"],
        &["emulator", "emit"],
        &["token"],
        &["connections"],
        &["connections", "ls"],
        &["triggers"],
        &["triggers", "ls"],
        &["triggers", "fields"],
        &["inboxes"],
        &["inboxes", "ls"],
        &["inboxes", "get"],
        &["inboxes", "ensure"],
        &["inboxes", "create"],
        &["inboxes", "pause"],
        &["inboxes", "resume"],
        &["inboxes", "rm"],
        &["inboxes", "wait"],
        &["inboxes", "apply"],
        &["messages"],
        &["messages", "lease"],
        &["messages", "ack"],
        &["messages", "release"],
        &["messages", "ls"],
        &["runs"],
        &["runs", "create"],
    ];
    for path in commands {
        let mut args = path.to_vec();
        args.push("--help");
        let out = ok(&zembed(&args, &[]));
        assert!(out.contains("Usage: zembed"), "{path:?}:\n{out}");
    }
    let top = ok(&zembed(&["--help"], &[]));
    for documented in [
        "Exit status",
        "ZAPIER_CLIENT_ID",
        "ZAPIER_EMULATOR_HOST",
        "--verbose",
    ] {
        assert!(top.contains(documented), "{documented}:\n{top}");
    }
    for (path, documented) in [
        (&["demo", "--help"][..], "Exit status"),
        (&["consume", "--help"], "Ctrl-C"),
        (&["token", "--help"], "ZAPIER_ACCESS_TOKEN"),
        (&["inboxes", "apply", "--help"], "--dry-run"),
        (&["messages", "ack", "--help"], "--lease-token"),
    ] {
        let out = ok(&zembed(path, &[]));
        assert!(out.contains(documented), "{path:?}:\n{out}");
    }
    // No subcommand is a usage error.
    let out = zembed(&[], &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn token_connections_and_triggers() {
    let emu = TestEmulator::start();
    let token = ok(&emu.zembed(&["token"]));
    assert_eq!(token.lines().count(), 1);
    assert!(token.trim().len() > 20, "{token}");

    let table = ok(&emu.zembed(&["connections", "ls", "--app", "slack"]));
    assert!(table.starts_with("ID"), "{table}");
    let all = ok_json(&emu.zembed(&["connections", "ls", "--app", "slack", "--json"]));
    let all = all.as_array().expect("array");
    assert_eq!(all.len(), 2, "one valid and one expired seeded connection");
    assert_eq!(all.iter().filter(|c| c["is_expired"] == true).count(), 1);
    let connection = slack_connection(&emu);

    let triggers = ok_json(&emu.zembed(&["triggers", "ls", "--app", "slack", "--json"]));
    let keys: Vec<&str> = triggers
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|t| t["key"].as_str())
        .collect();
    assert!(keys.contains(&"channel_message"), "{keys:?}");
    let table = ok(&emu.zembed(&["triggers", "ls", "--app", "slack"]));
    assert!(table.contains("New Message Posted to Channel"), "{table}");

    let fields = ok(&emu.zembed(&[
        "triggers",
        "fields",
        "--app",
        "slack",
        "--trigger",
        "channel_message",
        "--connection",
        &connection,
    ]));
    assert!(
        fields
            .lines()
            .any(|l| l.starts_with("channel ") && l.contains("yes")),
        "{fields}"
    );
    let json = ok_json(&emu.zembed(&[
        "triggers",
        "fields",
        "--app",
        "slack",
        "--trigger",
        "channel_message",
        "--connection",
        &connection,
        "--json",
    ]));
    assert_eq!(json[0]["key"], "channel");
}

fn inbox_lifecycle(emu: &TestEmulator, env: &[(&str, &str)]) {
    let connection = slack_connection(emu);
    let run = |args: &[&str]| emu.zembed_env(args, env);
    let ensure = [
        "inboxes",
        "ensure",
        "orders",
        "--app",
        "slack",
        "--trigger",
        "channel_message",
        "--connection",
        &connection,
        "--input",
        &format!("channel={CHANNEL}"),
    ];
    let created = ok(&run(&ensure));
    assert!(created.starts_with("created inbox orders"), "{created}");
    let mut again = ensure.to_vec();
    again.push("--json");
    let again = ok_json(&run(&again));
    assert_eq!(again["outcome"], "existing");
    let id = again["inbox"]["id"].as_str().expect("id").to_owned();
    // The default input was filled in by validation.
    assert_eq!(
        again["inbox"]["subscription"]["inputs"]["listen_for_bots"],
        "no"
    );

    let active = ok(&run(&["inboxes", "wait", "orders", "--timeout", "10s"]));
    assert!(active.contains("is active"), "{active}");
    let shown = ok(&run(&["inboxes", "get", "orders"]));
    assert!(shown.contains(&id) && shown.contains("active"), "{shown}");
    let by_id = ok_json(&run(&["inboxes", "get", &id, "--json"]));
    assert_eq!(by_id["name"], "orders");

    let listed = ok_json(&run(&["inboxes", "ls", "--json"]));
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let table = ok(&run(&["inboxes", "ls", "--status", "active"]));
    assert!(table.contains("orders"), "{table}");
    let none = ok(&run(&["inboxes", "ls", "--status", "paused"]));
    assert_eq!(none.trim(), "no inboxes");

    let paused = ok(&run(&["inboxes", "pause", "orders"]));
    assert!(paused.contains("status paused"), "{paused}");
    let resumed = ok_json(&run(&["inboxes", "resume", &id, "--json"]));
    assert_eq!(resumed["status"], "initializing");
    ok(&run(&["inboxes", "wait", "orders"]));
    let deleted = ok(&run(&["inboxes", "rm", "orders"]));
    assert!(deleted.contains("status deleting"), "{deleted}");
}

#[test]
fn inbox_lifecycle_by_id() {
    let emu = TestEmulator::start();
    inbox_lifecycle(&emu, &[]);
}

#[test]
fn inbox_lifecycle_by_name() {
    let emu = TestEmulator::start();
    inbox_lifecycle(&emu, &by_name());
}

#[test]
fn create_is_by_id_only() {
    let emu = TestEmulator::start();
    let connection = slack_connection(&emu);
    let args = [
        "inboxes",
        "create",
        "--name",
        "fresh",
        "--app",
        "slack",
        "--trigger",
        "channel_message",
        "--connection",
        &connection,
        "--input",
        "channel=C1",
        "--json",
    ];
    let created = ok_json(&emu.zembed(&args));
    assert_eq!(created["name"], "fresh");
    // The name is taken now: create (unlike ensure) is a conflict.
    let line = fails(&emu.zembed(&args), 1);
    assert!(line.contains("409") || line.contains("conflict"), "{line}");
    // Variant B has no create endpoint: refused before sending, as a usage error.
    let line = fails(&emu.zembed_env(&args, &by_name()), 2);
    assert!(line.contains("ensure"), "{line}");
}

fn handle_args(message: &Value) -> Vec<String> {
    let ack = &message["ack"];
    match ack["variant"].as_str() {
        Some("by-id") => vec![
            "--lease-id".into(),
            ack["lease_id"].as_str().expect("lease_id").into(),
            "--message-id".into(),
            ack["message_id"].as_str().expect("message_id").into(),
        ],
        _ => vec![
            "--lease-token".into(),
            ack["lease_token"].as_str().expect("lease_token").into(),
        ],
    }
}

fn messages_flow(env: &[(&str, &str)]) {
    let emu = TestEmulator::start();
    ensure_active_inbox(&emu, env, "events");
    assert_eq!(emu.emit(CHANNEL, &["one", "two", "three"]), 1);
    let run = |args: &[&str]| emu.zembed_env(args, env);

    let listed = ok(&run(&["messages", "ls", "events"]));
    assert_eq!(
        listed.lines().filter(|l| l.contains("available")).count(),
        3,
        "{listed}"
    );

    let text = ok(&run(&["messages", "lease", "events", "--limit", "1"]));
    assert!(text.contains("leased 1 message(s)"), "{text}");
    let settle_flag = if env.is_empty() {
        "--lease-id"
    } else {
        "--lease-token"
    };
    assert!(text.contains(settle_flag), "{text}");

    let lease = ok_json(&run(&[
        "messages",
        "lease",
        "events",
        "--limit",
        "2",
        "--lease-seconds",
        "60",
        "--json",
    ]));
    let messages = lease["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 2);
    // Release the first, ack the second.
    let mut release = vec!["messages".to_owned(), "release".into(), "events".into()];
    release.extend(handle_args(&messages[0]));
    let refs: Vec<&str> = release.iter().map(String::as_str).collect();
    let out = ok(&run(&refs));
    assert!(out.contains("released 1 of 1"), "{out}");
    let mut ack = vec![
        "messages".to_owned(),
        "ack".into(),
        "events".into(),
        "--json".into(),
    ];
    ack.extend(handle_args(&messages[1]));
    let refs: Vec<&str> = ack.iter().map(String::as_str).collect();
    let out = ok_json(&run(&refs));
    assert_eq!(out[0]["outcome"], "acked");
    // Acking it again: not held any more, exit 1.
    let refs: Vec<&str> = ack.iter().map(String::as_str).collect();
    fails(&run(&refs), 1);

    let listed = ok_json(&run(&["messages", "ls", "events", "--json"]));
    let statuses: Vec<&str> = listed
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|m| m["status"].as_str())
        .collect();
    assert!(statuses.contains(&"acked"), "{statuses:?}");
    assert_eq!(
        statuses.iter().filter(|s| **s == "leased").count(),
        1,
        "{statuses:?}"
    );

    // The released message comes back on its second attempt.
    let lease = ok_json(&run(&["messages", "lease", "events", "--json"]));
    let attempts: Vec<u64> = lease["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["message_attributes"]["lease_count"].as_u64())
        .collect();
    assert_eq!(attempts, [2]);
}

#[test]
fn messages_lease_ack_release_ls_by_id() {
    messages_flow(&[]);
}

#[test]
fn messages_lease_ack_release_ls_by_name() {
    messages_flow(&by_name());
}

#[test]
fn runs_create_with_and_without_wait() {
    let emu = TestEmulator::start();
    let connection = slack_connection(&emu);
    let base = [
        "runs",
        "create",
        "--app",
        "slack",
        "--action",
        "send_channel_message",
        "--connection",
        &connection,
        "--input",
        "channel=C1",
        "--input",
        "text=hello from zembed",
    ];
    let started = ok(&emu.zembed(&base));
    assert!(started.starts_with("started run "), "{started}");
    let mut wait = base.to_vec();
    wait.extend(["--wait", "--timeout", "20s", "--json"]);
    let result = ok_json(&emu.zembed(&wait));
    assert!(result["run_id"].is_string(), "{result}");
    assert!(result["results"].is_array(), "{result}");
    let mut text = base.to_vec();
    text.push("--wait");
    let out = ok(&emu.zembed(&text));
    assert!(out.contains("succeeded"), "{out}");
    // An unknown action: one line naming it, exit 1.
    let line = fails(
        &emu.zembed(&[
            "runs",
            "create",
            "--app",
            "slack",
            "--action",
            "no_such_action",
        ]),
        1,
    );
    assert!(line.contains("no_such_action"), "{line}");
}

#[test]
fn bad_input_is_one_clear_line_and_a_nonzero_exit() {
    let emu = TestEmulator::start();

    // Unknown inbox: the server's 404, exit 1, for every command that names an inbox.
    for args in [
        &["inboxes", "get", "no-such-inbox"][..],
        &["inboxes", "pause", "no-such-inbox"],
        &["messages", "lease", "no-such-inbox"],
        &["messages", "ls", "no-such-inbox"],
        &["inboxes", "get", "01960a3e-4d5f-7b8e-9c0a-1b2c3d4e5f6a"],
    ] {
        for env in [&[][..], &by_name()[..]] {
            let out = emu.zembed_env(args, env);
            let line = fails(&out, 1);
            assert!(line.contains("not found"), "{args:?} {env:?}: {line}");
            assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
        }
    }

    // Bad --input: a usage error before any request.
    for bad in ["channel", "=C1"] {
        let out = emu.zembed(&[
            "inboxes",
            "ensure",
            "x",
            "--app",
            "slack",
            "--trigger",
            "channel_message",
            "--input",
            bad,
        ]);
        let line = fails(&out, 2);
        assert!(
            line.contains("--input") && line.contains("KEY=VALUE"),
            "{line}"
        );
        let line = fails(
            &emu.zembed(&[
                "runs", "create", "--app", "slack", "--action", "a", "--input", bad,
            ]),
            2,
        );
        assert!(line.contains("KEY=VALUE"), "{line}");
    }

    // Out-of-range --lease-seconds: rejected by LeaseSeconds before any request.
    let leases_before = emu.emulator.stats().lease_requests;
    for bad in ["0", "3601"] {
        let line = fails(
            &emu.zembed(&["messages", "lease", "some-inbox", "--lease-seconds", bad]),
            2,
        );
        assert!(line.contains("1..=3600"), "{line}");
    }
    assert_eq!(emu.emulator.stats().lease_requests, leases_before);

    // Missing inputs: rejected by validation against the trigger's fields, exit 2.
    let connection = slack_connection(&emu);
    let line = fails(
        &emu.zembed(&[
            "inboxes",
            "ensure",
            "x",
            "--app",
            "slack",
            "--trigger",
            "channel_message",
            "--connection",
            &connection,
        ]),
        2,
    );
    assert!(line.contains("channel"), "{line}");

    // Bad variant and missing credentials: usage errors.
    fails(
        &emu.zembed_env(&["inboxes", "ls"], &[("ZAPIER_API_VARIANT", "c")]),
        2,
    );
    let line = fails(
        &zembed(
            &["inboxes", "ls"],
            &[("ZAPIER_API_URL", "http://127.0.0.1:9")],
        ),
        2,
    );
    assert!(line.contains("credentials"), "{line}");
}

#[test]
fn expired_or_bogus_credentials_are_reported_without_the_token() {
    let emu = TestEmulator::start();
    // A real token, expired by moving the emulator clock past its lifetime.
    let token = ok(&emu.zembed(&["token"])).trim().to_owned();
    emu.emulator.advance_clock(Duration::from_secs(2 * 3600));
    let bogus = "bogus-token-d6a9f1c2e8b74a0f";
    for secret in [token.as_str(), bogus] {
        for args in [
            &["connections", "ls", "--app", "slack"][..],
            &["inboxes", "ls"],
            &["messages", "lease", "orders"],
        ] {
            let out = emu.zembed_env(args, &[("ZAPIER_ACCESS_TOKEN", secret)]);
            let line = fails(&out, 1);
            assert!(
                line.contains("401") || line.contains("expired or invalid"),
                "{args:?}: {line}"
            );
            let all = format!("{}{}", stdout(&out), stderr(&out));
            assert!(!all.contains(secret), "the token leaked: {all}");
            assert_eq!(stderr(&out).lines().count(), 1, "{all}");
        }
    }
    // --verbose logs do not show it either.
    let out = emu.zembed_env(&["-vv", "inboxes", "ls"], &[("ZAPIER_ACCESS_TOKEN", bogus)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("error: "))
    );
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!all.contains(bogus), "the token leaked: {all}");

    // Unknown client credentials against an emulator that knows one client.
    let strict = TestEmulator::start_with(|b| b.client("known", "s3cret-value"));
    let out = strict.zembed_env(
        &["inboxes", "ls"],
        &[
            ("ZAPIER_CLIENT_ID", "known"),
            ("ZAPIER_CLIENT_SECRET", "wrong-secret-value"),
        ],
    );
    let line = fails(&out, 1);
    assert!(!line.contains("wrong-secret-value"), "{line}");
    ok(&strict.zembed_env(
        &["inboxes", "ls"],
        &[
            ("ZAPIER_CLIENT_ID", "known"),
            ("ZAPIER_CLIENT_SECRET", "s3cret-value"),
        ],
    ));
}

#[test]
fn verbose_logs_go_to_stderr() {
    let emu = TestEmulator::start();
    let out = emu.zembed(&["--verbose", "triggers", "ls", "--app", "slack", "--json"]);
    let json: Value = serde_json::from_str(&ok(&out)).expect("stdout stays JSON");
    assert!(json.is_array());
    let logs = stderr(&out);
    assert!(
        logs.contains("list_triggers") && logs.contains("DEBUG"),
        "{logs}"
    );
}

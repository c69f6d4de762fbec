//! What a newcomer meets on a first run against `zembed emulator serve`: putting events into an
//! inbox (`emulator emit`), the connections listing, the errors of a missing connection or
//! missing credentials, and the generated completions and manual page.

mod common;

use common::{TestEmulator, ensure_active_inbox, fails, ok, ok_json, stdout, zembed};

const CHANNEL: &str = "C0123ABC456";

/// `emulator emit` of Slack's `channel_message` trigger, then `flags`.
fn emit_args<'a>(flags: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "emulator",
        "emit",
        "--app",
        "slack",
        "--trigger",
        "channel_message",
    ];
    args.extend_from_slice(flags);
    args
}

#[test]
fn emit_puts_n_events_into_the_subscribed_inbox() {
    let emu = TestEmulator::start();
    let inbox = ensure_active_inbox(&emu, &[], "first-run");
    let input = format!("channel={CHANNEL}");
    let out = ok(&emu.zembed(&emit_args(&[
        "--input",
        &input,
        "--payload",
        r#"{"text":"hello","user":"U1"}"#,
        "--count",
        "7",
    ])));
    assert_eq!(
        out.trim(),
        "emitted 7 event(s) to 1 inbox(es) subscribed to slack channel_message"
    );
    let listed = ok_json(&emu.zembed(&["messages", "ls", &inbox, "--json"]));
    let listed = listed.as_array().expect("a list");
    assert_eq!(listed.len(), 7, "{listed:?}");

    // An array payload is one event per element, `count` times; --json is the emulator's answer.
    let answer = ok_json(&emu.zembed(&emit_args(&[
        "--payload",
        r#"[{"text":"a"},{"text":"b"}]"#,
        "--count",
        "2",
        "--json",
    ])));
    assert_eq!(answer, serde_json::json!({"delivered": 1}));
    let leased = ok_json(&emu.zembed(&["messages", "lease", &inbox, "--limit", "100", "--json"]));
    let mut texts: Vec<&str> = leased["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["payload"]["text"].as_str())
        .collect();
    texts.sort_unstable();
    let mut expected = vec!["a", "a", "b", "b"];
    expected.extend(["hello"; 7]);
    assert_eq!(texts, expected, "{leased}");
}

#[test]
fn emit_can_mark_events_as_possible_duplicates() {
    let emu = TestEmulator::start();
    let inbox = ensure_active_inbox(&emu, &[], "first-run-dup");
    ok(&emu.zembed(&emit_args(&["--payload", r#"{"n":1}"#])));
    ok(&emu.zembed(&emit_args(&[
        "--payload",
        r#"{"n":2}"#,
        "--possible-duplicate",
    ])));
    let leased = ok_json(&emu.zembed(&["messages", "lease", &inbox, "--json"]));
    let mut flags: Vec<(i64, bool)> = leased["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            let n = m["payload"]["n"].as_i64().expect("n");
            (
                n,
                m["message_attributes"]["possible_duplicate_data"]
                    .as_bool()
                    .unwrap_or_else(|| panic!("{m}")),
            )
        })
        .collect();
    flags.sort_unstable();
    assert_eq!(flags, [(1, false), (2, true)], "{leased}");
}

#[test]
fn emit_fails_when_no_inbox_receives_the_events() {
    let emu = TestEmulator::start();
    let out = emu.zembed(&emit_args(&["--payload", "{}"]));
    let line = fails(&out, 1);
    assert!(
        line.contains("no active inbox is subscribed to slack channel_message"),
        "{line}"
    );
    assert!(line.contains("zembed inboxes ensure"), "{line}");
    assert!(stdout(&out).is_empty());

    // Refused before any request: a payload that is not an object, a count of 0, no emulator.
    for (flags, field) in [
        (&["--payload", "[1]"][..], "--payload"),
        (&["--payload", "{}", "--count", "0"], "--count"),
        (&["--payload", "{}", "--count", "100001"], "--count"),
    ] {
        let line = fails(&emu.zembed(&emit_args(flags)), 2);
        assert!(line.contains(field), "{flags:?}: {line}");
    }
    let line = fails(&zembed(&emit_args(&["--payload", "{}"]), &[]), 2);
    assert!(line.contains("--emulator-host"), "{line}");
}

#[test]
fn connections_show_the_app_as_asked_and_json_keeps_its_id() {
    let emu = TestEmulator::start();
    let table = ok(&emu.zembed(&["connections", "ls", "--app", "slack"]));
    let rows: Vec<&str> = table.lines().skip(1).collect();
    assert!(!rows.is_empty(), "{table}");
    for row in &rows {
        assert_eq!(row.split_whitespace().nth(1), Some("slack"), "{table}");
    }
    let json = ok_json(&emu.zembed(&["connections", "ls", "--app", "slack", "--json"]));
    let app = json[0]["app"].as_str().expect("app id");
    assert!(uuid::Uuid::parse_str(app).is_ok(), "{json}");
}

#[test]
fn a_missing_connection_is_named_once_and_help_says_when_it_is_required() {
    let emu = TestEmulator::start();
    let line = fails(
        &emu.zembed(&[
            "triggers",
            "fields",
            "--app",
            "slack",
            "--trigger",
            "channel_message",
        ]),
        1,
    );
    assert_eq!(
        line,
        "error: list trigger input fields: invalid request (HTTP 400, code validation_error): \
         connection: required for Slack."
    );
    let line = fails(
        &emu.zembed(&[
            "runs",
            "create",
            "--app",
            "slack",
            "--action",
            "send_channel_message",
            "--input",
            "channel=C1",
        ]),
        1,
    );
    assert!(
        line.ends_with("authentication: required for Slack."),
        "{line}"
    );
    for path in [
        &["triggers", "fields", "--help"][..],
        &["inboxes", "ensure", "--help"],
        &["inboxes", "create", "--help"],
        &["runs", "create", "--help"],
    ] {
        let help = ok(&zembed(path, &[]));
        assert!(
            help.contains("required for apps that need an"),
            "{path:?}:\n{help}"
        );
    }
}

#[test]
fn no_credentials_against_an_emulator_with_fixed_clients_names_the_variables() {
    let emu = TestEmulator::start_with(|b| b.client("me", "secret"));
    let line = fails(&emu.zembed(&["connections", "ls", "--app", "slack"]), 2);
    assert!(line.contains("no credentials are configured"), "{line}");
    assert!(
        line.contains("ZAPIER_CLIENT_ID") && line.contains("ZAPIER_CLIENT_SECRET"),
        "{line}"
    );
    assert!(!line.contains("Unknown client"), "{line}");
    // The demo pointed at that emulator says the same at its token step.
    let out = emu.zembed(&["demo"]);
    let token_step = stdout(&out)
        .lines()
        .chain(common::stderr(&out).lines())
        .find(|l| l.contains("token") && l.contains("error"))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no token step: {}", stdout(&out)));
    assert!(
        token_step.contains("no credentials are configured"),
        "{token_step}"
    );
    assert!(!token_step.contains("Unknown client"), "{token_step}");
    assert_eq!(out.status.code(), Some(1));
    // Wrong credentials the user did give keep the server's answer.
    let line = fails(
        &emu.zembed_env(
            &["connections", "ls", "--app", "slack"],
            &[
                ("ZAPIER_CLIENT_ID", "me"),
                ("ZAPIER_CLIENT_SECRET", "wrong"),
            ],
        ),
        1,
    );
    assert!(
        line.contains("authentication failed (HTTP 401, code invalid_client)"),
        "{line}"
    );
    let ok_with_them = emu.zembed_env(
        &["connections", "ls", "--app", "slack"],
        &[
            ("ZAPIER_CLIENT_ID", "me"),
            ("ZAPIER_CLIENT_SECRET", "secret"),
        ],
    );
    ok(&ok_with_them);
}

#[test]
fn completions_and_the_manual_page_cover_the_commands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = ok(&zembed(&["completions", shell], &[]));
        assert!(script.len() > 1000, "{shell}: {script}");
        for command in ["inboxes", "emit", "conformance"] {
            assert!(script.contains(command), "{shell} lacks {command}");
        }
    }
    let page = ok(&zembed(&["man"], &[]));
    assert!(
        page.starts_with(".ie") || page.contains(".TH zembed 1"),
        "{page}"
    );
    assert!(page.contains(".TH zembed 1"), "{page}");
    assert!(
        page.contains("inboxes") && page.contains("ZAPIER_CLIENT_ID"),
        "{page}"
    );
    // Hidden from the everyday help.
    let help = ok(&zembed(&["--help"], &[]));
    assert!(!help.contains("completions"), "{help}");
    let line = fails(&zembed(&["completions", "tcsh"], &[]), 2);
    assert!(line.contains("tcsh"), "{line}");
}

//! `zembed` against a hostile or broken server (`zapier_embed_tests::hostile`): whatever the
//! other side answers, the CLI ends with its documented exit code and one error line, never a
//! panic, never a secret in any output, and within the caller's budget.

mod common;

use std::process::Output;

use common::{fails, ok, stderr, stdout, zembed};
use serde_json::json;
use zapier_embed_tests::hostile::{HostileServer, LEASE_ID, Reply, Script, message_ids};

const SECRET: &str = "cs_hostile_8f2b7e91d44c0a6f";
const TOKEN: &str = "at_hostile_1d9e5c3b7a20f468";
const INBOX: &str = "019ce2fe-5ed1-7318-8a60-0000000000aa";
const INBOX_PATH: &str = "/trigger-inbox/api/v1/inboxes/019ce2fe-5ed1-7318-8a60-0000000000aa";

/// A hostile server served by a runtime of its own, so the test thread can run `zembed`.
struct Hostile {
    server: HostileServer,
    _runtime: tokio::runtime::Runtime,
}

impl Hostile {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let server = runtime.block_on(HostileServer::start());
        Hostile {
            server,
            _runtime: runtime,
        }
    }

    /// Scripts the inbox `INBOX` for `consume`: it exists and is active, its lease answers follow
    /// `lease`, and acks and releases succeed.
    fn serve_inbox(&self, lease: Script) {
        self.server
            .on("GET", INBOX_PATH, Reply::json(200, inbox_body()));
        self.server
            .on("POST", &format!("{INBOX_PATH}/messages/lease"), lease);
        for settle in ["ack", "release"] {
            self.server.on(
                "POST",
                &format!("{INBOX_PATH}/messages/{settle}"),
                Reply::json(
                    201,
                    json!({"acked_id": LEASE_ID, "released_id": LEASE_ID, "results": []}),
                ),
            );
        }
    }

    /// `zembed ARGS` pointed at the server with a fixed access token.
    fn zembed(&self, args: &[&str]) -> Output {
        self.zembed_env(args, &[("ZAPIER_ACCESS_TOKEN", TOKEN)])
    }

    /// `zembed ARGS` pointed at the server, with `env` as the credentials.
    fn zembed_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let base = self.server.base_url();
        let mut all = vec![
            ("ZAPIER_API_URL", base.as_str()),
            ("ZAPIER_AUTH_URL", base.as_str()),
        ];
        all.extend_from_slice(env);
        zembed(args, &all)
    }
}

/// Like `fails`, for a `-v` run: the log comes first, the error line last.
#[track_caller]
fn fails_after_log(out: &Output, code: i32) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let last = err.lines().last().unwrap_or_default().to_owned();
    assert!(last.starts_with("error: "), "{err}");
    last
}

/// Everything `zembed` wrote.
fn all_output(out: &Output) -> String {
    format!("{}\n{}", stdout(out), stderr(out))
}

fn inbox_body() -> serde_json::Value {
    json!({"id": INBOX, "created_at": "2026-03-12T16:59:47.185Z", "name": "hostile",
           "status": "active", "paused_reason": null,
           "subscription": {"app_key": "SlackCLIAPI@1.0.0", "action_key": "channel_message",
                            "inputs": {"channel": "C1"}, "connection_id": null}})
}

#[test]
fn echoed_secrets_never_reach_any_output() {
    let hostile = Hostile::start();
    // Bare values: no `client_secret=` or `Bearer` next to them to give them away.
    let echo = format!("unknown client {SECRET}; credential {TOKEN} rejected");
    hostile
        .server
        .on("POST", "/oauth/token", Reply::token(TOKEN, 3600));
    hostile
        .server
        .on("GET", INBOX_PATH, Reply::error(400, "invalid", &echo));
    let credentials = [
        ("ZAPIER_CLIENT_ID", "hostile-client"),
        ("ZAPIER_CLIENT_SECRET", SECRET),
    ];
    let out = hostile.zembed_env(&["-vv", "inboxes", "get", INBOX], &credentials);
    fails_after_log(&out, 1);
    let text = all_output(&out);
    assert!(!text.contains(SECRET) && !text.contains(TOKEN), "{text}");

    // The token endpoint itself echoes the secret back in its refusal (this process never
    // received a token, so only the secret is a secret to it).
    hostile.server.on(
        "POST",
        "/oauth/token",
        Reply::error(401, "invalid_client", &echo),
    );
    let out = hostile.zembed_env(&["-vv", "inboxes", "get", INBOX], &credentials);
    fails_after_log(&out, 1);
    let text = all_output(&out);
    assert!(!text.contains(SECRET), "{text}");

    // A fixed access token echoed back by an API call, without `-v`.
    let out = hostile.zembed(&["inboxes", "get", INBOX]);
    fails(&out, 1);
    let text = all_output(&out);
    assert!(!text.contains(TOKEN), "{text}");
}

#[test]
fn api_urls_are_printed_without_their_userinfo_whatever_the_scheme() {
    let hostile = Hostile::start();
    let port = hostile
        .server
        .base_url()
        .rsplit(':')
        .next()
        .unwrap()
        .to_owned();
    for url in [
        format!("http://operator:hunter2pass@127.0.0.1:{port}"),
        format!("ftp://operator:hunter2pass@127.0.0.1:{port}"),
        "unix://operator:hunter2pass@localhost/socket".to_owned(),
    ] {
        let out = hostile.zembed(&["-vv", "--api-url", &url, "inboxes", "get", INBOX]);
        assert!(
            matches!(out.status.code(), Some(1 | 2)),
            "{url}: exit {:?}\n{}",
            out.status.code(),
            all_output(&out)
        );
        let text = all_output(&out);
        assert!(!text.contains("hunter2pass"), "{url}:\n{text}");
        assert!(!text.contains("panicked"), "{url}:\n{text}");
    }
}

#[test]
fn an_absurd_retry_after_is_a_one_line_rate_limited_error() {
    let hostile = Hostile::start();
    hostile.server.on(
        "GET",
        INBOX_PATH,
        Reply::retry_after(429, "18446744073709551615"),
    );
    let line = fails(&hostile.zembed(&["inboxes", "get", INBOX]), 1);
    assert!(line.contains("rate limited"), "{line}");
}

#[test]
fn messages_ls_ends_on_endless_empty_pages_and_fails_on_a_looping_cursor() {
    let hostile = Hostile::start();
    let path = format!("{INBOX_PATH}/messages");
    // Empty pages that always carry a new cursor: the listing ends at the first empty page.
    hostile
        .server
        .on("GET", &path, Reply::endless_empty_cursor_pages());
    let listed = ok(&hostile.zembed(&["messages", "ls", INBOX]));
    assert!(listed.contains("no messages"), "{listed}");
    // A page whose `next` points at itself: a repeated position is an error, not a loop.
    let page = json!({
        "next": hostile.server.url(&format!("{path}?cursor=same")), "previous": null,
        "results": [{"id": message_ids(1)[0], "created_at": "2026-03-12T16:59:47.185Z",
                     "status": "available", "payload": {},
                     "message_attributes": {"lease_count": 0, "error_message": null,
                                            "possible_duplicate_data": false}}]
    });
    hostile.server.on("GET", &path, Reply::json(200, page));
    let line = fails(&hostile.zembed(&["messages", "ls", INBOX]), 1);
    assert!(line.contains("messages"), "{line}");
}

#[test]
fn timeouts_bound_the_whole_command_when_a_request_hangs() {
    let hostile = Hostile::start();
    hostile.server.on_any(Reply::hang());
    let runs = hostile.zembed(&[
        "runs",
        "create",
        "--app",
        "slack",
        "--action",
        "send_channel_message",
        "--wait",
        "--timeout",
        "1s",
    ]);
    let line = fails(&runs, 1);
    assert!(line.contains("timed out"), "{line}");
    let wait = hostile.zembed(&["inboxes", "wait", INBOX, "--timeout", "1s"]);
    let line = fails(&wait, 1);
    assert!(line.contains("timed out"), "{line}");
}

#[test]
fn client_detectable_mistakes_are_refused_before_any_request() {
    let hostile = Hostile::start();
    let long = "k".repeat(5000);
    let digits = "9".repeat(5000);
    let by_name = [
        ("ZAPIER_ACCESS_TOKEN", TOKEN),
        ("ZAPIER_API_VARIANT", "by-name"),
    ];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["inboxes", "rm", "."], "<INBOX>"),
        (vec!["inboxes", "get", ".."], "<INBOX>"),
        (vec!["messages", "lease", ".."], "<INBOX>"),
        (
            vec![
                "inboxes",
                "ensure",
                "..",
                "--app",
                "slack",
                "--trigger",
                "t",
            ],
            "<NAME>",
        ),
        (vec!["triggers", "ls", "--app", ""], "--app"),
        (vec!["connections", "ls", "--app", " "], "--app"),
        (
            vec![
                "inboxes",
                "ensure",
                "orders",
                "--app",
                "slack",
                "--trigger",
                "",
            ],
            "--trigger",
        ),
        (
            vec!["runs", "create", "--app", "slack", "--action", ""],
            "--action",
        ),
        (
            vec!["runs", "create", "--app", &long, "--action", "a"],
            "--app",
        ),
        (vec!["messages", "ls", INBOX, "--limit", "0"], "--limit"),
        (vec!["messages", "lease", INBOX, "--limit", "0"], "--limit"),
        (
            vec!["consume", INBOX, "--exec", "true", "--timeout", "0"],
            "--timeout",
        ),
        (
            vec!["inboxes", "wait", INBOX, "--timeout", "0s"],
            "--timeout",
        ),
        (
            vec![
                "runs",
                "create",
                "--app",
                "a",
                "--action",
                "b",
                "--wait",
                "--timeout",
                "0ms",
            ],
            "--timeout",
        ),
        (vec!["inboxes", "get", &long], "<INBOX>"),
        // clap's own parsers: their errors are shortened the same way.
        (
            vec!["consume", INBOX, "--exec", "true", "--concurrency", &digits],
            "--concurrency",
        ),
        (vec!["--variant", &long, "inboxes", "ls"], "--variant"),
    ];
    for (args, field) in &cases {
        for env in [&[("ZAPIER_ACCESS_TOKEN", TOKEN)][..], &by_name[..]] {
            let out = hostile.zembed_env(args, env);
            let line = fails(&out, 2);
            assert!(line.contains(field), "{args:?}: {line}");
            // An overlong value is named, not echoed back.
            assert!(stderr(&out).len() < 1000, "{args:?}: {}", stderr(&out));
        }
    }
    assert!(
        hostile.server.requests().is_empty(),
        "{:?}",
        hostile.server.requests()
    );
}

#[test]
fn one_garbage_lease_answer_does_not_stop_consume() {
    let hostile = Hostile::start();
    let ids = message_ids(1);
    hostile.serve_inbox(
        Script::new()
            .times(1, Reply::garbage())
            .times(1, Reply::lease_by_id(&[ids[0].as_str()]))
            .then(Reply::lease_by_id(&[])),
    );
    // The command prints its environment: zembed's credentials are not in it.
    let out = hostile.zembed(&[
        "consume",
        INBOX,
        "--exec",
        "cat > /dev/null; env",
        "--max-messages",
        "1",
    ]);
    let err = stderr(&out);
    let printed = ok(&out);
    assert!(printed.contains("ZEMBED_MESSAGE_ID="), "{printed}");
    assert!(!printed.contains(TOKEN), "{printed}");
    assert!(err.contains("retrying"), "{err}");
    assert!(!err.contains("stopped consuming"), "{err}");
    let acks = hostile
        .server
        .requests_to(&format!("{INBOX_PATH}/messages/ack"));
    assert_eq!(acks.len(), 1, "{err}");
    assert!(acks[0].body.contains(&ids[0]), "{:?}", acks[0]);
}

#[cfg(unix)]
#[test]
fn an_over_full_lease_answer_runs_no_more_commands_than_the_concurrency() {
    let hostile = Hostile::start();
    let ids = message_ids(27);
    let listed: Vec<&str> = ids.iter().map(String::as_str).collect();
    hostile.serve_inbox(
        Script::new()
            .times(1, Reply::lease_by_id(&listed))
            .then(Reply::lease_by_id(&[])),
    );
    let dir = common::temp_dir("overfull");
    let ran = dir.join("ran");
    let command = format!("echo \"$ZEMBED_MESSAGE_ID\" >> '{}'", ran.display());
    let out = hostile.zembed(&[
        "consume",
        INBOX,
        "--exec",
        &command,
        "--concurrency",
        "2",
        "--max-messages",
        "2",
    ]);
    let err = stderr(&out);
    ok(&out);
    let ran = std::fs::read_to_string(&ran).unwrap_or_default();
    assert_eq!(ran.lines().count(), 2, "{ran}\n{err}");
    assert!(err.contains("surplus released 25"), "{err}");
    let releases = hostile
        .server
        .requests_to(&format!("{INBOX_PATH}/messages/release"));
    let released: usize = releases
        .iter()
        .map(|r| ids.iter().filter(|id| r.body.contains(id.as_str())).count())
        .sum();
    assert_eq!(released, 25, "{releases:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

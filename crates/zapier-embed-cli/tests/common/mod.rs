//! Shared by the CLI tests: an emulator on 127.0.0.1 served from a background thread, and the
//! `zembed` binary pointed at it through the environment.

#![allow(dead_code)]

use std::process::Output;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Map, Value, json};
use zapier_embed_emulator::models::control::EmitRequest;
use zapier_embed_emulator::{Emulator, EmulatorBuilder};

/// Every variable the facade reads: cleared so the developer's environment cannot leak in.
pub const ZAPIER_VARS: &[&str] = &[
    "ZAPIER_ACCESS_TOKEN",
    "ZAPIER_CLIENT_ID",
    "ZAPIER_CLIENT_SECRET",
    "ZAPIER_API_URL",
    "ZAPIER_AUTH_URL",
    "ZAPIER_EMULATOR_HOST",
    "ZAPIER_API_VARIANT",
    "ZEMBED_DEDUP_URL",
];

/// A running emulator; stopped when dropped.
pub struct TestEmulator {
    /// `127.0.0.1:PORT`.
    pub host: String,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Its control helpers (shared state with the served one).
    pub emulator: Emulator,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestEmulator {
    /// An emulator with short delays, so lifecycles take milliseconds.
    pub fn start() -> Self {
        Self::start_with(|b| b)
    }

    /// Like [`start`](Self::start), with more builder settings.
    pub fn start_with(configure: impl FnOnce(EmulatorBuilder) -> EmulatorBuilder) -> Self {
        let builder = configure(
            Emulator::builder()
                .activation_delay(Duration::from_millis(20))
                .deletion_delay(Duration::from_millis(20))
                .action_run_delay(Duration::from_millis(10)),
        );
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let handle = builder.start().await.expect("start the emulator");
                ready_tx
                    .send((handle.addr(), handle.emulator().clone()))
                    .expect("report the address");
                let _ = stop_rx.await;
                handle.shutdown().await;
            });
        });
        let (addr, emulator) = ready_rx.recv().expect("emulator started");
        TestEmulator {
            host: addr.to_string(),
            url: format!("http://{addr}"),
            emulator,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// `zembed ARGS` with only `ZAPIER_EMULATOR_HOST` (and `extra`) configured.
    pub fn zembed(&self, args: &[&str]) -> Output {
        self.zembed_env(args, &[])
    }

    /// `zembed ARGS` with `ZAPIER_EMULATOR_HOST` and the given variables.
    pub fn zembed_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut all = vec![("ZAPIER_EMULATOR_HOST", self.host.as_str())];
        all.extend_from_slice(env);
        zembed(args, &all)
    }

    /// Emits Slack channel messages to inboxes watching `channel`; answers the receiving inboxes.
    pub fn emit(&self, channel: &str, texts: &[&str]) -> u64 {
        let mut inputs = Map::new();
        inputs.insert("channel".into(), Value::String(channel.into()));
        let payloads: Vec<Value> = texts
            .iter()
            .map(|t| json!({"text": t, "user": "U0123456", "channel": channel}))
            .collect();
        self.emulator
            .emit(EmitRequest {
                app: "slack".into(),
                action: "channel_message".into(),
                inputs: Some(inputs),
                payload: Value::Array(payloads),
                count: Some(1),
                possible_duplicate_data: false,
            })
            .expect("emit")
    }
}

impl Drop for TestEmulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs `zembed ARGS` with a clean `ZAPIER_*` environment plus `env`, bounded in time.
pub fn zembed(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("zembed"));
    for var in ZAPIER_VARS {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied())
        .args(args)
        .timeout(Duration::from_secs(60));
    cmd.output().expect("run zembed")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts success and answers stdout.
#[track_caller]
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

/// Asserts success and parses stdout as JSON.
#[track_caller]
pub fn ok_json(out: &Output) -> Value {
    let text = ok(out);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// Asserts a failure with `code`, reported as one `error:` line on stderr without a panic;
/// answers that line.
#[track_caller]
pub fn fails(out: &Output, code: i32) -> String {
    let err = stderr(out);
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{err}",
        stdout(out)
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("RUST_BACKTRACE"), "{err}");
    let first = err.lines().next().unwrap_or_default().to_owned();
    assert!(first.starts_with("error: "), "{err}");
    first
}

/// The first valid Slack connection of the emulator's default user.
pub fn slack_connection(emu: &TestEmulator) -> String {
    let list = ok_json(&emu.zembed(&["connections", "ls", "--app", "slack", "--valid", "--json"]));
    list[0]["id"]
        .as_str()
        .expect("a valid connection")
        .to_owned()
}

/// A fresh directory under the system temp dir.
pub fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("zembed-test-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Ensures the Slack inbox `name` on channel C0123ABC456 and waits until it is active; answers its id.
pub fn ensure_active_inbox(emu: &TestEmulator, env: &[(&str, &str)], name: &str) -> String {
    let connection = slack_connection(emu);
    let ensured = ok_json(&emu.zembed_env(
        &[
            "inboxes",
            "ensure",
            name,
            "--app",
            "slack",
            "--trigger",
            "channel_message",
            "--connection",
            &connection,
            "--input",
            "channel=C0123ABC456",
            "--json",
        ],
        env,
    ));
    ok(&emu.zembed_env(&["inboxes", "wait", name], env));
    ensured["inbox"]["id"].as_str().expect("id").to_owned()
}

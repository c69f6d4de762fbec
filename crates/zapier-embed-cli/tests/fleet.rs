//! A fleet: three `zembed consume --dedup redis://...` processes on one inbox of the emulator,
//! sharing a real `redis-server` the test starts on a free loopback port. Each message's side
//! effect (its id appended to a file) is counted.
//!
//! - Acks fail for a while (the emulator's faults), so leases lapse and messages whose command
//!   already succeeded go to another worker; some events are flagged `possible_duplicate_data`:
//!   every effect happens exactly once.
//! - A worker killed with SIGKILL mid-batch loses nothing; the effects that ran twice (the kill
//!   fell between a command's effect and the done mark) are counted and reported, and bounded by
//!   what the killed worker held.
//!
//! Without `redis-server` on the PATH these tests fail, saying how to install it.

#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{TestEmulator, ensure_active_inbox, temp_dir};
use serde_json::{Value, json};
use zapier_embed_emulator::ControlClient;
use zapier_embed_emulator::models::control::{EmitRequest, FaultRequest};
use zapier_embed_tests::redis::RedisServer;

const CHANNEL: &str = "C0123ABC456";
const WORKERS: usize = 3;
/// Handlers a worker runs at once: the most a killed worker can hold between effect and mark.
const CONCURRENCY: usize = 4;

/// Emits `texts` to the test inbox, flagged as possible duplicates or not.
fn emit(emu: &TestEmulator, texts: &[String], possible_duplicate_data: bool) {
    let payloads: Vec<Value> = texts
        .iter()
        .map(|t| json!({"text": t, "user": "U0123456", "channel": CHANNEL}))
        .collect();
    let delivered = emu
        .emulator
        .emit(EmitRequest {
            app: "slack".into(),
            action: "channel_message".into(),
            inputs: Some(serde_json::from_value(json!({"channel": CHANNEL})).unwrap()),
            payload: Value::Array(payloads),
            count: Some(1),
            possible_duplicate_data,
        })
        .expect("emit");
    assert_eq!(delivered, 1);
}

/// A worker: `zembed consume` whose command appends the message id to `effects`, then waits
/// `linger` (a window in which the effect happened but is not marked done yet).
fn spawn_worker(emu: &TestEmulator, redis: &RedisServer, effects: &Path, linger: &str) -> Child {
    let exec = format!(
        "echo \"$ZEMBED_MESSAGE_ID\" >> '{}'; sleep {linger}",
        effects.display()
    );
    spawn_consume(
        emu,
        &[
            "--exec",
            &exec,
            "--dedup",
            &redis.url(),
            "--lease-seconds",
            "2",
            "--concurrency",
            &CONCURRENCY.to_string(),
        ],
    )
}

/// How many times each message's effect ran.
fn effects(path: &Path) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for id in std::fs::read_to_string(path).unwrap_or_default().lines() {
        *counts.entry(id.to_owned()).or_default() += 1;
    }
    counts
}

/// Polls `done` every 50 ms for at most `limit`; false when it never held.
fn eventually(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    done()
}

/// Drains a worker with SIGTERM and answers its stderr (its report is the last line).
fn drain(mut worker: Child) -> String {
    let pid = worker.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let exited = eventually(Duration::from_secs(60), || {
        matches!(worker.try_wait(), Ok(Some(_)))
    });
    if !exited {
        let _ = worker.kill();
    }
    let _ = worker.wait();
    let mut err = String::new();
    if let Some(mut stderr) = worker.stderr.take() {
        use std::io::Read;
        let _ = stderr.read_to_string(&mut err);
    }
    assert!(exited, "the worker did not drain within a minute:\n{err}");
    err
}

/// The `duplicates skipped N` figure of a worker's report.
fn duplicates_skipped(stderr: &str) -> u64 {
    stderr
        .rsplit("duplicates skipped ")
        .next()
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// An emulator with the active inbox `fleet`, a Redis, and an empty effects log in a fresh
/// directory (answered too, to remove at the end).
fn fleet(tag: &str) -> (TestEmulator, RedisServer, PathBuf, PathBuf) {
    let emu = TestEmulator::start();
    let redis = RedisServer::start();
    ensure_active_inbox(&emu, &[], "fleet");
    let dir = temp_dir(tag);
    let log = dir.join("effects.log");
    let _ = std::fs::remove_file(&log);
    (emu, redis, dir, log)
}

/// `zembed consume fleet ARGS` against `emu`, stdout discarded, stderr piped.
fn spawn_consume(emu: &TestEmulator, args: &[&str]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zembed"));
    for var in common::ZAPIER_VARS {
        command.env_remove(var);
    }
    command
        .args(["consume", "fleet"])
        .args(args)
        .env("ZAPIER_EMULATOR_HOST", &emu.host)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn zembed consume")
}

fn texts(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix} {i}")).collect()
}

#[test]
fn redelivered_and_possible_duplicate_messages_run_their_effect_exactly_once() {
    let (emu, redis, dir, log) = fleet("fleet-redelivery");

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let control = ControlClient::new(&emu.url).expect("control client");
    let fault: FaultRequest = serde_json::from_value(
        json!({"route": "acknowledgeTriggerInboxMessages", "error_rate": 1.0}),
    )
    .unwrap();
    runtime
        .block_on(control.add_fault(&fault))
        .expect("acks fail");

    emit(&emu, &texts("plain", 24), false);
    emit(&emu, &texts("flagged", 12), true);
    let total = 36;
    let workers: Vec<Child> = (0..WORKERS)
        .map(|_| spawn_worker(&emu, &redis, &log, "0"))
        .collect();

    // Every effect ran once and leases lapsed under the failing acks: the messages are being
    // redelivered to workers, after their command succeeded.
    let redelivering = eventually(Duration::from_secs(90), || {
        effects(&log).len() == total && emu.emulator.stats().messages_expired >= 4
    });
    runtime
        .block_on(control.clear_faults())
        .expect("acks work again");
    let acked = eventually(Duration::from_secs(120), || {
        emu.emulator.stats().messages_acked == total as u64
    });
    let reports: Vec<String> = workers.into_iter().map(drain).collect();
    let stats = emu.emulator.stats();

    let counts = effects(&log);
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n != 1).collect();
    assert!(
        redelivering,
        "no forced redeliveries: {stats:?}\n{reports:#?}"
    );
    assert!(
        acked,
        "not every message was acked: {stats:?}\n{reports:#?}"
    );
    assert_eq!(counts.len(), total, "{counts:?}");
    assert!(
        twice.is_empty(),
        "effects not run exactly once: {twice:?}\n{reports:#?}"
    );
    assert_eq!(stats.messages_quarantined, 0, "{stats:?}");
    let skipped: u64 = reports.iter().map(|r| duplicates_skipped(r)).sum();
    assert!(
        skipped > 0,
        "no redelivery was recognised as done: {stats:?}\n{reports:#?}"
    );
    eprintln!(
        "fleet: {total} messages, {} leases lapsed, {skipped} redeliveries acked without re-running",
        stats.messages_expired
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_worker_killed_mid_batch_loses_nothing_and_the_effects_it_repeats_are_counted() {
    let (emu, redis, dir, log) = fleet("fleet-kill");

    let total = 60;
    emit(&emu, &texts("work", total), false);
    // The commands linger after their effect, so the victim holds a batch between effect and mark.
    let mut workers: Vec<Child> = (0..WORKERS)
        .map(|_| spawn_worker(&emu, &redis, &log, "0.3"))
        .collect();
    assert!(
        eventually(Duration::from_secs(60), || effects(&log).len() >= total / 4),
        "the fleet never got going"
    );
    let mut victim = workers.remove(0);
    victim.kill().expect("SIGKILL a worker");
    let _ = victim.wait();

    let done = eventually(Duration::from_secs(120), || {
        emu.emulator.stats().messages_acked == total as u64
    });
    let reports: Vec<String> = workers.into_iter().map(drain).collect();
    let stats = emu.emulator.stats();
    let counts = effects(&log);
    let twice = counts.values().filter(|n| **n > 1).count();

    assert!(
        done,
        "messages lost after the kill: {stats:?}\n{reports:#?}"
    );
    assert_eq!(
        counts.len(),
        total,
        "every message's effect ran: {counts:?}"
    );
    assert_eq!(stats.messages_quarantined, 0, "{stats:?}");
    // Only what the victim held between an effect and its done mark can run again.
    assert!(
        twice <= CONCURRENCY && counts.values().all(|n| *n <= 2),
        "{twice} effects ran twice, more than the victim could hold: {counts:?}"
    );
    eprintln!(
        "fleet: SIGKILL mid-batch: {total} messages, none lost, {twice} effect(s) ran twice \
         (the kill fell between the effect and the done mark)"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `GET /metrics` over plain HTTP/1.0; the body.
fn scrape(addr: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect to the metrics server");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(stream, "GET /metrics HTTP/1.0\r\nHost: {addr}\r\n\r\n").expect("request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    assert!(
        answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200"),
        "{answer}"
    );
    answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default()
}

/// The value of the sample `series` (name and labels exactly as rendered), if present.
fn sample(body: &str, series: &str) -> Option<f64> {
    body.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

#[test]
fn consume_serves_its_metrics_for_prometheus() {
    let emu = TestEmulator::start();
    ensure_active_inbox(&emu, &[], "fleet");
    emit(&emu, &texts("counted", 5), false);
    let mut worker = spawn_consume(&emu, &["--exec", "exit 0", "--metrics-addr", "127.0.0.1:0"]);

    // The bound address is on stderr; read it from a thread so a silent process cannot hang us.
    let stderr = worker.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let addr = loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => {
                if let Some(rest) = line.strip_prefix("serving metrics on http://") {
                    break rest.trim_end_matches("/metrics").to_owned();
                }
                seen.push(line);
            }
            Err(e) => {
                let _ = worker.kill();
                panic!("no metrics address announced ({e}): {seen:#?}");
            }
        }
    };

    let acked = r#"zapier_embed_consumer_settled_total{outcome="acked"}"#;
    let counted = eventually(Duration::from_secs(60), || {
        sample(&scrape(&addr), acked) == Some(5.0)
    });
    let body = scrape(&addr);
    let _ = Command::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status();
    let exited = eventually(Duration::from_secs(60), || {
        matches!(worker.try_wait(), Ok(Some(_)))
    });
    if !exited {
        let _ = worker.kill();
    }
    let _ = worker.wait();

    assert!(counted, "{body}");
    assert_eq!(emu.emulator.stats().messages_acked, 5);
    assert_eq!(
        sample(
            &body,
            r#"zapier_embed_consumer_leased_total{inbox="fleet"}"#
        ),
        Some(5.0),
        "{body}"
    );
    assert_eq!(
        sample(
            &body,
            r#"zapier_embed_consumer_handler_seconds_count{inbox="fleet"}"#
        ),
        Some(5.0),
        "{body}"
    );
    assert!(
        body.contains("# TYPE zapier_embed_consumer_settled_total counter"),
        "{body}"
    );
}

#[test]
fn consume_rejects_a_bad_dedup_url_and_fails_when_redis_is_unreachable() {
    let emu = TestEmulator::start();
    ensure_active_inbox(&emu, &[], "fleet");
    let out = emu.zembed(&[
        "consume",
        "fleet",
        "--exec",
        "true",
        "--dedup",
        "http://user:hunter2@h:1",
    ]);
    let line = common::fails(&out, 2);
    assert!(line.contains("--dedup"), "{line}");
    assert!(
        !common::stderr(&out).contains("hunter2"),
        "{}",
        common::stderr(&out)
    );

    let closed = format!(
        "redis://127.0.0.1:{}",
        zapier_embed_tests::redis::free_port()
    );
    let out = emu.zembed(&["consume", "fleet", "--exec", "true", "--dedup", &closed]);
    let line = common::fails(&out, 1);
    assert!(line.contains("--dedup: cannot reach Redis"), "{line}");
}

#[test]
fn the_dedup_url_is_read_from_the_environment_and_kept_from_the_commands() {
    // From the environment, the URL (and a password in it) stays out of the process list; the
    // commands `--exec` runs must not see it either.
    let (emu, redis, dir, _) = fleet("dedup-env");
    let closed = format!(
        "redis://:hunter2@127.0.0.1:{}",
        zapier_embed_tests::redis::free_port()
    );
    let out = emu.zembed_env(
        &["consume", "fleet", "--exec", "true"],
        &[("ZEMBED_DEDUP_URL", &closed)],
    );
    let line = common::fails(&out, 1);
    assert!(line.contains("--dedup: cannot reach Redis"), "{line}");
    assert!(
        !common::stderr(&out).contains("hunter2"),
        "{}",
        common::stderr(&out)
    );

    emit(&emu, &texts("env", 1), false);
    let seen = dir.join("seen.txt");
    let exec = format!(
        "printenv ZEMBED_DEDUP_URL >> '{}'; echo \"ran $ZEMBED_MESSAGE_ID\"",
        seen.display()
    );
    let out = emu.zembed_env(
        &["consume", "fleet", "--exec", &exec, "--max-messages", "1"],
        &[("ZEMBED_DEDUP_URL", &redis.url())],
    );
    let printed = common::ok(&out);
    assert_eq!(
        printed.lines().filter(|l| l.starts_with("ran ")).count(),
        1,
        "{printed}"
    );
    let leaked = std::fs::read_to_string(&seen).unwrap_or_default();
    assert!(
        leaked.is_empty(),
        "the command saw ZEMBED_DEDUP_URL: {leaked}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

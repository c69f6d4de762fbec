//! A consumer process killed with SIGKILL in the middle of a batch, then restarted: every message
//! is processed, the ones the dead process held come back after their lease and are processed,
//! and nothing is quarantined.

mod live;

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures::TryStreamExt;
use serde_json::json;
use zapier_embed::{ApiVariant, messages::MessageStatus};

use live::{active_slack_inbox, builder_for, emit_payloads, start, stats};

const MESSAGES: u64 = 120;

fn spawn_consumer(emulator: &str, inbox: &str, out: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_consume_to_file"))
        .env("ZAPIER_EMULATOR_HOST", emulator)
        .env("ZAPIER_TEST_INBOX", inbox)
        .env("ZAPIER_TEST_OUT", out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the consumer process")
}

fn processed(out: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Ids of the inbox's messages that are leased now.
async fn leased(messages: &zapier_embed::messages::Messages) -> Vec<String> {
    messages
        .list()
        .try_collect::<Vec<_>>()
        .await
        .expect("list")
        .into_iter()
        .filter(|m| m.status == MessageStatus::Leased)
        .map(|m| m.id.to_string())
        .collect()
}

/// Polls `done` every 20 ms for at most `limit`; false when it never held.
async fn eventually(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    done()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_consumer_loses_nothing_after_a_restart() {
    let handle = start().await;
    let client = builder_for(&handle, ApiVariant::ById)
        .build()
        .expect("client");
    let inbox = active_slack_inbox(&client, "orders").await;
    let payloads = (0..MESSAGES).map(|n| json!({"n": n})).collect();
    assert_eq!(emit_payloads(&handle, payloads), 1);

    let out = std::env::temp_dir().join(format!("consume-crash-{}.txt", std::process::id()));
    let _ = std::fs::remove_file(&out);
    let host = handle.addr().to_string();

    // First process: killed once it has processed a third, while it holds a leased batch (its
    // handlers take 150 ms, so a batch it holds is still held a moment later).
    let mut first = spawn_consumer(&host, &inbox.to_string(), &out);
    let messages = client.messages(inbox.clone());
    let mut mid_batch = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while tokio::time::Instant::now() < deadline {
        if processed(&out).len() >= 40 && !leased(&messages).await.is_empty() {
            mid_batch = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.kill().expect("SIGKILL");
    first.wait().expect("reap");
    assert!(
        mid_batch,
        "the first process never held a batch after 40 messages"
    );
    let held = leased(&messages).await;
    assert!(!held.is_empty(), "the kill landed mid-batch");

    // Second process: finishes everything, including what the dead one held.
    let mut second = spawn_consumer(&host, &inbox.to_string(), &out);
    let finished = eventually(Duration::from_secs(120), || {
        stats(&handle).messages_acked >= MESSAGES
    })
    .await;
    second.kill().expect("stop the second process");
    second.wait().expect("reap");
    assert!(
        finished,
        "acked {} of {MESSAGES}",
        stats(&handle).messages_acked
    );

    let lines = processed(&out);
    let unique: HashSet<&String> = lines.iter().collect();
    assert_eq!(unique.len() as u64, MESSAGES, "every message processed");
    for id in &held {
        assert!(
            unique.contains(id),
            "held message {id} was processed after the restart"
        );
    }
    let stats = stats(&handle);
    assert_eq!(stats.messages_acked, MESSAGES);
    assert_eq!(stats.messages_quarantined, 0);
    assert!(
        stats.messages_expired >= held.len() as u64,
        "the held messages came back by expiry"
    );
    let _ = std::fs::remove_file(&out);
}

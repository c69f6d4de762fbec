//! The facade's examples (`examples/`), each run against the emulator: the long-running worker,
//! the multi-tenant worker and Action Runs. (The quickstart's test is `zembed`'s
//! `tests/demo.rs`, next to the demo it mirrors.)

// Tests fail by panicking: `unwrap`, `expect` and `panic!` are their assertions (the crate
// denies them in library code, see `[workspace.lints.clippy]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/action_runs.rs"]
mod action_runs;
#[allow(dead_code, unreachable_pub)]
#[path = "../examples/multi_tenant.rs"]
mod multi_tenant;
#[allow(dead_code, unreachable_pub)]
#[path = "../examples/worker.rs"]
mod worker;

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use zapier_embed::{Client, InboxRef, Subscription};
use zapier_embed_emulator::models::control::EmitRequest;
use zapier_embed_emulator::{Emulator, EmulatorHandle};

/// Every wait in these tests ends here at the latest; a test that gets there fails.
const PATIENCE: Duration = Duration::from_secs(60);

async fn emulator() -> EmulatorHandle {
    Emulator::builder()
        .activation_delay(Duration::from_millis(20))
        .action_run_delay(Duration::from_millis(10))
        .start()
        .await
        .expect("start the emulator")
}

fn client_of(handle: &EmulatorHandle) -> Client {
    let host = handle.addr().to_string();
    Client::from_env_with(|key| (key == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))
        .expect("client")
}

/// What the user does in the browser: connect Slack through the Connect UI.
async fn connect_slack(client: &Client) {
    let token = client.connect_token("slack").await.expect("connect token");
    let url = client.connect_url("slack", &token);
    let page = reqwest::get(url.expose_secret())
        .await
        .expect("open the Connect UI");
    assert!(page.status().is_success(), "{}", page.status());
}

fn emit(handle: &EmulatorHandle, channel: &str, payload: serde_json::Value) -> u64 {
    let mut inputs = serde_json::Map::new();
    inputs.insert("channel".into(), channel.into());
    handle
        .emulator()
        .emit(EmitRequest {
            app: "slack".into(),
            action: "channel_message".into(),
            inputs: Some(inputs),
            payload,
            count: None,
            possible_duplicate_data: false,
        })
        .expect("emit")
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    tokio::time::timeout(PATIENCE, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("gave up waiting for {what}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_processes_dead_letters_drains_and_exports_metrics() {
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .expect("the only recorder of this test binary");
    let handle = emulator().await;
    let client = client_of(&handle);
    connect_slack(&client).await;
    let slack = client
        .connections()
        .first_valid("slack")
        .await
        .expect("list")
        .expect("slack");
    let subscription = Subscription::new("slack", "channel_message")
        .with_connection(slack.connection_id())
        .with_input("channel", "C-WORKER");
    let ensured = client
        .inboxes()
        .ensure_validated("worker-inbox", &subscription, None)
        .await
        .expect("ensure");
    client
        .inboxes()
        .wait_until_active(&ensured.inbox.id_ref(), PATIENCE)
        .await
        .expect("active");
    let payloads = serde_json::json!([{"n": 1}, {"n": 2}, {"poison": true}, {"n": 3}]);
    assert_eq!(emit(&handle, "C-WORKER", payloads), 1);

    let dir = std::env::temp_dir().join(format!("zapier-embed-worker-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("dead-letters.jsonl");
    let _ = std::fs::remove_file(&path);
    let dead_letters = Arc::new(worker::DeadLetters::open(&path).expect("open"));
    let shutdown = CancellationToken::new();
    let running = tokio::spawn({
        let (client, shutdown) = (client.clone(), shutdown.clone());
        let inbox = InboxRef::name("worker-inbox").expect("name");
        async move { worker::run(&client, inbox, dead_letters, shutdown).await }
    });

    // The poison message fails on every attempt and is parked on its final one.
    let read = || std::fs::read_to_string(&path).unwrap_or_default();
    wait_for("the dead letter", || !read().is_empty()).await;
    wait_for("four acks", || {
        handle.emulator().stats().messages_acked == 4
    })
    .await;
    shutdown.cancel(); // what SIGTERM does in `main`
    let report = tokio::time::timeout(PATIENCE, running)
        .await
        .expect("drained in time")
        .expect("worker task");

    let parked: Vec<serde_json::Value> = read()
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(parked.len(), 1, "{parked:?}");
    assert_eq!(parked[0]["payload"]["poison"], true);
    assert!(
        parked[0]["failure"]
            .as_str()
            .is_some_and(|f| f.contains("cannot process"))
    );
    assert_eq!(report.acked, 4, "{report:?}");
    assert_eq!(report.dead_lettered, 1, "{report:?}");
    assert!(report.is_balanced(), "{report:?}");
    let rendered = metrics.render();
    assert!(
        rendered.contains("zapier_embed_consumer_settled_total"),
        "{rendered}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_tenant_worker_keeps_each_users_events_apart() {
    let handle = emulator().await;
    let base = client_of(&handle);
    let pem = include_bytes!("fixtures/partner-es256-test-key.pem");
    let signer = multi_tenant::PartnerSigner::from_pem(pem, "k1", "https://partner.test", "acme")
        .expect("signer");
    // Both users watch a channel of the same id: only their own connection's events reach them.
    let users: Vec<(String, Client, String)> = ["alice", "bob"]
        .into_iter()
        .map(|user| {
            let client =
                multi_tenant::client_for(&base, "partner", "partner-secret", &signer, user);
            (user.to_owned(), client, "C-SHARED".to_owned())
        })
        .collect();
    for (_, client, _) in &users {
        connect_slack(client).await;
    }
    // Two distinct accounts: the emulator issued each user its own identity.
    let alice = users[0]
        .1
        .connections()
        .first_valid("slack")
        .await
        .expect("a")
        .expect("a");
    let bob = users[1]
        .1
        .connections()
        .first_valid("slack")
        .await
        .expect("b")
        .expect("b");
    assert_ne!(alice.id, bob.id);

    let inboxes = multi_tenant::ensure_inboxes(&users).await.expect("ensure");
    let shutdown = CancellationToken::new();
    let running = tokio::spawn({
        let shutdown = shutdown.clone();
        async move { multi_tenant::consume(&inboxes, shutdown).await }
    });
    // Three events for the channel: each user's inbox gets them.
    assert_eq!(
        emit(
            &handle,
            "C-SHARED",
            serde_json::json!([{"n": 1}, {"n": 2}, {"n": 3}])
        ),
        2
    );
    wait_for("six acks", || handle.emulator().stats().messages_acked == 6).await;
    shutdown.cancel();
    let (per_inbox, report) = tokio::time::timeout(PATIENCE, running)
        .await
        .expect("drained in time")
        .expect("task")
        .expect("run");
    assert_eq!(per_inbox.len(), 2, "{per_inbox:?}");
    assert!(per_inbox.values().all(|&n| n == 3), "{per_inbox:?}");
    assert!(report.is_balanced(), "{report:?}");
    // Each user sees only their own inbox.
    let listed: Vec<_> = futures::TryStreamExt::try_collect::<Vec<_>>(
        users[0]
            .1
            .inboxes()
            .list(zapier_embed::inboxes::InboxFilter::new()),
    )
    .await
    .expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].name.as_deref(),
        Some(multi_tenant::inbox_name("alice").as_str())
    );
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn action_runs_example_posts_and_reads_the_result() {
    let handle = emulator().await;
    let client = client_of(&handle);
    connect_slack(&client).await;
    let result = action_runs::run(&client, "hello from the example")
        .await
        .expect("run");
    assert!(!result.run_id.is_empty());
    assert_eq!(result.results.len(), 1, "{result:?}");
    handle.shutdown().await;
}

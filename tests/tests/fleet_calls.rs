//! Calls of a fleet: correlation and causation ids on the wire (a snapshot, their precedence,
//! and an Action Run started by a consumer handler traced back to its trigger message through
//! the emulator's record), and pacing by the `X-RateLimit-*` headers (429s of a fleet of one
//! token with pacing on and off, counted by the emulator).

mod common;
mod live;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, json};
use tokio_util::sync::CancellationToken;
use zapier_embed::client::Correlation;
use zapier_embed::consumer::{Consumer, Received};
use zapier_embed::{ApiVariant, Client};
use zapier_embed_emulator::models::control::CorrelationRecord;
use zapier_embed_emulator::{ControlClient, Emulator, EmulatorHandle};

use common::*;
use live::{active_slack_inbox, builder_for, emit, slack_connection};

/// Generous outer bound of every live test: a broken client fails it instead of hanging it.
const LIMIT: Duration = Duration::from_secs(120);

async fn correlations(handle: &EmulatorHandle) -> Vec<CorrelationRecord> {
    ControlClient::new(handle.base_url())
        .expect("control client")
        .correlations()
        .await
        .expect("correlations")
        .records
}

#[tokio::test]
async fn a_request_with_both_ids_carries_both_headers_and_nothing_else_changes() {
    let (client, capture) = capturing(ApiVariant::ById);
    let traced = client
        .with_correlation(Correlation::new("order-4711").caused_by(MESSAGE_1))
        .expect("valid ids");
    let create = |c: Client| async move {
        c.inboxes()
            .create(
                Some(INBOX_NAME),
                &subscription(),
                Some("https://example.com/zapier-hook"),
            )
            .await
    };
    assert_eq!(create(traced).await.unwrap_err().status(), Some(599));
    let with_ids = capture.take();
    snapshot!("by_id__inbox_create_with_correlation", &with_ids);

    // The same request of the plain client: without the two headers, and otherwise equal.
    assert_eq!(create(client).await.unwrap_err().status(), Some(599));
    let mut plain = capture.take();
    assert!(!plain[0].headers.contains_key("zapier-correlation-id"));
    plain[0]
        .headers
        .insert("zapier-correlation-id".into(), "order-4711".into());
    plain[0]
        .headers
        .insert("zapier-causation-id".into(), MESSAGE_1.into());
    assert_eq!(plain, with_ids);
}

#[tokio::test]
async fn invalid_ids_fail_before_any_request_naming_the_field() {
    let (client, capture) = capturing(ApiVariant::ById);
    for (ids, field) in [
        (Correlation::new("has space"), "correlation_id"),
        (
            Correlation::new("ok").caused_by("x".repeat(200)),
            "causation_id",
        ),
        (Correlation::new("line\r\nX-Injected: 1"), "correlation_id"),
    ] {
        let err = client.with_correlation(ids).unwrap_err();
        assert!(err.to_string().contains(field), "{err}");
    }
    let err = builder(ApiVariant::ById)
        .access_token("t")
        .correlation_id("")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("correlation_id"), "{err}");
    assert!(capture.take().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handle_beats_a_scope_which_beats_the_default() {
    tokio::time::timeout(LIMIT, async {
        let handle = live::start().await;
        let plain = builder_for(&handle, ApiVariant::ById)
            .build()
            .expect("client");
        let defaulted = builder_for(&handle, ApiVariant::ById)
            .correlation_id("fleet-default")
            .build()
            .expect("client");
        let explicit = defaulted
            .with_correlation(Correlation::new("explicit").caused_by("cause-1"))
            .expect("ids");

        plain.connections().list("slack").await.expect("list");
        assert!(correlations(&handle).await.is_empty(), "no ids, no record");

        let ids = |r: &CorrelationRecord| (r.correlation_id.clone(), r.causation_id.clone());
        let pair = |c: &str, k: Option<&str>| (Some(c.to_owned()), k.map(str::to_owned));

        defaulted.connections().list("slack").await.expect("list");
        explicit.connections().list("slack").await.expect("list");
        Correlation::new("scoped")
            .caused_by("message-9")
            .scope(async {
                defaulted.connections().list("slack").await.expect("list");
                plain.connections().list("slack").await.expect("list");
                explicit.connections().list("slack").await.expect("list");
            })
            .await
            .expect("valid ids");
        let seen: Vec<_> = correlations(&handle).await.iter().map(ids).collect();
        assert_eq!(
            seen,
            vec![
                pair("fleet-default", None),
                pair("explicit", Some("cause-1")),
                pair("scoped", Some("message-9")),
                pair("scoped", Some("message-9")),
                pair("explicit", Some("cause-1")),
            ]
        );
    })
    .await
    .expect("within the limit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_run_started_by_a_handler_is_traced_to_its_trigger_message() {
    tokio::time::timeout(LIMIT, async {
        let handle = Emulator::builder()
            .activation_delay(Duration::ZERO)
            .action_run_delay(Duration::ZERO)
            .start()
            .await
            .expect("emulator");
        let client = builder_for(&handle, ApiVariant::ById)
            .build()
            .expect("client");
        let connection = slack_connection(&client).await;
        let inbox = active_slack_inbox(&client, "orders").await;
        assert_eq!(emit(&handle, 1), 1);

        // The handler starts an Action Run with a clone of the client, knowing nothing of ids.
        let runs: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let handler = {
            let (client, runs, connection) = (client.clone(), runs.clone(), connection.id.clone());
            move |received: Received| {
                let (client, runs, connection) = (client.clone(), runs.clone(), connection.clone());
                async move {
                    let mut inputs = Map::new();
                    inputs.insert("channel".into(), json!("C0123ABC456"));
                    inputs.insert("text".into(), json!("seen"));
                    let run = client
                        .actions()
                        .start(
                            "slack",
                            "send_channel_message",
                            Some(connection.as_str()),
                            inputs,
                        )
                        .await
                        .map_err(|e| e.to_string())?;
                    let run_id = run.id().to_owned();
                    run.wait(Duration::from_secs(30))
                        .await
                        .map_err(|e| e.to_string())?;
                    runs.lock().unwrap().push((received.id.to_string(), run_id));
                    Ok::<(), String>(())
                }
            }
        };
        let shutdown = CancellationToken::new();
        let stop = {
            let (emulator, shutdown) = (handle.emulator().clone(), shutdown.clone());
            tokio::spawn(async move {
                while emulator.stats().messages_acked < 1 {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                shutdown.cancel();
            })
        };
        let report = Consumer::builder(&client, inbox)
            .idle_backoff(Duration::from_millis(20), Duration::from_millis(200))
            .handler(handler)
            .run(shutdown)
            .await;
        stop.await.expect("stopper");
        assert_eq!(report.acked, 1, "{report}");

        let (message_id, run_id) = runs.lock().unwrap().first().cloned().expect("one run");
        let records = correlations(&handle).await;
        let traced = |r: &&CorrelationRecord| {
            r.causation_id.as_deref() == Some(message_id.as_str())
                && r.correlation_id.as_deref() == Some(message_id.as_str())
        };
        // The run's creation and every poll of that very run carry the message as their cause.
        assert!(
            records
                .iter()
                .filter(traced)
                .any(|r| r.path.ends_with("/action-runs") && (200..300).contains(&r.status)),
            "{records:#?}"
        );
        assert!(
            records
                .iter()
                .filter(traced)
                .any(|r| r.path.contains(&run_id) && r.status == 200),
            "{records:#?}"
        );
        // Every recorded request came from the handler: the runtime's own leases and acks
        // carry no ids.
        assert!(records.iter().all(|r| traced(&r)), "{records:#?}");
        assert!(
            !records.iter().any(|r| r.path.contains("/lease")),
            "{records:#?}"
        );
    })
    .await
    .expect("within the limit");
}

/// Workers, requests each, and the emulator's budget: 18 requests of one token against 5 per
/// second.
const WORKERS: usize = 6;
const CALLS: usize = 3;
const BUDGET: u32 = 5;

/// Runs the fleet, each worker with its own `Client` of the same token (as separate processes
/// of one token would be); answers the 429s the emulator sent and the calls that failed.
async fn fleet(paced: bool) -> (u64, usize) {
    let handle = Emulator::builder()
        .activation_delay(Duration::ZERO)
        .rate_limit(BUDGET, Duration::from_secs(1))
        .start()
        .await
        .expect("emulator");
    let token = builder_for(&handle, ApiVariant::ById)
        .build()
        .expect("client")
        .access_token()
        .await
        .expect("token");
    let workers = (0..WORKERS).map(|_| {
        let mut builder = builder_for(&handle, ApiVariant::ById).access_token(token.clone());
        if !paced {
            builder = builder.without_pacing();
        }
        let client = builder.build().expect("client");
        tokio::spawn(async move {
            let mut failed = 0;
            for _ in 0..CALLS {
                if client.connections().list("slack").await.is_err() {
                    failed += 1;
                }
            }
            failed
        })
    });
    let failed = futures::future::join_all(workers)
        .await
        .into_iter()
        .map(|r| r.expect("worker"))
        .sum();
    let stats = handle.emulator().stats();
    let limited = stats.requests_by_status.get("429").copied().unwrap_or(0);
    (limited, failed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paced_fleet_of_one_token_stays_under_the_limit_instead_of_bouncing_off_it() {
    tokio::time::timeout(LIMIT, async {
        let (unpaced_429s, _) = fleet(false).await;
        let (paced_429s, paced_failures) = fleet(true).await;
        println!("429s of {WORKERS} workers × {CALLS} calls at {BUDGET}/s: unpaced {unpaced_429s}, paced {paced_429s}");
        // Six requests at once against a budget of five: without pacing one bounces at least.
        assert!(unpaced_429s >= 1, "unpaced: {unpaced_429s}");
        assert!(paced_429s < unpaced_429s, "paced {paced_429s} vs unpaced {unpaced_429s}");
        assert_eq!(paced_429s, 0);
        assert_eq!(paced_failures, 0);
    })
    .await
    .expect("within the limit");
}

/// A client of `token` against a hostile server: one answer per call, a 10 s budget per call.
fn against(
    server: &zapier_embed_tests::hostile::HostileServer,
    token: &str,
) -> zapier_embed::ClientBuilder {
    Client::builder()
        .api_url(server.base_url())
        .auth_url(server.base_url())
        .variant(ApiVariant::ById)
        .retry_policy(zapier_embed::retry::RetryPolicy::no_retries())
        .total_timeout(Some(Duration::from_secs(10)))
        .access_token(token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_rate_limit_headers_are_capped_or_ignored() {
    use zapier_embed_tests::hostile::{HostileServer, Reply};

    tokio::time::timeout(LIMIT, async {
        let path = format!("/trigger-inbox/api/v1/inboxes/{INBOX_ID}");
        let spent = |reset: &str| {
            Reply::error(404, "not_found", "no such inbox")
                .header("x-ratelimit-limit", "5")
                .header("x-ratelimit-remaining", "0")
                .header("x-ratelimit-reset", reset)
        };
        // A budget spent until the end of time (a Unix time or a delta, saturated): the wait is
        // capped at the policy's 60 s, still longer than the call's 10 s, so the next call fails
        // at once, naming the rate limit, with nothing sent.
        for (n, reset) in ["99999999999999999999", "4000000000", "86400"]
            .into_iter()
            .enumerate()
        {
            let server = HostileServer::start().await;
            server.on("GET", &path, spent(reset));
            let client = against(&server, &format!("spent-token-{n}"))
                .build()
                .expect("client");
            let first = client.inboxes().get(&by_id()).await.unwrap_err();
            assert_eq!(first.status(), Some(404), "{first}");
            let second = client.inboxes().get(&by_id()).await.unwrap_err();
            assert!(second.is_rate_limited(), "{reset}: {second}");
            assert!(
                second
                    .retry_after()
                    .is_some_and(|w| w <= Duration::from_secs(60)),
                "{second:?}"
            );
            assert_eq!(server.requests().len(), 1, "{reset}: nothing sent");

            // The same answers without pacing: every call is sent.
            let unpaced = against(&server, &format!("unpaced-token-{n}"))
                .without_pacing()
                .build()
                .expect("client");
            for _ in 0..2 {
                let err = unpaced.inboxes().get(&by_id()).await.unwrap_err();
                assert_eq!(err.status(), Some(404), "{err}");
            }
            assert_eq!(server.requests().len(), 3);
        }
        // Values that are not plain numbers are ignored: nothing to pace by, every call is sent.
        for (n, garbage) in ["-1", "NaN", "1e3", "1.5", "soon", "123456789012345678901"]
            .into_iter()
            .enumerate()
        {
            let server = HostileServer::start().await;
            server.on("GET", &path, spent(garbage));
            let client = against(&server, &format!("garbage-token-{n}"))
                .build()
                .expect("client");
            for _ in 0..3 {
                let err = client.inboxes().get(&by_id()).await.unwrap_err();
                assert_eq!(err.status(), Some(404), "{garbage}: {err}");
            }
            assert_eq!(server.requests().len(), 3, "{garbage}");
        }
    })
    .await
    .expect("within the limit");
}

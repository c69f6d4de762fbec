//! `RedisDedup` against a real `redis-server` (started by the test on a free loopback port): its
//! claim / mark-done / release semantics across stores, and what a consumer does when Redis goes
//! away mid-run: no handler runs unguarded, the messages stay in the inbox, the failures are
//! reported.

mod live;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use zapier_embed::ApiVariant;
use zapier_embed::consumer::{Claim, Consumer, ConsumerEvent, Dedup, RedisDedup};
use zapier_embed::messages::MessageId;
use zapier_embed_tests::redis::{RedisServer, free_port};

use live::{active_slack_inbox, builder_for, emit, start, stats};

const TTL: Duration = Duration::from_secs(60);

/// Polls `check` every 20 ms for at most `limit`; false when it never held.
async fn eventually<F: std::future::Future<Output = bool>>(
    limit: Duration,
    mut check: impl FnMut() -> F,
) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    check().await
}

#[tokio::test]
async fn claims_are_shared_by_every_store_and_only_the_owner_releases_its_own() {
    let redis = RedisServer::start();
    let a = RedisDedup::connect(&redis.url()).await.expect("connect a");
    let b = RedisDedup::connect(&redis.url()).await.expect("connect b");
    let id = MessageId::new("019ce303-cf30-7efb-aa91-89488a407dc2");

    assert_eq!(a.claim("orders", &id, TTL).await.unwrap(), Claim::Granted);
    assert_eq!(
        b.claim("orders", &id, TTL).await.unwrap(),
        Claim::HeldElsewhere
    );
    // Keys are namespaced per inbox, and `a:b` + `c` never collides with `a` + `b:c`.
    assert_eq!(b.claim("invoices", &id, TTL).await.unwrap(), Claim::Granted);
    let tricky = MessageId::new("b:c");
    assert_eq!(
        a.claim("a:b", &MessageId::new("c"), TTL).await.unwrap(),
        Claim::Granted
    );
    assert_eq!(a.claim("a", &tricky, TTL).await.unwrap(), Claim::Granted);

    // B cannot release A's claim; A can.
    b.release_claim("orders", &id).await.unwrap();
    assert_eq!(
        b.claim("orders", &id, TTL).await.unwrap(),
        Claim::HeldElsewhere
    );
    a.release_claim("orders", &id).await.unwrap();
    assert_eq!(b.claim("orders", &id, TTL).await.unwrap(), Claim::Granted);

    // Done wins over the claim, for everyone, and survives a release.
    b.mark_done("orders", &id).await.unwrap();
    b.release_claim("orders", &id).await.unwrap();
    assert_eq!(
        a.claim("orders", &id, TTL).await.unwrap(),
        Claim::AlreadyDone
    );
    assert_eq!(
        b.claim("orders", &id, TTL).await.unwrap(),
        Claim::AlreadyDone
    );
}

#[tokio::test]
async fn a_crashed_workers_claim_lapses_by_itself() {
    let redis = RedisServer::start();
    let crashed = RedisDedup::connect(&redis.url()).await.expect("connect");
    let survivor = RedisDedup::connect(&redis.url()).await.expect("connect");
    let id = MessageId::new("m1");
    let short = Duration::from_millis(200);
    assert_eq!(
        crashed.claim("orders", &id, short).await.unwrap(),
        Claim::Granted
    );
    drop(crashed); // never marks done nor releases
    let taken = eventually(Duration::from_secs(30), || async {
        survivor.claim("orders", &id, TTL).await.unwrap() == Claim::Granted
    })
    .await;
    assert!(taken, "the lapsed claim was never granted again");
}

#[test]
#[should_panic(expected = "redis-server not found: install it with `apt-get install redis-server`")]
fn a_missing_redis_server_fails_the_test_saying_how_to_install_it() {
    RedisServer::start_program("redis-server-that-is-not-installed");
}

#[tokio::test]
async fn connecting_to_a_closed_port_fails_with_the_cause() {
    let url = format!("redis://127.0.0.1:{}", free_port());
    let error = RedisDedup::connect(&url)
        .await
        .expect_err("nothing listens");
    assert!(!error.to_string().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_redis_goes_away_no_handler_runs_and_nothing_is_acked() {
    let handle = start().await;
    let client = builder_for(&handle, ApiVariant::ById)
        .build()
        .expect("client");
    let inbox = active_slack_inbox(&client, "outage").await;
    let mut redis = RedisServer::start();
    let dedup = RedisDedup::connect_with_timeout(&redis.url(), Duration::from_millis(500))
        .await
        .expect("connect");
    redis.stop();
    assert!(!redis.answers());
    assert_eq!(emit(&handle, 5), 1);

    let ran = Arc::new(AtomicU64::new(0));
    let events = Arc::new(Mutex::new(Vec::new()));
    let shutdown = CancellationToken::new();
    let consumer = {
        let ran = ran.clone();
        let events = events.clone();
        Consumer::builder(&client, inbox.clone())
            .idle_backoff(Duration::from_millis(20), Duration::from_millis(200))
            .dedup(dedup)
            .on_event(move |event| events.lock().unwrap().push(event.clone()))
            .handler(move |_msg| {
                let ran = ran.clone();
                async move {
                    ran.fetch_add(1, Ordering::SeqCst);
                    Ok::<_, std::io::Error>(())
                }
            })
    };
    let running = tokio::spawn(consumer.run(shutdown.clone()));
    let reported = eventually(Duration::from_secs(60), || async {
        events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| matches!(e, ConsumerEvent::DedupFailed { operation, .. } if operation == "claim"))
            .count()
            >= 5
    })
    .await;
    shutdown.cancel();
    let report = tokio::time::timeout(Duration::from_secs(60), running)
        .await
        .expect("shutdown within a minute")
        .expect("consumer task");

    assert!(
        reported,
        "no DedupFailed events: {:?}",
        events.lock().unwrap()
    );
    assert_eq!(
        ran.load(Ordering::SeqCst),
        0,
        "a handler ran without a claim"
    );
    assert_eq!(report.acked, 0, "{report}");
    assert!(report.dedup_failures >= 5, "{report}");
    assert!(report.is_balanced(), "{report}");
    assert_eq!(stats(&handle).messages_acked, 0);
}

//! The `webhook` feature: a notification-URL receiver mounted in an axum app wakes an idle
//! consumer, which would otherwise not lease again for an hour.

mod live;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use zapier_embed::consumer::{Consumer, Received, webhook_router};
use zapier_embed::{ApiVariant, InboxRef};

use live::{builder_for, emit, slack_connection, slack_subscription, start, stats};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_wakes_an_idle_consumer() {
    let handle = start().await;
    let client = builder_for(&handle, ApiVariant::ById)
        .build()
        .expect("client");

    // The consumer's side: an idle backoff of an hour, no SSE; only the webhook can wake it.
    let processed = Arc::new(AtomicU64::new(0));
    let shutdown = CancellationToken::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let notification_url = format!(
        "http://{}/zapier/notifications",
        listener.local_addr().unwrap()
    );

    let connection = slack_connection(&client).await;
    let ensured = client
        .inboxes()
        .ensure(
            "orders",
            &slack_subscription(&connection),
            Some(&notification_url),
        )
        .await
        .expect("ensure");
    let inbox: InboxRef = ensured.inbox.id_ref();
    client
        .inboxes()
        .wait_until_active(&inbox, Duration::from_secs(10))
        .await
        .expect("active");

    let p = processed.clone();
    let builder = Consumer::builder(&client, inbox)
        .wake_on_sse(false)
        .idle_backoff(Duration::from_secs(3600), Duration::from_secs(3600));
    let app = axum::Router::new().nest(
        "/zapier/notifications",
        webhook_router(builder.wake_handle()),
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let consumer = tokio::spawn(
        builder
            .handler(move |_msg: Received| {
                p.fetch_add(1, Ordering::SeqCst);
                async { Ok::<_, String>(()) }
            })
            .run(shutdown.clone()),
    );

    // Let the consumer find the inbox empty and go idle, then deliver an event.
    while stats(&handle).lease_requests == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(emit(&handle, 3), 1);

    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while stats(&handle).messages_acked < 3 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    shutdown.cancel();
    let report = consumer.await.expect("consumer task");
    server.abort();
    assert_eq!(processed.load(Ordering::SeqCst), 3, "{report}");
    assert!(stats(&handle).notifications_sent >= 1);
    assert!(report.is_balanced(), "{report}");
}

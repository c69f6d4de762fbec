//! End-to-end against the in-process emulator (127.0.0.1): the same user code in both API
//! variants, single-flight token refresh, refresh-and-retry on 400 `unauthenticated`,
//! `Retry-After` honoured, `InboxPaused` from the lease 409, validation before any request.

#[path = "../common/mod.rs"]
mod common;
#[path = "../live/mod.rs"]
mod live;

mod delivery;
mod tokens_and_retries;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::TryStreamExt;
use live::{builder_for, emit, fault, slack_connection, start};
use serde_json::json;
use zapier_embed::{
    ApiVariant, Client, Error, InboxRef, LeaseOptions, Subscription, auth::ClientCredentials,
    auth::TokenEndpoint, auth::TokenFuture, auth::TokenSource, inboxes::EnsureOutcome,
    inboxes::InboxFilter, inboxes::PausedReason, messages::AckReport, retry::RetryPolicy,
};
use zapier_embed_emulator::models::control::EmitRequest;

/// The user code of the done-when criterion: ensure → wait until active → lease → ack. It does
/// not know which variant the client speaks.
async fn ensure_wait_lease_ack(
    client: &Client,
    subscription: &Subscription,
) -> zapier_embed::Result<(EnsureOutcome, usize, AckReport)> {
    let inbox = InboxRef::name("orders").expect("name");
    let inboxes = client.inboxes();
    let ensured = inboxes
        .ensure_validated("orders", subscription, None)
        .await?;
    inboxes
        .wait_until_active(&inbox, Duration::from_secs(10))
        .await?;
    let messages = client.messages(inbox);
    let lease = messages.lease(LeaseOptions::default()).await?;
    let report = messages.ack_lease(&lease).await?;
    Ok((ensured.outcome, lease.len(), report))
}

#[tokio::test]
async fn the_same_code_runs_in_both_variants() {
    for variant in ApiVariant::ALL {
        let handle = start().await;
        let client = builder_for(&handle, variant).build().expect("client");
        let connection = slack_connection(&client).await;
        let subscription = Subscription::new("slack", "channel_message")
            .with_connection(connection.connection_id())
            .with_input("channel", "C0123ABC456");

        // First run: created, active, nothing to lease yet.
        let (outcome, leased, report) = ensure_wait_lease_ack(&client, &subscription)
            .await
            .unwrap_or_else(|e| panic!("{variant:?}: {e}"));
        assert_eq!(
            (outcome, leased, report.requests()),
            (EnsureOutcome::Created, 0, 0)
        );

        // Events arrive; the same code leases and acks them, the inbox already exists.
        assert_eq!(emit(&handle, 3), 1);
        let (outcome, leased, report) = ensure_wait_lease_ack(&client, &subscription)
            .await
            .unwrap_or_else(|e| panic!("{variant:?}: {e}"));
        assert_eq!(outcome, EnsureOutcome::Existing, "{variant:?}");
        assert_eq!(leased, 3, "{variant:?}");
        assert_eq!((report.settled(), report.requests()), (3, 1), "{variant:?}");
        let stats = handle.emulator().stats();
        assert_eq!(
            (stats.messages_acked, stats.ack_requests),
            (3, 1),
            "{variant:?}"
        );

        // The inbox is listed once, by its name.
        let listed: Vec<_> = client
            .inboxes()
            .list(InboxFilter::new())
            .try_collect()
            .await
            .expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].name.as_deref(), Some("orders"));
        handle.shutdown().await;
    }
}

#[tokio::test]
async fn validation_errors_come_before_the_inbox_request() {
    let handle = start().await;
    let client = builder_for(&handle, ApiVariant::ById)
        .build()
        .expect("client");
    let connection = slack_connection(&client).await;
    let missing_channel = Subscription::new("slack", "channel_message")
        .with_connection(connection.connection_id())
        .with_input("listen_for_bots", "maybe");
    let err = client
        .inboxes()
        .ensure_validated("orders", &missing_channel, None)
        .await
        .expect_err("invalid");
    let fields: Vec<_> = err
        .field_errors()
        .iter()
        .map(|f| f.field.as_str())
        .collect();
    assert_eq!(fields, ["channel", "listen_for_bots"], "{err}");
    let listed: Vec<_> = client
        .inboxes()
        .list(InboxFilter::new())
        .try_collect()
        .await
        .expect("list");
    assert!(listed.is_empty(), "no inbox was created");
    handle.shutdown().await;
}

#[tokio::test]
async fn a_paused_and_drained_inbox_answers_inbox_paused_in_both_variants() {
    for variant in ApiVariant::ALL {
        let handle = start().await;
        let client = builder_for(&handle, variant).build().expect("client");
        let hook = Subscription::new("webhook", "hook_v2")
            .with_input("_zap_static_hook_code", "a1b2c3d4e5f6")
            .with_input("_zap_static_hook_seed", "0f1e2d3c4b5a");
        let inbox = InboxRef::name("hooks").expect("name");
        client
            .inboxes()
            .ensure("hooks", &hook, None)
            .await
            .expect("ensure");
        client
            .inboxes()
            .wait_until_active(&inbox, Duration::from_secs(10))
            .await
            .expect("active");
        client.inboxes().pause(&inbox).await.expect("pause");
        let err = client
            .messages(inbox.clone())
            .lease(LeaseOptions::default())
            .await
            .expect_err("paused and drained");
        assert!(
            matches!(
                &err,
                Error::InboxPaused {
                    reason: Some(PausedReason::User),
                    ..
                }
            ),
            "{variant:?}: {err}"
        );
        // Waiting cannot help either: the wait fails fast with the same reason.
        let err = client
            .inboxes()
            .wait_until_active(&inbox, Duration::from_secs(10))
            .await
            .expect_err("paused");
        assert!(
            matches!(err, Error::InboxPaused { .. }),
            "{variant:?}: {err}"
        );
        client.inboxes().resume(&inbox).await.expect("resume");
        client
            .inboxes()
            .wait_until_active(&inbox, Duration::from_secs(10))
            .await
            .expect("active again");
        handle.shutdown().await;
    }
}

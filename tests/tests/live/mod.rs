//! Helpers of the tests that run against a live, in-process emulator (127.0.0.1): start it,
//! configure clients the way users do (from the environment), emit events, inject faults.
#![allow(dead_code)]

use std::time::Duration;

use serde_json::json;
use zapier_embed::{
    ApiVariant, Client, ClientBuilder, InboxRef, Subscription, connections::Connection,
    retry::RetryPolicy,
};
use zapier_embed_emulator::models::control::{EmitRequest, StatsSnapshot};
use zapier_embed_emulator::{Emulator, EmulatorHandle};

pub async fn start() -> EmulatorHandle {
    Emulator::builder()
        .activation_delay(Duration::from_millis(50))
        .start()
        .await
        .expect("start emulator on 127.0.0.1")
}

/// A builder configured the way users configure one for an emulator: from the environment.
pub fn builder_for(handle: &EmulatorHandle, variant: ApiVariant) -> ClientBuilder {
    let host = handle.addr().to_string();
    ClientBuilder::from_env_with(|key| match key {
        "ZAPIER_EMULATOR_HOST" => Some(host.clone()),
        "ZAPIER_API_VARIANT" => Some(variant.as_str().to_owned()),
        _ => None,
    })
    .expect("configuration")
    .retry_policy(
        RetryPolicy::default()
            .with_initial_backoff(Duration::from_millis(10))
            .with_max_backoff(Duration::from_millis(50)),
    )
}

pub fn emit(handle: &EmulatorHandle, count: u64) -> u64 {
    let request: EmitRequest = serde_json::from_value(json!({
        "app": "slack", "action": "channel_message", "inputs": {"channel": "C0123ABC456"},
        "payload": {"text": "Hello from Slack", "user": "U0123456", "channel": "C0123ABC456"},
        "count": count
    }))
    .expect("emit request");
    handle.emulator().emit(request).expect("emit")
}

/// Finds a valid Slack connection, creating one through the Connect UI when there is none.
pub async fn slack_connection(client: &Client) -> Connection {
    if let Some(c) = client
        .connections()
        .first_valid("slack")
        .await
        .expect("list")
    {
        return c;
    }
    let token = client.connect_token("slack").await.expect("connect token");
    let url = client.connect_url("slack", &token);
    let answer = reqwest::get(url.expose_secret()).await.expect("Connect UI");
    assert_eq!(answer.status(), 200);
    client
        .connections()
        .first_valid("slack")
        .await
        .expect("list")
        .expect("the Connect UI created a connection")
}

/// Installs a fault rule through the control API.
pub async fn fault(handle: &EmulatorHandle, rule: serde_json::Value) {
    let rule = serde_json::from_value(rule).expect("a fault rule");
    let control = handle.control().expect("control client");
    control.add_fault(&rule).await.expect("fault");
}

/// The emulator's counters.
pub fn stats(handle: &EmulatorHandle) -> StatsSnapshot {
    handle.emulator().stats()
}

/// The Slack subscription the helpers emit to.
pub fn slack_subscription(connection: &Connection) -> Subscription {
    Subscription::new("slack", "channel_message")
        .with_connection(connection.connection_id())
        .with_input("channel", "C0123ABC456")
}

/// Ensures inbox `name` on the user's Slack connection and waits until it is active; returns the
/// reference the client's variant addresses it by.
pub async fn active_slack_inbox(client: &Client, name: &str) -> InboxRef {
    let connection = slack_connection(client).await;
    let ensured = client
        .inboxes()
        .ensure_validated(name, &slack_subscription(&connection), None)
        .await
        .expect("ensure");
    let inbox = match client.variant() {
        ApiVariant::ByName => InboxRef::name(name).expect("name"),
        _ => ensured.inbox.id_ref(),
    };
    client
        .inboxes()
        .wait_until_active(&inbox, Duration::from_secs(10))
        .await
        .expect("active");
    inbox
}

/// Emits `payloads` (one message each) to every active inbox subscribed to the Slack channel.
pub fn emit_payloads(handle: &EmulatorHandle, payloads: Vec<serde_json::Value>) -> u64 {
    let request: EmitRequest = serde_json::from_value(json!({
        "app": "slack", "action": "channel_message", "inputs": {"channel": "C0123ABC456"},
        "payload": payloads
    }))
    .expect("emit request");
    handle.emulator().emit(request).expect("emit")
}

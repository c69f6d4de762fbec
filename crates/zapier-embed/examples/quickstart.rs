//! Quickstart: the embedded flow in about 30 lines. Reuse the user's Slack connection, subscribe
//! an inbox to new channel messages, process its events, and post a reply for each through
//! Action Runs.
//!
//! Against a local emulator:
//!
//! ```sh
//! cargo run -p zapier-embed-cli -- emulator serve --addr 127.0.0.1:9630 &
//! ZAPIER_EMULATOR_HOST=127.0.0.1:9630 cargo run -p zapier-embed --example quickstart
//! ```
//!
//! Against Zapier: set `ZAPIER_CLIENT_ID` and `ZAPIER_CLIENT_SECRET` instead (see the README).
//! Long-running workers use the consumer runtime (`zapier_embed::consumer`) rather than this loop.

use std::time::Duration;

use serde_json::{Map, Value};
use zapier_embed::{Client, Error, LeaseOptions, Subscription};

/// The inbox this example keeps subscribed (ensure is idempotent: safe on every start-up).
pub const INBOX: &str = "quickstart-slack-inbox";
/// The Slack channel it watches and replies to.
pub const CHANNEL: &str = "C0123ABC456";

/// Runs the flow once: answers how many events were processed (and replied to).
pub async fn run(client: &Client) -> Result<usize, Error> {
    // A connection: the user's valid Slack account (else send them through Connect UI).
    let slack = client.connections().first_valid("slack").await?;
    let slack = slack.ok_or_else(|| Error::not_found("quickstart", "connect a Slack account"))?;

    // The inbox: trigger + connection + inputs, checked against the trigger's input fields.
    let subscription = Subscription::new("slack", "channel_message")
        .with_connection(slack.connection_id())
        .with_input("channel", CHANNEL);
    let inboxes = client.inboxes();
    let ensured = inboxes.ensure_validated(INBOX, &subscription, None).await?;
    let inbox = inboxes
        .wait_until_active(&ensured.inbox.id_ref(), Duration::from_secs(60))
        .await?;

    // Lease, process (reply through Action Runs), ack; until the inbox is empty.
    let messages = client.messages(inbox.id_ref());
    let mut processed = 0;
    loop {
        let lease = messages.lease(LeaseOptions::default()).await?;
        if lease.is_empty() {
            return Ok(processed);
        }
        for message in &lease.messages {
            let text = message.payload["text"].as_str().unwrap_or_default();
            let mut reply = Map::new();
            reply.insert("channel".into(), Value::from(CHANNEL));
            reply.insert("text".into(), Value::from(format!("Got it: {text}")));
            let actions = client.actions();
            actions
                .run("slack", "send_channel_message", Some(&slack.id), reply)
                .await?;
            processed += 1;
        }
        messages.ack_lease(&lease).await?; // one request for the whole batch
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    // ZAPIER_EMULATOR_HOST, or ZAPIER_CLIENT_ID / ZAPIER_CLIENT_SECRET for Zapier.
    let client = Client::from_env()?;
    let processed = run(&client).await?;
    println!("processed {processed} event(s) from inbox {INBOX}");
    Ok(())
}

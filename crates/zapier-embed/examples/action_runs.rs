//! Action Runs: find an app's action, look at its inputs and choices, run it with a connection
//! and read the typed result.
//!
//! ```sh
//! ZAPIER_EMULATOR_HOST=127.0.0.1:8080 cargo run -p zapier-embed --example action_runs
//! ```
//!
//! `run` is the example without `main`; a test runs it against the emulator.

use serde_json::{Map, Value};
use zapier_embed::actions::{ActionRunResult, ActionType};
use zapier_embed::{Client, Error};

/// Posts `text` to the first channel the user's Slack connection can see.
pub async fn run(client: &Client, text: &str) -> Result<ActionRunResult, Error> {
    let actions = client.actions();

    // A connection: the user's valid Slack account (else send them through Connect UI).
    let slack = client.connections().first_valid("slack").await?;
    let slack = slack.ok_or_else(|| Error::not_found("action runs", "connect a Slack account"))?;

    // The action by its stable key (its `id` changes between lookups; the run uses a fresh one).
    let action = actions
        .list("slack", Some(ActionType::Write))
        .await?
        .into_iter()
        .find(|action| action.key == "send_channel_message")
        .ok_or_else(|| Error::not_found("action runs", "slack has no send_channel_message"))?;

    // Its input fields say what to send; a SELECT field's choices come from the user's account.
    let no_inputs = Map::new();
    let fields = actions
        .inputs(&action, Some(slack.id.as_str()), &no_inputs)
        .await?;
    for field in &fields {
        println!("input {} (required: {})", field.key, field.is_required);
    }
    let channels = actions
        .choices(&action, "channel", Some(slack.id.as_str()), &no_inputs, 1)
        .await?;
    let channel = channels
        .first()
        .ok_or_else(|| Error::not_found("action runs", "the connection sees no channel"))?;

    // Run it and wait for a terminal status (bounded by `DEFAULT_RUN_TIMEOUT`).
    let mut inputs = Map::new();
    inputs.insert("channel".into(), Value::from(channel.value.clone()));
    inputs.insert("text".into(), Value::from(text));
    actions
        .run("slack", "send_channel_message", Some(&slack.id), inputs)
        .await
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    // ZAPIER_EMULATOR_HOST, or ZAPIER_CLIENT_ID / ZAPIER_CLIENT_SECRET for Zapier.
    let client = Client::from_env()?;
    let result = run(&client, "Hello from zapier-embed").await?;
    println!("run {} finished", result.run_id);
    for output in &result.results {
        println!("{}", serde_json::Value::Object(output.clone()));
    }
    Ok(())
}

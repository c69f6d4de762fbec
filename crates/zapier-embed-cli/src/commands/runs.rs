//! `zembed runs ...`: Action Runs.

use std::time::Duration;

use clap::{Args, Subcommand};
use serde::Serialize;

use crate::args;
use crate::config::GlobalArgs;
use crate::output;

/// `zembed runs`.
#[derive(Debug, Args)]
pub struct RunsCommand {
    /// Runs action.
    #[command(subcommand)]
    pub action: RunsAction,
}

/// Runs subcommands.
#[derive(Debug, Subcommand)]
pub enum RunsAction {
    /// Run an action: looks up a fresh action id, creates the run, and with --wait polls it to
    /// completion and prints its results.
    Create(CreateArgs),
}

/// Flags of `zembed runs create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// App key or slug, e.g. `slack`.
    #[arg(long, value_parser = args::Checked(args::key))]
    pub app: String,
    /// Action key, e.g. `send_channel_message`.
    #[arg(long, value_parser = args::Checked(args::key))]
    pub action: String,
    /// An action input as KEY=VALUE (repeatable), e.g. `--input channel=C0123ABC456`.
    #[arg(long = "input", value_name = "KEY=VALUE", value_parser = args::Checked(args::key_value))]
    pub inputs: Vec<(String, String)>,
    /// Connection id, the run's `authentication` (see `zembed connections ls --app APP`):
    /// required for apps that need an account, such as Slack.
    #[arg(long, value_name = "ID")]
    pub connection: Option<String>,
    /// Wait for the run to finish and print its results (exit 1 when it fails).
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up after this long (e.g. 30s, 3m), counted from the start of the
    /// command: a request that hangs does not extend it.
    #[arg(long, default_value = "180s", value_parser = args::Checked(args::positive_duration))]
    pub timeout: Duration,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Started<'a> {
    run_id: &'a str,
    status: &'static str,
}

/// Runs a runs subcommand.
pub async fn run(global: &GlobalArgs, cmd: RunsCommand) -> anyhow::Result<()> {
    match cmd.action {
        RunsAction::Create(a) => create(global, a).await,
    }
}

async fn create(global: &GlobalArgs, a: CreateArgs) -> anyhow::Result<()> {
    let client = global.client()?;
    let inputs = args::inputs_map(&a.inputs);
    let actions = client.actions();
    let starting = actions.start(&a.app, &a.action, a.connection.as_deref(), inputs);
    if !a.wait {
        let handle = starting.await?;
        if a.json {
            return output::json(&Started {
                run_id: handle.id(),
                status: "started",
            });
        }
        return output::line(&format!("started run {}", handle.id()));
    }
    // --timeout bounds the whole command, the start included, even when a request hangs.
    let result = super::within(a.timeout, "run action", async {
        starting.await?.wait(a.timeout).await
    })
    .await?;
    if a.json {
        return output::json(&result);
    }
    output::line(&format!(
        "run {} succeeded with {} result(s)",
        result.run_id,
        result.results.len()
    ))?;
    for r in &result.results {
        output::line(&serde_json::Value::Object(r.clone()).to_string())?;
    }
    Ok(())
}

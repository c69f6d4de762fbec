//! Command-line structure: one module per top-level subcommand.

pub mod conformance;
pub mod connections;
pub mod consume;
mod consume_metrics;
pub mod demo;
pub mod emulator;
pub mod inboxes;
pub mod manual;
pub mod messages;
mod process_group;
pub mod runs;
pub mod token;
pub mod triggers;

use clap::{Parser, Subcommand};

use crate::config::GlobalArgs;

/// Shown at the end of `zembed --help`.
const AFTER_HELP: &str = "\
Configuration comes from flags and the environment, nothing else:
  ZAPIER_ACCESS_TOKEN                     a fixed access token (wins over client credentials)
  ZAPIER_CLIENT_ID, ZAPIER_CLIENT_SECRET  the client-credentials grant (scope `external`)
  ZAPIER_API_URL, ZAPIER_AUTH_URL         API and token endpoint base URLs (--api-url, --auth-url)
  ZAPIER_EMULATOR_HOST                    host:port of an emulator; every URL points at it (--emulator-host)
  ZAPIER_API_VARIANT                      by-id (default) or by-name (--variant)

Exit status:
  0  success
  1  runtime or API failure (the server's answer is on the error line)
  2  usage error: bad flags or arguments, bad configuration, or input rejected before any request";

/// zapier-embed command-line tool.
#[derive(Debug, Parser)]
#[command(
    name = "zembed",
    version,
    about = "zapier-embed: Zapier embedded triggers and actions from the command line",
    long_about = "zapier-embed: Zapier embedded triggers and actions from the command line.\n\n\
                  `zembed demo` walks the whole embedded flow on an in-process emulator; the other \
                  commands operate connections, triggers, trigger inboxes, their messages and \
                  Action Runs, against Zapier or an emulator.",
    after_help = AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    /// Where and how to reach Zapier (flags win over the environment).
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Walk the whole embedded flow (token, connection, triggers, inbox, events, consumer, Action
    /// Runs, pause/drain/resume, delete) on an in-process emulator.
    #[command(long_about = demo::DEMO_HELP)]
    Demo(demo::DemoArgs),
    /// Run the local Zapier emulator, or put trigger events into its inboxes.
    Emulator(emulator::EmulatorCommand),
    /// Print an access token from the configured credentials (for scripts).
    #[command(long_about = token::TOKEN_HELP)]
    Token(token::TokenArgs),
    /// The user's app accounts (connections).
    Connections(connections::ConnectionsCommand),
    /// Triggers of an app and their input fields.
    Triggers(triggers::TriggersCommand),
    /// Trigger inboxes: list, inspect, ensure, create, pause, resume, delete, wait, apply.
    Inboxes(inboxes::InboxesCommand),
    /// The messages of an inbox: lease, ack, release, list.
    Messages(messages::MessagesCommand),
    /// Consume an inbox: run a command for each message, ack on success, release on failure.
    #[command(long_about = consume::CONSUME_HELP)]
    Consume(consume::ConsumeArgs),
    /// Action Runs: run a Zapier action.
    Runs(runs::RunsCommand),
    /// Check a server (Zapier or an emulator) against the documented API behaviours.
    #[command(long_about = conformance::CONFORMANCE_HELP)]
    Conformance(conformance::ConformanceArgs),
    /// Print shell completions for zembed (bash, zsh, fish, elvish, powershell) on stdout.
    #[command(hide = true)]
    Completions(manual::CompletionsArgs),
    /// Print zembed's manual page (roff, for `man -l -`) on stdout.
    #[command(hide = true)]
    Man,
}

/// Runs `operation` within the caller's `--timeout`, hanging requests included: when the budget
/// runs out first, the operation is dropped (its requests cancelled) and `what` times out.
pub async fn within<T>(
    timeout: std::time::Duration,
    what: &'static str,
    operation: impl std::future::Future<Output = Result<T, zapier_embed::Error>>,
) -> Result<T, zapier_embed::Error> {
    match tokio::time::timeout(timeout, operation).await {
        Ok(result) => result,
        Err(_) => Err(zapier_embed::Error::timeout(
            what,
            format!("gave up after --timeout {timeout:?}"),
        )),
    }
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let global = cli.global;
    match cli.command {
        Command::Demo(args) => demo::run(&global, args).await,
        Command::Emulator(cmd) => emulator::run(&global, cmd).await,
        Command::Token(args) => token::run(&global, args).await,
        Command::Connections(cmd) => connections::run(&global, cmd).await,
        Command::Triggers(cmd) => triggers::run(&global, cmd).await,
        Command::Inboxes(cmd) => inboxes::run(&global, cmd).await,
        Command::Messages(cmd) => messages::run(&global, cmd).await,
        Command::Consume(args) => consume::run(&global, args).await,
        Command::Runs(cmd) => runs::run(&global, cmd).await,
        Command::Conformance(args) => conformance::run(&global, args).await,
        Command::Completions(args) => manual::completions(args),
        Command::Man => manual::man(),
    }
}

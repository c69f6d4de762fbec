//! Command-line structure: one module per top-level subcommand.

pub mod emulator;

use clap::{Parser, Subcommand};

/// zapier-embed command-line tool.
#[derive(Debug, Parser)]
#[command(
    name = "zembed",
    version,
    about = "zapier-embed: Zapier embedded triggers and actions from the command line"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the local Zapier emulator.
    Emulator(emulator::EmulatorCommand),
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Emulator(cmd) => emulator::run(cmd).await,
    }
}

//! `zembed connections ...`: the user's app accounts.

use clap::{Args, Subcommand};

use crate::args;
use crate::config::GlobalArgs;
use crate::output::{self, Table};

/// `zembed connections`.
#[derive(Debug, Args)]
pub struct ConnectionsCommand {
    /// Connections action.
    #[command(subcommand)]
    pub action: ConnectionsAction,
}

/// Connections subcommands.
#[derive(Debug, Subcommand)]
pub enum ConnectionsAction {
    /// List the user's connections for an app (ID, app, title, expired).
    #[command(visible_alias = "list")]
    Ls(LsArgs),
}

/// Flags of `zembed connections ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// App key or slug, e.g. `slack`.
    #[arg(long, value_parser = args::Checked(args::key))]
    pub app: String,
    /// Only connections that are not expired.
    #[arg(long)]
    pub valid: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs a connections subcommand.
pub async fn run(global: &GlobalArgs, cmd: ConnectionsCommand) -> anyhow::Result<()> {
    match cmd.action {
        ConnectionsAction::Ls(args) => ls(global, args).await,
    }
}

async fn ls(global: &GlobalArgs, args: LsArgs) -> anyhow::Result<()> {
    let client = global.client()?;
    let mut connections = client.connections().list(&args.app).await?;
    if args.valid {
        connections.retain(|c| !c.is_expired);
    }
    if args.json {
        return output::json(&connections);
    }
    let mut table = Table::new(&["ID", "APP", "EXPIRED", "TITLE"]);
    for c in &connections {
        table.row(vec![
            c.id.clone(),
            c.app.clone(),
            output::yes_no(c.is_expired),
            c.title.clone(),
        ]);
    }
    table.print(&format!("no connections for app {}", args.app))
}

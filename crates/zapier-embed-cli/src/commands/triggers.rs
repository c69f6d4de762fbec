//! `zembed triggers ...`: the triggers of an app and the input fields of one trigger.

use clap::{Args, Subcommand};
use zapier_embed::connections::ConnectionId;

use crate::args;
use crate::config::GlobalArgs;
use crate::output;

/// `zembed triggers`.
#[derive(Debug, Args)]
pub struct TriggersCommand {
    /// Triggers action.
    #[command(subcommand)]
    pub action: TriggersAction,
}

/// Triggers subcommands.
#[derive(Debug, Subcommand)]
pub enum TriggersAction {
    /// List the triggers of an app (key, title, description).
    #[command(visible_alias = "list")]
    Ls(LsArgs),
    /// List the input fields of a trigger (what an inbox's `inputs` must hold).
    Fields(FieldsArgs),
}

/// Flags of `zembed triggers ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// App key or slug, e.g. `slack`.
    #[arg(long, value_parser = args::Checked(args::key))]
    pub app: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The trigger a command is about: `--app` and `--trigger`.
#[derive(Debug, Args)]
pub struct TriggerArgs {
    /// App key or slug, e.g. `slack`.
    #[arg(long, value_parser = args::Checked(args::key))]
    pub app: String,
    /// Trigger key, e.g. `channel_message` (see `zembed triggers ls`).
    #[arg(long, value_parser = args::Checked(args::key))]
    pub trigger: String,
}

/// Flags of `zembed triggers fields`.
#[derive(Debug, Args)]
pub struct FieldsArgs {
    /// The trigger.
    #[command(flatten)]
    pub of: TriggerArgs,
    /// Connection id (see `zembed connections ls --app APP`): required for apps that need an
    /// account, such as Slack; lets Zapier load dynamic fields and choices for that account.
    #[arg(long, value_name = "ID")]
    pub connection: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs a triggers subcommand.
pub async fn run(global: &GlobalArgs, cmd: TriggersCommand) -> anyhow::Result<()> {
    match cmd.action {
        TriggersAction::Ls(args) => ls(global, args).await,
        TriggersAction::Fields(args) => fields(global, args).await,
    }
}

async fn ls(global: &GlobalArgs, args: LsArgs) -> anyhow::Result<()> {
    let client = global.client()?;
    let triggers = client.triggers().list(&args.app).await?;
    output::listing(
        &triggers,
        args.json,
        &["KEY", "TITLE", "DESCRIPTION"],
        |t| {
            vec![
                t.key.clone(),
                t.title.clone(),
                t.description.clone().unwrap_or_default(),
            ]
        },
        &format!("app {} has no triggers", args.app),
    )
}

async fn fields(global: &GlobalArgs, args: FieldsArgs) -> anyhow::Result<()> {
    let client = global.client()?;
    let connection = args.connection.as_deref().map(ConnectionId::from);
    let fields = client
        .triggers()
        .input_fields(&args.of.app, &args.of.trigger, connection.as_ref())
        .await?;
    output::listing(
        &fields,
        args.json,
        &["KEY", "TYPE", "FORMAT", "REQUIRED", "DEFAULT", "TITLE"],
        |f| {
            vec![
                f.key.clone(),
                f.value_type.to_string(),
                f.format
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                output::yes_no(f.is_required),
                f.default_value.clone().unwrap_or_default(),
                f.title.clone(),
            ]
        },
        &format!(
            "trigger {} of {} has no input fields",
            args.of.trigger, args.of.app
        ),
    )
}

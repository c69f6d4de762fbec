//! `zembed inboxes ...`: trigger inboxes.

use std::time::Duration;

use clap::builder::PossibleValuesParser;
use clap::{Args, Subcommand};
use futures::TryStreamExt;
use serde::Serialize;
use serde_json::Value;
use zapier_embed::connections::ConnectionId;
use zapier_embed::inboxes::{EnsureOutcome, Inbox, InboxFilter, InboxStatus};
use zapier_embed::{Client, Error, InboxRef, Subscription};

pub mod apply;

use crate::args;
use crate::commands::triggers::TriggerArgs;
use crate::config::GlobalArgs;
use crate::output;

/// `zembed inboxes`.
#[derive(Debug, Args)]
pub struct InboxesCommand {
    /// Inboxes action.
    #[command(subcommand)]
    pub action: InboxesAction,
}

/// Inboxes subcommands. INBOX is an inbox id (a hyphenated uuid) or name.
#[derive(Debug, Subcommand)]
pub enum InboxesAction {
    /// List inboxes (id, name, status, app, trigger, created).
    #[command(visible_alias = "list")]
    Ls(LsArgs),
    /// Show one inbox.
    Get(InboxArgs),
    /// Create the inbox NAME, or find it when it exists with the same subscription (idempotent;
    /// a different subscription under that name is a conflict, exit 1).
    Ensure(EnsureArgs),
    /// Create a new inbox (variant by-id only; `ensure` is the idempotent form).
    Create(CreateArgs),
    /// Pause an inbox: collection stops, buffered messages stay leasable.
    Pause(InboxArgs),
    /// Resume a paused inbox (it goes back through `initializing`; see `wait`).
    Resume(InboxArgs),
    /// Delete an inbox (asynchronous: it shows `deleting`, then is gone).
    #[command(visible_alias = "delete")]
    Rm(InboxArgs),
    /// Wait until an inbox is active (fails at once when it is paused, failed or deleted).
    Wait(WaitArgs),
    /// Ensure every inbox a JSON or YAML file declares; reports created / unchanged / conflict
    /// for each (exit 1 when any conflicts or fails).
    #[command(long_about = apply::HELP)]
    Apply(apply::ApplyArgs),
}

/// INBOX and `--json`.
#[derive(Debug, Args)]
pub struct InboxArgs {
    /// Inbox id (hyphenated uuid) or name.
    #[arg(value_parser = args::Checked(args::inbox_ref))]
    pub inbox: InboxRef,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Flags of `zembed inboxes ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Only inboxes in this status.
    #[arg(long, value_parser = PossibleValuesParser::new(InboxStatus::KNOWN))]
    pub status: Option<String>,
    /// Only the inbox with exactly this name.
    #[arg(long)]
    pub name: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// What an inbox subscribes to.
#[derive(Debug, Args)]
pub struct SubscriptionArgs {
    /// The trigger.
    #[command(flatten)]
    pub of: TriggerArgs,
    /// Connection id (see `zembed connections ls --app APP`): required for apps that need an
    /// account, such as Slack; apps without accounts (e.g. Webhooks by Zapier) take none.
    #[arg(long, value_name = "ID")]
    pub connection: Option<String>,
    /// A trigger input as KEY=VALUE (repeatable), e.g. `--input channel=C0123ABC456`.
    #[arg(long = "input", value_name = "KEY=VALUE", value_parser = args::Checked(args::key_value))]
    pub inputs: Vec<(String, String)>,
    /// URL Zapier POSTs to when messages become available.
    #[arg(long, value_name = "URL")]
    pub notification_url: Option<String>,
    /// Skip checking the inputs against the trigger's input fields.
    #[arg(long)]
    pub no_validate: bool,
}

impl SubscriptionArgs {
    fn subscription(&self) -> Subscription {
        let mut sub = Subscription::new(self.of.app.clone(), self.of.trigger.clone())
            .with_inputs(args::inputs_map(&self.inputs));
        if let Some(c) = &self.connection {
            sub = sub.with_connection(ConnectionId::from(c.as_str()));
        }
        sub
    }
}

/// Flags of `zembed inboxes ensure`.
#[derive(Debug, Args)]
pub struct EnsureArgs {
    /// Inbox name (1..=100 characters).
    #[arg(value_parser = args::Checked(args::inbox_name))]
    pub name: String,
    /// The subscription.
    #[command(flatten)]
    pub subscription: SubscriptionArgs,
    /// Print JSON (`{"outcome": "created"|"existing", "inbox": {...}}`).
    #[arg(long)]
    pub json: bool,
}

/// Flags of `zembed inboxes create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Inbox name (optional: the server can create unnamed inboxes).
    #[arg(long, value_parser = args::Checked(args::inbox_name))]
    pub name: Option<String>,
    /// The subscription.
    #[command(flatten)]
    pub subscription: SubscriptionArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Flags of `zembed inboxes wait`.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Inbox id or name.
    #[arg(value_parser = args::Checked(args::inbox_ref))]
    pub inbox: InboxRef,
    /// Give up after this long (e.g. 500ms, 30s, 2m).
    #[arg(long, default_value = "60s", value_parser = args::Checked(args::positive_duration))]
    pub timeout: Duration,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs an inboxes subcommand.
pub async fn run(global: &GlobalArgs, cmd: InboxesCommand) -> anyhow::Result<()> {
    let client = global.client()?;
    match cmd.action {
        InboxesAction::Ls(a) => ls(&client, a).await,
        InboxesAction::Get(a) => {
            let inbox = client.inboxes().get(&a.inbox).await?;
            show(&inbox, a.json)
        }
        InboxesAction::Ensure(a) => ensure(&client, a).await,
        InboxesAction::Create(a) => create(&client, a).await,
        InboxesAction::Pause(a) => {
            let inbox = client.inboxes().pause(&a.inbox).await?;
            transitioned(&inbox, "paused", a.json)
        }
        InboxesAction::Resume(a) => {
            let inbox = client.inboxes().resume(&a.inbox).await?;
            transitioned(&inbox, "resumed", a.json)
        }
        InboxesAction::Rm(a) => {
            let inbox = client.inboxes().delete(&a.inbox).await?;
            transitioned(&inbox, "deleted", a.json)
        }
        InboxesAction::Wait(a) => {
            // The facade's wait is bounded by the budget, hanging requests included.
            let inbox = client
                .inboxes()
                .wait_until_active(&a.inbox, a.timeout)
                .await?;
            if a.json {
                output::json(&inbox)
            } else {
                output::line(&format!("inbox {} is active", label(&inbox)))
            }
        }
        InboxesAction::Apply(a) => apply::run(&client, a).await,
    }
}

/// `name (id)`, or the id alone.
pub fn label(inbox: &Inbox) -> String {
    match &inbox.name {
        Some(name) => format!("{name} ({})", inbox.id),
        None => inbox.id.to_string(),
    }
}

async fn ls(client: &Client, a: LsArgs) -> anyhow::Result<()> {
    let mut filter = InboxFilter::new();
    if let Some(status) = &a.status {
        filter = filter.status(InboxStatus::from(status.as_str()));
    }
    if let Some(name) = &a.name {
        filter = filter.name(name.clone());
    }
    let inboxes: Vec<Inbox> = client.inboxes().list(filter).try_collect().await?;
    output::listing(
        &inboxes,
        a.json,
        &["ID", "NAME", "STATUS", "APP", "TRIGGER", "CREATED"],
        |i| {
            vec![
                i.id.to_string(),
                i.name.clone().unwrap_or_default(),
                i.status.to_string(),
                i.subscription.app.clone(),
                i.subscription.trigger.clone(),
                i.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
            ]
        },
        "no inboxes",
    )
}

fn show(inbox: &Inbox, json: bool) -> anyhow::Result<()> {
    if json {
        return output::json(inbox);
    }
    let dash = || "-".to_owned();
    let rows = [
        ("id", inbox.id.to_string()),
        ("name", inbox.name.clone().unwrap_or_else(dash)),
        ("status", inbox.status.to_string()),
        (
            "paused_reason",
            inbox
                .paused_reason
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_else(dash),
        ),
        ("app", inbox.subscription.app.clone()),
        ("trigger", inbox.subscription.trigger.clone()),
        (
            "connection",
            inbox
                .subscription
                .connection
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_else(dash),
        ),
        (
            "inputs",
            Value::Object(inbox.subscription.inputs.clone()).to_string(),
        ),
        (
            "notification_url",
            inbox.notification_url.clone().unwrap_or_else(dash),
        ),
        ("created_at", inbox.created_at.to_rfc3339()),
    ];
    for (key, value) in rows {
        output::line(&format!("{:<17} {value}", format!("{key}:")))?;
    }
    Ok(())
}

fn transitioned(inbox: &Inbox, what: &str, json: bool) -> anyhow::Result<()> {
    if json {
        return output::json(inbox);
    }
    output::line(&format!(
        "{what} inbox {}: status {}",
        label(inbox),
        inbox.status
    ))
}

#[derive(Serialize)]
struct EnsureJson<'a> {
    outcome: EnsureOutcome,
    inbox: &'a Inbox,
}

async fn ensure(client: &Client, a: EnsureArgs) -> anyhow::Result<()> {
    let sub = a.subscription.subscription();
    let url = a.subscription.notification_url.as_deref();
    let inboxes = client.inboxes();
    let ensured = if a.subscription.no_validate {
        inboxes.ensure(&a.name, &sub, url).await?
    } else {
        inboxes.ensure_validated(&a.name, &sub, url).await?
    };
    if a.json {
        return output::json(&EnsureJson {
            outcome: ensured.outcome,
            inbox: &ensured.inbox,
        });
    }
    let what = match ensured.outcome {
        EnsureOutcome::Created => "created",
        _ => "unchanged",
    };
    output::line(&format!(
        "{what} inbox {}: status {}",
        label(&ensured.inbox),
        ensured.inbox.status
    ))
}

async fn create(client: &Client, a: CreateArgs) -> anyhow::Result<()> {
    let mut sub = a.subscription.subscription();
    if !a.subscription.no_validate {
        let fields = client
            .triggers()
            .input_fields(&sub.app, &sub.trigger, sub.connection.as_ref())
            .await?;
        sub = sub
            .validated(&fields)
            .map_err(|e| Error::validation("create inbox", e.fields))?;
    }
    let inbox = client
        .inboxes()
        .create(
            a.name.as_deref(),
            &sub,
            a.subscription.notification_url.as_deref(),
        )
        .await?;
    if a.json {
        return output::json(&inbox);
    }
    output::line(&format!(
        "created inbox {}: status {}",
        label(&inbox),
        inbox.status
    ))
}

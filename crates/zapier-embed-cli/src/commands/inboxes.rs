//! `zembed inboxes ...`: trigger inboxes.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::builder::PossibleValuesParser;
use clap::{Args, Subcommand};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use zapier_embed::{
    Client, Error, InboxName, InboxRef, Subscription, connections::ConnectionId,
    inboxes::EnsureOutcome, inboxes::Inbox, inboxes::InboxFilter, inboxes::InboxStatus,
};

use crate::args;
use crate::config::GlobalArgs;
use crate::failure::{Reported, usage};
use crate::output::{self, Table};

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
    #[command(long_about = APPLY_HELP)]
    Apply(ApplyArgs),
}

const APPLY_HELP: &str = "\
Ensure every inbox a JSON or YAML file declares, and report created / unchanged / conflict for \
each (exit 1 when any conflicts, is invalid or fails; the others are still applied).

Inputs are validated against the trigger's input fields first (missing required fields, wrong \
types) and defaults are filled in, as `ensure` does. With --dry-run nothing is changed: each \
inbox is looked up by name and the plan says what applying would do.

The file (`-` for stdin; `.json` is read as JSON, anything else as YAML):

  inboxes:
    - name: support-messages
      app: slack
      trigger: channel_message
      connection: CONNECTION_ID        # optional
      inputs: {channel: C0123ABC456}   # optional
      notification_url: https://example.com/hook   # optional";

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
    /// App key or slug, e.g. `slack`.
    #[arg(long, value_parser = args::Checked(args::key))]
    pub app: String,
    /// Trigger key, e.g. `channel_message`.
    #[arg(long, value_parser = args::Checked(args::key))]
    pub trigger: String,
    /// Connection id (see `zembed connections ls`).
    #[arg(long)]
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
        let mut sub = Subscription::new(self.app.clone(), self.trigger.clone())
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

/// Flags of `zembed inboxes apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// JSON or YAML file declaring the inboxes (`-` for stdin).
    pub file: PathBuf,
    /// Print the plan (create / unchanged / conflict) without changing anything.
    #[arg(long)]
    pub dry_run: bool,
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
        InboxesAction::Apply(a) => apply(&client, a).await,
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
    if a.json {
        return output::json(&inboxes);
    }
    let mut table = Table::new(&["ID", "NAME", "STATUS", "APP", "TRIGGER", "CREATED"]);
    for i in &inboxes {
        table.row(vec![
            i.id.to_string(),
            i.name.clone().unwrap_or_default(),
            i.status.to_string(),
            i.subscription.app.clone(),
            i.subscription.trigger.clone(),
            i.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        ]);
    }
    table.print("no inboxes")
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

// ---------------------------------------------------------------------------------------------
// apply

/// The file `zembed inboxes apply` reads.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApplyFile {
    inboxes: Vec<InboxSpec>,
}

/// One declared inbox.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct InboxSpec {
    name: String,
    app: String,
    trigger: String,
    #[serde(default)]
    connection: Option<String>,
    #[serde(default)]
    inputs: Map<String, Value>,
    #[serde(default)]
    notification_url: Option<String>,
}

impl InboxSpec {
    fn subscription(&self) -> Subscription {
        let mut sub = Subscription::new(self.app.clone(), self.trigger.clone())
            .with_inputs(self.inputs.clone());
        if let Some(c) = &self.connection {
            sub = sub.with_connection(ConnectionId::from(c.as_str()));
        }
        sub
    }
}

/// What happened (or, in a dry run, would happen) to one declared inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum ApplyResult {
    Created,
    WouldCreate,
    Unchanged,
    Conflict,
    Invalid,
    Failed,
}

impl ApplyResult {
    fn word(self) -> &'static str {
        match self {
            ApplyResult::Created => "created",
            ApplyResult::WouldCreate => "create",
            ApplyResult::Unchanged => "unchanged",
            ApplyResult::Conflict => "conflict",
            ApplyResult::Invalid => "invalid",
            ApplyResult::Failed => "failed",
        }
    }

    fn is_problem(self) -> bool {
        matches!(
            self,
            ApplyResult::Conflict | ApplyResult::Invalid | ApplyResult::Failed
        )
    }
}

#[derive(Debug, Serialize)]
struct ApplyLine {
    name: String,
    result: ApplyResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    inbox_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

fn read_apply_file(path: &PathBuf) -> anyhow::Result<Vec<InboxSpec>> {
    let (text, shown) = if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .context("reading the inbox declarations from stdin")?;
        (text, "stdin".to_owned())
    } else {
        let text = std::fs::read_to_string(path)
            .map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
        (text, path.display().to_string())
    };
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let file: ApplyFile = if is_json {
        serde_json::from_str(&text)
            .map_err(|e| usage(format!("{shown}: not a valid inbox file: {e}")))?
    } else {
        serde_yaml::from_str(&text)
            .map_err(|e| usage(format!("{shown}: not a valid inbox file: {e}")))?
    };
    let mut seen = HashSet::new();
    for spec in &file.inboxes {
        InboxName::new(spec.name.clone())
            .map_err(|e| usage(format!("{shown}: inbox name {:?}: {e}", spec.name)))?;
        if !seen.insert(spec.name.clone()) {
            return Err(usage(format!(
                "{shown}: inbox {:?} is declared twice",
                spec.name
            )));
        }
    }
    if file.inboxes.is_empty() {
        return Err(usage(format!("{shown}: declares no inboxes")));
    }
    Ok(file.inboxes)
}

async fn apply(client: &Client, a: ApplyArgs) -> anyhow::Result<()> {
    let specs = read_apply_file(&a.file)?;
    let mut lines = Vec::with_capacity(specs.len());
    for spec in &specs {
        let line = if a.dry_run {
            plan_one(client, spec).await
        } else {
            apply_one(client, spec).await
        };
        lines.push(line);
    }
    if a.json {
        output::json(&lines)?;
    } else {
        let mut table = Table::new(&["RESULT", "NAME", "INBOX", "DETAIL"]);
        for l in &lines {
            let word = if a.dry_run && l.result == ApplyResult::Unchanged {
                "unchanged".to_owned()
            } else {
                l.result.word().to_owned()
            };
            table.row(vec![
                word,
                l.name.clone(),
                l.inbox_id.clone().unwrap_or_else(|| "-".to_owned()),
                l.detail.clone().unwrap_or_default(),
            ]);
        }
        table.print("nothing to apply")?;
    }
    let count = |r: ApplyResult| lines.iter().filter(|l| l.result == r).count();
    let summary = format!(
        "{}{} {}, {} unchanged, {} conflict, {} invalid, {} failed",
        if a.dry_run { "plan: " } else { "" },
        count(ApplyResult::Created) + count(ApplyResult::WouldCreate),
        if a.dry_run { "to create" } else { "created" },
        count(ApplyResult::Unchanged),
        count(ApplyResult::Conflict),
        count(ApplyResult::Invalid),
        count(ApplyResult::Failed),
    );
    if !a.json {
        output::line(&summary)?;
    }
    if lines.iter().any(|l| l.result.is_problem()) {
        return Err(anyhow::Error::new(Reported(format!(
            "apply {}: {summary}",
            a.file.display()
        ))));
    }
    Ok(())
}

async fn apply_one(client: &Client, spec: &InboxSpec) -> ApplyLine {
    let sub = spec.subscription();
    let result = client
        .inboxes()
        .ensure_validated(&spec.name, &sub, spec.notification_url.as_deref())
        .await;
    match result {
        Ok(ensured) => ApplyLine {
            name: spec.name.clone(),
            result: match ensured.outcome {
                EnsureOutcome::Created => ApplyResult::Created,
                _ => ApplyResult::Unchanged,
            },
            inbox_id: Some(ensured.inbox.id.to_string()),
            status: Some(ensured.inbox.status.to_string()),
            detail: None,
        },
        Err(err) => failed_line(spec, &err),
    }
}

fn failed_line(spec: &InboxSpec, err: &Error) -> ApplyLine {
    let result = match err {
        Error::Conflict { .. } => ApplyResult::Conflict,
        Error::Validation { .. } => ApplyResult::Invalid,
        _ => ApplyResult::Failed,
    };
    ApplyLine {
        name: spec.name.clone(),
        result,
        inbox_id: None,
        status: None,
        detail: Some(err.to_string()),
    }
}

/// The plan for one inbox: looked up by name, compared with the validated declaration.
async fn plan_one(client: &Client, spec: &InboxSpec) -> ApplyLine {
    match plan_inner(client, spec).await {
        Ok(line) => line,
        Err(err) => failed_line(spec, &err),
    }
}

async fn plan_inner(client: &Client, spec: &InboxSpec) -> Result<ApplyLine, Error> {
    let sub = spec.subscription();
    let fields = client
        .triggers()
        .input_fields(&sub.app, &sub.trigger, sub.connection.as_ref())
        .await?;
    let declared = sub
        .validated(&fields)
        .map_err(|e| Error::validation("ensure inbox", e.fields))?;
    let existing: Vec<Inbox> = client
        .inboxes()
        .list(InboxFilter::new().name(spec.name.clone()))
        .try_collect()
        .await?;
    let Some(found) = existing
        .into_iter()
        .find(|i| i.name.as_deref() == Some(spec.name.as_str()))
    else {
        return Ok(ApplyLine {
            name: spec.name.clone(),
            result: ApplyResult::WouldCreate,
            inbox_id: None,
            status: None,
            detail: None,
        });
    };
    let differences = differences(
        &found.subscription,
        &declared,
        &app_keys(client, spec).await,
    );
    let (result, detail) = if differences.is_empty() {
        (ApplyResult::Unchanged, None)
    } else {
        (
            ApplyResult::Conflict,
            Some(format!(
                "exists with a different {}",
                differences.join(", ")
            )),
        )
    };
    Ok(ApplyLine {
        name: spec.name.clone(),
        result,
        inbox_id: Some(found.id.to_string()),
        status: Some(found.status.to_string()),
        detail,
    })
}

/// The names a declared app may be stored under: as declared, and the trigger's app key (the
/// server stores the versioned key, e.g. `SlackCLIAPI@1.0.0`, for a declared `slack`).
async fn app_keys(client: &Client, spec: &InboxSpec) -> Vec<String> {
    let mut keys = vec![spec.app.clone()];
    if let Ok(triggers) = client.triggers().list(&spec.app).await {
        keys.extend(
            triggers
                .into_iter()
                .filter(|t| t.key == spec.trigger)
                .filter_map(|t| t.app_key),
        );
    }
    keys
}

/// The part of an app key before `@version`.
fn unversioned(app: &str) -> &str {
    app.split_once('@').map_or(app, |(key, _)| key)
}

/// Which parts of the stored subscription differ from the declared one.
fn differences(
    stored: &Subscription,
    declared: &Subscription,
    app_keys: &[String],
) -> Vec<&'static str> {
    let mut out = Vec::new();
    let stored_app = unversioned(&stored.app);
    if !app_keys
        .iter()
        .any(|k| unversioned(k).eq_ignore_ascii_case(stored_app))
    {
        out.push("app");
    }
    if stored.trigger != declared.trigger {
        out.push("trigger");
    }
    let conn = |s: &Subscription| s.connection.as_ref().map(ToString::to_string);
    if conn(stored) != conn(declared) {
        out.push("connection");
    }
    if stored.inputs != declared.inputs {
        out.push("inputs");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_files_parse_as_yaml_and_json() {
        let yaml = "inboxes:\n  - name: a\n    app: slack\n    trigger: channel_message\n    inputs: {channel: C1}\n";
        let file: ApplyFile = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(file.inboxes[0].inputs["channel"], "C1");
        let json = r#"{"inboxes":[{"name":"a","app":"slack","trigger":"t"}]}"#;
        let file: ApplyFile = serde_json::from_str(json).unwrap();
        assert!(file.inboxes[0].inputs.is_empty());
        assert!(
            serde_yaml::from_str::<ApplyFile>(
                "inboxes:\n  - name: a\n    app: x\n    trigger: t\n    color: red\n"
            )
            .is_err()
        );
    }

    #[test]
    fn differences_ignore_the_app_version() {
        let stored = Subscription::new("SlackCLIAPI@1.0.0", "channel_message")
            .with_connection("c1")
            .with_input("channel", "C1");
        let same = Subscription::new("slack", "channel_message")
            .with_connection("c1")
            .with_input("channel", "C1");
        let keys = vec!["slack".to_owned(), "SlackCLIAPI".to_owned()];
        assert!(differences(&stored, &same, &keys).is_empty());
        let other = Subscription::new("slack", "mention")
            .with_connection("c2")
            .with_input("channel", "C2");
        assert_eq!(
            differences(&stored, &other, &keys),
            vec!["trigger", "connection", "inputs"]
        );
        assert_eq!(
            differences(&stored, &same, &["webhook".to_owned()]),
            vec!["app"]
        );
    }
}

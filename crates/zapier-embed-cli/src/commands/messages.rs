//! `zembed messages ...`: lease, ack, release and list the messages of an inbox.

use clap::{Args, Subcommand};
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use uuid::Uuid;
use zapier_embed::{
    ApiVariant, Client, InboxName, InboxRef, LeaseOptions, messages::AckHandle,
    messages::AckOutcome, messages::AckReport, messages::LeaseLimit, messages::LeaseSeconds,
    messages::LeasedMessage, messages::Message, messages::MessageId,
};

use crate::args;
use crate::config::GlobalArgs;
use crate::failure::{Reported, usage};
use crate::output::{self, Table};

/// `zembed messages`.
#[derive(Debug, Args)]
pub struct MessagesCommand {
    /// Messages action.
    #[command(subcommand)]
    pub action: MessagesAction,
}

/// Messages subcommands. INBOX is an inbox id (a hyphenated uuid) or name.
#[derive(Debug, Subcommand)]
pub enum MessagesAction {
    /// Lease available messages; prints each message with the flags that ack or release it.
    Lease(LeaseArgs),
    /// Acknowledge leased messages (removes them from the inbox).
    Ack(SettleArgs),
    /// Release leased messages (they become available again, lease count + 1).
    Release(SettleArgs),
    /// List an inbox's messages (available, leased, acked, quarantined) without leasing them.
    #[command(visible_alias = "list")]
    Ls(LsArgs),
}

/// Flags of `zembed messages lease`.
#[derive(Debug, Args)]
pub struct LeaseArgs {
    /// Inbox id or name.
    #[arg(value_parser = args::Checked(args::inbox_ref))]
    pub inbox: zapier_embed::InboxRef,
    /// How long the messages stay hidden from other consumers (1..=3600; default: the
    /// variant's documented default).
    #[arg(long, value_parser = args::Checked(args::lease_seconds))]
    pub lease_seconds: Option<LeaseSeconds>,
    /// Most messages to lease (1..=100).
    #[arg(long, value_parser = args::Checked(args::lease_limit))]
    pub limit: Option<LeaseLimit>,
    /// Print JSON (the lease, with each message's `ack` handle).
    #[arg(long)]
    pub json: bool,
}

/// Flags of `zembed messages ack` and `release`.
#[derive(Debug, Args)]
#[command(after_help = "\
Variant by-id: --lease-id with one --message-id per message.
Variant by-name: one --lease-token per message.
`zembed messages lease` prints these flags for each message it leases.")]
pub struct SettleArgs {
    /// Inbox id or name.
    #[arg(value_parser = args::Checked(args::inbox_ref))]
    pub inbox: InboxRef,
    /// The lease batch (variant by-id).
    #[arg(long, conflicts_with = "lease_tokens", requires = "message_ids")]
    pub lease_id: Option<Uuid>,
    /// A message of the lease batch (variant by-id; repeatable).
    #[arg(long = "message-id", value_name = "MESSAGE_ID", requires = "lease_id")]
    pub message_ids: Vec<String>,
    /// A message's lease token (variant by-name; repeatable).
    #[arg(long = "lease-token", value_name = "LEASE_TOKEN")]
    pub lease_tokens: Vec<String>,
    /// Print JSON (one outcome per message).
    #[arg(long)]
    pub json: bool,
}

/// Flags of `zembed messages ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Inbox id or name.
    #[arg(value_parser = args::Checked(args::inbox_ref))]
    pub inbox: InboxRef,
    /// Stop after this many messages.
    #[arg(long, value_parser = args::Checked(args::positive_count))]
    pub limit: Option<usize>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs a messages subcommand.
pub async fn run(global: &GlobalArgs, cmd: MessagesCommand) -> anyhow::Result<()> {
    let client = global.client()?;
    match cmd.action {
        MessagesAction::Lease(a) => lease(&client, a).await,
        MessagesAction::Ack(a) => settle(&client, a, Settle::Ack).await,
        MessagesAction::Release(a) => settle(&client, a, Settle::Release).await,
        MessagesAction::Ls(a) => ls(&client, a).await,
    }
}

/// The flags that ack or release `message` (what `lease` prints).
pub fn handle_flags(message: &LeasedMessage) -> String {
    match (
        message.ack.lease_id(),
        message.ack.message_id(),
        message.ack.lease_token(),
    ) {
        (Some(lease), Some(id), _) => format!("--lease-id {lease} --message-id {id}"),
        (_, _, Some(token)) => format!("--lease-token {token}"),
        _ => "-".to_owned(),
    }
}

async fn lease(client: &Client, a: LeaseArgs) -> anyhow::Result<()> {
    let mut options = LeaseOptions::default_for(client.variant());
    if let Some(s) = a.lease_seconds {
        options = options.with_lease_seconds(s);
    }
    if let Some(l) = a.limit {
        options = options.with_limit(l);
    }
    let lease = client.messages(a.inbox.clone()).lease(options).await?;
    if a.json {
        return output::json(&lease);
    }
    if lease.is_empty() {
        return output::line(&format!("no messages available in inbox {}", a.inbox));
    }
    output::line(&format!(
        "leased {} message(s) from inbox {} until {}",
        lease.len(),
        a.inbox,
        lease.leased_until.to_rfc3339()
    ))?;
    let mut table = Table::new(&["MESSAGE", "ATTEMPT", "SETTLE WITH", "PAYLOAD"]);
    for m in &lease.messages {
        table.row(vec![
            m.id.to_string(),
            m.attempts().to_string(),
            handle_flags(m),
            output::compact(&m.payload, 80),
        ]);
    }
    table.print("")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settle {
    Ack,
    Release,
}

#[derive(Serialize)]
struct OutcomeJson<'a> {
    #[serde(flatten)]
    handle: &'a AckHandle,
    outcome: AckOutcome,
}

async fn settle(client: &Client, a: SettleArgs, how: Settle) -> anyhow::Result<()> {
    let handles = handles(client, &a).await?;
    let messages = client.messages(a.inbox.clone());
    let report: AckReport = match how {
        Settle::Ack => messages.ack(handles).await?,
        Settle::Release => messages.release(handles).await?,
    };
    let verb = match how {
        Settle::Ack => "acked",
        Settle::Release => "released",
    };
    if a.json {
        let rows: Vec<OutcomeJson<'_>> = report
            .outcomes()
            .iter()
            .map(|(handle, outcome)| OutcomeJson {
                handle,
                outcome: *outcome,
            })
            .collect();
        output::json(&rows)?;
    } else {
        let mut table = Table::new(&["MESSAGE", "OUTCOME"]);
        for (handle, outcome) in report.outcomes() {
            let shown = match (handle.message_id(), handle.lease_token()) {
                (Some(id), _) => id.to_string(),
                (_, Some(token)) => token.to_owned(),
                _ => "-".to_owned(),
            };
            table.row(vec![shown, outcome_word(*outcome).to_owned()]);
        }
        table.print("")?;
        output::line(&format!(
            "{verb} {} of {} message(s) in {} request(s)",
            report.settled(),
            report.outcomes().len(),
            report.requests()
        ))?;
    }
    if !report.is_complete() {
        return Err(anyhow::Error::new(Reported(format!(
            "{} of {} message(s) were not {verb} (lease expired or not held)",
            report.outcomes().len() - report.settled(),
            report.outcomes().len()
        ))));
    }
    Ok(())
}

fn outcome_word(outcome: AckOutcome) -> &'static str {
    match outcome {
        AckOutcome::Acked => "acked",
        AckOutcome::Released => "released",
        AckOutcome::LeaseExpired => "lease expired",
        AckOutcome::NotHeld => "not held",
        _ => "unconfirmed",
    }
}

/// The handles the flags name, for the configured variant (resolving the inbox's id or name
/// when the flags name it the other way).
async fn handles(client: &Client, a: &SettleArgs) -> anyhow::Result<Vec<AckHandle>> {
    match client.variant() {
        ApiVariant::ByName => {
            if a.lease_tokens.is_empty() {
                return Err(usage(
                    "the by-name variant settles messages by --lease-token (one per message)",
                ));
            }
            let inbox: InboxName = match &a.inbox {
                InboxRef::Name(name) => name.clone(),
                other => {
                    let found = client.inboxes().get(other).await?;
                    let name = found
                        .name
                        .ok_or_else(|| usage(format!("inbox {other} has no name to settle by")))?;
                    InboxName::new(name).map_err(|e| usage(e.to_string()))?
                }
            };
            Ok(a.lease_tokens
                .iter()
                .map(|t| AckHandle::ByName {
                    inbox: inbox.clone(),
                    lease_token: t.clone(),
                })
                .collect())
        }
        _ => {
            let Some(lease_id) = a.lease_id else {
                return Err(usage(
                    "the by-id variant settles messages by --lease-id and --message-id",
                ));
            };
            let inbox = match &a.inbox {
                InboxRef::Id(id) => *id,
                other => client.inboxes().get(other).await?.id,
            };
            Ok(a.message_ids
                .iter()
                .map(|m| AckHandle::ById {
                    inbox,
                    lease_id,
                    message_id: MessageId::new(m.clone()),
                })
                .collect())
        }
    }
}

async fn ls(client: &Client, a: LsArgs) -> anyhow::Result<()> {
    let stream = client.messages(a.inbox.clone()).list();
    let messages: Vec<Message> = match a.limit {
        Some(n) => stream.take(n).try_collect().await?,
        None => stream.try_collect().await?,
    };
    output::listing(
        &messages,
        a.json,
        &["MESSAGE", "STATUS", "LEASES", "CREATED", "ERROR"],
        |m| {
            vec![
                m.id.to_string(),
                m.status.to_string(),
                m.attributes.lease_count.to_string(),
                m.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                m.attributes.error_message.clone().unwrap_or_default(),
            ]
        },
        &format!("no messages in inbox {}", a.inbox),
    )
}

//! `zembed inboxes apply`: a front end to [`zapier_embed::apply`] (read the file, plan or apply,
//! print what happened to each inbox).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde::Serialize;
use zapier_embed::Client;
use zapier_embed::apply::{self, Declarations, EntryKind, Outcome, Plan, Planned};

use crate::failure::{Reported, usage};
use crate::output::{self, Table};

/// The long help of `zembed inboxes apply`.
pub(super) const HELP: &str = "\
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
      connection: CONNECTION_ID        # required for apps with accounts (Slack)
      inputs: {channel: C0123ABC456}   # optional
      notification_url: https://example.com/hook   # optional

The file's JSON Schema is `schemas/inboxes-apply.schema.json` in the zapier-embed repository.";

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

/// One printed line: a declared inbox and what happened (or, in a dry run, would happen) to it.
#[derive(Debug, Serialize)]
struct ApplyLine {
    name: String,
    result: EntryKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    inbox_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

/// Runs `zembed inboxes apply`.
pub(super) async fn run(client: &Client, a: ApplyArgs) -> anyhow::Result<()> {
    let (declarations, shown) = read_declarations(&a.file)?;
    let declaration_error = |e: apply::DeclarationError| usage(format!("{shown}: {e}"));
    let lines = if a.dry_run {
        let plan = apply::plan(client, &declarations)
            .await
            .map_err(declaration_error)?;
        plan_lines(plan)
    } else {
        let outcome = apply::apply(client, &declarations)
            .await
            .map_err(declaration_error)?;
        outcome_lines(outcome)
    };
    if a.json {
        output::json(&lines)?;
    } else {
        let mut table = Table::new(&["RESULT", "NAME", "INBOX", "DETAIL"]);
        for l in &lines {
            table.row(vec![
                word(l.result).to_owned(),
                l.name.clone(),
                l.inbox_id.clone().unwrap_or_else(|| "-".to_owned()),
                l.detail.clone().unwrap_or_default(),
            ]);
        }
        table.print("nothing to apply")?;
    }
    let count = |kind: EntryKind| lines.iter().filter(|l| l.result == kind).count();
    let summary = format!(
        "{}{} {}, {} unchanged, {} conflict, {} invalid, {} failed",
        if a.dry_run { "plan: " } else { "" },
        count(EntryKind::Created) + count(EntryKind::WouldCreate),
        if a.dry_run { "to create" } else { "created" },
        count(EntryKind::Unchanged),
        count(EntryKind::Conflict),
        count(EntryKind::Invalid),
        count(EntryKind::Failed),
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

/// The word of the RESULT column.
fn word(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::WouldCreate => "create",
        EntryKind::Created => "created",
        EntryKind::Unchanged => "unchanged",
        EntryKind::Conflict => "conflict",
        EntryKind::Invalid => "invalid",
        _ => "failed",
    }
}

/// The file (`-` for stdin; `.json` as JSON, anything else as YAML), and how to name it in errors.
fn read_declarations(path: &Path) -> anyhow::Result<(Declarations, String)> {
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
    let parsed = if is_json {
        serde_json::from_str(&text).map_err(|e| e.to_string())
    } else {
        serde_yaml::from_str(&text).map_err(|e| e.to_string())
    };
    let declarations =
        parsed.map_err(|e| usage(format!("{shown}: not a valid inbox file: {e}")))?;
    Ok((declarations, shown))
}

fn plan_lines(plan: Plan) -> Vec<ApplyLine> {
    plan.entries
        .into_iter()
        .map(|entry| {
            let result = entry.action.kind();
            let detail = match entry.action {
                Planned::Conflict { differences } => Some(format!(
                    "exists with a different {}",
                    differences
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                Planned::Invalid(error) | Planned::Failed(error) => Some(error.to_string()),
                _ => None,
            };
            ApplyLine {
                name: entry.name,
                result,
                inbox_id: entry.inbox.as_ref().map(|i| i.id.to_string()),
                status: entry.inbox.as_ref().map(|i| i.status.to_string()),
                detail,
            }
        })
        .collect()
}

fn outcome_lines(outcome: Outcome) -> Vec<ApplyLine> {
    outcome
        .entries
        .into_iter()
        .map(|entry| {
            let inbox = entry.result.inbox();
            ApplyLine {
                result: entry.result.kind(),
                inbox_id: inbox.map(|i| i.id.to_string()),
                status: inbox.map(|i| i.status.to_string()),
                detail: entry.result.error().map(ToString::to_string),
                name: entry.name,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_files_parse_as_yaml() {
        let yaml = "inboxes:\n  - name: a\n    app: slack\n    trigger: channel_message\n    inputs: {channel: C1}\n";
        let file: Declarations = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(file.inboxes[0].inputs["channel"], "C1");
        assert!(
            serde_yaml::from_str::<Declarations>(
                "inboxes:\n  - name: a\n    app: x\n    trigger: t\n    color: red\n"
            )
            .is_err()
        );
    }
}

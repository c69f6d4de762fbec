//! `zembed conformance`: runs the conformance suite (`zapier-embed-conformance`) against the
//! configured server and prints one line per check, then a summary.

use std::time::Duration;

use anyhow::Context;
use clap::{Args, ValueEnum};
use zapier_embed::client::{DEFAULT_AUTH_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET};
use zapier_embed_conformance::{
    ActionRunSpec, Control, Credentials, Filter, Report, Suite, Target, Variant,
};

use crate::config::{GlobalArgs, Variant as CliVariant};
use crate::failure::{Reported, usage};
use crate::output;
use crate::signals::StopSignals;

/// Client id of the second identity (for the isolation check).
pub const ENV_SECOND_CLIENT_ID: &str = "ZAPIER_SECOND_CLIENT_ID";
/// Client secret of the second identity.
pub const ENV_SECOND_CLIENT_SECRET: &str = "ZAPIER_SECOND_CLIENT_SECRET";

/// Shown by `zembed conformance --help`.
pub const CONFORMANCE_HELP: &str = "\
Run every documented Trigger Inbox behaviour that can be checked from outside (and an Action
Runs round trip) against the configured server, in the variant (--variant) and path prefix
(--inbox-path-prefix) it speaks. One line per check: pass, FAIL or skipped with the reason.
Exit status 0 only when no check failed.

Credentials: ZAPIER_CLIENT_ID / ZAPIER_CLIENT_SECRET (client credentials, scope `external`);
a second identity for the isolation check: ZAPIER_SECOND_CLIENT_ID / ZAPIER_SECOND_CLIENT_SECRET.

Events come from the emulator's control API (detected) or, on Zapier, from a Webhooks by Zapier
catch hook (--catch-hook-url). Inboxes are named zembed-conformance-<run>-<n> and deleted after
each check, and on Ctrl-C.";

/// Whether to use the emulator's control API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ControlFlag {
    /// Probe `/_emulator/clock` and use it when it answers.
    Auto,
    /// Use `/_emulator/*` (an emulator).
    Yes,
    /// Never call `/_emulator/*` (Zapier).
    No,
}

/// `zembed conformance` flags.
#[derive(Debug, Args)]
pub struct ConformanceArgs {
    /// A Webhooks by Zapier catch hook URL: the source of events without the emulator's control
    /// API (its last path segment is the hook code the inboxes subscribe to).
    #[arg(long, value_name = "URL")]
    pub catch_hook_url: Option<String>,
    /// Use the emulator's control API (events, clock).
    #[arg(long, value_enum, default_value = "auto")]
    pub emulator_control: ControlFlag,
    /// Run only the checks with these names or name prefixes (e.g. `lease`, `ack.subset`).
    #[arg(long, value_delimiter = ',', value_name = "NAME")]
    pub only: Vec<String>,
    /// Skip the checks with these names or name prefixes.
    #[arg(long, value_delimiter = ',', value_name = "NAME")]
    pub skip: Vec<String>,
    /// App of the Action Runs round trip (its key or title, e.g. `slack`); skipped without it.
    #[arg(long, value_name = "APP", requires = "action_key")]
    pub action_app: Option<String>,
    /// Stable key of the WRITE action to run (e.g. `send_channel_message`).
    #[arg(long, value_name = "KEY", requires = "action_app")]
    pub action_key: Option<String>,
    /// The action's inputs, a JSON object.
    #[arg(long, value_name = "JSON", default_value = "{}")]
    pub action_inputs: String,
    /// How long a check waits for an eventual state (activation, delivery, deletion), seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub settle_timeout: u64,
    /// Client id of a second identity, for the isolation check (its secret comes from
    /// ZAPIER_SECOND_CLIENT_SECRET only: a secret on the command line ends up in `ps`).
    #[arg(long, env = ENV_SECOND_CLIENT_ID, hide_env_values = true, value_name = "ID")]
    pub second_client_id: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn target(global: &GlobalArgs, args: &ConformanceArgs) -> anyhow::Result<Target> {
    let client = global.client()?;
    let api_url = client.api_url().to_owned();
    let auth_url = match (&global.auth_url, &global.emulator_host) {
        (Some(url), _) => url.clone(),
        (None, Some(_)) => api_url.clone(),
        (None, None) => DEFAULT_AUTH_URL.to_owned(),
    };
    let (Some(id), Some(secret)) = (env(ENV_CLIENT_ID), env(ENV_CLIENT_SECRET)) else {
        return Err(usage(format!(
            "conformance needs client credentials: set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET}"
        )));
    };
    let mut target = Target::new(api_url, Credentials::new(id, secret));
    target.auth_url = auth_url;
    let second_id = args
        .second_client_id
        .clone()
        .filter(|id| !id.trim().is_empty());
    target.second_credentials = match (second_id, env(ENV_SECOND_CLIENT_SECRET)) {
        (Some(id), Some(secret)) => Some(Credentials::new(id, secret)),
        (None, None) => None,
        _ => {
            return Err(usage(format!(
                "a second identity needs both --second-client-id ({ENV_SECOND_CLIENT_ID}) and \
                 {ENV_SECOND_CLIENT_SECRET}"
            )));
        }
    };
    target.variant = match global.variant.unwrap_or(CliVariant::ById) {
        CliVariant::ById => Variant::ById,
        CliVariant::ByName => Variant::ByName,
    };
    if let Some(prefix) = &global.inbox_path_prefix {
        target.inbox_path_prefix = prefix.trim_end_matches('/').to_owned();
    }
    target.catch_hook_url = args.catch_hook_url.clone();
    target.control = match args.emulator_control {
        ControlFlag::Auto => Control::Detect,
        ControlFlag::Yes => Control::Present,
        ControlFlag::No => Control::Absent,
    };
    if let (Some(app), Some(key)) = (&args.action_app, &args.action_key) {
        let inputs: serde_json::Value = serde_json::from_str(&args.action_inputs)
            .map_err(|e| usage(format!("--action-inputs: not JSON: {e}")))?;
        if !inputs.is_object() {
            return Err(usage("--action-inputs: must be a JSON object"));
        }
        target.action_run = Some(ActionRunSpec {
            app_query: app.clone(),
            action_key: key.clone(),
            inputs,
        });
    }
    if args.settle_timeout == 0 {
        return Err(usage("--settle-timeout: must be at least 1"));
    }
    target.settle_timeout = Duration::from_secs(args.settle_timeout);
    Ok(target)
}

fn print(report: &Report, json: bool) -> anyhow::Result<()> {
    if json {
        return output::json(&serde_json::json!({
            "checks": report.checks,
            "passed": report.passed(),
            "failed": report.failed(),
            "skipped": report.skipped(),
        }));
    }
    for line in report.lines() {
        output::line(&line)?;
    }
    Ok(())
}

/// Runs the suite; on Ctrl-C (or SIGTERM) deletes what it created and stops.
pub async fn run(global: &GlobalArgs, args: ConformanceArgs) -> anyhow::Result<()> {
    let target = target(global, &args)?;
    let filter = Filter {
        only: args.only.clone(),
        skip: args.skip.clone(),
    };
    let unknown = filter.unknown_entries();
    if !unknown.is_empty() {
        return Err(usage(format!(
            "--only/--skip: no check is named {} (or has it as a prefix before `.`)",
            unknown.join(", ")
        )));
    }
    let mut signals = StopSignals::install()?;
    let suite = Suite::new(target);
    let report = tokio::select! {
        report = suite.run(&filter) => report,
        stop = signals.recv() => {
            stop?;
            let left = suite.cleanup().await;
            return Err(Reported(format!(
                "interrupted; the inboxes it created were deleted ({left} deletions failed)"
            ))
            .into());
        }
    };
    let left = suite.cleanup().await;
    print(&report, args.json).context("printing the report")?;
    if left > 0 {
        eprintln!("warning: {left} inbox deletions failed (names start with zembed-conformance-)");
    }
    if report.failed() > 0 {
        return Err(Reported(report.summary()).into());
    }
    Ok(())
}

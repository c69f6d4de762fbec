//! `zembed demo`: the whole embedded flow of the seed document, one readable line per step, on
//! an emulator started in process (unless the flags or environment name a server).

mod action_runs;
mod consume;
mod control;
mod discovery;
mod inbox_steps;
mod ui;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use clap::Args;
use futures::{StreamExt, TryStreamExt};
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;
use zapier_embed::consumer::{Consumer, ConsumerEvent, Failure, Received, ShutdownReport};
use zapier_embed::{
    ApiVariant, Client, Error, InboxRef, LeaseOptions, Subscription, connections::ConnectionId,
    inboxes::EnsureOutcome, messages::LeaseLimit, messages::LeaseSeconds, messages::LeasedMessage,
    triggers::InputField,
};
use zapier_embed_emulator::Emulator;
use zapier_embed_emulator::models::control::EmitRequest;

use self::action_runs::action_runs;
use self::consume::{compact, consume, emit, emit_request};
use self::control::{Control, requests_answered};
use self::discovery::{connection, input_fields, token, triggers, validation};
use self::inbox_steps::{
    backlog, delete, drain, ensure, ensure_again, lease_refused, pause, resume, wait_active,
};
use self::ui::{Progress, Ui, elapsed};
use crate::config::{GlobalArgs, USER_AGENT, Variant};
use crate::failure::Reported;

/// The app, trigger, action and channel the demo uses (Slack, as in the seed document).
const APP: &str = "slack";
const TRIGGER: &str = "channel_message";
const ACTION: &str = "send_channel_message";
const CHANNEL: &str = "C0123ABC456";
/// The OAuth client the in-process emulator knows.
const DEMO_CLIENT_ID: &str = "zembed-demo";
const DEMO_CLIENT_SECRET: &str = "zembed-demo-secret";
/// Events emitted while the inbox is active but not consumed: the backlog drained after pause.
const BACKLOG: u64 = 3;
/// Longest wait of any phase (activation, consuming, deletion).
const PHASE_TIMEOUT: Duration = Duration::from_secs(30);
/// Action Runs in flight at once.
const RUN_CONCURRENCY: usize = 4;

/// Flags of `zembed demo` (with the global `--variant` and `--api-url`).
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Events to emit and consume (3..=100): one fails once and is retried, one is poison and
    /// is dead-lettered on its final attempt.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(3..=100))]
    pub events: u64,
    /// Connect a new Slack account through the Connect UI even when a valid connection exists.
    #[arg(long)]
    pub force_connect: bool,
}

/// The long help of `zembed demo`.
pub const DEMO_HELP: &str = "\
Walk the whole embedded flow, one line per step: token -> connection (reuse a valid one, else \
connect token + Connect UI) -> discover triggers -> input fields (a bad input is rejected before \
any request) -> ensure inbox (twice: created, then existing) -> wait until active -> emit events \
-> consume them with the consumer runtime (one handler failure released and retried, one poison \
message dead-lettered) -> an Action Run for each processed event -> pause, drain, the lease 409 \
after drain, resume, delete. A summary with counts and timings closes the run.

By default the emulator runs in this process and nothing leaves the machine. With --api-url or \
--emulator-host (or ZAPIER_API_URL / ZAPIER_EMULATOR_HOST) the demo uses that server and the \
ZAPIER_* credentials instead; it emits its events through the emulator control API, so the \
server must be a zapier-embed emulator (e.g. `zembed emulator serve`).

Both API variants: --variant by-id (default) or --variant by-name.

Exit status: 0 when every step succeeded with the expected counts, 1 otherwise.";

/// The kind of a demo event, which decides what the handler does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Processed on the first attempt.
    Ok,
    /// Fails on its first attempt, succeeds on the retry.
    Flaky,
    /// Fails on every attempt; dead-lettered on the final one.
    Poison,
}

impl Kind {
    fn of(i: u64) -> Kind {
        match i {
            2 => Kind::Flaky,
            3 => Kind::Poison,
            _ => Kind::Ok,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Kind::Ok => "ok",
            Kind::Flaky => "flaky",
            Kind::Poison => "poison",
        }
    }

    fn parse(payload: &Value) -> Kind {
        match payload.get("kind").and_then(Value::as_str) {
            Some("flaky") => Kind::Flaky,
            Some("poison") => Kind::Poison,
            _ => Kind::Ok,
        }
    }
}

/// Everything the flow needs, shared by the steps.
struct Ctx {
    client: Client,
    control: Control,
    variant: ApiVariant,
    credentials: String,
    events: u64,
    force_connect: bool,
}

/// Counts for the summary (and for deciding the exit code).
#[derive(Debug, Default)]
struct Tally {
    emitted: u64,
    consumed: u64,
    drained: u64,
    dropped_while_paused: u64,
    report: Option<ShutdownReport>,
    transient_failures: u64,
    poison_attempts: u64,
    action_runs: u64,
    /// The inbox, once created (deleted at the end, or on failure).
    inbox: Option<InboxRef>,
    deleted: bool,
}

/// Runs `zembed demo`.
pub async fn run(global: &GlobalArgs, args: DemoArgs) -> anyhow::Result<()> {
    let mut ui = Ui::new();
    let variant = global.variant.unwrap_or(Variant::ById).api();
    let started = Instant::now();
    let (ctx, target) = match setup(global, &args, variant).await {
        Ok(found) => found,
        Err(err) => {
            ui.failed("emulator", &one_line(&err), started.elapsed());
            return Err(anyhow::Error::new(Reported(
                "demo failed at step `emulator`".to_owned(),
            )));
        }
    };
    ui.say(&format!(
        "zembed demo: the embedded flow of Zapier's Trigger Inbox and Action Runs APIs (variant {variant})"
    ));
    ui.ok("emulator", &target, started.elapsed());

    let mut tally = Tally::default();
    let outcome = flow(&mut ui, &ctx, &mut tally).await;
    if outcome.is_err() {
        cleanup(&ctx, &tally).await;
    }
    summary(&ui, &ctx, &tally, outcome.as_ref().err());
    let Ctx { control, .. } = ctx;
    control.shutdown().await;
    outcome
}

/// Starts the in-process emulator (or finds the configured server) and builds the client.
async fn setup(
    global: &GlobalArgs,
    args: &DemoArgs,
    variant: ApiVariant,
) -> anyhow::Result<(Ctx, String)> {
    if global.names_a_server() {
        let client = global.client()?;
        let base = client.api_url().to_owned();
        let credentials = if std::env::var_os(zapier_embed::client::ENV_ACCESS_TOKEN).is_some() {
            "the fixed token of ZAPIER_ACCESS_TOKEN".to_owned()
        } else {
            "client credentials".to_owned()
        };
        let control = Control::remote(&base)?;
        // The demo emits its events through the emulator control API: check there is one.
        control.stats().await?;
        let target = format!("using the emulator at {base} (its control API emits the events)");
        let ctx = Ctx {
            client,
            control,
            variant,
            credentials,
            events: args.events,
            force_connect: args.force_connect,
        };
        return Ok((ctx, target));
    }
    let handle = Emulator::builder()
        .client(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        .activation_delay(Duration::from_millis(100))
        .deletion_delay(Duration::from_millis(100))
        .action_run_delay(Duration::from_millis(20))
        .start()
        .await?;
    let base = handle.base_url();
    let mut builder = Client::builder()
        .api_url(base.clone())
        .auth_url(base.clone())
        .connect_url(base.clone())
        .variant(variant)
        .client_credentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        .user_agent(USER_AGENT);
    if let Some(prefix) = &global.inbox_path_prefix {
        builder = builder.inbox_path_prefix(prefix.clone());
    }
    let client = builder.build()?;
    let target = format!("local Zapier emulator started in process at {base}");
    let ctx = Ctx {
        client,
        control: Control::InProcess(Box::new(handle)),
        variant,
        credentials: "client credentials".to_owned(),
        events: args.events,
        force_connect: args.force_connect,
    };
    Ok((ctx, target))
}

/// Runs one step: prints its line, and turns a failure into a reported error.
async fn step<T>(
    ui: &mut Ui,
    name: &'static str,
    work: impl std::future::Future<Output = anyhow::Result<(T, String)>>,
) -> anyhow::Result<T> {
    let started = Instant::now();
    match work.await {
        Ok((value, detail)) => {
            ui.ok(name, &detail, started.elapsed());
            Ok(value)
        }
        Err(err) => {
            ui.failed(name, &one_line(&err), started.elapsed());
            Err(anyhow::Error::new(Reported(format!(
                "demo failed at step `{name}`"
            ))))
        }
    }
}

fn one_line(err: &anyhow::Error) -> String {
    crate::failure::one_line(err)
        .trim_start_matches("error: ")
        .to_owned()
}

/// The flow of the seed document, step by step.
async fn flow(ui: &mut Ui, ctx: &Ctx, tally: &mut Tally) -> anyhow::Result<()> {
    step(ui, "token", token(ctx)).await?;
    let connection = step(ui, "connection", connection(ctx)).await?;
    step(ui, "triggers", triggers(ctx)).await?;
    let fields = step(ui, "input fields", input_fields(ctx, &connection)).await?;
    let subscription = step(ui, "validation", validation(ctx, &connection, &fields)).await?;
    let name = format!(
        "zembed-demo-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let inbox = step(ui, "ensure inbox", ensure(ctx, &name, &subscription, tally)).await?;
    step(
        ui,
        "ensure again",
        ensure_again(ctx, &name, &subscription, &inbox),
    )
    .await?;
    step(ui, "active", wait_active(ctx, &inbox)).await?;
    step(ui, "emit events", emit(ctx, tally)).await?;
    let progress = ui.progress("consume", ctx.events);
    let processed = step(ui, "consume", consume(progress, ctx, &inbox, tally)).await?;
    let progress = ui.progress("action runs", processed.len() as u64);
    step(
        ui,
        "action runs",
        action_runs(progress, ctx, &connection, &processed, tally),
    )
    .await?;
    step(ui, "backlog", backlog(ctx, tally)).await?;
    step(ui, "pause", pause(ctx, &inbox, tally)).await?;
    step(ui, "drain", drain(ctx, &inbox, tally)).await?;
    step(ui, "lease 409", lease_refused(ctx, &inbox)).await?;
    step(ui, "resume", resume(ctx, &inbox)).await?;
    step(ui, "delete", delete(ctx, &inbox, tally)).await?;
    Ok(())
}

/// Best effort after a failed step: do not leave the demo's inbox behind.
async fn cleanup(ctx: &Ctx, tally: &Tally) {
    if let (Some(inbox), false) = (&tally.inbox, tally.deleted) {
        let _ = ctx.client.inboxes().delete(inbox).await;
    }
}

fn summary(ui: &Ui, ctx: &Ctx, tally: &Tally, failure: Option<&anyhow::Error>) {
    let steps = ui.steps();
    let ok = steps.iter().filter(|s| s.ok).count();
    ui.say("");
    match failure {
        None => ui.say(&format!(
            "summary: all {ok} steps succeeded in {} (variant {})",
            elapsed(ui.total()),
            ctx.variant
        )),
        Some(err) => ui.say(&format!(
            "summary: FAILED after {ok} of {} steps in {} (variant {}): {err}",
            steps.len(),
            elapsed(ui.total()),
            ctx.variant
        )),
    }
    ui.say(&format!(
        "  events    {} emitted: {} consumed, {} drained after pause, {} dropped while paused",
        tally.emitted, tally.consumed, tally.drained, tally.dropped_while_paused
    ));
    if let Some(report) = &tally.report {
        ui.say(&format!(
            "  consumer  {} ({} transient failure, {} poison attempts); {} lease, {} ack, {} release requests",
            compact(report),
            tally.transient_failures,
            tally.poison_attempts,
            report.lease_requests,
            report.ack_requests,
            report.release_requests
        ));
    }
    ui.say(&format!(
        "  actions   {} Action Runs succeeded",
        tally.action_runs
    ));
    let mut slowest: Vec<_> = steps.iter().collect();
    slowest.sort_by_key(|s| std::cmp::Reverse(s.took));
    let shown: Vec<String> = slowest
        .iter()
        .take(4)
        .map(|s| format!("{} {}", s.name, elapsed(s.took)))
        .collect();
    ui.say(&format!("  slowest   {}", shown.join(", ")));
}

//! `zembed demo`: the whole embedded flow of the seed document, one readable line per step, on
//! an emulator started in process (unless the flags or environment name a server).

mod control;
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

use self::control::{Control, requests_answered};
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
        let control = Control::Remote { base: base.clone() };
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

async fn token(ctx: &Ctx) -> anyhow::Result<((), String)> {
    // The token itself is never printed.
    let token = ctx.client.access_token().await?;
    anyhow::ensure!(
        !token.expose_secret().is_empty(),
        "the token endpoint answered an empty token"
    );
    Ok((
        (),
        format!("bearer token obtained with {} (not shown)", ctx.credentials),
    ))
}

async fn connection(ctx: &Ctx) -> anyhow::Result<(String, String)> {
    let connections = ctx.client.connections();
    if !ctx.force_connect
        && let Some(found) = connections.first_valid(APP).await?
    {
        let all = connections.list(APP).await?;
        let expired = all.iter().filter(|c| c.is_expired).count();
        return Ok((
            found.id.clone(),
            format!(
                "reusing valid {APP} connection {} \"{}\" ({} listed, {expired} expired)",
                found.id,
                found.title,
                all.len()
            ),
        ));
    }
    // No valid connection (or --force-connect): connect token, then the Connect UI.
    let token = ctx.client.connect_token(APP).await?;
    let url = ctx.client.connect_url(APP, &token);
    let created = ctx.control.complete_connect(&url).await?;
    let found = connections
        .list(APP)
        .await?
        .into_iter()
        .find(|c| c.id == created && !c.is_expired)
        .ok_or_else(|| {
            anyhow::anyhow!("connection {created} made in the Connect UI is not listed as valid")
        })?;
    Ok((
        found.id.clone(),
        format!(
            "connected a new {APP} account through the Connect UI ({url}): connection {} \"{}\"",
            found.id, found.title
        ),
    ))
}

async fn triggers(ctx: &Ctx) -> anyhow::Result<((), String)> {
    let triggers = ctx.client.triggers().list(APP).await?;
    let chosen = triggers
        .iter()
        .find(|t| t.key == TRIGGER)
        .ok_or_else(|| anyhow::anyhow!("{APP} has no trigger {TRIGGER}"))?;
    let keys: Vec<&str> = triggers.iter().map(|t| t.key.as_str()).collect();
    Ok((
        (),
        format!(
            "{APP} has {} trigger(s) [{}]; chose {TRIGGER} \"{}\"",
            triggers.len(),
            keys.join(", "),
            chosen.title
        ),
    ))
}

async fn input_fields(ctx: &Ctx, connection: &str) -> anyhow::Result<(Vec<InputField>, String)> {
    let conn = ConnectionId::from(connection);
    let fields = ctx
        .client
        .triggers()
        .input_fields(APP, TRIGGER, Some(&conn))
        .await?;
    let shown: Vec<String> = fields
        .iter()
        .map(|f| {
            let need = if f.is_required {
                "required".to_owned()
            } else {
                match &f.default_value {
                    Some(d) => format!("optional, default {d}"),
                    None => "optional".to_owned(),
                }
            };
            format!("{} ({}, {need})", f.key, f.value_type)
        })
        .collect();
    Ok((fields, shown.join(", ")))
}

async fn validation(
    ctx: &Ctx,
    connection: &str,
    fields: &[InputField],
) -> anyhow::Result<(Subscription, String)> {
    let before = requests_answered(&ctx.control.stats().await?);
    // A subscription without the required channel and with a non-boolean flag.
    let bad = Subscription::new(APP, TRIGGER)
        .with_connection(connection)
        .with_input("listen_for_bots", "maybe");
    let rejected = match bad.validated(fields) {
        Ok(_) => anyhow::bail!("the validation accepted inputs without the required channel"),
        Err(e) => e
            .fields
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
    };
    let after = requests_answered(&ctx.control.stats().await?);
    // The stats request itself is not an API request; anything else would be.
    anyhow::ensure!(
        after == before,
        "{} request(s) were sent while validating",
        after - before
    );
    let good = Subscription::new(APP, TRIGGER)
        .with_connection(connection)
        .with_input("channel", CHANNEL)
        .validated(fields)
        .map_err(|e| anyhow::anyhow!("the demo's own inputs were rejected: {e}"))?;
    Ok((
        good.clone(),
        format!(
            "bad inputs rejected before any request ({rejected}); good inputs {}",
            Value::Object(good.inputs.clone())
        ),
    ))
}

async fn ensure(
    ctx: &Ctx,
    name: &str,
    subscription: &Subscription,
    tally: &mut Tally,
) -> anyhow::Result<(InboxRef, String)> {
    let ensured = ctx
        .client
        .inboxes()
        .ensure_validated(name, subscription, None)
        .await?;
    let inbox = match ctx.variant {
        ApiVariant::ByName => InboxRef::name(name)?,
        _ => ensured.inbox.id_ref(),
    };
    tally.inbox = Some(inbox.clone());
    anyhow::ensure!(
        ensured.outcome == EnsureOutcome::Created,
        "expected a new inbox, the server answered {:?}",
        ensured.outcome
    );
    Ok((
        inbox,
        format!(
            "created inbox {name} ({}), status {}",
            ensured.inbox.id, ensured.inbox.status
        ),
    ))
}

async fn ensure_again(
    ctx: &Ctx,
    name: &str,
    subscription: &Subscription,
    inbox: &InboxRef,
) -> anyhow::Result<((), String)> {
    let again = ctx
        .client
        .inboxes()
        .ensure_validated(name, subscription, None)
        .await?;
    anyhow::ensure!(
        again.outcome == EnsureOutcome::Existing,
        "expected the existing inbox, the server answered {:?}",
        again.outcome
    );
    let first = ctx.client.inboxes().get(inbox).await?;
    anyhow::ensure!(
        first.id == again.inbox.id,
        "ensure answered another inbox ({} instead of {})",
        again.inbox.id,
        first.id
    );
    Ok((
        (),
        format!(
            "idempotent: found the existing inbox {} again",
            again.inbox.id
        ),
    ))
}

async fn wait_active(ctx: &Ctx, inbox: &InboxRef) -> anyhow::Result<((), String)> {
    let started = Instant::now();
    let active = ctx
        .client
        .inboxes()
        .wait_until_active(inbox, PHASE_TIMEOUT)
        .await?;
    Ok((
        (),
        format!(
            "inbox {} after {} (initializing while Zapier subscribes)",
            active.status,
            elapsed(started.elapsed())
        ),
    ))
}

fn demo_event(i: u64) -> Value {
    let kind = Kind::of(i);
    json!({
        "text": format!("demo event {i}"),
        "user": "U0123456",
        "channel": CHANNEL,
        "ts": format!("1716292860.{i:06}"),
        "kind": kind.as_str(),
    })
}

fn emit_request(payloads: Vec<Value>) -> EmitRequest {
    let mut inputs = Map::new();
    inputs.insert("channel".to_owned(), Value::String(CHANNEL.to_owned()));
    EmitRequest {
        app: APP.to_owned(),
        action: TRIGGER.to_owned(),
        inputs: Some(inputs),
        payload: Value::Array(payloads),
        count: Some(1),
    }
}

async fn emit(ctx: &Ctx, tally: &mut Tally) -> anyhow::Result<((), String)> {
    let payloads: Vec<Value> = (1..=ctx.events).map(demo_event).collect();
    let delivered = ctx.control.emit(emit_request(payloads)).await?;
    anyhow::ensure!(delivered >= 1, "no active inbox received the events");
    tally.emitted += ctx.events;
    Ok((
        (),
        format!(
            "{} Slack messages posted to {CHANNEL} (event 2 fails once, event 3 is poison)",
            ctx.events
        ),
    ))
}

/// The consumer's counts that matter here, in one short phrase.
fn compact(report: &ShutdownReport) -> String {
    format!(
        "leased {}, acked {}, released {}, dead-lettered {}, handler errors {}",
        report.leased, report.acked, report.released, report.dead_lettered, report.handler_errors
    )
}

/// What the consumer's handler saw.
#[derive(Debug, Default)]
struct Seen {
    /// Payloads processed successfully, by message id.
    processed: HashMap<String, Value>,
    /// Failed attempts of the flaky event.
    transient_failures: u64,
    /// Attempts of the poison event (all failed).
    poison_attempts: Vec<u32>,
    /// The attempt on which the poison event was dead-lettered.
    dead_lettered_on: Option<u32>,
}

fn label(msg: &LeasedMessage) -> String {
    let text = msg
        .payload
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or("event");
    format!("{text} ({})", Kind::parse(&msg.payload).as_str())
}

async fn consume(
    progress: Progress,
    ctx: &Ctx,
    inbox: &InboxRef,
    tally: &mut Tally,
) -> anyhow::Result<(Vec<Value>, String)> {
    let expected_ok = ctx.events - 1;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let token = CancellationToken::new();

    // Stop once every event was processed or dead-lettered (the consumer then drains).
    let done = {
        let seen = Arc::clone(&seen);
        let token = token.clone();
        move || {
            let s = seen.lock().unwrap_or_else(PoisonError::into_inner);
            if s.processed.len() as u64 >= expected_ok && s.dead_lettered_on.is_some() {
                token.cancel();
            }
        }
    };
    let done = Arc::new(done);

    let handler = {
        let seen = Arc::clone(&seen);
        let progress = progress.clone();
        let done = Arc::clone(&done);
        move |msg: Received| {
            let seen = Arc::clone(&seen);
            let progress = progress.clone();
            let done = Arc::clone(&done);
            async move {
                let kind = Kind::parse(&msg.payload);
                let attempt = msg.attempts();
                match kind {
                    Kind::Flaky if attempt == 1 => {
                        seen.lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .transient_failures += 1;
                        progress.note(&format!(
                            "{}: attempt {attempt} failed (simulated outage) -> released, will be retried",
                            label(&msg)
                        ));
                        Err(anyhow::anyhow!("simulated transient failure"))
                    }
                    Kind::Poison => {
                        seen.lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .poison_attempts
                            .push(attempt);
                        let next = if msg.is_final_attempt() {
                            "its final attempt -> dead-letter hook"
                        } else {
                            "released, will be retried"
                        };
                        progress.note(&format!(
                            "{}: attempt {attempt} failed (cannot be processed) -> {next}",
                            label(&msg)
                        ));
                        Err(anyhow::anyhow!("poison message: cannot be processed"))
                    }
                    _ => {
                        seen.lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .processed
                            .insert(msg.id.to_string(), msg.payload.clone());
                        progress.note(&format!(
                            "{}: processed on attempt {attempt} -> acked",
                            label(&msg)
                        ));
                        progress.inc();
                        done();
                        Ok(())
                    }
                }
            }
        }
    };

    let dead_letter = {
        let seen = Arc::clone(&seen);
        let progress = progress.clone();
        let done = Arc::clone(&done);
        move |msg: Arc<LeasedMessage>, failure: Failure| {
            let seen = Arc::clone(&seen);
            let progress = progress.clone();
            let done = Arc::clone(&done);
            async move {
                seen.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .dead_lettered_on = Some(msg.attempts());
                progress.note(&format!(
                    "{}: dead-letter hook called on attempt {} ({failure}) -> acked",
                    label(&msg),
                    msg.attempts()
                ));
                progress.inc();
                done();
                Ok::<_, anyhow::Error>(())
            }
        }
    };

    // A bounded phase: give up (and drain) after PHASE_TIMEOUT.
    let timed_out = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watchdog = {
        let token = token.clone();
        let timed_out = Arc::clone(&timed_out);
        tokio::spawn(async move {
            tokio::time::sleep(PHASE_TIMEOUT).await;
            timed_out.store(true, std::sync::atomic::Ordering::SeqCst);
            token.cancel();
        })
    };
    // An inbox the runtime gives up on (deleted, credentials revoked) ends the phase.
    let stopped = Arc::new(Mutex::new(None::<String>));
    let on_event = {
        let stopped = Arc::clone(&stopped);
        let token = token.clone();
        move |event: &ConsumerEvent| {
            if let ConsumerEvent::InboxStopped { error, .. } = event {
                *stopped.lock().unwrap_or_else(PoisonError::into_inner) = Some(error.clone());
                token.cancel();
            }
        }
    };
    let report = Consumer::builder(&ctx.client, inbox.clone())
        .max_in_flight(4)
        .lease_seconds(LeaseSeconds::new(30)?)
        .on_event(on_event)
        .handler(handler)
        .dead_letter(dead_letter)
        .run(token)
        .await;
    watchdog.abort();
    progress.finish();

    let seen = std::mem::take(&mut *seen.lock().unwrap_or_else(PoisonError::into_inner));
    tally.transient_failures = seen.transient_failures;
    tally.poison_attempts = seen.poison_attempts.len() as u64;
    tally.report = Some(report.clone());
    if let Some(error) = stopped
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
    {
        anyhow::bail!("the consumer stopped: {error}");
    }
    anyhow::ensure!(
        !timed_out.load(std::sync::atomic::Ordering::SeqCst),
        "not every event was handled within {PHASE_TIMEOUT:?}: {}",
        compact(&report)
    );
    anyhow::ensure!(
        seen.processed.len() as u64 == expected_ok,
        "processed {} event(s), expected {expected_ok}",
        seen.processed.len()
    );
    anyhow::ensure!(
        seen.transient_failures == 1,
        "the flaky event failed {} time(s), expected once",
        seen.transient_failures
    );
    anyhow::ensure!(
        seen.dead_lettered_on == Some(4) && seen.poison_attempts == [1, 2, 3, 4],
        "the poison event was tried on attempts {:?} and dead-lettered on {:?}, expected 1..=4 and 4",
        seen.poison_attempts,
        seen.dead_lettered_on
    );
    // Every event acked (the poison one after its dead-letter hook), four releases (the flaky
    // event once, the poison one on attempts 1..=3), five handler errors.
    let expected = (ctx.events, 4, 1, 5);
    let got = (
        report.acked,
        report.released,
        report.dead_lettered,
        report.handler_errors,
    );
    anyhow::ensure!(
        got == expected,
        "the consumer acked, released, dead-lettered and counted handler errors {got:?}, expected {expected:?}"
    );
    anyhow::ensure!(
        report.is_balanced(),
        "the consumer's counts do not balance: {report}"
    );
    tally.consumed = ctx.events;
    let mut processed: Vec<Value> = seen.processed.into_values().collect();
    processed.sort_by_key(|p| p.get("ts").and_then(Value::as_str).map(str::to_owned));
    Ok((
        processed,
        format!(
            "{} events: {expected_ok} processed, event 2 released once and retried, \
             event 3 dead-lettered on attempt 4 (consumer: {})",
            ctx.events,
            compact(&report)
        ),
    ))
}

async fn action_runs(
    progress: Progress,
    ctx: &Ctx,
    connection: &str,
    processed: &[Value],
    tally: &mut Tally,
) -> anyhow::Result<((), String)> {
    let results: Vec<String> = futures::stream::iter(processed.iter().cloned())
        .map(|payload| {
            let client = ctx.client.clone();
            let progress = progress.clone();
            async move {
                let text = payload
                    .get("text")
                    .and_then(Value::as_str)
                    .unwrap_or("event")
                    .to_owned();
                let mut inputs = Map::new();
                inputs.insert("channel".to_owned(), Value::String(CHANNEL.to_owned()));
                inputs.insert(
                    "text".to_owned(),
                    Value::String(format!("Processed: {text}")),
                );
                let result = client
                    .actions()
                    .run(APP, ACTION, Some(connection), inputs)
                    .await?;
                progress.note(&format!(
                    "run {}: {ACTION} posted \"Processed: {text}\" to {CHANNEL}",
                    result.run_id
                ));
                progress.inc();
                Ok::<_, Error>(result.run_id)
            }
        })
        .buffer_unordered(RUN_CONCURRENCY)
        .try_collect()
        .await
        .inspect_err(|_| progress.finish())?;
    progress.finish();
    tally.action_runs = results.len() as u64;
    Ok((
        (),
        format!(
            "{} Action Runs of {APP} {ACTION} succeeded, one per processed event",
            results.len()
        ),
    ))
}

async fn backlog(ctx: &Ctx, tally: &mut Tally) -> anyhow::Result<((), String)> {
    let payloads: Vec<Value> = (1..=BACKLOG)
        .map(|i| {
            json!({"text": format!("backlog event {i}"), "user": "U0654321", "channel": CHANNEL, "kind": "ok"})
        })
        .collect();
    let delivered = ctx.control.emit(emit_request(payloads)).await?;
    anyhow::ensure!(delivered >= 1, "no active inbox received the backlog");
    tally.emitted += BACKLOG;
    Ok((
        (),
        format!("{BACKLOG} more events buffered in the inbox, not consumed yet"),
    ))
}

async fn pause(ctx: &Ctx, inbox: &InboxRef, tally: &mut Tally) -> anyhow::Result<((), String)> {
    let paused = ctx.client.inboxes().pause(inbox).await?;
    let reason = paused
        .paused_reason
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_else(|| "none".to_owned());
    // An event while paused is dropped: collection has stopped.
    let before = ctx.control.stats().await?.messages_dropped_while_paused;
    ctx.control
        .emit(emit_request(vec![json!({
            "text": "sent while paused", "user": "U0654321", "channel": CHANNEL, "kind": "ok"
        })]))
        .await?;
    let dropped = ctx.control.stats().await?.messages_dropped_while_paused - before;
    anyhow::ensure!(
        dropped == 1,
        "expected the event sent while paused to be dropped, {dropped} were"
    );
    tally.emitted += 1;
    tally.dropped_while_paused += dropped;
    Ok((
        (),
        format!(
            "inbox {} (reason {reason}); an event sent while paused was dropped, the {BACKLOG} buffered ones kept",
            paused.status
        ),
    ))
}

async fn drain(ctx: &Ctx, inbox: &InboxRef, tally: &mut Tally) -> anyhow::Result<((), String)> {
    let messages = ctx.client.messages(inbox.clone());
    let options = LeaseOptions::default_for(ctx.variant).with_limit(LeaseLimit::new(10)?);
    let mut drained = 0u64;
    let mut leases = 0u32;
    // Bounded: the backlog is a few messages.
    while drained < BACKLOG && leases < 20 {
        let lease = messages.lease(options).await?;
        leases += 1;
        if lease.is_empty() {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        let report = messages.ack_lease(&lease).await?;
        anyhow::ensure!(report.is_complete(), "not every drained message was acked");
        drained += report.settled() as u64;
    }
    anyhow::ensure!(
        drained == BACKLOG,
        "drained {drained} buffered event(s), expected {BACKLOG}"
    );
    tally.drained = drained;
    Ok((
        (),
        format!(
            "a paused inbox still serves its backlog: {drained} buffered events leased and acked in {leases} lease(s)"
        ),
    ))
}

async fn lease_refused(ctx: &Ctx, inbox: &InboxRef) -> anyhow::Result<((), String)> {
    let messages = ctx.client.messages(inbox.clone());
    match messages.lease(LeaseOptions::default_for(ctx.variant)).await {
        Err(err @ Error::InboxPaused { .. }) => Ok((
            (),
            format!("paused and drained, leasing is refused as documented: {err}"),
        )),
        Err(other) => Err(anyhow::Error::new(other).context("expected the paused-inbox 409")),
        Ok(lease) => anyhow::bail!(
            "expected the paused-inbox 409, the lease answered {} message(s)",
            lease.len()
        ),
    }
}

async fn resume(ctx: &Ctx, inbox: &InboxRef) -> anyhow::Result<((), String)> {
    let resumed = ctx.client.inboxes().resume(inbox).await?;
    let started = Instant::now();
    let active = ctx
        .client
        .inboxes()
        .wait_until_active(inbox, PHASE_TIMEOUT)
        .await?;
    Ok((
        (),
        format!(
            "resumed: {} -> {} after {}",
            resumed.status,
            active.status,
            elapsed(started.elapsed())
        ),
    ))
}

async fn delete(ctx: &Ctx, inbox: &InboxRef, tally: &mut Tally) -> anyhow::Result<((), String)> {
    let deleting = ctx.client.inboxes().delete(inbox).await?;
    tally.deleted = true;
    let started = Instant::now();
    loop {
        match ctx.client.inboxes().get(inbox).await {
            Err(Error::NotFound { .. }) => break,
            Err(other) => return Err(other.into()),
            Ok(_) if started.elapsed() > PHASE_TIMEOUT => {
                anyhow::bail!("the inbox still exists {PHASE_TIMEOUT:?} after delete")
            }
            Ok(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    Ok((
        (),
        format!(
            "inbox {} then gone (404) after {}",
            deleting.status,
            elapsed(started.elapsed())
        ),
    ))
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

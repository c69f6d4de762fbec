//! `zembed emulator ...`: the local Zapier emulator.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::Value;
use zapier_embed_emulator::models::control::EmitRequest;
use zapier_embed_emulator::{ControlClient, Emulator};

use crate::args::{self, Checked};
use crate::config::GlobalArgs;
use crate::failure::{self, Reported};
use crate::output;
use crate::signals::StopSignals;

/// The most events one `emit` asks for (the emulator's own limit on count × payloads).
pub const MAX_EMIT_COUNT: usize = 100_000;

/// `zembed emulator emit --help`.
pub const EMIT_HELP: &str = "\
Put trigger events into the inboxes of a running emulator, through its control API
(POST /_emulator/events; no credentials needed). Every active inbox subscribed to the app's
trigger whose inputs contain all of the --input pairs receives each event, as Zapier would
deliver a new Slack message to every inbox watching its channel.

The emulator is the one --emulator-host (ZAPIER_EMULATOR_HOST) names, else --api-url.
Create the inbox first (zembed inboxes ensure) and let it become active (zembed inboxes wait):
events emitted while no inbox is subscribed are dropped, and emit then fails (exit 1).

Example:
  zembed emulator emit --app slack --trigger channel_message --input channel=C1 \\
    --payload '{\"text\":\"hello\",\"user\":\"U1\"}' --count 3";

/// `zembed emulator`.
#[derive(Debug, Args)]
pub struct EmulatorCommand {
    /// Emulator action.
    #[command(subcommand)]
    pub action: EmulatorAction,
}

/// Emulator subcommands.
#[derive(Debug, Subcommand)]
pub enum EmulatorAction {
    /// Serve the emulator until interrupted; prints `listening on http://HOST:PORT` once bound.
    Serve(ServeArgs),
    /// Put trigger events into the inboxes of a running emulator (its control API).
    #[command(long_about = EMIT_HELP)]
    Emit(EmitArgs),
}

/// Flags of `zembed emulator emit`.
#[derive(Debug, Args)]
pub struct EmitArgs {
    /// App key or slug, e.g. `slack`.
    #[arg(long, value_parser = Checked(args::key))]
    pub app: String,
    /// Trigger key, e.g. `channel_message`.
    #[arg(long, value_parser = Checked(args::key))]
    pub trigger: String,
    /// Only inboxes whose inputs include KEY=VALUE receive the events (repeatable).
    #[arg(long = "input", value_name = "KEY=VALUE", value_parser = Checked(args::key_value))]
    pub inputs: Vec<(String, String)>,
    /// The event: a JSON object, or a JSON array of objects (one event each).
    #[arg(long, value_name = "JSON", value_parser = Checked(payload))]
    pub payload: Value,
    /// How many times to deliver the payload(s) (at most 100000 events in all).
    #[arg(long, value_name = "N", default_value = "1", value_parser = Checked(count))]
    pub count: usize,
    /// Mark the messages `possible_duplicate_data: true`, as Zapier does when a trigger may have
    /// delivered the same data before (consumers check their dedup store for these).
    #[arg(long)]
    pub possible_duplicate: bool,
    /// Print the emulator's answer as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `--payload`: a JSON object or an array of objects (message payloads are JSON objects).
fn payload(raw: &str) -> Result<Value, String> {
    let value: Value = serde_json::from_str(raw)
        .map_err(|e| format!("{} is not JSON: {e}", args::excerpt(raw)))?;
    let objects = match &value {
        Value::Object(_) => true,
        Value::Array(items) => !items.is_empty() && items.iter().all(Value::is_object),
        _ => false,
    };
    if !objects {
        return Err(format!(
            "{} must be a JSON object or a non-empty array of objects",
            args::excerpt(raw)
        ));
    }
    Ok(value)
}

/// `--count`: 1..=[`MAX_EMIT_COUNT`].
fn count(raw: &str) -> Result<usize, String> {
    match args::positive_count(raw)? {
        n if n > MAX_EMIT_COUNT => Err(format!("must be at most {MAX_EMIT_COUNT}")),
        n => Ok(n),
    }
}

/// Flags of `zembed emulator serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to bind (port 0 picks a free port; the real one is printed).
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub addr: SocketAddr,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, default_value_t = 3600)]
    pub token_ttl_secs: u64,
    /// Known OAuth client as ID:SECRET (repeatable); without any, every non-empty client is accepted.
    #[arg(long = "client", value_name = "ID:SECRET", value_parser = parse_client)]
    pub clients: Vec<(String, String)>,
    /// Delay before a created or resumed inbox becomes active, in milliseconds.
    #[arg(long, default_value_t = 300)]
    pub activation_delay_ms: u64,
    /// Accept action-run `callback_url`s on a loopback host, over http too (for local tests;
    /// Zapier, and the emulator by default, accept only public https URLs).
    #[arg(long)]
    pub allow_loopback_callbacks: bool,
    /// Largest request body the emulator reads, in bytes; larger ones answer 413.
    #[arg(long, value_name = "BYTES", default_value_t = 2 * 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_body_bytes: u64,
    /// How many acked messages each inbox keeps listable (the oldest are forgotten first).
    #[arg(long, value_name = "MESSAGES", default_value_t = 10_000)]
    pub acked_retention: u64,
    /// Request budget per caller as REQUESTS/SECONDS (e.g. `100/60`): a caller over it gets
    /// 429 with `Retry-After`. Without it the budget is unlimited (still reported in the
    /// `X-RateLimit-*` headers).
    #[arg(long, value_name = "REQUESTS/SECONDS", value_parser = parse_rate_limit)]
    pub rate_limit: Option<(u32, Duration)>,
}

/// Parses `REQUESTS/SECONDS`, both whole and positive, the window at most a day.
fn parse_rate_limit(raw: &str) -> Result<(u32, Duration), String> {
    let usage = || format!("expected REQUESTS/SECONDS such as 100/60, got `{raw}`");
    let (requests, seconds) = raw.split_once('/').ok_or_else(usage)?;
    let requests: u32 = requests.trim().parse().map_err(|_| usage())?;
    let seconds: u64 = seconds.trim().parse().map_err(|_| usage())?;
    if requests == 0 || seconds == 0 || seconds > 86_400 {
        return Err(format!(
            "`{raw}`: requests must be at least 1 and the window 1 to 86400 seconds"
        ));
    }
    Ok((requests, Duration::from_secs(seconds)))
}

/// Parses `ID:SECRET` (the secret may itself contain `:`).
fn parse_client(raw: &str) -> Result<(String, String), String> {
    match raw.split_once(':') {
        Some((id, secret)) if !id.is_empty() && !secret.is_empty() => {
            Ok((id.to_owned(), secret.to_owned()))
        }
        _ => Err(format!(
            "expected ID:SECRET with both parts non-empty, got `{raw}`"
        )),
    }
}

/// Runs an emulator subcommand.
pub async fn run(global: &GlobalArgs, cmd: EmulatorCommand) -> anyhow::Result<()> {
    match cmd.action {
        EmulatorAction::Serve(args) => serve(args).await,
        EmulatorAction::Emit(args) => emit(global, args).await,
    }
}

async fn emit(global: &GlobalArgs, args: EmitArgs) -> anyhow::Result<()> {
    let Some(base) = global.emulator_url() else {
        return Err(failure::usage(
            "emit needs an emulator: name it with --emulator-host HOST:PORT (or ZAPIER_EMULATOR_HOST)",
        ));
    };
    let events = match &args.payload {
        Value::Array(items) => items.len().saturating_mul(args.count),
        _ => args.count,
    };
    let request = EmitRequest {
        app: args.app.clone(),
        action: args.trigger.clone(),
        inputs: (!args.inputs.is_empty()).then(|| args::inputs_map(&args.inputs)),
        payload: args.payload,
        count: Some(args.count as u64),
        possible_duplicate_data: args.possible_duplicate,
    };
    let control = ControlClient::new(&base)
        .with_context(|| format!("building the control client of the emulator at {base}"))?;
    let answer = control.emit(&request).await.with_context(|| {
        format!("emit events through the control API of the emulator at {base}")
    })?;
    if args.json {
        output::json(&answer)?;
    } else if answer.delivered > 0 {
        output::line(&format!(
            "emitted {events} event(s) to {} inbox(es) subscribed to {} {}",
            answer.delivered, args.app, args.trigger
        ))?;
    }
    if answer.delivered == 0 {
        return Err(anyhow::Error::new(Reported(format!(
            "no active inbox is subscribed to {} {} with these inputs: the events were dropped \
             (create one with `zembed inboxes ensure`, then `zembed inboxes wait`)",
            args.app, args.trigger
        ))));
    }
    Ok(())
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut builder = Emulator::builder()
        .addr(args.addr)
        .token_ttl(Duration::from_secs(args.token_ttl_secs))
        .activation_delay(Duration::from_millis(args.activation_delay_ms));
    for (id, secret) in args.clients {
        builder = builder.client(id, secret);
    }
    if args.allow_loopback_callbacks {
        builder = builder.allow_loopback_callbacks();
    }
    // On a 32-bit host a limit past the address space is as good as no limit.
    builder = builder
        .max_body_bytes(usize::try_from(args.max_body_bytes).unwrap_or(usize::MAX))
        .acked_retention(usize::try_from(args.acked_retention).unwrap_or(usize::MAX));
    if let Some((requests, window)) = args.rate_limit {
        builder = builder.rate_limit(requests, window);
    }
    let mut signals = StopSignals::install()?;
    let handle = builder
        .start()
        .await
        .with_context(|| format!("starting the emulator on {}", args.addr))?;
    // Exactly one line, flushed: scripts and tests read the bound port from it.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {}", handle.base_url()).context("writing to stdout")?;
    stdout.flush().context("flushing stdout")?;
    drop(stdout);
    signals.recv().await?;
    handle.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_client;

    #[test]
    fn payloads_are_objects_and_counts_bounded() {
        assert!(super::payload(r#"{"text":"hi"}"#).is_ok());
        assert!(super::payload(r#"[{"a":1},{"b":2}]"#).is_ok());
        for bad in ["[]", "[1]", "\"text\"", "{", "42"] {
            assert!(super::payload(bad).is_err(), "{bad}");
        }
        assert_eq!(super::count("3"), Ok(3));
        assert!(super::count("0").is_err());
        assert!(super::count("100001").is_err());
    }

    #[test]
    fn rate_limits_are_requests_per_whole_seconds() {
        use std::time::Duration;
        assert_eq!(
            super::parse_rate_limit("100/60"),
            Ok((100, Duration::from_secs(60)))
        );
        for bad in [
            "100",
            "0/60",
            "100/0",
            "100/86401",
            "a/60",
            "100/1.5",
            "-1/60",
            "/",
        ] {
            assert!(super::parse_rate_limit(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn client_flag_needs_both_parts() {
        assert_eq!(
            parse_client("id:se:cret"),
            Ok(("id".to_owned(), "se:cret".to_owned()))
        );
        assert!(parse_client("id").is_err());
        assert!(parse_client(":secret").is_err());
    }
}

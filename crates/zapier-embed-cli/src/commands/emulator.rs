//! `zembed emulator ...`: the local Zapier emulator.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};
use zapier_embed_emulator::Emulator;

use crate::signals::StopSignals;

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
pub async fn run(cmd: EmulatorCommand) -> anyhow::Result<()> {
    match cmd.action {
        EmulatorAction::Serve(args) => serve(args).await,
    }
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
    fn client_flag_needs_both_parts() {
        assert_eq!(
            parse_client("id:se:cret"),
            Ok(("id".to_owned(), "se:cret".to_owned()))
        );
        assert!(parse_client("id").is_err());
        assert!(parse_client(":secret").is_err());
    }
}

//! A long-running worker: the consumer runtime on one inbox, a graceful drain on SIGTERM or
//! Ctrl-C, poison messages dead-lettered to a JSON-lines file, and Prometheus metrics.
//!
//! ```sh
//! ZAPIER_EMULATOR_HOST=127.0.0.1:8080 INBOX=quickstart-slack-inbox METRICS_ADDR=127.0.0.1:9464 \
//!     cargo run -p zapier-embed --features consumer --example worker
//! ```
//!
//! `INBOX` names an inbox that exists (the quickstart creates `quickstart-slack-inbox`); the worker
//! exits with an error when it is not found. Payloads with `"poison": true` fail and end up in
//! `DEAD_LETTER_FILE` (default `dead-letters.jsonl`); Ctrl-C or SIGTERM drains and prints the report.
//!
//! `run` is the worker without the process around it; a test runs it against the emulator.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use zapier_embed::consumer::{Consumer, FailurePolicy, HandlerError, Received, ShutdownReport};
use zapier_embed::{Client, InboxRef};

/// Where the worker parks messages that failed on their final attempt.
pub struct DeadLetters {
    file: Mutex<std::fs::File>,
}

impl DeadLetters {
    /// Appends to `path`, creating it if needed.
    pub fn open(path: &PathBuf) -> std::io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(DeadLetters {
            file: Mutex::new(file),
        })
    }

    fn park(&self, line: &serde_json::Value) -> std::io::Result<()> {
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        writeln!(file, "{line}")?;
        // The message is acked once this returns: make the line durable first.
        file.sync_data()
    }
}

/// The application's work for one event. Here: refuse payloads marked `"poison": true`.
async fn handle(message: Received) -> Result<(), HandlerError> {
    if message.payload["poison"] == serde_json::Value::Bool(true) {
        return Err(format!("cannot process message {}", message.id).into());
    }
    tracing::info!(message = %message.id, "processed");
    Ok(())
}

/// Consumes `inbox` until `shutdown` is cancelled, then drains and returns the report.
pub async fn run(
    client: &Client,
    inbox: InboxRef,
    dead_letters: Arc<DeadLetters>,
    shutdown: CancellationToken,
) -> ShutdownReport {
    Consumer::builder(client, inbox)
        .max_in_flight(32)
        .shutdown_timeout(Duration::from_secs(20))
        // A failed message goes back at once, so its next attempt is not a lease expiry away.
        .failure_policy(FailurePolicy::Release)
        // The runtime logs every `ConsumerEvent` itself; `.on_event(..)` is for acting on them.
        .dead_letter(move |message, failure| {
            let dead_letters = dead_letters.clone();
            async move {
                let line = serde_json::json!({
                    "id": message.id.to_string(),
                    "failure": failure.to_string(),
                    "payload": message.payload,
                });
                // On `Err` the consumer releases the message instead of acking it: nothing lost.
                tokio::task::spawn_blocking(move || dead_letters.park(&line))
                    .await
                    .map_err(std::io::Error::other)?
            }
        })
        .handler(handle)
        .run(shutdown)
        .await
}

/// Cancels `shutdown` on SIGTERM (what orchestrators send) or Ctrl-C.
fn drain_on_signal(shutdown: CancellationToken) -> std::io::Result<()> {
    // Installed here, not in the task, so a failure reaches `main` instead of a panic.
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::spawn(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("draining");
        shutdown.cancel();
    });
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    if let Ok(addr) = std::env::var("METRICS_ADDR") {
        let addr: SocketAddr = addr.parse()?;
        metrics_exporter_prometheus::PrometheusBuilder::new()
            .with_http_listener(addr)
            .install()?;
        tracing::info!(%addr, "serving /metrics");
    }
    let client = Client::from_env()?;
    let inbox = InboxRef::name(std::env::var("INBOX").unwrap_or_else(|_| "worker-inbox".into()))?;
    let path = PathBuf::from(
        std::env::var("DEAD_LETTER_FILE").unwrap_or_else(|_| "dead-letters.jsonl".into()),
    );
    let dead_letters = Arc::new(DeadLetters::open(&path)?);

    let shutdown = CancellationToken::new();
    drain_on_signal(shutdown.clone())?;
    let report = run(&client, inbox, dead_letters, shutdown).await;
    println!("{report}");
    // Every leased message is accounted for (acked, released, expired...); anything else is a bug.
    if !report.is_balanced() {
        return Err("the shutdown report does not add up".into());
    }
    // An inbox that stopped (deleted, not found, refused) is an outage: let the supervisor see it.
    if let Some(stopped) = report.stopped_inboxes.first() {
        return Err(format!("inbox {} stopped: {}", stopped.inbox, stopped.error).into());
    }
    Ok(())
}

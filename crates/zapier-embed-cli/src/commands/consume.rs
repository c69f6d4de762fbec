//! `zembed consume INBOX --exec CMD`: the consumer runtime driving a shell command.

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;
use zapier_embed::consumer::{Consumer, ConsumerEvent, Failure, Received, RedisDedup};
use zapier_embed::{
    InboxRef, client::ENV_ACCESS_TOKEN, client::ENV_CLIENT_SECRET, messages::LeaseSeconds,
    messages::LeasedMessage,
};

use super::consume_metrics;
use super::process_group::Groups;
use crate::args;
use crate::config::GlobalArgs;
use crate::signals::StopSignals;

/// Flags of `zembed consume`.
/// The variable `--dedup` is also read from: a Redis URL with a password stays out of `ps`.
pub(crate) const ENV_DEDUP_URL: &str = "ZEMBED_DEDUP_URL";

#[derive(Debug, Args)]
pub struct ConsumeArgs {
    /// Inbox id (hyphenated uuid) or name.
    #[arg(value_parser = args::Checked(args::inbox_ref))]
    pub inbox: InboxRef,
    /// Shell command run for each message (`sh -c CMD`), the payload as JSON on its stdin.
    #[arg(long, value_name = "CMD")]
    pub exec: String,
    /// Messages handled at once.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub concurrency: u32,
    /// Stop after this many messages were handled (acked or released), then drain.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_messages: Option<u64>,
    /// How long each lease hides a message from other consumers (1..=3600).
    #[arg(long, value_parser = args::Checked(args::lease_seconds))]
    pub lease_seconds: Option<LeaseSeconds>,
    /// Kill a command (with everything it started) that runs longer than this; the message is
    /// then released.
    #[arg(long, value_parser = args::Checked(args::positive_duration))]
    pub timeout: Option<Duration>,
    /// Command run (`sh -c`, payload on stdin) when a message fails its final attempt; the
    /// message is acked once it exits 0. Without it, a message failing its final attempt is
    /// left to the server's quarantine.
    #[arg(long, value_name = "CMD")]
    pub dead_letter_exec: Option<String>,
    /// Idempotency store shared by every `zembed consume` of the inbox, on any machine
    /// (`redis://HOST:PORT[/DB]`, `rediss://` for TLS): a message redelivered to another process
    /// does not run its command again once it succeeded. Without it, each process remembers its
    /// own messages in memory. Also read from `ZEMBED_DEDUP_URL`, which keeps a password in the
    /// URL out of the process list (commands run by `--exec` do not see it).
    #[arg(long, env = ENV_DEDUP_URL, hide_env_values = true, value_name = "URL", value_parser = args::Checked(args::redis_url))]
    pub dedup: Option<String>,
    /// Serve the consumer's metrics in Prometheus format on http://HOST:PORT/metrics (port 0
    /// picks a free port; the address is printed on stderr).
    #[arg(long, value_name = "HOST:PORT")]
    pub metrics_addr: Option<std::net::SocketAddr>,
}

/// The long help of `zembed consume`.
pub const CONSUME_HELP: &str = "\
Consume an inbox with the consumer runtime: each message's payload is written as JSON to the \
stdin of `sh -c CMD`; exit status 0 acks the message, anything else releases it (it is \
redelivered with its attempt count + 1). The command also sees ZEMBED_INBOX, ZEMBED_MESSAGE_ID \
and ZEMBED_ATTEMPT in its environment, but not ZAPIER_ACCESS_TOKEN or ZAPIER_CLIENT_SECRET; its \
stdout and stderr are zembed's.

Each command runs in a process group of its own: a command killed at its --timeout, or whose \
start fails half-way, is killed together with everything it started.

Ctrl-C (or SIGTERM) stops leasing and drains: commands already running finish and their \
messages are settled. A second Ctrl-C kills every running command's process group, releases \
the messages held (best effort, for at most 10 seconds) and exits with status 130. A report \
(acked, released, dead-lettered) is printed on stderr at the end.

Several `zembed consume` processes, on one machine or many, can share an inbox: leases spread \
the messages, and --dedup redis://HOST:PORT shares what was done, so that a message delivered \
again (its ack lost, its lease lapsed, or flagged as a possible duplicate) does not run its \
command twice. When Redis cannot be reached, a message's command is not run: the message is \
left to its lease and comes back after it. --metrics-addr serves Prometheus metrics.

Exit status: 0 after a clean drain (released messages are not an error), 1 when the inbox \
cannot be consumed (unknown inbox, credentials, API failure), 2 for bad flags.";

/// How long a second Ctrl-C waits for the held messages to be released before exiting anyway.
const RELEASE_ON_ABORT: Duration = Duration::from_secs(10);

/// Exit status after a second Ctrl-C (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: i32 = 130;

/// What the commands of one `consume` share: their process groups, and whether a second Ctrl-C
/// asked to stop at once (then no command starts any more).
#[derive(Clone, Default)]
struct Commands {
    groups: Groups,
    aborted: Arc<AtomicBool>,
}

impl Commands {
    /// Kills every running command's group; from now on no command starts.
    fn abort(&self) {
        self.aborted.store(true, Ordering::SeqCst);
        self.groups.kill_all();
    }

    fn is_aborted(&self) -> bool {
        self.aborted.load(Ordering::SeqCst)
    }
}

/// Runs `zembed consume`.
pub async fn run(global: &GlobalArgs, args: ConsumeArgs) -> anyhow::Result<()> {
    let client = global.client()?;
    let signals = StopSignals::install()?;
    if let Some(addr) = args.metrics_addr {
        let bound = consume_metrics::serve(addr).await?;
        eprintln!("serving metrics on http://{bound}/metrics");
    }
    // Connect before leasing: an unreachable store fails the command instead of every message.
    let dedup = match &args.dedup {
        Some(url) => Some(
            RedisDedup::connect(url)
                .await
                .map_err(|e| anyhow::anyhow!("--dedup: cannot reach Redis: {e}"))?,
        ),
        None => None,
    };

    // Fail fast, with the server's answer, on an inbox that cannot be consumed.
    let inbox = client.inboxes().get(&args.inbox).await?;
    eprintln!(
        "consuming inbox {} ({}), status {}; Ctrl-C drains and stops",
        args.inbox, inbox.id, inbox.status
    );

    let token = CancellationToken::new();
    let handled = Arc::new(AtomicU64::new(0));
    let command = Arc::new(args.exec.clone());
    let label = Arc::new(args.inbox.to_string());
    let max = args.max_messages;
    let timeout = args.timeout;
    let commands = Commands::default();

    let handler = {
        let token = token.clone();
        let handled = Arc::clone(&handled);
        let command = Arc::clone(&command);
        let label = Arc::clone(&label);
        let commands = commands.clone();
        move |msg: Received| {
            let token = token.clone();
            let handled = Arc::clone(&handled);
            let command = Arc::clone(&command);
            let label = Arc::clone(&label);
            let commands = commands.clone();
            async move {
                let result = exec(&commands, &command, &label, &msg, timeout).await;
                let n = handled.fetch_add(1, Ordering::SeqCst) + 1;
                if max.is_some_and(|max| n >= max) {
                    token.cancel();
                }
                result
            }
        }
    };

    let signals = tokio::spawn(stop_on_signals(signals, token.clone(), commands.clone()));
    let stopped = token.clone();
    let mut builder = Consumer::builder(&client, args.inbox.clone())
        .max_in_flight(args.concurrency as usize)
        .on_event(move |event| {
            if let Some(line) = notice(event) {
                eprintln!("{line}");
            }
            // An inbox the runtime gave up on (deleted, credentials revoked): nothing left to do.
            if matches!(event, ConsumerEvent::InboxStopped { .. }) {
                stopped.cancel();
            }
        });
    if let Some(seconds) = args.lease_seconds {
        builder = builder.lease_seconds(seconds);
    }
    if let Some(dedup) = dedup {
        builder = builder.dedup(dedup);
    }
    let consumer = builder.handler(handler);
    let report = match args.dead_letter_exec.clone() {
        Some(dead_letter) => {
            let dead_letter = Arc::new(dead_letter);
            let label = Arc::clone(&label);
            let commands = commands.clone();
            consumer
                .dead_letter(move |msg: Arc<LeasedMessage>, failure: Failure| {
                    let dead_letter = Arc::clone(&dead_letter);
                    let label = Arc::clone(&label);
                    let commands = commands.clone();
                    async move {
                        eprintln!(
                            "message {} failed its final attempt ({failure}); running the dead-letter command",
                            msg.id
                        );
                        exec(&commands, &dead_letter, &label, &msg, timeout).await
                    }
                })
                .run(token.clone())
                .await
        }
        None => consumer.run(token.clone()).await,
    };
    signals.abort();
    eprintln!("consume: {report}");
    if commands.is_aborted() {
        eprintln!("error: interrupted before the drain finished");
        std::process::exit(EXIT_INTERRUPTED);
    }
    if let Some(stopped) = report.stopped_inboxes.first() {
        anyhow::bail!(
            "inbox {} could not be consumed: {}",
            stopped.inbox,
            stopped.error
        );
    }
    Ok(())
}

/// A one-line notice on stderr for the runtime's status events (`None`: not worth one).
fn notice(event: &ConsumerEvent) -> Option<String> {
    match event {
        ConsumerEvent::InboxPaused {
            inbox,
            reason,
            needs_reconnect,
        } => Some(format!(
            "inbox {inbox} is paused{}{}; waiting for it to be resumed",
            reason
                .as_ref()
                .map(|r| format!(" (reason {r})"))
                .unwrap_or_default(),
            if *needs_reconnect {
                ", its connection needs reconnecting"
            } else {
                ""
            }
        )),
        ConsumerEvent::InboxResumed { inbox } => Some(format!("inbox {inbox} is consumed again")),
        ConsumerEvent::LeaseFailed {
            inbox,
            error,
            retry_in,
        } => Some(format!(
            "lease from {inbox} failed, retrying in {retry_in:.1?}: {error}"
        )),
        ConsumerEvent::InboxStopped { inbox, error } => {
            Some(format!("stopped consuming {inbox}: {error}"))
        }
        ConsumerEvent::LeaseExpired { inbox, count } => Some(format!(
            "{count} message(s) of {inbox} outlived their lease and will be redelivered"
        )),
        ConsumerEvent::SettleFailed {
            inbox,
            count,
            error,
        } => Some(format!(
            "could not settle {count} message(s) of {inbox}: {error}"
        )),
        ConsumerEvent::DeadLetterFailed {
            inbox,
            message_id,
            error,
        } => Some(format!(
            "the dead-letter command failed for message {message_id} of {inbox}: {error}"
        )),
        ConsumerEvent::DedupFailed {
            inbox,
            message_id,
            operation,
            error,
        } => Some(format!(
            "the dedup store failed ({operation}) for message {message_id} of {inbox}: {error}"
        )),
        _ => None,
    }
}

/// Runs `sh -c command` in a process group of its own, with the message's payload on stdin; Ok
/// on exit status 0. Every way out other than the command's own exit (its timeout, a failure
/// after the start, the consumer cancelling the handler at the message's deadline or at
/// shutdown) kills the whole group.
async fn exec(
    commands: &Commands,
    command: &str,
    inbox: &str,
    msg: &LeasedMessage,
    timeout: Option<Duration>,
) -> anyhow::Result<()> {
    if commands.is_aborted() {
        anyhow::bail!("not started: zembed is exiting");
    }
    let mut sh = tokio::process::Command::new("sh");
    sh.arg("-c")
        .arg(command)
        .env("ZEMBED_INBOX", inbox)
        .env("ZEMBED_MESSAGE_ID", msg.id.to_string())
        .env("ZEMBED_ATTEMPT", msg.attempts().to_string())
        // The command gets the message, not zembed's credentials: a command that prints its
        // environment must not put a secret into zembed's output.
        .env_remove(ENV_ACCESS_TOKEN)
        .env_remove(ENV_CLIENT_SECRET)
        .env_remove(ENV_DEDUP_URL)
        .stdin(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    sh.process_group(0);
    let mut child = sh
        .spawn()
        .context("starting `sh -c` for the --exec command")?;
    let group = commands.groups.adopt(child.id());
    if commands.is_aborted() {
        // A second Ctrl-C came while it started: `kill_all` may have missed this group.
        anyhow::bail!("killed: zembed is exiting");
    }
    let mut body = serde_json::to_vec(&msg.payload).context("encoding the payload")?;
    body.push(b'\n');
    let stdin = child.stdin.take();
    // Writing the payload counts against the timeout too: a command that neither reads its
    // stdin nor exits would otherwise block a large payload's write for ever.
    let run = async {
        if let Some(mut stdin) = stdin {
            // A command that does not read its stdin is fine: ignore a closed pipe.
            let _ = stdin.write_all(&body).await;
        }
        child.wait().await
    };
    let status = match timeout {
        Some(limit) => match tokio::time::timeout(limit, run).await {
            Ok(status) => status,
            Err(_) => {
                group.kill();
                let _ = child.wait().await;
                group.reaped();
                anyhow::bail!("command timed out after {limit:?}");
            }
        },
        None => run.await,
    }
    .context("waiting for the --exec command")?;
    group.reaped();
    if status.success() {
        Ok(())
    } else {
        anyhow::bail!("command exited with {status}")
    }
}

/// Cancels `token` on the first Ctrl-C or SIGTERM. On the second, kills every running command's
/// process group, so that their messages are released as failed, and exits once the consumer
/// has released them, or after [`RELEASE_ON_ABORT`] at the latest.
async fn stop_on_signals(mut signals: StopSignals, token: CancellationToken, commands: Commands) {
    if signals.recv().await.is_err() {
        return;
    }
    eprintln!("stopping: draining in-flight messages (Ctrl-C again to exit at once)");
    token.cancel();
    if signals.recv().await.is_ok() {
        eprintln!("stopping now: killing the running commands and releasing their messages");
        commands.abort();
        // The consumer's run returns (and the process exits) as soon as the releases are sent;
        // this bounds the wait when the server does not answer.
        let _ = tokio::time::timeout(RELEASE_ON_ABORT, signals.recv()).await;
        eprintln!("error: interrupted before the drain finished");
        std::process::exit(EXIT_INTERRUPTED);
    }
}

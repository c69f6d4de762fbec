//! A consumer process for the crash-and-restart test (`tests/consumer_crash.rs`).
//!
//! Consumes the inbox `ZAPIER_TEST_INBOX` of the emulator at `ZAPIER_EMULATOR_HOST` and appends
//! the id of every processed message, one per line, to `ZAPIER_TEST_OUT`, before returning `Ok`
//! (so before the ack). It runs until it is killed or gets SIGTERM.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;
use zapier_embed::consumer::{Consumer, Received};
use zapier_embed::{Client, InboxRef, messages::LeaseSeconds};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let inbox: InboxRef = std::env::var("ZAPIER_TEST_INBOX")?.parse()?;
    let out = std::env::var("ZAPIER_TEST_OUT")?;
    let client = Client::from_env()?;
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    tokio::spawn(async move {
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            term.recv().await;
        }
        stop.cancel();
    });
    let report = Consumer::builder(&client, inbox)
        .max_in_flight(8)
        .lease_seconds(LeaseSeconds::new(2)?)
        .idle_backoff(Duration::from_millis(20), Duration::from_millis(200))
        .handler(move |msg: Received| {
            let out = out.clone();
            async move {
                // Slow enough that a kill lands in the middle of a batch.
                tokio::time::sleep(Duration::from_millis(150)).await;
                let mut file = tokio::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&out)
                    .await?;
                file.write_all(format!("{}\n", msg.id).as_bytes()).await?;
                file.flush().await?;
                Ok::<_, std::io::Error>(())
            }
        })
        .run(shutdown)
        .await;
    eprintln!("{report}");
    Ok(())
}

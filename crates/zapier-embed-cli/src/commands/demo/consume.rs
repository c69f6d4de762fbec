//! The demo's events and their consumer: emit a mix of events, consume them with the consumer
//! runtime (ack, retry, dead letter, deadline), and the counts that show it.

use super::*;

pub(super) fn demo_event(i: u64) -> Value {
    let kind = Kind::of(i);
    json!({
        "text": format!("demo event {i}"),
        "user": "U0123456",
        "channel": CHANNEL,
        "ts": format!("1716292860.{i:06}"),
        "kind": kind.as_str(),
    })
}

pub(super) fn emit_request(payloads: Vec<Value>) -> EmitRequest {
    let mut inputs = Map::new();
    inputs.insert("channel".to_owned(), Value::String(CHANNEL.to_owned()));
    EmitRequest {
        app: APP.to_owned(),
        action: TRIGGER.to_owned(),
        inputs: Some(inputs),
        payload: Value::Array(payloads),
        count: Some(1),
        possible_duplicate_data: false,
    }
}

pub(super) async fn emit(ctx: &Ctx, tally: &mut Tally) -> anyhow::Result<((), String)> {
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
pub(super) fn compact(report: &ShutdownReport) -> String {
    format!(
        "leased {}, acked {}, released {}, dead-lettered {}, handler errors {}",
        report.leased, report.acked, report.released, report.dead_lettered, report.handler_errors
    )
}

/// What the consumer's handler saw.
#[derive(Debug, Default)]
pub(super) struct Seen {
    /// Payloads processed successfully, by message id.
    processed: HashMap<String, Value>,
    /// Failed attempts of the flaky event.
    transient_failures: u64,
    /// Attempts of the poison event (all failed).
    poison_attempts: Vec<u32>,
    /// The attempt on which the poison event was dead-lettered.
    dead_lettered_on: Option<u32>,
}

pub(super) fn label(msg: &LeasedMessage) -> String {
    let text = msg
        .payload
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or("event");
    format!("{text} ({})", Kind::parse(&msg.payload).as_str())
}

pub(super) async fn consume(
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

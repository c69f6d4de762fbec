//! The demo's inbox steps: ensure (twice, idempotently), wait until active, then the backlog,
//! pause, drain, refused lease, resume and delete.

use super::*;
use zapier_embed::inboxes::Inbox;

pub(super) async fn ensure(
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

pub(super) async fn ensure_again(
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

pub(super) async fn wait_active(ctx: &Ctx, inbox: &InboxRef) -> anyhow::Result<((), String)> {
    let (active, took) = until_active(ctx, inbox).await?;
    Ok((
        (),
        format!(
            "inbox {} after {took} (initializing while Zapier subscribes)",
            active.status
        ),
    ))
}

/// Waits until `inbox` is active: the inbox, and how long the wait took as a step shows it.
async fn until_active(ctx: &Ctx, inbox: &InboxRef) -> anyhow::Result<(Inbox, String)> {
    let started = Instant::now();
    let active = ctx
        .client
        .inboxes()
        .wait_until_active(inbox, PHASE_TIMEOUT)
        .await?;
    Ok((active, elapsed(started.elapsed())))
}

pub(super) async fn backlog(ctx: &Ctx, tally: &mut Tally) -> anyhow::Result<((), String)> {
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

pub(super) async fn pause(
    ctx: &Ctx,
    inbox: &InboxRef,
    tally: &mut Tally,
) -> anyhow::Result<((), String)> {
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

pub(super) async fn drain(
    ctx: &Ctx,
    inbox: &InboxRef,
    tally: &mut Tally,
) -> anyhow::Result<((), String)> {
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

pub(super) async fn lease_refused(ctx: &Ctx, inbox: &InboxRef) -> anyhow::Result<((), String)> {
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

pub(super) async fn resume(ctx: &Ctx, inbox: &InboxRef) -> anyhow::Result<((), String)> {
    let resumed = ctx.client.inboxes().resume(inbox).await?;
    let (active, took) = until_active(ctx, inbox).await?;
    Ok((
        (),
        format!(
            "resumed: {} -> {} after {took}",
            resumed.status, active.status
        ),
    ))
}

pub(super) async fn delete(
    ctx: &Ctx,
    inbox: &InboxRef,
    tally: &mut Tally,
) -> anyhow::Result<((), String)> {
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

//! Leasing: 200-empty vs 201, the response fields, defaults and limits, visibility, the paused
//! and drained 409.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::context::{Ctx, Inbox, Settle, ids, results};
use crate::http::Reply;
use crate::target::Variant;
use crate::verdict::{Checked, Verdict, ensure, fail, skip};

/// A leased message carries the documented fields.
fn leased_message_shape(ctx: &Ctx, message: &Value) -> Checked {
    ensure!(
        message["id"].is_string(),
        "a leased message has no string `id`: {message}"
    );
    ensure!(
        message["created_at"].is_string(),
        "a leased message has no `created_at`: {message}"
    );
    ensure!(
        message["status"] == "leased",
        "a leased message has status `leased`: {message}"
    );
    ensure!(
        message["payload"].is_object(),
        "a leased message has an object `payload`: {message}"
    );
    let attributes = &message["message_attributes"];
    ensure!(
        attributes["lease_count"].is_u64(),
        "`message_attributes.lease_count` is an integer: {message}"
    );
    ensure!(
        attributes
            .get("error_message")
            .is_some_and(|e| e.is_null() || e.is_string()),
        "`message_attributes.error_message` is a string or null: {message}"
    );
    ensure!(
        attributes["possible_duplicate_data"].is_boolean(),
        "`message_attributes.possible_duplicate_data` is a boolean: {message}"
    );
    if ctx.variant() == Variant::ByName {
        ensure!(
            message["lease_token"].is_string(),
            "a leased message carries a `lease_token`: {message}"
        );
    }
    Ok(())
}

pub(super) async fn empty_200(ctx: &Ctx) -> Checked {
    let inbox = ctx.active_inbox().await?;
    let reply = ctx.lease(&inbox, &ctx.lease_body(None, None)).await?;
    ensure!(
        ctx.is_empty_lease_status(reply.status),
        "leasing an empty inbox should answer 200: {}",
        reply.describe()
    );
    ensure!(
        reply.body["results"].as_array().is_some_and(Vec::is_empty),
        "an empty lease has `results: []`: {}",
        reply.describe()
    );
    if ctx.variant() == Variant::ById {
        ensure!(
            reply.body["lease_id"].is_null() && reply.body.get("lease_id").is_some(),
            "an empty lease has `lease_id: null`: {}",
            reply.describe()
        );
        ensure!(
            reply.body["leased_until"].is_null() && reply.body.get("leased_until").is_some(),
            "an empty lease has `leased_until: null`: {}",
            reply.describe()
        );
        ensure!(
            reply.body["inbox_attributes"]["status"] == "active",
            "`inbox_attributes.status` is the inbox's status: {}",
            reply.describe()
        );
    }
    Ok(())
}

pub(super) async fn messages_201(ctx: &Ctx) -> Checked {
    let inbox = ctx.active_inbox().await?;
    let sent = ctx.emit(&inbox, 1).await?;
    let reply = ctx.lease_some(&inbox, &ctx.lease_body(None, None)).await?;
    let messages = results(&reply);
    ensure!(
        messages.len() == 1,
        "one event, one message: {}",
        reply.describe()
    );
    leased_message_shape(ctx, &messages[0])?;
    ensure!(
        messages[0]["message_attributes"]["lease_count"] == 1,
        "a first lease has lease_count 1: {}",
        reply.describe()
    );
    for (key, value) in sent[0].as_object().into_iter().flatten() {
        ensure!(
            messages[0]["payload"][key] == *value,
            "the payload should carry the event's `{key}`: {}",
            reply.describe()
        );
    }
    if ctx.variant() == Variant::ById {
        ensure!(
            reply.body["lease_id"]
                .as_str()
                .is_some_and(|s| uuid::Uuid::parse_str(s).is_ok()),
            "a lease has a UUID `lease_id`: {}",
            reply.describe()
        );
        ensure!(
            leased_until(&reply).is_some(),
            "a lease has an ISO 8601 `leased_until`: {}",
            reply.describe()
        );
        ensure!(
            reply.body["inbox_attributes"]["status"].is_string()
                && reply.body["inbox_attributes"]
                    .get("paused_reason")
                    .is_some(),
            "a lease has `inbox_attributes` with `status` and `paused_reason`: {}",
            reply.describe()
        );
    }
    Ok(())
}

fn leased_until(reply: &Reply) -> Option<DateTime<Utc>> {
    reply.body["leased_until"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

pub(super) async fn default_limit(ctx: &Ctx) -> Checked {
    if ctx.variant() == Variant::ByName {
        skip!("the by-name guide documents `max_messages` without a default");
    }
    let (_, reply) = ctx.leased_inbox(12).await?;
    ensure!(
        results(&reply).len() == 10,
        "a lease without lease_limit takes 10 of 12 messages, not {}",
        results(&reply).len()
    );
    Ok(())
}

pub(super) async fn limits(ctx: &Ctx) -> Checked {
    if ctx.variant() == Variant::ByName {
        skip!("the by-name guide documents no bounds for lease_seconds or max_messages");
    }
    let inbox = ctx.active_inbox().await?;
    let cases = [
        ("lease_limit 101", ctx.lease_body(Some(101), None)),
        ("lease_limit 0", ctx.lease_body(Some(0), None)),
        ("lease_seconds 3601", ctx.lease_body(None, Some(3601))),
        ("lease_seconds 0", ctx.lease_body(None, Some(0))),
    ];
    for (what, body) in cases {
        let reply = ctx.lease(&inbox, &body).await?;
        ensure!(
            reply.status == 400,
            "{what} should answer 400: {}",
            reply.describe()
        );
        ensure!(
            reply.error_code().is_some(),
            "{what}: the 400 should be an `errors` envelope: {}",
            reply.describe()
        );
    }
    for (what, body) in [
        ("lease_limit 100", ctx.lease_body(Some(100), None)),
        ("lease_seconds 3600", ctx.lease_body(None, Some(3600))),
    ] {
        let reply = ctx.lease(&inbox, &body).await?;
        ensure!(
            reply.status == 200,
            "{what} is allowed (empty inbox: 200): {}",
            reply.describe()
        );
    }
    Ok(())
}

pub(super) async fn default_seconds(ctx: &Ctx) -> Checked {
    let default: u64 = match ctx.variant() {
        Variant::ById => 300,
        Variant::ByName => 30,
    };
    let inbox = ctx.active_inbox().await?;
    if ctx.variant() == Variant::ById && !ctx.control {
        // Without a clock to move (waiting 300 s is too long), compare the `leased_until` of a
        // default lease with that of an explicit 300 s lease taken right after it.
        ctx.emit(&inbox, 2).await?;
        let default_lease = ctx
            .lease_some(&inbox, &ctx.lease_body(Some(1), None))
            .await?;
        let explicit = ctx
            .lease_some(&inbox, &ctx.lease_body(Some(1), Some(default)))
            .await?;
        let (Some(a), Some(b)) = (leased_until(&default_lease), leased_until(&explicit)) else {
            fail!(
                "a lease has no ISO 8601 `leased_until`: {}",
                default_lease.describe()
            );
        };
        let apart = (a - b).num_seconds().abs();
        ensure!(
            apart <= 5,
            "a default lease ends {apart} s away from an explicit {default} s lease taken with it"
        );
        return Ok(());
    }
    ctx.emit(&inbox, 1).await?;
    let first = ctx.lease_some(&inbox, &ctx.lease_body(None, None)).await?;
    ctx.pass_time(default - 10).await?;
    let early = ctx.lease(&inbox, &ctx.lease_body(None, None)).await?;
    ensure!(
        results(&early).is_empty(),
        "{} s into a default lease the message should still be leased: {}",
        default - 10,
        early.describe()
    );
    ctx.pass_time(20).await?;
    let late = ctx.lease(&inbox, &ctx.lease_body(None, None)).await?;
    ensure!(
        ids(&late) == ids(&first),
        "{} s after a default lease the message should be leasable again: {}",
        default + 10,
        late.describe()
    );
    Ok(())
}

/// A lease of one message, which must hold exactly one: `what` says why it should.
async fn lease_one(ctx: &Ctx, inbox: &Inbox, what: &str) -> Result<Reply, Verdict> {
    let lease = ctx
        .lease_some(inbox, &ctx.lease_body(Some(1), None))
        .await?;
    ensure!(results(&lease).len() == 1, "{what}: {}", lease.describe());
    Ok(lease)
}

pub(super) async fn leased_invisible(ctx: &Ctx) -> Checked {
    let inbox = ctx.active_inbox().await?;
    ctx.emit(&inbox, 2).await?;
    let one = lease_one(ctx, &inbox, "a lease of 1 takes one message").await?;
    let two = lease_one(ctx, &inbox, "a second lease takes the other message").await?;
    ensure!(
        ids(&one) != ids(&two),
        "a leased message was leased again: {}",
        two.describe()
    );
    let none = ctx.lease(&inbox, &ctx.lease_body(None, None)).await?;
    ensure!(
        ctx.is_empty_lease_status(none.status) && results(&none).is_empty(),
        "with every message leased, a lease is empty (200): {}",
        none.describe()
    );
    Ok(())
}

pub(super) async fn paused_drained(ctx: &Ctx) -> Checked {
    // Wait for the event before pausing (events arriving while paused are dropped).
    let (inbox, first) = ctx.leased_inbox(1).await?;
    ctx.release(&inbox, Settle::Lease(&first)).await?;
    let paused = ctx.post(&ctx.op_url(&inbox, "pause"), &Value::Null).await?;
    paused.ensure_success("pause")?;
    let buffered = ctx.lease(&inbox, &ctx.lease_body(None, None)).await?;
    ensure!(
        ctx.is_filled_lease_status(buffered.status) && results(&buffered).len() == 1,
        "a paused inbox still hands out its buffered message (201): {}",
        buffered.describe()
    );
    let acked = ctx.ack(&inbox, Settle::Lease(&buffered)).await?;
    acked.ensure_success("ack")?;
    let drained = ctx.lease(&inbox, &ctx.lease_body(None, None)).await?;
    drained_conflict(ctx, &inbox, &drained)
}

fn drained_conflict(ctx: &Ctx, _inbox: &Inbox, drained: &Reply) -> Checked {
    if ctx.variant() == Variant::ByName {
        // The by-name guide does not say what leasing a paused, drained inbox answers: the
        // by-id 409 or an empty lease.
        ensure!(
            drained.status == 409
                || (ctx.is_empty_lease_status(drained.status) && results(drained).is_empty()),
            "a paused, drained inbox answers 409 or an empty lease: {}",
            drained.describe()
        );
        return Ok(());
    }
    ensure!(
        drained.status == 409,
        "a paused, drained inbox answers 409: {}",
        drained.describe()
    );
    ensure!(
        drained.body["detail"].is_string(),
        "the 409 has a `detail`: {}",
        drained.describe()
    );
    let attributes = &drained.body["inbox_attributes"];
    ensure!(
        attributes["status"] == "paused",
        "the 409 has inbox_attributes.status `paused`: {}",
        drained.describe()
    );
    ensure!(
        attributes["paused_reason"] == "user",
        "the 409 has paused_reason `user`: {}",
        drained.describe()
    );
    ensure!(
        attributes.get("paused_at").is_some(),
        "the 409 has `paused_at`: {}",
        drained.describe()
    );
    Ok(())
}

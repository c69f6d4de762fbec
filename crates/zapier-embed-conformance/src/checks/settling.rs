//! Acknowledge, release, lease expiry, attempts and quarantine, message listing.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::context::{Ctx, Inbox, Settle, ids, results};
use crate::http::Reply;
use crate::target::Variant;
use crate::verdict::{Checked, Verdict, ensure, skip};

fn lease_count(message: &Value) -> Option<u64> {
    message["message_attributes"]["lease_count"].as_u64()
}

/// The answer to settling a whole lease (`gerund` "acking", `noun` "ack"): on variant A a 201
/// naming the settlement in `id_field`, on variant B (whose guide names no status) any 2xx.
fn lease_settled(ctx: &Ctx, reply: &Reply, gerund: &str, noun: &str, id_field: &str) -> Checked {
    if ctx.variant() == Variant::ByName {
        return reply.ensure_success(noun);
    }
    ensure!(
        reply.status == 201,
        "{gerund} a lease should answer 201: {}",
        reply.describe()
    );
    ensure!(
        reply.body[id_field].is_string(),
        "the {noun} has an `{id_field}`: {}",
        reply.describe()
    );
    Ok(())
}

/// Leases the message of `lease` again, which must come back as its second attempt: `back`
/// and `counted` say why each should hold.
async fn leased_again(
    ctx: &Ctx,
    inbox: &Inbox,
    lease: &Reply,
    back: &str,
    counted: &str,
) -> Result<Reply, Verdict> {
    let again = ctx.lease(inbox, &ctx.lease_body(None, None)).await?;
    ensure!(ids(&again) == ids(lease), "{back}: {}", again.describe());
    ensure!(
        lease_count(&results(&again)[0]) == Some(2),
        "{counted}: {}",
        again.describe()
    );
    Ok(again)
}

pub(super) async fn ack_whole_lease(ctx: &Ctx) -> Checked {
    let (inbox, lease) = ctx.leased_inbox(2).await?;
    let leased = ids(&lease);
    let acked = ctx.ack(&inbox, Settle::Lease(&lease)).await?;
    lease_settled(ctx, &acked, "acking", "ack", "acked_id")?;
    if ctx.variant() == Variant::ById {
        let mut got = ids(&acked);
        let mut want = leased.clone();
        got.sort();
        want.sort();
        ensure!(
            got == want,
            "the ack lists every leased message: {}",
            acked.describe()
        );
        ensure!(
            results(&acked)
                .iter()
                .all(|m| m["status"] == "acked" && m.get("payload").is_none()),
            "acked messages have status `acked` and no payload: {}",
            acked.describe()
        );
    }
    let after = ctx
        .lease(
            &inbox,
            &ctx.lease_body(None, Some(ctx.short_lease_seconds())),
        )
        .await?;
    ensure!(
        results(&after).is_empty(),
        "acked messages are gone: {}",
        after.describe()
    );
    Ok(())
}

pub(super) async fn ack_subset(ctx: &Ctx) -> Checked {
    let (inbox, mut lease) = ctx.leased_inbox(2).await?;
    if results(&lease).len() < 2 {
        // A catch hook may deliver the second event a moment later.
        ctx.release(&inbox, Settle::Lease(&lease)).await?;
        lease = ctx.lease_some(&inbox, &ctx.lease_body(None, None)).await?;
    }
    ensure!(
        results(&lease).len() == 2,
        "two events, two messages: {}",
        lease.describe()
    );
    let leased = ids(&lease);
    let acked = ctx.ack(&inbox, Settle::Some(&lease, &[0])).await?;
    acked.ensure_success("acking one message")?;
    if ctx.variant() == Variant::ById {
        ensure!(
            ids(&acked) == leased[..1],
            "acking message_ids acks only those: {}",
            acked.describe()
        );
    }
    let released = ctx.release(&inbox, Settle::Lease(&lease)).await?;
    released.ensure_success("releasing the rest")?;
    if ctx.variant() == Variant::ById {
        ensure!(
            ids(&released) == leased[1..],
            "releasing the lease returns only the unacked message: {}",
            released.describe()
        );
    }
    let again = ctx.lease(&inbox, &ctx.lease_body(None, None)).await?;
    ensure!(
        ids(&again) == leased[1..],
        "only the unacked message is leasable again: {}",
        again.describe()
    );
    Ok(())
}

pub(super) async fn release_available_again(ctx: &Ctx) -> Checked {
    let (inbox, lease) = ctx.leased_inbox(1).await?;
    let released = ctx.release(&inbox, Settle::Lease(&lease)).await?;
    lease_settled(ctx, &released, "releasing", "release", "released_id")?;
    if ctx.variant() == Variant::ById {
        ensure!(
            results(&released)
                .iter()
                .all(|m| m["status"] == "available"),
            "released messages have status `available`: {}",
            released.describe()
        );
    }
    let again = leased_again(
        ctx,
        &inbox,
        &lease,
        "a released message is leasable at once",
        "release counts as an attempt: lease_count 2 on the next lease",
    )
    .await?;
    if ctx.variant() == Variant::ByName {
        ensure!(
            results(&again)[0]["lease_token"] != results(&lease)[0]["lease_token"],
            "a lease_token is unique per lease: the new lease reused the old token"
        );
    }
    Ok(())
}

pub(super) async fn expiry(ctx: &Ctx) -> Checked {
    let inbox = ctx.active_inbox().await?;
    ctx.emit(&inbox, 1).await?;
    let seconds = ctx.short_lease_seconds();
    let lease = ctx
        .lease_some(&inbox, &ctx.lease_body(None, Some(seconds)))
        .await?;
    ctx.pass_time(seconds + 1).await?;
    let late = ctx.ack(&inbox, Settle::Lease(&lease)).await?;
    match ctx.variant() {
        Variant::ById => {
            ensure!(
                late.status == 400,
                "acking an expired lease should answer 400: {}",
                late.describe()
            );
            ensure!(
                late.error_code() == Some("lease_expired"),
                "the error code should be `lease_expired`: {}",
                late.describe()
            );
        }
        // The by-name guide does not say what a late ack answers; an `errors` envelope with
        // any client status, or a 2xx that acked nothing (the message comes back below).
        Variant::ByName => ensure!(
            (400..500).contains(&late.status) || (200..300).contains(&late.status),
            "a late ack answers a client error or nothing: {}",
            late.describe()
        ),
    }
    leased_again(
        ctx,
        &inbox,
        &lease,
        "an expired lease's message is leasable again",
        "an expired lease counts as an attempt: lease_count 2",
    )
    .await?;
    Ok(())
}

pub(super) async fn quarantine(ctx: &Ctx) -> Checked {
    let inbox = ctx.active_inbox().await?;
    ctx.emit(&inbox, 1).await?;
    let mut counts = Vec::new();
    let mut id = String::new();
    for attempt in 0..6 {
        let lease = if attempt == 0 {
            ctx.lease_some(&inbox, &ctx.lease_body(None, None)).await?
        } else {
            ctx.lease(&inbox, &ctx.lease_body(None, None)).await?
        };
        let Some(message) = results(&lease).first() else {
            ensure!(
                ctx.is_empty_lease_status(lease.status),
                "a lease with nothing leasable answers 200: {}",
                lease.describe()
            );
            break;
        };
        id = message["id"].as_str().unwrap_or_default().to_owned();
        counts.push(lease_count(message).unwrap_or(0));
        let released = ctx.release(&inbox, Settle::Lease(&lease)).await?;
        released.ensure_success("release")?;
    }
    let expected: Vec<u64> = (1..=counts.len() as u64).collect();
    ensure!(
        counts == expected,
        "lease_count goes 1, 2, 3...: got {counts:?}"
    );
    match ctx.variant() {
        // "leased and returned to the queue 5 times without acknowledgment are quarantined"
        Variant::ById => ensure!(
            counts.len() == 5,
            "a message released 5 times is quarantined: it was leased {} times",
            counts.len()
        ),
        // "when lease_count reaches 5, the message is quarantined": on the fifth lease or
        // after it, the guide does not say.
        Variant::ByName => ensure!(
            counts.len() == 4 || counts.len() == 5,
            "a message is quarantined when lease_count reaches 5: it was leased {} times",
            counts.len()
        ),
    }
    if ctx.variant() == Variant::ById {
        let listed = ctx.get(&ctx.op_url(&inbox, "messages")).await?;
        ensure!(
            listed.status == 200,
            "listing messages: {}",
            listed.describe()
        );
        let status = results(&listed)
            .iter()
            .find(|m| m["id"] == id.as_str())
            .map(|m| m["status"].clone());
        ensure!(
            status == Some(Value::from("quarantined")),
            "a quarantined message stays listed with status `quarantined`: {}",
            listed.describe()
        );
    }
    Ok(())
}

pub(super) async fn list_cursor(ctx: &Ctx) -> Checked {
    if ctx.variant() == Variant::ByName {
        skip!("the by-name guide documents no message listing");
    }
    let inbox = ctx.active_inbox().await?;
    ctx.emit(&inbox, 5).await?;
    // Lease one so the listing holds two statuses.
    ctx.lease_some(&inbox, &ctx.lease_body(Some(1), None))
        .await?;
    let api_origin = origin(&ctx.target.api_url);
    // The reference documents only `cursor`; `limit` (sent by Zapier's SDK) makes the pages
    // small enough to need one when the server honours it.
    let mut url = format!("{}?limit=2", ctx.op_url(&inbox, "messages"));
    let mut seen = Vec::new();
    let mut statuses = BTreeSet::new();
    for _page in 0..20 {
        let page = ctx.get(&url).await?;
        ensure!(page.status == 200, "listing messages: {}", page.describe());
        ensure!(
            page.body.get("next").is_some() && page.body.get("previous").is_some(),
            "a message page has `next` and `previous`: {}",
            page.describe()
        );
        for message in results(&page) {
            ensure!(
                message.get("payload").is_none(),
                "listed messages carry no payload: {message}"
            );
            ensure!(
                message["message_attributes"].is_object(),
                "a listed message has attributes: {message}"
            );
            seen.push(message["id"].as_str().unwrap_or_default().to_owned());
            statuses.insert(message["status"].as_str().unwrap_or_default().to_owned());
        }
        match page.body["next"].as_str() {
            None => break,
            Some(next) => {
                // Never send the token to another origin.
                ensure!(
                    origin(next) == api_origin,
                    "`next` points to another origin: {next}"
                );
                url = next.to_owned();
            }
        }
    }
    let distinct: BTreeSet<_> = seen.iter().collect();
    ensure!(
        distinct.len() == seen.len(),
        "a message was listed twice across pages: {seen:?}"
    );
    ensure!(
        seen.len() == 5,
        "following `next` lists every message once: saw {}",
        seen.len()
    );
    ensure!(
        statuses.contains("leased") && statuses.contains("available"),
        "the listing includes messages in every state: saw {statuses:?}"
    );
    Ok(())
}

/// `scheme://host[:port]` of an absolute URL.
fn origin(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return String::new();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase()
    )
}

//! Inbox lifecycle: create, conflicts, ensure, listing, pause/resume, delete.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use crate::context::{Ctx, Who};
use crate::target::Variant;
use crate::verdict::{Checked, ensure, fail};

/// An inbox body carries the documented fields (`id`, `status`, `created_at`, `subscription`).
pub(super) fn inbox_shape(body: &Value) -> Checked {
    for field in ["id", "status", "created_at"] {
        ensure!(
            body[field].is_string(),
            "the inbox has no string `{field}`: {body}"
        );
    }
    ensure!(
        body["subscription"].is_object(),
        "the inbox has no `subscription` object: {body}"
    );
    Ok(())
}

pub(super) async fn create_then_active(ctx: &Ctx) -> Checked {
    let (inbox, reply) = ctx.create_inbox_as(Who::First).await?;
    match ctx.variant() {
        Variant::ById => ensure!(
            reply.status == 201,
            "create should answer 201: {}",
            reply.describe()
        ),
        // The by-name guide calls PUT an upsert and names no status: 200 or 201.
        Variant::ByName => ensure!(
            reply.status == 200 || reply.status == 201,
            "the upsert should answer 200 or 201: {}",
            reply.describe()
        ),
    }
    inbox_shape(&reply.body)?;
    // A new inbox starts `initializing`; a server that activates at once is indistinguishable
    // from one polled a moment later, so `active` is accepted too.
    let status = reply.body["status"].as_str().unwrap_or_default();
    ensure!(
        status == "initializing" || status == "active",
        "a new inbox should be `initializing` (or already `active`), not `{status}`"
    );
    let body = ctx.wait_status(Who::First, &inbox, "active").await?;
    inbox_shape(&body)?;
    ensure!(
        body["id"] == inbox.id.as_str(),
        "the inbox changed id: {body}"
    );
    Ok(())
}

pub(super) async fn name_conflict(ctx: &Ctx) -> Checked {
    let (inbox, _) = ctx.create_inbox_as(Who::First).await?;
    let reply = match ctx.variant() {
        Variant::ById => {
            // Same name again (same subscription): the reference says 409 whenever it exists.
            let body = ctx.inbox_body(&inbox.name, &inbox.hook_code);
            ctx.post(&ctx.collection_url(), &body).await?
        }
        Variant::ByName => {
            // Same name, different inputs.
            let body = ctx.inbox_body(&inbox.name, "0000deadbeef");
            ctx.call(Who::First, Method::PUT, &ctx.inbox_url(&inbox), Some(&body))
                .await?
        }
    };
    if (200..300).contains(&reply.status)
        && reply.body["id"].is_string()
        && reply.body["id"] != inbox.id.as_str()
    {
        // A second inbox was made after all: clean it up too.
        let stray = crate::context::Inbox {
            id: reply.body["id"].as_str().unwrap_or_default().to_owned(),
            ..inbox.clone()
        };
        ctx.remember(Who::First, &stray).await;
    }
    reply.ensure_refused(ctx.variant(), 409, "conflict", "a name in use")?;
    Ok(())
}

pub(super) async fn ensure(ctx: &Ctx) -> Checked {
    match ctx.variant() {
        Variant::ById => {
            let name = ctx.new_name();
            let code = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
            let body = ctx.inbox_body(&name, &code);
            let first = ctx
                .call(Who::First, Method::PUT, &ctx.collection_url(), Some(&body))
                .await?;
            if let Some(id) = first.body["id"].as_str() {
                let inbox = crate::context::Inbox {
                    id: id.to_owned(),
                    name: name.clone(),
                    hook_code: code.clone(),
                };
                ctx.remember(Who::First, &inbox).await;
            }
            ensure!(
                first.status == 201,
                "ensuring a new name should answer 201: {}",
                first.describe()
            );
            inbox_shape(&first.body)?;
            let again = ctx
                .call(Who::First, Method::PUT, &ctx.collection_url(), Some(&body))
                .await?;
            ensure!(
                again.status == 200,
                "ensuring it again should answer 200: {}",
                again.describe()
            );
            ensure!(
                again.body["id"] == first.body["id"],
                "ensure returned another inbox: {}",
                again.describe()
            );
            let different = ctx.inbox_body(&name, "0000deadbeef");
            let conflict = ctx
                .call(
                    Who::First,
                    Method::PUT,
                    &ctx.collection_url(),
                    Some(&different),
                )
                .await?;
            ensure!(
                conflict.status == 409,
                "ensuring the name with another subscription should answer 409: {}",
                conflict.describe()
            );
        }
        Variant::ByName => {
            let (inbox, first) = ctx.create_inbox_as(Who::First).await?;
            let body = ctx.inbox_body(&inbox.name, &inbox.hook_code);
            let again = ctx
                .call(Who::First, Method::PUT, &ctx.inbox_url(&inbox), Some(&body))
                .await?;
            // The guide: "returns the existing inbox"; the status is not documented.
            ensure!(
                again.status == 200 || again.status == 201,
                "the upsert of an existing name should answer 200 or 201: {}",
                again.describe()
            );
            ensure!(
                again.body["id"] == first.body["id"],
                "the upsert returned another inbox: {}",
                again.describe()
            );
        }
    }
    Ok(())
}

pub(super) async fn list_by_name(ctx: &Ctx) -> Checked {
    let (inbox, _) = ctx.create_inbox_as(Who::First).await?;
    let url = format!("{}?name={}", ctx.collection_url(), inbox.name);
    let reply = ctx.get(&url).await?;
    ensure!(reply.status == 200, "listing inboxes: {}", reply.describe());
    let Some(results) = reply.body["results"].as_array() else {
        fail!("the list has no `results` array: {}", reply.describe());
    };
    ensure!(
        results.iter().any(|i| i["id"] == inbox.id.as_str()),
        "the name filter does not find the inbox: {}",
        reply.describe()
    );
    ensure!(
        results
            .iter()
            .all(|i| i["name"] == inbox.name.as_str() || i["key"] == inbox.name.as_str()),
        "the name filter is an exact match, yet other inboxes came back: {}",
        reply.describe()
    );
    if ctx.variant() == Variant::ById {
        ensure!(
            reply.body["count"].is_u64(),
            "the list has no integer `count`: {}",
            reply.describe()
        );
        ensure!(
            reply.body.get("next").is_some() && reply.body.get("previous").is_some(),
            "the list lacks `next`/`previous`: {}",
            reply.describe()
        );
    }
    Ok(())
}

pub(super) async fn pause_resume(ctx: &Ctx) -> Checked {
    let inbox = ctx.active_inbox().await?;
    let by_id = ctx.variant() == Variant::ById;
    let paused = ctx.post(&ctx.op_url(&inbox, "pause"), &Value::Null).await?;
    if by_id {
        ensure!(
            paused.status == 200,
            "pause should answer 200: {}",
            paused.describe()
        );
        ensure!(
            paused.body["status"] == "paused",
            "pause should return the `paused` inbox: {}",
            paused.describe()
        );
        ensure!(
            paused.body["paused_reason"] == "user",
            "a manual pause has paused_reason `user`: {}",
            paused.describe()
        );
    } else {
        // The by-name guide names neither the status nor the body of pause and resume.
        paused.ensure_success("pause should succeed")?;
    }
    let read = ctx.get(&ctx.inbox_url(&inbox)).await?;
    ensure!(
        read.body["status"] == "paused",
        "the paused inbox reads back as: {}",
        read.describe()
    );
    let resumed = ctx
        .post(&ctx.op_url(&inbox, "resume"), &Value::Null)
        .await?;
    if by_id {
        ensure!(
            resumed.status == 200 || resumed.status == 202,
            "resume should answer 200 or 202: {}",
            resumed.describe()
        );
        let status = resumed.body["status"].as_str().unwrap_or_default();
        ensure!(
            status == "initializing" || status == "active",
            "a resumed inbox is `initializing` then `active`, not `{status}`"
        );
    } else {
        resumed.ensure_success("resume should succeed")?;
    }
    ctx.wait_status(Who::First, &inbox, "active").await?;
    Ok(())
}

pub(super) async fn delete_then_404(ctx: &Ctx) -> Checked {
    let inbox = ctx.active_inbox().await?;
    let deleted = ctx
        .call(Who::First, Method::DELETE, &ctx.inbox_url(&inbox), None)
        .await?;
    match ctx.variant() {
        Variant::ById => {
            ensure!(
                deleted.status == 202,
                "delete should answer 202: {}",
                deleted.describe()
            );
            ensure!(
                deleted.body["status"] == "deleting",
                "the deleted inbox should be `deleting`: {}",
                deleted.describe()
            );
        }
        // The by-name guide names no status for the deletion.
        Variant::ByName => ensure!(
            matches!(deleted.status, 200 | 202 | 204),
            "delete should succeed: {}",
            deleted.describe()
        ),
    }
    // Deletion is asynchronous: poll until the inbox is gone.
    let deadline = tokio::time::Instant::now() + ctx.target.settle_timeout;
    loop {
        let read = ctx.get(&ctx.inbox_url(&inbox)).await?;
        if read.status == 404 {
            read.ensure_code(ctx.variant(), "not_found")?;
            return Ok(());
        }
        ensure!(
            read.status == 200 && read.body["status"] == "deleting",
            "a deleted inbox reads as `deleting` until it is gone (404): {}",
            read.describe()
        );
        if tokio::time::Instant::now() >= deadline {
            fail!(
                "the deleted inbox still answers 200 after {:?}",
                ctx.target.settle_timeout
            );
        }
        if ctx.control {
            ctx.pass_time(5).await?;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

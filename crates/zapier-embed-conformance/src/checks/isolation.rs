//! Two identities never see each other's inboxes or messages.

use serde_json::json;

use crate::context::{Ctx, Who, results};
use crate::target::Variant;
use crate::verdict::{Checked, ensure, skip};

pub(super) async fn second_identity(ctx: &Ctx) -> Checked {
    if !ctx.has_second() {
        skip!("needs a second identity (second client id and secret)");
    }
    let inbox = ctx.active_inbox().await?;
    ctx.emit(&inbox, 1).await?;
    match ctx.variant() {
        Variant::ById => {
            let read = ctx
                .call(
                    Who::Second,
                    reqwest::Method::GET,
                    &ctx.inbox_url(&inbox),
                    None,
                )
                .await?;
            ensure!(
                read.status == 404 || read.status == 403,
                "another identity's inbox is not visible (404): {}",
                read.describe()
            );
            let lease = ctx.lease_as(Who::Second, &inbox, &json!({})).await?;
            ensure!(
                (lease.status == 404 || lease.status == 403) && results(&lease).is_empty(),
                "another identity cannot lease the inbox: {}",
                lease.describe()
            );
        }
        Variant::ByName => {
            // Names are per user: the second identity's upsert of the same name is its own inbox.
            let body = ctx.inbox_body(&inbox.name, &inbox.hook_code);
            let own = ctx
                .call(
                    Who::Second,
                    reqwest::Method::PUT,
                    &ctx.inbox_url(&inbox),
                    Some(&body),
                )
                .await?;
            ctx.remember(Who::Second, &inbox).await;
            own.ensure_success("the second identity's upsert")?;
            ensure!(
                own.body["id"] != inbox.id.as_str(),
                "the second identity got the first identity's inbox: {}",
                own.describe()
            );
            ctx.wait_status(Who::Second, &inbox, "active").await?;
            let lease = ctx.lease_as(Who::Second, &inbox, &json!({})).await?;
            ensure!(
                results(&lease).is_empty(),
                "the second identity leased the first identity's message: {}",
                lease.describe()
            );
        }
    }
    let url = format!("{}?name={}", ctx.collection_url(), inbox.name);
    let list = ctx
        .call(Who::Second, reqwest::Method::GET, &url, None)
        .await?;
    ensure!(
        !results(&list).iter().any(|i| i["id"] == inbox.id.as_str()),
        "another identity's listing shows the inbox: {}",
        list.describe()
    );
    // The first identity still has its message.
    let mine = ctx.lease(&inbox, &ctx.lease_body(None, None)).await?;
    ensure!(
        results(&mine).len() == 1,
        "the owner's message is untouched: {}",
        mine.describe()
    );
    Ok(())
}

//! Trigger Inbox API, variant B: inboxes by name, per-message `lease_token`.

use super::inbox_api::{Reply, on_inbox, send_for};
use super::*;
use crate::messages::Lease;
use crate::{Client, InboxRef, LeaseOptions};
use zapier_embed_api::by_name;

inbox_requests! {
    generated: by_name,
    key: name: InboxName => name.as_str(),
    setters: name, name,
    list: list_inboxes,
    get: get_inbox,
    transitions: pause_inbox, resume_inbox, delete_inbox,
    list_messages: list_messages,
    lease: lease_messages,
    ack: acknowledge_messages(LeaseTokens),
    release: release_messages(LeaseTokens),
}

/// Upsert: the inbox and whether it was created (201) rather than found (200).
pub(crate) async fn upsert(
    api: Api,
    op: &Operation,
    name: InboxName,
    body: FlatInboxBody,
) -> Result<(Inbox, bool), Failure> {
    let body: by_name::types::InboxUpsert = to_body(op, "inbox body", &body)?;
    let (status, inbox) = api
        .fetch(op, |c: by_name::Client| async move {
            c.upsert_inbox().name(name.as_str()).body(body).send().await
        })
        .await?;
    Ok((convert(op, status, "inbox", &inbox)?, status == 201))
}

// ---------------------------------------------------------------------------------------------
// The variant seam, variant B
// ---------------------------------------------------------------------------------------------

/// Variant B of [`InboxApi`]: paths by inbox name (an id is resolved to its name first).
pub(crate) struct ByName;

impl InboxApi for ByName {
    inbox_api_methods! {
        resolve: inbox_name => name,
        get: GET_BY_NAME,
        list: LIST_BY_NAME,
        transition: transition_by_name,
        lease: LEASE_BY_NAME,
        list_messages: LIST_MESSAGES_BY_NAME,
        lease_body: |options| LeaseBodyByName {
            lease_seconds: options.lease_seconds.get(),
            max_messages: options.limit.get(),
        },
        lease_target: InboxRef::Name(name.clone()),
    }

    fn find_by_name<'a>(&'a self, client: &'a Client, name: &'a InboxName) -> Reply<'a, Inbox> {
        // A name is its own key: one `get`, under the resolving operation's name.
        send_for(
            client,
            &ops::RESOLVE_ID_BY_GET,
            Some(name.to_string()),
            move |api, op| get_inbox(api, op, name.clone()),
        )
    }

    fn create<'a>(&'a self, _: &'a Client, _: NewInbox<'a, Option<InboxName>>) -> Reply<'a, Inbox> {
        Box::pin(std::future::ready(Err(crate::inboxes::unsupported(
            ops::CREATE.name,
            "the by-name API variant has no create endpoint; use ensure, which upserts by name",
        ))))
    }

    fn ensure<'a>(
        &'a self,
        client: &'a Client,
        new: NewInbox<'a, InboxName>,
    ) -> Reply<'a, (Inbox, bool)> {
        let (name, body) = (new.name.clone(), new.flat_body());
        send_for(
            client,
            &ops::ENSURE_BY_NAME,
            Some(new.name.to_string()),
            move |api, op| upsert(api, op, name.clone(), body.clone()),
        )
    }

    fn patch<'a>(&'a self, _: &'a Client, _: &'a InboxRef, _: Option<String>) -> Reply<'a, Inbox> {
        Box::pin(std::future::ready(Err(crate::inboxes::unsupported(
            ops::PATCH.name,
            "the by-name API variant documents no update endpoint; set notification_url when ensuring the inbox",
        ))))
    }
}

//! Trigger Inbox API, variant A: inboxes by id, batch `lease_id` (and the trigger catalogue of
//! the same document).

use super::inbox_api::{Reply, on_inbox, send_for};
use super::*;
use crate::messages::Lease;
use crate::{Client, InboxRef, LeaseOptions};
use zapier_embed_api::by_id;

inbox_requests! {
    generated: by_id,
    key: id: Uuid => id,
    setters: id, inbox_id,
    list: list_trigger_inboxes,
    get: get_trigger_inbox,
    transitions: pause_trigger_inbox, resume_trigger_inbox, delete_trigger_inbox,
    list_messages: list_trigger_inbox_messages,
    lease: lease_trigger_inbox_messages,
    ack: acknowledge_trigger_inbox_messages(AckRequest),
    release: release_trigger_inbox_messages(ReleaseRequest),
}

/// Create, ensure and update: sent beside the generated builders (see the module
/// documentation of `wire`), answered with the inbox.
async fn send_inbox(
    api: Api,
    op: &Operation,
    method: reqwest::Method,
    path: &str,
    body: &impl Serialize,
) -> Result<(u16, Inbox), Failure> {
    let body = serde_json::to_value(body)
        .map_err(|e| Failure::unsent(invalid_request(op, &e.to_string())))?;
    let answer = api
        .send_json::<by_id::Client>(op, method, path, &body)
        .await?;
    let (status, inbox): (_, by_id::types::Inbox) = answer.json(op).await?;
    Ok((status, convert(op, status, "inbox", &inbox)?))
}

pub(crate) async fn create(
    api: Api,
    op: &Operation,
    body: NestedInboxBody,
) -> Result<Inbox, Failure> {
    let (_, inbox) = send_inbox(api, op, reqwest::Method::POST, "/inboxes", &body).await?;
    Ok(inbox)
}

/// Ensure: the inbox and whether it was created (201) rather than found (200).
pub(crate) async fn ensure(
    api: Api,
    op: &Operation,
    body: NestedInboxBody,
) -> Result<(Inbox, bool), Failure> {
    let (status, inbox) = send_inbox(api, op, reqwest::Method::PUT, "/inboxes", &body).await?;
    Ok((inbox, status == 201))
}

pub(crate) async fn patch(
    api: Api,
    op: &Operation,
    id: Uuid,
    url: Option<String>,
) -> Result<Inbox, Failure> {
    let body = serde_json::json!({ "notification_url": url });
    let path = format!("/inboxes/{}", id.hyphenated());
    let (_, inbox) = send_inbox(api, op, reqwest::Method::PATCH, &path, &body).await?;
    Ok(inbox)
}

pub(crate) async fn events_by_id(
    api: Api,
    op: &'static Operation,
    id: Uuid,
) -> Result<EventBytes, Failure> {
    let answer = api
        .send(op, |c: by_id::Client| async move {
            c.get_trigger_inbox_events().inbox_id(id).send().await
        })
        .await?;
    Ok(answer
        .response
        .bytes_stream()
        .map(move |chunk| chunk.map_err(|e| reqwest_error(op, e)))
        .boxed())
}

// Triggers live in the variant A document; both variants use them.

pub(crate) async fn list_triggers(
    api: Api,
    op: &Operation,
    app: String,
) -> Result<Vec<Trigger>, Failure> {
    let (status, list) = api
        .fetch(op, |c: by_id::Client| async move {
            c.list_triggers().app(app).send().await
        })
        .await?;
    let mut triggers: Vec<Trigger> = convert(op, status, "trigger list", &list.results)?;
    for trigger in &mut triggers {
        // An empty description is none.
        trigger.description = trigger.description.take().filter(|d| !d.is_empty());
    }
    Ok(triggers)
}

pub(crate) async fn trigger_input_fields(
    api: Api,
    op: &Operation,
    app: String,
    trigger: String,
    connection: Option<String>,
) -> Result<Vec<InputField>, Failure> {
    // The endpoint requires the parameter: sent empty for triggers without a connection
    // (Webhooks by Zapier).
    let connection = connection.unwrap_or_default();
    let (status, list) = api
        .fetch(op, |c: by_id::Client| async move {
            let request = c.list_trigger_input_fields().app(app).action(trigger);
            request.connection(connection).send().await
        })
        .await?;
    convert(op, status, "trigger input fields", &list.results)
}

// ---------------------------------------------------------------------------------------------
// The variant seam, variant A
// ---------------------------------------------------------------------------------------------

/// Variant A of [`InboxApi`]: paths by inbox id (a name is resolved to its id first).
pub(crate) struct ById;

impl InboxApi for ById {
    inbox_api_methods! {
        resolve: inbox_id => id,
        get: GET_BY_ID,
        list: LIST_BY_ID,
        transition: transition_by_id,
        lease: LEASE_BY_ID,
        list_messages: LIST_MESSAGES_BY_ID,
        lease_body: |options| LeaseBodyById {
            lease_seconds: options.lease_seconds.get(),
            lease_limit: options.limit.get(),
        },
        lease_target: InboxRef::Id(id),
    }

    fn find_by_name<'a>(&'a self, client: &'a Client, name: &'a InboxName) -> Reply<'a, Inbox> {
        let query = InboxQuery {
            limit: Some(1),
            name: Some(name.to_string()),
            ..InboxQuery::default()
        };
        let op = &ops::RESOLVE_ID_BY_LIST;
        let page = send_for(client, op, Some(name.to_string()), move |api, op| {
            list_inboxes(api, op, query.clone())
        });
        Box::pin(async move {
            // The filter is exact-match; check anyway rather than trust a loose server.
            page.await?
                .items
                .into_iter()
                .find(|i| i.name.as_deref() == Some(name.as_str()))
                .ok_or_else(|| Error::not_found(op.name, format!("no inbox is named \"{name}\"")))
        })
    }

    fn create<'a>(
        &'a self,
        client: &'a Client,
        new: NewInbox<'a, Option<InboxName>>,
    ) -> Reply<'a, Inbox> {
        let body = new.nested_body(new.name.as_ref());
        let label = new.name.as_ref().map(ToString::to_string);
        send_for(client, &ops::CREATE, label, move |api, op| {
            create(api, op, body.clone())
        })
    }

    fn ensure<'a>(
        &'a self,
        client: &'a Client,
        new: NewInbox<'a, InboxName>,
    ) -> Reply<'a, (Inbox, bool)> {
        let body = new.nested_body(Some(&new.name));
        send_for(
            client,
            &ops::ENSURE_BY_ID,
            Some(new.name.to_string()),
            move |api, op| ensure(api, op, body.clone()),
        )
    }

    fn patch<'a>(
        &'a self,
        client: &'a Client,
        inbox: &'a InboxRef,
        notification_url: Option<String>,
    ) -> Reply<'a, Inbox> {
        on_inbox(
            client,
            inbox,
            &ops::PATCH,
            client.inbox_id(inbox),
            move |api, op, id| patch(api, op, id, notification_url.clone()),
        )
    }
}

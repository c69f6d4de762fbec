//! Trigger Inbox API, variant A: inboxes by id, batch `lease_id` (and the trigger catalogue of
//! the same document).

use super::*;
use crate::messages::Lease;
use crate::{Client, InboxRef, LeaseOptions, Subscription};
use futures::future::BoxFuture;
use zapier_embed_api::by_id;

pub(crate) async fn list_inboxes_by_id(
    api: Api,
    op: &Operation,
    query: InboxQuery,
) -> Result<Page<Inbox>, Failure> {
    let answer = api
        .send(op, |c: by_id::Client| async move {
            let mut request = c.list_trigger_inboxes();
            if let Some(limit) = query.limit {
                request = request.limit(i64::from(limit));
            }
            if let Some(o) = query.offset {
                request = request.offset(offset(o));
            }
            if let Some(name) = query.name {
                request = request.name(name);
            }
            if let Some(status) = query.status {
                request = request.status(status);
            }
            request.send().await
        })
        .await?;
    let (status, page): (_, by_id::types::PaginatedInboxList) = answer.json(op).await?;
    Ok(Page {
        items: convert(op, status, "inbox list", &page.results)?,
        next: page.next,
    })
}

pub(crate) async fn create_by_id(
    api: Api,
    op: &Operation,
    body: NestedInboxBody,
) -> Result<Inbox, Failure> {
    let body = serde_json::to_value(&body)
        .map_err(|e| Failure::unsent(invalid_request(op, &e.to_string())))?;
    let answer = api
        .send_json::<by_id::Client>(op, reqwest::Method::POST, "/inboxes", &body)
        .await?;
    let (status, inbox): (_, by_id::types::Inbox) = answer.json(op).await?;
    convert(op, status, "inbox", &inbox)
}

/// Ensure: the inbox and whether it was created (201) rather than found (200).
pub(crate) async fn ensure_by_id(
    api: Api,
    op: &Operation,
    body: NestedInboxBody,
) -> Result<(Inbox, bool), Failure> {
    let body = serde_json::to_value(&body)
        .map_err(|e| Failure::unsent(invalid_request(op, &e.to_string())))?;
    let answer = api
        .send_json::<by_id::Client>(op, reqwest::Method::PUT, "/inboxes", &body)
        .await?;
    let (status, inbox): (_, by_id::types::Inbox) = answer.json(op).await?;
    Ok((convert(op, status, "inbox", &inbox)?, status == 201))
}

pub(crate) async fn get_by_id(api: Api, op: &Operation, id: Uuid) -> Result<Inbox, Failure> {
    let answer = api
        .send(op, |c: by_id::Client| async move {
            c.get_trigger_inbox().id(id).send().await
        })
        .await?;
    let (status, inbox): (_, by_id::types::Inbox) = answer.json(op).await?;
    convert(op, status, "inbox", &inbox)
}

pub(crate) async fn patch_by_id(
    api: Api,
    op: &Operation,
    id: Uuid,
    url: Option<String>,
) -> Result<Inbox, Failure> {
    let body = serde_json::json!({ "notification_url": url });
    let path = format!("/inboxes/{}", id.hyphenated());
    let answer = api
        .send_json::<by_id::Client>(op, reqwest::Method::PATCH, &path, &body)
        .await?;
    let (status, inbox): (_, by_id::types::Inbox) = answer.json(op).await?;
    convert(op, status, "inbox", &inbox)
}

pub(crate) async fn transition_by_id(
    api: Api,
    op: &Operation,
    id: Uuid,
    transition: Transition,
) -> Result<Inbox, Failure> {
    let answer = api
        .send(op, |c: by_id::Client| async move {
            match transition {
                Transition::Pause => c.pause_trigger_inbox().id(id).send().await,
                Transition::Resume => c.resume_trigger_inbox().id(id).send().await,
                Transition::Delete => c.delete_trigger_inbox().id(id).send().await,
            }
        })
        .await?;
    let (status, inbox): (_, by_id::types::Inbox) = answer.json(op).await?;
    convert(op, status, "inbox", &inbox)
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

pub(crate) async fn list_messages_by_id(
    api: Api,
    op: &Operation,
    id: Uuid,
    cursor: Option<String>,
) -> Result<Page<Message>, Failure> {
    let answer = api
        .send(op, |c: by_id::Client| async move {
            let mut request = c.list_trigger_inbox_messages().inbox_id(id);
            if let Some(cursor) = cursor {
                request = request.cursor(cursor);
            }
            request.send().await
        })
        .await?;
    let (status, page): (_, by_id::types::PaginatedMessageList) = answer.json(op).await?;
    Ok(Page {
        items: convert(op, status, "message list", &page.results)?,
        next: page.next,
    })
}

pub(crate) async fn lease_by_id(
    api: Api,
    op: &Operation,
    id: Uuid,
    body: LeaseBodyById,
) -> Result<LeaseResponseBody, Failure> {
    let body: by_id::types::LeaseRequest = to_body(op, "lease request", &body)?;
    let answer = api
        .send(op, |c: by_id::Client| async move {
            c.lease_trigger_inbox_messages()
                .inbox_id(id)
                .body(body)
                .send()
                .await
        })
        .await?;
    let (status, lease): (_, by_id::types::LeaseResponse) = answer.json(op).await?;
    convert(op, status, "lease response", &lease)
}

pub(crate) async fn settle_by_id(
    api: Api,
    op: &Operation,
    settle: Settle,
    id: Uuid,
    lease_id: Uuid,
    message_ids: Option<Vec<Uuid>>,
) -> Result<Settled, Failure> {
    let message_ids = message_ids.unwrap_or_default();
    match settle {
        Settle::Ack => {
            let body = by_id::types::AckRequest {
                lease_id,
                message_ids,
            };
            let answer = api
                .send(op, |c: by_id::Client| async move {
                    c.acknowledge_trigger_inbox_messages()
                        .inbox_id(id)
                        .body(body)
                        .send()
                        .await
                })
                .await?;
            let (status, body): (_, by_id::types::AckResponse) = answer.json(op).await?;
            Ok(settled_by_id(status, &body.results))
        }
        Settle::Release => {
            let body = by_id::types::ReleaseRequest {
                lease_id,
                message_ids,
            };
            let answer = api
                .send(op, |c: by_id::Client| async move {
                    c.release_trigger_inbox_messages()
                        .inbox_id(id)
                        .body(body)
                        .send()
                        .await
                })
                .await?;
            let (status, body): (_, by_id::types::ReleaseResponse) = answer.json(op).await?;
            Ok(settled_by_id(status, &body.results))
        }
    }
}

/// The ids an ack or release answer lists, read straight from the generated messages (their ids
/// are uuids already checked by the decoder): converting the whole answer through its JSON form
/// would cost more than the request itself for 100 messages.
fn settled_by_id(status: u16, results: &[by_id::types::Message]) -> Settled {
    Settled {
        status,
        message_ids: results
            .iter()
            .map(|m| MessageId::new(m.id.to_string()))
            .collect(),
    }
}

// Triggers live in the variant A document; both variants use them.

pub(crate) async fn list_triggers(
    api: Api,
    op: &Operation,
    app: String,
) -> Result<Vec<Trigger>, Failure> {
    let answer = api
        .send(op, |c: by_id::Client| async move {
            c.list_triggers().app(app).send().await
        })
        .await?;
    let (_, list): (_, by_id::types::TriggerList) = answer.json(op).await?;
    Ok(list
        .results
        .into_iter()
        .map(|t| Trigger {
            key: t.key,
            title: t.title,
            description: t.description.filter(|d| !d.is_empty()),
            app_key: t.app_key,
        })
        .collect())
}

pub(crate) async fn trigger_input_fields(
    api: Api,
    op: &Operation,
    app: String,
    trigger: String,
    connection: String,
) -> Result<Vec<InputField>, Failure> {
    let answer = api
        .send(op, |c: by_id::Client| async move {
            c.list_trigger_input_fields()
                .app(app)
                .action(trigger)
                .connection(connection)
                .send()
                .await
        })
        .await?;
    let (status, list): (_, by_id::types::TriggerInputFieldList) = answer.json(op).await?;
    convert(op, status, "trigger input fields", &list.results)
}

// ---------------------------------------------------------------------------------------------
// The variant seam, variant A
// ---------------------------------------------------------------------------------------------

/// Variant A of [`InboxApi`]: paths by inbox id (a name is resolved to its id first).
pub(crate) struct ById;

impl InboxApi for ById {
    fn find_by_name<'a>(
        &'a self,
        client: &'a Client,
        name: &'a InboxName,
    ) -> BoxFuture<'a, Result<Inbox, Error>> {
        Box::pin(async move {
            let op = &ops::RESOLVE_ID_BY_LIST;
            let query = InboxQuery {
                limit: Some(1),
                name: Some(name.to_string()),
                ..InboxQuery::default()
            };
            let page = client
                .inner
                .call(op, Some(name.as_str()), move |api| {
                    list_inboxes_by_id(api, op, query.clone())
                })
                .await?;
            // The filter is exact-match; check anyway rather than trust a loose server.
            page.items
                .into_iter()
                .find(|i| i.name.as_deref() == Some(name.as_str()))
                .ok_or_else(|| Error::not_found(op.name, format!("no inbox is named \"{name}\"")))
        })
    }

    fn create<'a>(
        &'a self,
        client: &'a Client,
        name: Option<InboxName>,
        subscription: &'a Subscription,
        notification_url: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Inbox, Error>> {
        Box::pin(async move {
            let body = subscription.to_nested_body(name.as_ref(), notification_url);
            let label = name.as_ref().map(ToString::to_string);
            client
                .inner
                .call(&ops::CREATE, label.as_deref(), move |api| {
                    create_by_id(api, &ops::CREATE, body.clone())
                })
                .await
        })
    }

    fn ensure<'a>(
        &'a self,
        client: &'a Client,
        name: InboxName,
        subscription: &'a Subscription,
        notification_url: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(Inbox, bool), Error>> {
        Box::pin(async move {
            let body = subscription.to_nested_body(Some(&name), notification_url);
            let label = name.to_string();
            client
                .inner
                .call(&ops::ENSURE_BY_ID, Some(&label), move |api| {
                    ensure_by_id(api, &ops::ENSURE_BY_ID, body.clone())
                })
                .await
        })
    }

    fn get<'a>(
        &'a self,
        client: &'a Client,
        inbox: &'a InboxRef,
    ) -> BoxFuture<'a, Result<Inbox, Error>> {
        Box::pin(async move {
            let id = client.inbox_id(inbox).await?;
            client
                .inner
                .call(&ops::GET_BY_ID, Some(&inbox.to_string()), move |api| {
                    get_by_id(api, &ops::GET_BY_ID, id)
                })
                .await
        })
    }

    fn list<'a>(
        &'a self,
        client: &'a Client,
        query: InboxQuery,
    ) -> BoxFuture<'a, Result<Page<Inbox>, Error>> {
        Box::pin(async move {
            client
                .inner
                .call(&ops::LIST_BY_ID, None, move |api| {
                    list_inboxes_by_id(api, &ops::LIST_BY_ID, query.clone())
                })
                .await
        })
    }

    fn patch<'a>(
        &'a self,
        client: &'a Client,
        inbox: &'a InboxRef,
        notification_url: Option<String>,
    ) -> BoxFuture<'a, Result<Inbox, Error>> {
        Box::pin(async move {
            let id = client.inbox_id(inbox).await?;
            client
                .inner
                .call(&ops::PATCH, Some(&inbox.to_string()), move |api| {
                    patch_by_id(api, &ops::PATCH, id, notification_url.clone())
                })
                .await
        })
    }

    fn transition<'a>(
        &'a self,
        client: &'a Client,
        inbox: &'a InboxRef,
        transition: Transition,
    ) -> BoxFuture<'a, Result<Inbox, Error>> {
        Box::pin(async move {
            let id = client.inbox_id(inbox).await?;
            let op = ops::transition_by_id(transition);
            client
                .inner
                .call(op, Some(&inbox.to_string()), move |api| {
                    transition_by_id(api, op, id, transition)
                })
                .await
        })
    }

    fn lease<'a>(
        &'a self,
        client: &'a Client,
        inbox: &'a InboxRef,
        options: LeaseOptions,
    ) -> BoxFuture<'a, Result<Lease, Error>> {
        Box::pin(async move {
            let id = client.inbox_id(inbox).await?;
            // Taken before sending, so a computed expiry is never later than the server's.
            let requested_at = Utc::now();
            let body = LeaseBodyById {
                lease_seconds: options.lease_seconds.get(),
                lease_limit: options.limit.get(),
            };
            let answer = client
                .inner
                .call(&ops::LEASE_BY_ID, Some(&inbox.to_string()), move |api| {
                    lease_by_id(api, &ops::LEASE_BY_ID, id, body)
                })
                .await?;
            Lease::from_response(
                &InboxRef::Id(id),
                answer,
                requested_at,
                options.lease_seconds,
            )
        })
    }

    fn list_messages<'a>(
        &'a self,
        client: &'a Client,
        inbox: &'a InboxRef,
        cursor: Option<String>,
    ) -> BoxFuture<'a, Result<Page<Message>, Error>> {
        Box::pin(async move {
            let id = client.inbox_id(inbox).await?;
            let op = &ops::LIST_MESSAGES_BY_ID;
            client
                .inner
                .call(op, Some(&inbox.to_string()), move |api| {
                    list_messages_by_id(api, op, id, cursor.clone())
                })
                .await
        })
    }
}

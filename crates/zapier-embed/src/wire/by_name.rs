//! Trigger Inbox API, variant B: inboxes by name, per-message `lease_token`.

use super::*;
use crate::messages::Lease;
use crate::{Client, InboxRef, LeaseOptions, Subscription};
use futures::future::BoxFuture;
use zapier_embed_api::by_name;

pub(crate) async fn list_inboxes_by_name(
    api: Api,
    op: &Operation,
    query: InboxQuery,
) -> Result<Page<Inbox>, Failure> {
    let answer = api
        .send(op, |c: by_name::Client| async move {
            let mut request = c.list_inboxes();
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
    let (status, page): (_, by_name::types::PaginatedInboxList) = answer.json(op).await?;
    Ok(Page {
        items: convert(op, status, "inbox list", &page.results)?,
        next: page.next,
    })
}

pub(crate) async fn get_by_name(
    api: Api,
    op: &Operation,
    name: InboxName,
) -> Result<Inbox, Failure> {
    let answer = api
        .send(op, |c: by_name::Client| async move {
            c.get_inbox().name(name.as_str()).send().await
        })
        .await?;
    let (status, inbox): (_, by_name::types::Inbox) = answer.json(op).await?;
    convert(op, status, "inbox", &inbox)
}

/// Upsert: the inbox and whether it was created (201) rather than found (200).
pub(crate) async fn upsert_by_name(
    api: Api,
    op: &Operation,
    name: InboxName,
    body: FlatInboxBody,
) -> Result<(Inbox, bool), Failure> {
    let body: by_name::types::InboxUpsert = to_body(op, "inbox body", &body)?;
    let answer = api
        .send(op, |c: by_name::Client| async move {
            c.upsert_inbox().name(name.as_str()).body(body).send().await
        })
        .await?;
    let (status, inbox): (_, by_name::types::Inbox) = answer.json(op).await?;
    Ok((convert(op, status, "inbox", &inbox)?, status == 201))
}

pub(crate) async fn transition_by_name(
    api: Api,
    op: &Operation,
    name: InboxName,
    transition: Transition,
) -> Result<Inbox, Failure> {
    let answer = api
        .send(op, |c: by_name::Client| async move {
            match transition {
                Transition::Pause => c.pause_inbox().name(name.as_str()).send().await,
                Transition::Resume => c.resume_inbox().name(name.as_str()).send().await,
                Transition::Delete => c.delete_inbox().name(name.as_str()).send().await,
            }
        })
        .await?;
    let (status, inbox): (_, by_name::types::Inbox) = answer.json(op).await?;
    convert(op, status, "inbox", &inbox)
}

pub(crate) async fn list_messages_by_name(
    api: Api,
    op: &Operation,
    name: InboxName,
    cursor: Option<String>,
) -> Result<Page<Message>, Failure> {
    let answer = api
        .send(op, |c: by_name::Client| async move {
            let mut request = c.list_messages().name(name.as_str());
            if let Some(cursor) = cursor {
                request = request.cursor(cursor);
            }
            request.send().await
        })
        .await?;
    let (status, page): (_, by_name::types::PaginatedMessageList) = answer.json(op).await?;
    Ok(Page {
        items: convert(op, status, "message list", &page.results)?,
        next: page.next,
    })
}

pub(crate) async fn lease_by_name(
    api: Api,
    op: &Operation,
    name: InboxName,
    body: LeaseBodyByName,
) -> Result<LeaseResponseBody, Failure> {
    let body: by_name::types::LeaseRequest = to_body(op, "lease request", &body)?;
    let answer = api
        .send(op, |c: by_name::Client| async move {
            c.lease_messages()
                .name(name.as_str())
                .body(body)
                .send()
                .await
        })
        .await?;
    let (status, lease): (_, by_name::types::LeaseResponse) = answer.json(op).await?;
    convert(op, status, "lease response", &lease)
}

pub(crate) async fn settle_by_name(
    api: Api,
    op: &Operation,
    settle: Settle,
    name: InboxName,
    lease_tokens: Vec<String>,
) -> Result<Settled, Failure> {
    let body = by_name::types::LeaseTokens { lease_tokens };
    match settle {
        Settle::Ack => {
            let answer = api
                .send(op, |c: by_name::Client| async move {
                    c.acknowledge_messages()
                        .name(name.as_str())
                        .body(body)
                        .send()
                        .await
                })
                .await?;
            let (status, body): (_, by_name::types::AckResponse) = answer.json(op).await?;
            settled(op, status, &body)
        }
        Settle::Release => {
            let answer = api
                .send(op, |c: by_name::Client| async move {
                    c.release_messages()
                        .name(name.as_str())
                        .body(body)
                        .send()
                        .await
                })
                .await?;
            let (status, body): (_, by_name::types::ReleaseResponse) = answer.json(op).await?;
            settled(op, status, &body)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The variant seam, variant B
// ---------------------------------------------------------------------------------------------

/// Variant B of [`InboxApi`]: paths by inbox name (an id is resolved to its name first).
pub(crate) struct ByName;

impl InboxApi for ByName {
    fn find_by_name<'a>(
        &'a self,
        client: &'a Client,
        name: &'a InboxName,
    ) -> BoxFuture<'a, Result<Inbox, Error>> {
        Box::pin(async move {
            let op = &ops::RESOLVE_ID_BY_GET;
            client
                .inner
                .call(op, Some(name.as_str()), move |api| {
                    get_by_name(api, op, name.clone())
                })
                .await
        })
    }

    fn create<'a>(
        &'a self,
        _client: &'a Client,
        _name: Option<InboxName>,
        _subscription: &'a Subscription,
        _notification_url: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Inbox, Error>> {
        Box::pin(std::future::ready(Err(crate::inboxes::unsupported(
            ops::CREATE.name,
            "the by-name API variant has no create endpoint; use ensure, which upserts by name",
        ))))
    }

    fn ensure<'a>(
        &'a self,
        client: &'a Client,
        name: InboxName,
        subscription: &'a Subscription,
        notification_url: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(Inbox, bool), Error>> {
        Box::pin(async move {
            let body = subscription.to_flat_body(notification_url);
            let label = name.to_string();
            client
                .inner
                .call(&ops::ENSURE_BY_NAME, Some(&label), move |api| {
                    upsert_by_name(api, &ops::ENSURE_BY_NAME, name.clone(), body.clone())
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
            let name = client.inbox_name(inbox).await?;
            client
                .inner
                .call(&ops::GET_BY_NAME, Some(&inbox.to_string()), move |api| {
                    get_by_name(api, &ops::GET_BY_NAME, name.clone())
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
                .call(&ops::LIST_BY_NAME, None, move |api| {
                    list_inboxes_by_name(api, &ops::LIST_BY_NAME, query.clone())
                })
                .await
        })
    }

    fn patch<'a>(
        &'a self,
        _client: &'a Client,
        _inbox: &'a InboxRef,
        _notification_url: Option<String>,
    ) -> BoxFuture<'a, Result<Inbox, Error>> {
        Box::pin(std::future::ready(Err(crate::inboxes::unsupported(
            ops::PATCH.name,
            "the by-name API variant documents no update endpoint; set notification_url when ensuring the inbox",
        ))))
    }

    fn transition<'a>(
        &'a self,
        client: &'a Client,
        inbox: &'a InboxRef,
        transition: Transition,
    ) -> BoxFuture<'a, Result<Inbox, Error>> {
        Box::pin(async move {
            let name = client.inbox_name(inbox).await?;
            let op = ops::transition_by_name(transition);
            client
                .inner
                .call(op, Some(&inbox.to_string()), move |api| {
                    transition_by_name(api, op, name.clone(), transition)
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
            let name = client.inbox_name(inbox).await?;
            // Taken before sending, so a computed expiry is never later than the server's.
            let requested_at = Utc::now();
            let body = LeaseBodyByName {
                lease_seconds: options.lease_seconds.get(),
                max_messages: options.limit.get(),
            };
            let target = InboxRef::Name(name.clone());
            let answer = client
                .inner
                .call(&ops::LEASE_BY_NAME, Some(&inbox.to_string()), move |api| {
                    lease_by_name(api, &ops::LEASE_BY_NAME, name.clone(), body)
                })
                .await?;
            Lease::from_response(&target, answer, requested_at, options.lease_seconds)
        })
    }

    fn list_messages<'a>(
        &'a self,
        client: &'a Client,
        inbox: &'a InboxRef,
        cursor: Option<String>,
    ) -> BoxFuture<'a, Result<Page<Message>, Error>> {
        Box::pin(async move {
            let name = client.inbox_name(inbox).await?;
            let op = &ops::LIST_MESSAGES_BY_NAME;
            client
                .inner
                .call(op, Some(&inbox.to_string()), move |api| {
                    list_messages_by_name(api, op, name.clone(), cursor.clone())
                })
                .await
        })
    }
}

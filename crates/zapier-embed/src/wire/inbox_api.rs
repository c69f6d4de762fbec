//! The variant seam: one private trait for the Trigger Inbox API, implemented once per
//! documented variant (`by_id.rs`, `by_name.rs`) and chosen once, when the client is built.
//!
//! The facade (`inboxes.rs`, `messages.rs`) validates arguments and calls this trait; it never
//! asks which variant it talks to. Each implementation resolves the inbox reference into the
//! form its paths need (an id or a name), picks its operation from [`ops`], and sends the
//! request through the client's retrying, rate-gated, scrubbing [`call`](crate::client::Inner::call).
//!
//! Modelled on a stub between a hand-written client and its generated transport: a new
//! operation is one trait method, one implementation per variant, and one row in [`ops`].

use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use uuid::Uuid;

use super::{Api, EventBytes, InboxQuery, Page, Settle, Settled, Transition, events_by_id, ops};
use crate::Subscription;
use crate::call::{Failure, Operation};
use crate::messages::Lease;
use crate::{
    ApiVariant, Client, Error, FlatInboxBody, Inbox, InboxName, InboxRef, LeaseOptions, Message,
    NestedInboxBody,
};

/// The Trigger Inbox API as the facade sees it, whatever the variant.
///
/// Every method takes the facade's [`Client`] (token cache, resolver, transport) and answers
/// domain types; the variant's wire shapes stay inside its implementation.
pub(crate) trait InboxApi: Send + Sync {
    /// `POST /inboxes` (variant A); variant B has no create endpoint and refuses before sending.
    fn create<'a>(
        &'a self,
        client: &'a Client,
        new: NewInbox<'a, Option<InboxName>>,
    ) -> Reply<'a, Inbox>;

    /// Ensure by name: the inbox, and whether it was created (201) rather than found.
    fn ensure<'a>(
        &'a self,
        client: &'a Client,
        new: NewInbox<'a, InboxName>,
    ) -> Reply<'a, (Inbox, bool)>;

    /// The inbox named `name`, looked up to learn its id (the event stream is addressed by id
    /// in both variants); [`Error::NotFound`] when there is none.
    fn find_by_name<'a>(&'a self, client: &'a Client, name: &'a InboxName) -> Reply<'a, Inbox>;

    /// One inbox.
    fn get<'a>(&'a self, client: &'a Client, inbox: &'a InboxRef) -> Reply<'a, Inbox>;

    /// One page of the inbox list.
    fn list<'a>(&'a self, client: &'a Client, query: InboxQuery) -> Reply<'a, Page<Inbox>>;

    /// Sets or clears the notification URL (variant A); variant B documents no update endpoint
    /// and refuses before sending.
    fn patch<'a>(
        &'a self,
        client: &'a Client,
        inbox: &'a InboxRef,
        notification_url: Option<String>,
    ) -> Reply<'a, Inbox>;

    /// Pause, resume or delete.
    fn transition<'a>(
        &'a self,
        client: &'a Client,
        inbox: &'a InboxRef,
        transition: Transition,
    ) -> Reply<'a, Inbox>;

    /// Leases messages.
    fn lease<'a>(
        &'a self,
        client: &'a Client,
        inbox: &'a InboxRef,
        options: LeaseOptions,
    ) -> Reply<'a, Lease>;

    /// One page of the inbox's messages, from `cursor`.
    fn list_messages<'a>(
        &'a self,
        client: &'a Client,
        inbox: &'a InboxRef,
        cursor: Option<String>,
    ) -> Reply<'a, Page<Message>>;

    /// The inbox's availability events (server-sent events, documented by id only: variant B
    /// resolves its name's id first), as the raw bytes of the open stream.
    fn events<'a>(&'a self, client: &'a Client, inbox: &'a InboxRef) -> Reply<'a, EventBytes> {
        on_inbox(
            client,
            inbox,
            &ops::EVENTS,
            client.inbox_id(inbox),
            events_by_id,
        )
    }

    /// Acks or releases: one planned request, sent to the endpoint its form names (a handle
    /// carries the variant of the lease it came from).
    fn settle<'a>(
        &'a self,
        client: &'a Client,
        request: SettleRequest,
        settle: Settle,
        label: &'a str,
    ) -> Reply<'a, Settled> {
        Box::pin(request.send(client, settle, label))
    }
}

/// What every method of the seam answers: the call, boxed so the trait stays object-safe.
pub(crate) type Reply<'a, T> = BoxFuture<'a, Result<T, Error>>;

/// Sends `op` with `request` (one attempt each time the call retries), labelled with the inbox
/// it is about: the last step of every seam method.
pub(crate) fn send_for<'a, T, F, Fut>(
    client: &'a Client,
    op: &'static Operation,
    label: Option<String>,
    request: F,
) -> Reply<'a, T>
where
    F: Fn(Api, &'static Operation) -> Fut + Send + 'a,
    Fut: Future<Output = Result<T, Failure>> + Send + 'a,
    T: Send + 'a,
{
    Box::pin(async move {
        client
            .inner
            .call(op, label.as_deref(), move |api| request(api, op))
            .await
    })
}

/// Sends `op` for `inbox`: `key` resolves the reference into the form the variant's paths take,
/// then [`send_for`] makes the request with it, labelled with the reference.
pub(crate) fn on_inbox<'a, K, T, F, Fut>(
    client: &'a Client,
    inbox: &'a InboxRef,
    op: &'static Operation,
    key: impl Future<Output = Result<K, Error>> + Send + 'a,
    request: F,
) -> Reply<'a, T>
where
    K: Clone + Send + Sync + 'a,
    F: Fn(Api, &'static Operation, K) -> Fut + Send + Sync + 'a,
    Fut: Future<Output = Result<T, Failure>> + Send + 'a,
    T: Send + 'a,
{
    Box::pin(async move {
        let key = key.await?;
        let label = Some(inbox.to_string());
        send_for(client, op, label, move |api, op| {
            request(api, op, key.clone())
        })
        .await
    })
}

/// An inbox to create or ensure: its name (optional for create), what it subscribes to and
/// where it notifies, checked by the facade before it reaches the seam.
pub(crate) struct NewInbox<'a, N> {
    pub(crate) name: N,
    pub(crate) subscription: &'a Subscription,
    pub(crate) notification_url: Option<&'a str>,
}

impl<N> NewInbox<'_, N> {
    /// Variant A's body, naming the inbox `name`.
    pub(crate) fn nested_body(&self, name: Option<&InboxName>) -> NestedInboxBody {
        self.subscription
            .to_nested_body(name, self.notification_url)
    }

    /// Variant B's body (the name is in the path).
    pub(crate) fn flat_body(&self) -> FlatInboxBody {
        self.subscription.to_flat_body(self.notification_url)
    }
}

/// The implementation of `variant`, chosen once by `ClientBuilder::build`. Shared rather than
/// `'static` so a unit test can put an in-memory inbox in its place (`Client::with_inbox_api`).
pub(crate) fn for_variant(variant: ApiVariant) -> Arc<dyn InboxApi> {
    match variant {
        ApiVariant::ByName => Arc::new(super::by_name::ByName),
        // `ApiVariant` is `#[non_exhaustive]` for users; every other value is variant A.
        _ => Arc::new(super::by_id::ById),
    }
}

/// One planned ack or release request, in the form its variant's endpoint takes. The plan
/// (`AckPlan`) already carries the variant, so the request knows where it goes.
pub(crate) enum SettleRequest {
    /// Variant A: one lease, optionally some of its messages.
    ById {
        inbox: Uuid,
        lease_id: Uuid,
        message_ids: Option<Vec<Uuid>>,
    },
    /// Variant B: lease tokens of one inbox.
    ByName {
        inbox: InboxName,
        lease_tokens: Vec<String>,
    },
}

impl SettleRequest {
    /// Sends the ack or release through the client: both variants' [`InboxApi::settle`].
    pub(crate) async fn send(
        self,
        client: &Client,
        settle: Settle,
        label: &str,
    ) -> Result<Settled, Error> {
        match self {
            SettleRequest::ById {
                inbox,
                lease_id,
                message_ids,
            } => {
                let op = ops::settle_by_id(settle);
                let body = serde_json::json!({
                    "lease_id": lease_id,
                    "message_ids": message_ids.unwrap_or_default(),
                });
                client
                    .inner
                    .call(op, Some(label), move |api| {
                        super::by_id::settle_messages(api, op, settle, inbox, body.clone())
                    })
                    .await
            }
            SettleRequest::ByName {
                inbox,
                lease_tokens,
            } => {
                let op = ops::settle_by_name(settle);
                let body = serde_json::json!({ "lease_tokens": lease_tokens });
                client
                    .inner
                    .call(op, Some(label), move |api| {
                        super::by_name::settle_messages(
                            api,
                            op,
                            settle,
                            inbox.clone(),
                            body.clone(),
                        )
                    })
                    .await
            }
        }
    }
}

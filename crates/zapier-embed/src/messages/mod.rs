//! The messages of one inbox: lease, ack and release in the fewest requests, list, and the
//! availability event stream.

use std::collections::HashSet;

use futures::stream::Stream;
use uuid::Uuid;

use crate::paginate::{self, Position};
use crate::wire::ops::{ACK_BY_ID, LIST_MESSAGES_BY_ID, RELEASE_BY_ID};
use crate::wire::{Settle, SettleRequest};

mod events;
mod one_lease;
mod report;

pub use events::InboxEvent;
pub use report::{AckOutcome, AckReport};
use report::{ListedIds, outcome_of};

pub use zapier_embed_domain::{
    AckHandle, Lease, LeaseLimit, LeaseOptions, LeaseSeconds, LeasedMessage, LeasedUntilSource,
    MAX_IDS_PER_REQUEST, Message, MessageAttributes, MessageId, MessageStatus,
    QUARANTINE_THRESHOLD,
};

use crate::{AckPlan, AckRequest, Client, Error, FieldError, FieldProblem, InboxRef};

/// The messages of one inbox; see [`Client::messages`]. Cheap to clone.
///
/// The inbox may be named by id or by name in either API variant: the handle resolves it to
/// the form the variant's paths need (once, cached per client).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let emulator = zapier_embed_emulator::Emulator::builder()
/// #     .activation_delay(std::time::Duration::ZERO)
/// #     .action_run_delay(std::time::Duration::ZERO)
/// #     .start().await.unwrap();
/// # let host = emulator.addr().to_string();
/// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
/// # let connect = client.connect_token("slack").await?;
/// # reqwest::get(client.connect_url("slack", &connect).expose_secret()).await.unwrap();
/// # let connection = client.connections().first_valid("slack").await?.unwrap();
/// # let sub = zapier_embed::Subscription::new("slack", "channel_message")
/// #     .with_connection(connection.connection_id())
/// #     .with_input("channel", "C0123ABC456");
/// # client.inboxes().ensure("my-slack-inbox", &sub, None).await?;
/// # client.inboxes().wait_until_active(&"my-slack-inbox".parse().unwrap(), std::time::Duration::from_secs(5)).await?;
/// # emulator.emulator().emit(serde_json::from_value(serde_json::json!({"app": "slack", "action": "channel_message",
/// #     "payload": {"text": "hi"}, "count": 2})).unwrap()).unwrap();
/// use zapier_embed::{InboxRef, LeaseOptions, messages::LeaseSeconds};
///
/// let messages = client.messages(InboxRef::name("my-slack-inbox").unwrap());
/// let lease = messages
///     .lease(LeaseOptions::default().with_lease_seconds(LeaseSeconds::new(60).unwrap()))
///     .await?;
/// for message in &lease.messages {
///     println!("{} (attempt {})", message.payload, message.attempts());
/// }
/// let report = messages.ack_lease(&lease).await?;
/// assert!(report.requests() <= 1);
/// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct Messages {
    client: Client,
    inbox: InboxRef,
}

impl Messages {
    pub(crate) fn new(client: Client, inbox: InboxRef) -> Self {
        Messages { client, inbox }
    }

    /// The client whose token and variant this handle uses.
    #[cfg(feature = "consumer")]
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// The inbox, as given.
    ///
    /// ```
    /// # let client = zapier_embed::Client::builder().access_token("t").build().unwrap();
    /// let messages = client.messages(zapier_embed::InboxRef::name("orders").unwrap());
    /// assert_eq!(messages.inbox().to_string(), "orders");
    /// ```
    pub fn inbox(&self) -> &InboxRef {
        &self.inbox
    }

    /// Leases up to `options.limit` available messages for `options.lease_seconds` (variant A
    /// `lease_limit`, variant B `max_messages`). The [`Lease`] carries `leased_until` from the
    /// server (variant A), or computed from the time the request was sent (variant B), and one
    /// [`AckHandle`] per message.
    ///
    /// An empty lease is not an error. A paused inbox serves its backlog first; once drained,
    /// the answer is [`Error::InboxPaused`] with the reason (e.g. `authentication`: the user must
    /// reconnect).
    ///
    /// **Not idempotent** for the retry rule: a lost answer would hold messages nobody works on
    /// and burn one of their five attempts, so a lease is retried only when the request provably
    /// did not reach the server (or after 429 / 503).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .activation_delay(std::time::Duration::ZERO)
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// # let hook = zapier_embed::Subscription::new("webhook", "hook_v2")
    /// #     .with_input("_zap_static_hook_code", "a1b2c3d4e5f6")
    /// #     .with_input("_zap_static_hook_seed", "0f1e2d3c4b5a");
    /// # let inbox: zapier_embed::InboxRef = "hooks".parse().unwrap();
    /// # client.inboxes().ensure("hooks", &hook, None).await?;
    /// # client.inboxes().wait_until_active(&inbox, std::time::Duration::from_secs(5)).await?;
    /// # emulator.emulator().emit(serde_json::from_value(serde_json::json!(
    /// #     {"app": "webhook", "action": "hook_v2", "payload": {"n": 1}, "count": 2})).unwrap()).unwrap();
    /// # let messages = client.messages(inbox.clone());
    /// use zapier_embed::{Error, LeaseOptions};
    /// match messages.lease(LeaseOptions::default()).await {
    ///     Ok(lease) if lease.is_empty() => println!("nothing to do"),
    ///     Ok(lease) => println!("{} messages until {}", lease.len(), lease.leased_until),
    ///     Err(Error::InboxPaused { reason, .. }) => println!("paused: {reason:?}"),
    ///     Err(other) => return Err(other),
    /// }
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn lease(&self, options: LeaseOptions) -> Result<Lease, Error> {
        let result = self
            .client
            .inner
            .inbox_api
            .lease(&self.client, &self.inbox, options)
            .await;
        self.client.forget_on_not_found(&self.inbox, result)
    }

    /// Acknowledges the messages behind `handles` (they are removed for good), in the fewest
    /// requests: variant A one request per lease with `message_ids` (100 per request), variant B
    /// one request per inbox with `lease_tokens` (100 per request). Duplicates are sent once.
    ///
    /// Idempotent for the retry rule (acking twice answers "nothing acked"), so after an `Err`
    /// (a transport failure that outlasted the retries, a 404…) the whole call may simply be
    /// repeated. A `lease_expired` answer is not an `Err`: see [`AckReport`].
    ///
    /// Handles whose variant A message id is not a uuid fail with [`Error::Validation`] before
    /// any request.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .activation_delay(std::time::Duration::ZERO)
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// # let hook = zapier_embed::Subscription::new("webhook", "hook_v2")
    /// #     .with_input("_zap_static_hook_code", "a1b2c3d4e5f6")
    /// #     .with_input("_zap_static_hook_seed", "0f1e2d3c4b5a");
    /// # let inbox: zapier_embed::InboxRef = "hooks".parse().unwrap();
    /// # client.inboxes().ensure("hooks", &hook, None).await?;
    /// # client.inboxes().wait_until_active(&inbox, std::time::Duration::from_secs(5)).await?;
    /// # emulator.emulator().emit(serde_json::from_value(serde_json::json!(
    /// #     {"app": "webhook", "action": "hook_v2", "payload": {"n": 1}, "count": 2})).unwrap()).unwrap();
    /// # let messages = client.messages(inbox.clone());
    /// # let lease = messages.lease(zapier_embed::LeaseOptions::default()).await?;
    /// // Ack the messages that were processed, release the others.
    /// let (done, failed): (Vec<_>, Vec<_>) = lease.messages.iter().partition(|m| m.attempts() > 0);
    /// messages.ack(done.iter().map(|m| m.ack.clone())).await?;
    /// messages.release(failed.iter().map(|m| m.ack.clone())).await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn ack(
        &self,
        handles: impl IntoIterator<Item = AckHandle>,
    ) -> Result<AckReport, Error> {
        self.settle(Settle::Ack, handles.into_iter().collect(), None)
            .await
    }

    /// Releases the messages behind `handles` (available again at once; the lease still counts
    /// as an attempt), in the fewest requests. Same rules as [`ack`](Messages::ack).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .activation_delay(std::time::Duration::ZERO)
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// # let hook = zapier_embed::Subscription::new("webhook", "hook_v2")
    /// #     .with_input("_zap_static_hook_code", "a1b2c3d4e5f6")
    /// #     .with_input("_zap_static_hook_seed", "0f1e2d3c4b5a");
    /// # let inbox: zapier_embed::InboxRef = "hooks".parse().unwrap();
    /// # client.inboxes().ensure("hooks", &hook, None).await?;
    /// # client.inboxes().wait_until_active(&inbox, std::time::Duration::from_secs(5)).await?;
    /// # emulator.emulator().emit(serde_json::from_value(serde_json::json!(
    /// #     {"app": "webhook", "action": "hook_v2", "payload": {"n": 1}, "count": 2})).unwrap()).unwrap();
    /// # let messages = client.messages(inbox.clone());
    /// # let lease = messages.lease(zapier_embed::LeaseOptions::default()).await?;
    /// let report = messages.release(lease.handles().cloned()).await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn release(
        &self,
        handles: impl IntoIterator<Item = AckHandle>,
    ) -> Result<AckReport, Error> {
        self.settle(Settle::Release, handles.into_iter().collect(), None)
            .await
    }

    /// Acknowledges every message of `lease`: in variant A one request without `message_ids`
    /// (the whole lease, however many messages), in variant B its tokens in the fewest requests.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .activation_delay(std::time::Duration::ZERO)
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// # let hook = zapier_embed::Subscription::new("webhook", "hook_v2")
    /// #     .with_input("_zap_static_hook_code", "a1b2c3d4e5f6")
    /// #     .with_input("_zap_static_hook_seed", "0f1e2d3c4b5a");
    /// # let inbox: zapier_embed::InboxRef = "hooks".parse().unwrap();
    /// # client.inboxes().ensure("hooks", &hook, None).await?;
    /// # client.inboxes().wait_until_active(&inbox, std::time::Duration::from_secs(5)).await?;
    /// # emulator.emulator().emit(serde_json::from_value(serde_json::json!(
    /// #     {"app": "webhook", "action": "hook_v2", "payload": {"n": 1}, "count": 2})).unwrap()).unwrap();
    /// # let messages = client.messages(inbox.clone());
    /// let lease = messages.lease(zapier_embed::LeaseOptions::default()).await?;
    /// // … process every message …
    /// let report = messages.ack_lease(&lease).await?;
    /// assert!(report.requests() <= 1);
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn ack_lease(&self, lease: &Lease) -> Result<AckReport, Error> {
        self.settle(Settle::Ack, lease.handles().cloned().collect(), Some(lease))
            .await
    }

    /// Releases every message of `lease` (see [`ack_lease`](Messages::ack_lease)).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .activation_delay(std::time::Duration::ZERO)
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// # let hook = zapier_embed::Subscription::new("webhook", "hook_v2")
    /// #     .with_input("_zap_static_hook_code", "a1b2c3d4e5f6")
    /// #     .with_input("_zap_static_hook_seed", "0f1e2d3c4b5a");
    /// # let inbox: zapier_embed::InboxRef = "hooks".parse().unwrap();
    /// # client.inboxes().ensure("hooks", &hook, None).await?;
    /// # client.inboxes().wait_until_active(&inbox, std::time::Duration::from_secs(5)).await?;
    /// # emulator.emulator().emit(serde_json::from_value(serde_json::json!(
    /// #     {"app": "webhook", "action": "hook_v2", "payload": {"n": 1}, "count": 2})).unwrap()).unwrap();
    /// # let messages = client.messages(inbox.clone());
    /// # let lease = messages.lease(zapier_embed::LeaseOptions::default()).await?;
    /// messages.release_lease(&lease).await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn release_lease(&self, lease: &Lease) -> Result<AckReport, Error> {
        self.settle(
            Settle::Release,
            lease.handles().cloned().collect(),
            Some(lease),
        )
        .await
    }

    /// Acks or releases `handles` (all of `whole` when given), one outcome per distinct handle.
    pub(crate) async fn settle(
        &self,
        settle: Settle,
        handles: Vec<AckHandle>,
        whole: Option<&Lease>,
    ) -> Result<AckReport, Error> {
        let operation = settle_operation(settle);
        // Distinct handles in the order given: the report has one entry per message. Handles
        // are cloned only when some repeat (the consumer's never do).
        let distinct = {
            let mut seen = HashSet::with_capacity(handles.len());
            handles.iter().all(|h| seen.insert(h))
        };
        let mut handles: Vec<AckHandle> = if distinct {
            handles
        } else {
            let mut seen = HashSet::new();
            handles
                .into_iter()
                .filter(|h| seen.insert(h.clone()))
                .collect()
        };
        let requests = match whole {
            Some(lease) if !lease.is_empty() => lease.settle_all(),
            Some(_) => Vec::new(),
            // Handles of one lease (what a caller usually acks) skip the general plan.
            None => match self.settle_one_lease(settle, handles).await? {
                Ok(report) => return Ok(report),
                Err(of_several_leases) => {
                    handles = of_several_leases;
                    AckPlan::from_handles(handles.iter().cloned())
                }
            },
        };
        // Every variant A message id must be a uuid; checked before any request is sent.
        let mut prepared = Vec::with_capacity(requests.len());
        for request in requests {
            prepared.push(prepare(operation, request)?);
        }
        let mut report = AckReport {
            outcomes: Vec::with_capacity(handles.len()),
            requests: 0,
        };
        for (request, wire_request) in prepared {
            let covered: Vec<&AckHandle> = handles.iter().filter(|h| request.covers(h)).collect();
            report.requests += 1;
            let label = request.inbox().to_string();
            let answer = self
                .client
                .inner
                .inbox_api
                .settle(&self.client, wire_request, settle, &label)
                .await;
            match answer {
                Ok(settled) => {
                    let listed = ListedIds::new(&settled);
                    for handle in covered {
                        let outcome = outcome_of(settle, &request, &settled, &listed, handle);
                        report.outcomes.push((handle.clone(), outcome));
                    }
                }
                Err(Error::LeaseExpired { .. }) => {
                    warn_expired(&label, covered.len(), operation);
                    for handle in covered {
                        report
                            .outcomes
                            .push((handle.clone(), AckOutcome::LeaseExpired));
                    }
                }
                Err(err) => return Err(err),
            }
        }
        Ok(report)
    }

    /// Every message of the inbox (status and attributes, no payload), as a stream over all
    /// pages (cursor paging). Quarantined messages stay listed. Idempotent for the retry rule.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .activation_delay(std::time::Duration::ZERO)
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// # let hook = zapier_embed::Subscription::new("webhook", "hook_v2")
    /// #     .with_input("_zap_static_hook_code", "a1b2c3d4e5f6")
    /// #     .with_input("_zap_static_hook_seed", "0f1e2d3c4b5a");
    /// # let inbox: zapier_embed::InboxRef = "hooks".parse().unwrap();
    /// # client.inboxes().ensure("hooks", &hook, None).await?;
    /// # client.inboxes().wait_until_active(&inbox, std::time::Duration::from_secs(5)).await?;
    /// # emulator.emulator().emit(serde_json::from_value(serde_json::json!(
    /// #     {"app": "webhook", "action": "hook_v2", "payload": {"n": 1}, "count": 2})).unwrap()).unwrap();
    /// # let messages = client.messages(inbox.clone());
    /// use futures::TryStreamExt;
    /// use zapier_embed::messages::MessageStatus;
    /// let quarantined: Vec<_> = messages
    ///     .list()
    ///     .try_filter(|m| futures::future::ready(m.status == MessageStatus::Quarantined))
    ///     .try_collect()
    ///     .await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub fn list(&self) -> impl Stream<Item = Result<Message, Error>> + Send + 'static {
        let client = self.client.clone();
        let max_pages = client.inner.transport.config.limits.max_pages;
        let inbox = self.inbox.clone();
        paginate::pages(LIST_MESSAGES_BY_ID.name, max_pages, move |position| {
            let client = client.clone();
            let inbox = inbox.clone();
            async move {
                let cursor = match position {
                    Position::Cursor(c) => Some(c),
                    _ => None,
                };
                let page = client
                    .inner
                    .inbox_api
                    .list_messages(&client, &inbox, cursor)
                    .await;
                let page = client.forget_on_not_found(&inbox, page)?;
                let next = paginate::next_cursor(page.next.as_deref());
                Ok((page.items, next))
            }
        })
    }

    /// The inbox's availability events (`GET …/inboxes/{id}/events`, server-sent events), for
    /// waking a consumer up instead of polling. Each `data:` frame becomes an [`InboxEvent`];
    /// `: keep-alive` comments are skipped. The connection is opened on the first poll (with the
    /// client's retries); the stream ends when the server closes it (when the token expires),
    /// after yielding an error if the connection broke. Reconnect by calling `events` again,
    /// and lease once after (re)connecting: the stream does not replay.
    ///
    /// The endpoint is documented by id only, so in variant B the inbox's id is resolved first
    /// (`GET /inboxes/{name}/`) and the same by-id path is used.
    ///
    /// ```
    /// # async fn demo(messages: zapier_embed::messages::Messages) -> zapier_embed::Result<()> {
    /// use futures::StreamExt;
    /// let mut events = Box::pin(messages.events());
    /// while let Some(event) = events.next().await {
    ///     let event = event?;
    ///     println!("{} new message(s)", event.count);
    ///     // lease here
    /// }
    /// # Ok(()) }
    /// ```
    pub fn events(&self) -> impl Stream<Item = Result<InboxEvent, Error>> + Send + 'static {
        events::stream(self.client.clone(), self.inbox.clone())
    }
}

/// The operation's name, as errors and logs say it.
fn settle_operation(settle: Settle) -> &'static str {
    match settle {
        Settle::Ack => ACK_BY_ID.name,
        Settle::Release => RELEASE_BY_ID.name,
    }
}

/// Logs that a request's lease had expired before `operation` (its messages come back).
fn warn_expired(label: &str, messages: usize, operation: &'static str) {
    tracing::warn!(
        inbox = %label,
        messages,
        "lease expired before {}; the messages will be redelivered",
        operation
    );
}

fn prepare(
    operation: &'static str,
    request: AckRequest,
) -> Result<(AckRequest, SettleRequest), Error> {
    let wire = match &request {
        AckRequest::ById {
            inbox,
            lease_id,
            message_ids,
        } => {
            let ids = match message_ids {
                None => None,
                Some(ids) => Some(
                    ids.iter()
                        .map(|id| uuid_of(operation, id))
                        .collect::<Result<Vec<_>, _>>()?,
                ),
            };
            SettleRequest::ById {
                inbox: *inbox,
                lease_id: *lease_id,
                message_ids: ids,
            }
        }
        AckRequest::ByName {
            inbox,
            lease_tokens,
        } => SettleRequest::ByName {
            inbox: inbox.clone(),
            lease_tokens: lease_tokens.clone(),
        },
        other => {
            return Err(crate::inboxes::unsupported(
                operation,
                &format!("cannot send {other:?}"),
            ));
        }
    };
    Ok((request, wire))
}

fn uuid_of(operation: &'static str, id: &MessageId) -> Result<Uuid, Error> {
    id.as_uuid().ok_or_else(|| {
        Error::validation(
            operation,
            vec![FieldError::new(
                "message_ids",
                FieldProblem::Invalid(format!(
                    "{id} is not a uuid, as the by-id API variant requires"
                )),
            )],
        )
    })
}

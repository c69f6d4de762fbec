//! Trigger inboxes: create, ensure, get, list, update, pause, resume, delete, and waiting for an
//! inbox to become active.

use std::time::Duration;

use futures::Stream;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::call::poll_delay;
use crate::checks;
use crate::paginate::{self, Position};
use crate::wire::ops::{CREATE, ENSURE_BY_ID, LIST_BY_ID, PATCH};
use crate::wire::{InboxApi, InboxQuery, Transition};
mod arguments;
mod filter;

pub(crate) use arguments::unsupported;
use arguments::{new_inbox, valid_name, valid_url};
pub use filter::InboxFilter;

pub use zapier_embed_domain::{
    Inbox, InboxAttributes, InboxName, InboxRef, InboxStatus, InvalidInboxName, PausedReason,
    Subscription,
};

use crate::{Client, Error};

/// Page size of [`Inboxes::list`] unless the filter says otherwise (the TS SDK's default).
const DEFAULT_PAGE_SIZE: u32 = 100;
/// First and largest delay between two polls of [`Inboxes::wait_until_active`].
const WAIT_FIRST_DELAY: Duration = Duration::from_millis(250);
const WAIT_MAX_DELAY: Duration = Duration::from_secs(5);

const WAIT: &str = "wait until active";

/// Whether [`Inboxes::ensure`] found the inbox or created it.
///
/// ```
/// use zapier_embed::inboxes::EnsureOutcome;
/// assert_ne!(EnsureOutcome::Created, EnsureOutcome::Existing);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EnsureOutcome {
    /// The inbox did not exist and was created (201); it starts `initializing`.
    Created,
    /// An inbox with this name and the same subscription already existed (200).
    Existing,
}

/// The answer of [`Inboxes::ensure`].
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
/// use zapier_embed::inboxes::EnsureOutcome;
/// let ensured = client.inboxes().ensure("orders", &sub, None).await?;
/// if ensured.outcome == EnsureOutcome::Created {
///     println!("created {}", ensured.inbox.id);
/// }
/// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Ensured {
    /// The inbox.
    pub inbox: Inbox,
    /// Whether it was created or found.
    pub outcome: EnsureOutcome,
}

/// The inbox API; see [`Client::inboxes`]. Every method works in both API variants unless its
/// documentation says otherwise; an inbox may be named by id or by name in either.
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
/// use std::time::Duration;
/// use zapier_embed::Subscription;
///
/// let sub = Subscription::new("slack", "channel_message")
///     .with_connection(connection.connection_id())
///     .with_input("channel", "C0123ABC456");
/// let inboxes = client.inboxes();
/// let ensured = inboxes.ensure("my-slack-inbox", &sub, None).await?;
/// let inbox = inboxes.wait_until_active(&ensured.inbox.id_ref(), Duration::from_secs(60)).await?;
/// # let _ = inbox;
/// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct Inboxes {
    client: Client,
}

impl Inboxes {
    pub(crate) fn new(client: Client) -> Self {
        Inboxes { client }
    }

    fn api(&self) -> &dyn InboxApi {
        &*self.client.inner.inbox_api
    }

    /// Creates a new inbox (`POST /inboxes`, variant A only). With a `name`, answers
    /// [`Error::Conflict`] when the name is taken; use [`ensure`](Inboxes::ensure) for
    /// idempotent start-up.
    ///
    /// **Not idempotent** for the retry rule: a repeated create would create twice, so it is
    /// retried only when the request provably did not reach the server (or after 429 / 503).
    ///
    /// Variant B has no create endpoint (its `PUT /inboxes/{name}/` is an upsert): this answers
    /// [`Error::Configuration`] without sending anything.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .activation_delay(std::time::Duration::ZERO)
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// use zapier_embed::Subscription;
    /// let hook = Subscription::new("webhook", "hook_v2")
    ///     .with_input("_zap_static_hook_code", "a1b2c3d4e5f6")
    ///     .with_input("_zap_static_hook_seed", "0f1e2d3c4b5a");
    /// let inbox = client.inboxes().create(Some("hooks"), &hook, None).await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn create(
        &self,
        name: Option<&str>,
        subscription: &Subscription,
        notification_url: Option<&str>,
    ) -> Result<Inbox, Error> {
        let name = name.map(|n| valid_name(CREATE.name, n)).transpose()?;
        let new = new_inbox(CREATE.name, name, subscription, notification_url)?;
        let inbox = self.api().create(&self.client, new).await?;
        self.client.inner.resolver.remember(&inbox);
        Ok(inbox)
    }

    /// Returns the inbox called `name` when it exists with the same subscription, creating it
    /// otherwise: variant A `PUT /inboxes` with the nested body, variant B
    /// `PUT /inboxes/{name}/` with the flat body. An inbox of that name with a different
    /// subscription answers [`Error::Conflict`]. Safe to call on every start-up.
    ///
    /// Idempotent for the retry rule.
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
    /// use zapier_embed::Subscription;
    /// let sub = Subscription::new("slack", "channel_message")
    ///     .with_connection(connection.connection_id())
    ///     .with_input("channel", "C0123ABC456");
    /// let ensured = client
    ///     .inboxes()
    ///     .ensure("my-slack-inbox", &sub, Some("https://example.com/zapier-hook"))
    ///     .await?;
    /// println!("{:?} {}", ensured.outcome, ensured.inbox.status);
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn ensure(
        &self,
        name: &str,
        subscription: &Subscription,
        notification_url: Option<&str>,
    ) -> Result<Ensured, Error> {
        let name = valid_name(ENSURE_BY_ID.name, name)?;
        let new = new_inbox(ENSURE_BY_ID.name, name, subscription, notification_url)?;
        let (inbox, created) = self.api().ensure(&self.client, new).await?;
        self.client.inner.resolver.remember(&inbox);
        Ok(Ensured {
            inbox,
            outcome: if created {
                EnsureOutcome::Created
            } else {
                EnsureOutcome::Existing
            },
        })
    }

    /// Like [`ensure`](Inboxes::ensure), after checking the subscription's inputs against the
    /// trigger's input fields (fetched with
    /// [`Triggers::input_fields`](crate::triggers::Triggers::input_fields)): required fields present,
    /// values of the declared type, defaults filled in for missing optional fields. Bad inputs
    /// fail with [`Error::Validation`] naming every bad field, before the inbox request.
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
    /// match client.inboxes().ensure_validated("my-slack-inbox", &sub, None).await {
    ///     Err(err @ zapier_embed::Error::Validation { .. }) => {
    ///         for field in err.field_errors() {
    ///             eprintln!("{field}");
    ///         }
    ///     }
    ///     other => { other?; }
    /// }
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn ensure_validated(
        &self,
        name: &str,
        subscription: &Subscription,
        notification_url: Option<&str>,
    ) -> Result<Ensured, Error> {
        // Cheap local checks first: no request for a name or URL that cannot work.
        valid_name(ENSURE_BY_ID.name, name)?;
        valid_url(ENSURE_BY_ID.name, notification_url)?;
        checks::require_subscription_keys(ENSURE_BY_ID.name, subscription)?;
        let validated = self
            .client
            .triggers()
            .validate_inputs(ENSURE_BY_ID.name, subscription)
            .await?;
        self.ensure(name, &validated, notification_url).await
    }

    /// Gets an inbox. Idempotent for the retry rule.
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
    /// use zapier_embed::InboxRef;
    /// let inbox = client.inboxes().get(&InboxRef::name("my-slack-inbox").unwrap()).await?;
    /// println!("{} is {}", inbox.id, inbox.status);
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn get(&self, inbox: &InboxRef) -> Result<Inbox, Error> {
        let result = self.get_inner(inbox).await;
        let found = self.client.forget_on_not_found(inbox, result)?;
        self.client.inner.resolver.remember(&found);
        Ok(found)
    }

    async fn get_inner(&self, inbox: &InboxRef) -> Result<Inbox, Error> {
        self.api().get(&self.client, inbox).await
    }

    /// Every inbox matching `filter`, as a stream over all pages (offset paging, one request
    /// per page as the stream is polled). Idempotent for the retry rule.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .activation_delay(std::time::Duration::ZERO)
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// use futures::TryStreamExt;
    /// use zapier_embed::{inboxes::InboxFilter, inboxes::InboxStatus};
    /// let paused: Vec<_> = client
    ///     .inboxes()
    ///     .list(InboxFilter::new().status(InboxStatus::Paused))
    ///     .try_collect()
    ///     .await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub fn list(
        &self,
        filter: InboxFilter,
    ) -> impl Stream<Item = Result<Inbox, Error>> + Send + 'static {
        let client = self.client.clone();
        let max_pages = client.inner.transport.config.limits.max_pages;
        let page_size = filter.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        paginate::pages(LIST_BY_ID.name, max_pages, move |position| {
            let client = client.clone();
            let filter = filter.clone();
            async move {
                checks::require_count(LIST_BY_ID.name, "page_size", u64::from(page_size))?;
                let offset = match position {
                    Position::Offset(o) => Some(o),
                    _ => None,
                };
                let query = InboxQuery {
                    limit: Some(page_size),
                    offset,
                    name: filter.name.clone(),
                    status: filter.status.as_ref().map(|s| s.as_str().to_owned()),
                };
                let page = client.inner.inbox_api.list(&client, query).await?;
                for inbox in &page.items {
                    client.inner.resolver.remember(inbox);
                }
                let next = if page.items.is_empty() {
                    None
                } else {
                    paginate::next_offset(page.next.as_deref())
                };
                Ok((page.items, next))
            }
        })
    }

    /// Sets (or, with `None`, clears) the URL Zapier POSTs to when messages become available
    /// (`PATCH /inboxes/{id}`). Idempotent for the retry rule.
    ///
    /// Variant B documents no way to change an existing inbox, so there this answers
    /// [`Error::Configuration`] without sending anything (deliberately not falling back to the
    /// variant A path, which a by-name server need not serve); pass the URL to
    /// [`ensure`](Inboxes::ensure) when creating the inbox instead.
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
    /// let inbox = client
    ///     .inboxes()
    ///     .set_notification_url(&inbox, Some("https://example.com/zapier-hook"))
    ///     .await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn set_notification_url(
        &self,
        inbox: &InboxRef,
        url: Option<&str>,
    ) -> Result<Inbox, Error> {
        let url = valid_url(PATCH.name, url)?.map(str::to_owned);
        let result = self.api().patch(&self.client, inbox, url).await;
        self.client.forget_on_not_found(inbox, result)
    }

    /// Pauses an inbox: collection stops and **new events are dropped**; buffered messages stay
    /// leasable. Idempotent for the retry rule.
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
    /// let paused = client.inboxes().pause(&inbox).await?;
    /// assert_eq!(paused.status, zapier_embed::inboxes::InboxStatus::Paused);
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn pause(&self, inbox: &InboxRef) -> Result<Inbox, Error> {
        self.transition(inbox, Transition::Pause).await
    }

    /// Resumes a paused inbox; it goes back through `initializing` (wait with
    /// [`wait_until_active`](Inboxes::wait_until_active)). Idempotent for the retry rule.
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
    /// # client.inboxes().pause(&inbox).await?;
    /// client.inboxes().resume(&inbox).await?;
    /// client.inboxes().wait_until_active(&inbox, std::time::Duration::from_secs(60)).await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn resume(&self, inbox: &InboxRef) -> Result<Inbox, Error> {
        self.transition(inbox, Transition::Resume).await
    }

    /// Marks an inbox for deletion (asynchronous: the answer shows it `deleting`). Idempotent
    /// for the retry rule.
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
    /// let deleting = client.inboxes().delete(&inbox).await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn delete(&self, inbox: &InboxRef) -> Result<Inbox, Error> {
        let result = self.transition(inbox, Transition::Delete).await;
        // The name is freed on delete: a later inbox of the same name gets a new id.
        self.client.inner.resolver.forget(inbox);
        if let Ok(deleted) = &result {
            self.client.inner.resolver.forget(&deleted.id_ref());
        }
        result
    }

    async fn transition(&self, inbox: &InboxRef, transition: Transition) -> Result<Inbox, Error> {
        let result = self.api().transition(&self.client, inbox, transition).await;
        self.client.forget_on_not_found(inbox, result)
    }

    /// Polls the inbox (jittered backoff from 250 ms to 5 s) until it is `active`, and answers
    /// it. Fails instead of spinning when waiting cannot help: with
    /// [`Error::InitializationFailed`] (status `initialization_failure`, with its reason),
    /// [`Error::InboxPaused`] (paused, with its reason), [`Error::NotFound`] (deleted or being
    /// deleted), and with [`Error::Timeout`] once `timeout` has passed.
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
    /// use std::time::Duration;
    /// match client.inboxes().wait_until_active(&inbox, Duration::from_secs(60)).await {
    ///     Ok(inbox) => println!("{} is active", inbox.id),
    ///     Err(zapier_embed::Error::InitializationFailed { reason, .. }) => eprintln!("setup failed: {reason:?}"),
    ///     Err(other) => return Err(other),
    /// }
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn wait_until_active(
        &self,
        inbox: &InboxRef,
        timeout: Duration,
    ) -> Result<Inbox, Error> {
        checks::require_timeout(WAIT, "timeout", timeout)?;
        checks::within_budget(
            WAIT,
            timeout,
            || format!("inbox {inbox} not active within {timeout:?}"),
            self.poll_until_active(inbox, timeout),
        )
        .await
    }

    /// The polling loop of [`wait_until_active`](Inboxes::wait_until_active); the caller bounds
    /// it, hanging requests included.
    async fn poll_until_active(&self, inbox: &InboxRef, timeout: Duration) -> Result<Inbox, Error> {
        let started = Instant::now();
        let mut step = 0u32;
        loop {
            let current = self.get(inbox).await.map_err(|mut e| {
                if e.is_not_found() {
                    e.context_mut().set_operation(WAIT);
                }
                e
            })?;
            match &current.status {
                InboxStatus::Active => return Ok(current),
                InboxStatus::InitializationFailure => {
                    return Err(Error::initialization_failed(
                        WAIT,
                        current.paused_reason.clone(),
                    ));
                }
                InboxStatus::Paused => {
                    return Err(Error::inbox_paused(
                        WAIT,
                        current.paused_reason.clone(),
                        None,
                    ));
                }
                InboxStatus::Deleting => {
                    return Err(Error::not_found(
                        WAIT,
                        format!("inbox {inbox} is being deleted"),
                    ));
                }
                // `initializing`, or a status this version does not know: keep waiting.
                _ => {}
            }
            let elapsed = started.elapsed();
            if elapsed >= timeout {
                return Err(Error::timeout(
                    WAIT,
                    format!("inbox {inbox} still {} after {timeout:?}", current.status),
                ));
            }
            let delay = poll_delay(step, WAIT_FIRST_DELAY, WAIT_MAX_DELAY).min(timeout - elapsed);
            step = step.saturating_add(1);
            tokio::time::sleep(delay).await;
        }
    }
}

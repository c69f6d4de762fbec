//! Connections: the user's authenticated app accounts (`GET /v2/authentications`).

use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};

use crate::paginate::{self, Position};
pub use zapier_embed_domain::ConnectionId;

use crate::{Client, Error, wire};

/// Page size of connection listing (the API's default is 10).
const PAGE_SIZE: u32 = 100;
/// Upper bound of pages read by [`Connections::list`]: a user has a handful of connections per
/// app; a server that keeps answering pages is cut off instead of read forever.
const MAX_PAGES: usize = 50;

use crate::wire::ops::LIST_CONNECTIONS as LIST;

/// One of the user's connections to an app.
///
/// ```
/// use zapier_embed::connections::Connection;
/// let c: Connection = serde_json::from_value(serde_json::json!({
///     "id": "019487c8-6b2a-7c1e-9f3d-2a1b0c4d5e6f",
///     "app": "81f613aa-c98a-4383-a5fc-195e68647217",
///     "title": "Slack some.user@example.com",
///     "is_expired": false
/// })).unwrap();
/// assert_eq!(c.connection_id().to_string(), "019487c8-6b2a-7c1e-9f3d-2a1b0c4d5e6f");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Connection {
    /// The connection id: a subscription's `connection`, an action run's `authentication`.
    pub id: String,
    /// The app's id.
    pub app: String,
    /// A label such as `Slack some.user@example.com`.
    pub title: String,
    /// Whether the user must reconnect before the connection can be used.
    pub is_expired: bool,
}

impl Connection {
    /// The id, as a subscription takes it.
    ///
    /// ```
    /// # let c: zapier_embed::connections::Connection = serde_json::from_value(serde_json::json!(
    /// #     {"id": "c1", "app": "a", "title": "t", "is_expired": false})).unwrap();
    /// let sub = zapier_embed::Subscription::new("slack", "new_message").with_connection(c.connection_id());
    /// # let _ = sub;
    /// ```
    pub fn connection_id(&self) -> ConnectionId {
        ConnectionId::from(self.id.as_str())
    }
}

/// The connections API; see [`Client::connections`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let emulator = zapier_embed_emulator::Emulator::builder()
/// #     .activation_delay(std::time::Duration::ZERO)
/// #     .action_run_delay(std::time::Duration::ZERO)
/// #     .start().await.unwrap();
/// # let host = emulator.addr().to_string();
/// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
/// match client.connections().first_valid("slack").await? {
///     Some(connection) => println!("using {}", connection.title),
///     None => println!("ask the user to connect Slack"),
/// }
/// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct Connections {
    client: Client,
}

impl Connections {
    pub(crate) fn new(client: Client) -> Self {
        Connections { client }
    }

    /// Every connection of the user for `app` (its id, or the key / slug the guides use),
    /// reading all pages. Idempotent for the retry rule.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .activation_delay(std::time::Duration::ZERO)
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// for connection in client.connections().list("slack").await? {
    ///     println!("{} expired={}", connection.id, connection.is_expired);
    /// }
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn list(&self, app: &str) -> Result<Vec<Connection>, Error> {
        crate::checks::require_key(LIST.name, "app", app)?;
        let client = self.client.clone();
        let max_pages = client.inner.transport.config.limits.max_pages;
        let app = app.to_owned();
        let stream = paginate::pages(LIST.name, max_pages, move |position| {
            let client = client.clone();
            let app = app.clone();
            async move {
                let offset = match position {
                    Position::Offset(o) => o,
                    _ => 0,
                };
                let page = client
                    .inner
                    .call(&LIST, None, move |api| {
                        wire::authentications(api, app.clone(), PAGE_SIZE, offset)
                    })
                    .await?;
                // A short page is the last one even when the server sends a `next` link.
                let full = page.items.len() >= PAGE_SIZE as usize;
                let next = if full {
                    paginate::next_offset(page.next.as_deref())
                        .or(Some(Position::Offset(offset + page.items.len() as u64)))
                } else {
                    None
                };
                Ok((page.items, next))
            }
        });
        stream
            .take(MAX_PAGES * PAGE_SIZE as usize)
            .try_collect()
            .await
    }

    /// The first connection for `app` that has not expired, if any.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .activation_delay(std::time::Duration::ZERO)
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// let connection = client.connections().first_valid("slack").await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn first_valid(&self, app: &str) -> Result<Option<Connection>, Error> {
        Ok(self.list(app).await?.into_iter().find(|c| !c.is_expired))
    }
}

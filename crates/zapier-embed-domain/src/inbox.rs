//! An inbox as the server describes it, and the inbox state echoed by lease calls.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::inbox_ref::{InboxName, InboxRef};
use crate::inbox_status::InboxStatus;
use crate::paused_reason::{PausedReason, blank_as_none};
use crate::subscription::Subscription;

/// A trigger inbox: a durable, user-scoped queue for one trigger subscription.
///
/// Decodes the inbox JSON of both API variants (they share one shape), and tolerates the
/// differences between spec editions: the newer `key` field is read as the name (preferred over
/// the deprecated `name` when both are present), `paused_reason: ""` decodes as `None`, and
/// unknown fields are ignored. Serializes with `name` only.
///
/// ```
/// use zapier_embed_domain::{Inbox, InboxStatus};
/// let inbox: Inbox = serde_json::from_str(r#"{
///   "id": "01960a3e-4d5f-7b8e-9c0a-1b2c3d4e5f6a",
///   "name": "my-slack-inbox",
///   "status": "active",
///   "created_at": "2026-05-21T12:00:00.000000Z",
///   "paused_reason": null,
///   "notification_url": null,
///   "subscription": {"connection_id": "CONNECTION_ID", "app_key": "SlackCLIAPI",
///                    "action_key": "channel_message", "inputs": {"channel": "C0123ABC456"}}
/// }"#).unwrap();
/// assert_eq!(inbox.status, InboxStatus::Active);
/// assert_eq!(inbox.name.as_deref(), Some("my-slack-inbox"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(from = "InboxWire")]
#[non_exhaustive]
pub struct Inbox {
    /// Server-assigned id.
    pub id: Uuid,
    /// The inbox name (`key` in newer spec editions); `None` for unnamed inboxes and after
    /// deletion, which frees the name.
    pub name: Option<String>,
    /// Lifecycle status.
    pub status: InboxStatus,
    /// Why the inbox is paused or failed to initialize; `None` when the server sent `null` or `""`.
    pub paused_reason: Option<PausedReason>,
    /// Where Zapier POSTs availability notifications.
    pub notification_url: Option<String>,
    /// When the inbox was created.
    pub created_at: DateTime<Utc>,
    /// What the inbox subscribes to (the server returns the versioned app key).
    pub subscription: Subscription,
}

/// The wire form, with both `name` and `key` so that a response carrying both does not trip
/// serde's duplicate-field check (an `alias` would).
#[derive(Deserialize, JsonSchema)]
struct InboxWire {
    id: Uuid,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    key: Option<String>,
    status: InboxStatus,
    #[serde(default, deserialize_with = "blank_as_none::deserialize")]
    paused_reason: Option<PausedReason>,
    #[serde(default)]
    notification_url: Option<String>,
    created_at: DateTime<Utc>,
    subscription: Subscription,
}

impl From<InboxWire> for Inbox {
    fn from(wire: InboxWire) -> Self {
        Inbox {
            id: wire.id,
            name: wire.key.or(wire.name),
            status: wire.status,
            paused_reason: wire.paused_reason,
            notification_url: wire.notification_url,
            created_at: wire.created_at,
            subscription: wire.subscription,
        }
    }
}

impl Inbox {
    /// Builds an inbox (the facade decodes them from responses; this is for tests and fakes).
    ///
    /// ```
    /// use chrono::Utc;
    /// use uuid::Uuid;
    /// use zapier_embed_domain::{Inbox, InboxStatus, Subscription};
    /// let inbox = Inbox::new(Uuid::nil(), InboxStatus::Initializing, Utc::now(),
    ///     Subscription::new("webhook", "hook_v2"));
    /// assert!(inbox.name.is_none());
    /// ```
    pub fn new(
        id: Uuid,
        status: InboxStatus,
        created_at: DateTime<Utc>,
        subscription: Subscription,
    ) -> Self {
        Inbox {
            id,
            name: None,
            status,
            paused_reason: None,
            notification_url: None,
            created_at,
            subscription,
        }
    }

    /// Sets the name.
    ///
    /// ```
    /// # use chrono::Utc; use uuid::Uuid;
    /// # use zapier_embed_domain::{Inbox, InboxStatus, Subscription};
    /// let inbox = Inbox::new(Uuid::nil(), InboxStatus::Active, Utc::now(),
    ///     Subscription::new("webhook", "hook_v2")).with_name("orders");
    /// assert_eq!(inbox.name.as_deref(), Some("orders"));
    /// ```
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the paused reason.
    ///
    /// ```
    /// # use chrono::Utc; use uuid::Uuid;
    /// # use zapier_embed_domain::{Inbox, InboxStatus, PausedReason, Subscription};
    /// let inbox = Inbox::new(Uuid::nil(), InboxStatus::Paused, Utc::now(),
    ///     Subscription::new("webhook", "hook_v2")).with_paused_reason(PausedReason::User);
    /// assert_eq!(inbox.paused_reason, Some(PausedReason::User));
    /// ```
    pub fn with_paused_reason(mut self, reason: PausedReason) -> Self {
        self.paused_reason = Some(reason);
        self
    }

    /// Sets the notification URL.
    ///
    /// ```
    /// # use chrono::Utc; use uuid::Uuid;
    /// # use zapier_embed_domain::{Inbox, InboxStatus, Subscription};
    /// let inbox = Inbox::new(Uuid::nil(), InboxStatus::Active, Utc::now(),
    ///     Subscription::new("webhook", "hook_v2")).with_notification_url("https://example.com/hook");
    /// assert!(inbox.notification_url.is_some());
    /// ```
    pub fn with_notification_url(mut self, url: impl Into<String>) -> Self {
        self.notification_url = Some(url.into());
        self
    }

    /// A by-id reference to this inbox (always available).
    ///
    /// ```
    /// # use chrono::Utc; use uuid::Uuid;
    /// # use zapier_embed_domain::{Inbox, InboxRef, InboxStatus, Subscription};
    /// let inbox = Inbox::new(Uuid::nil(), InboxStatus::Active, Utc::now(),
    ///     Subscription::new("webhook", "hook_v2"));
    /// assert_eq!(inbox.id_ref(), InboxRef::Id(Uuid::nil()));
    /// ```
    pub fn id_ref(&self) -> InboxRef {
        InboxRef::Id(self.id)
    }

    /// A by-name reference, when the inbox has a name that is valid to send back.
    ///
    /// ```
    /// # use chrono::Utc; use uuid::Uuid;
    /// # use zapier_embed_domain::{Inbox, InboxStatus, Subscription};
    /// let inbox = Inbox::new(Uuid::nil(), InboxStatus::Active, Utc::now(),
    ///     Subscription::new("webhook", "hook_v2")).with_name("orders");
    /// assert_eq!(inbox.name_ref().unwrap().to_string(), "orders");
    /// ```
    pub fn name_ref(&self) -> Option<InboxRef> {
        let name = self.name.as_deref()?;
        InboxName::new(name).ok().map(InboxRef::Name)
    }

    /// Whether the inbox collects events.
    ///
    /// ```
    /// # use chrono::Utc; use uuid::Uuid;
    /// # use zapier_embed_domain::{Inbox, InboxStatus, Subscription};
    /// let inbox = Inbox::new(Uuid::nil(), InboxStatus::Active, Utc::now(),
    ///     Subscription::new("webhook", "hook_v2"));
    /// assert!(inbox.is_active());
    /// ```
    pub fn is_active(&self) -> bool {
        self.status.is_active()
    }
}

/// The inbox state a lease call reports (`inbox_attributes`), and the state in a lease 409.
///
/// Zapier sends no other signal when it pauses an inbox by itself, so this is how a consumer
/// notices. `paused_at` is only present in the 409 body.
///
/// ```
/// use zapier_embed_domain::{InboxAttributes, InboxStatus, PausedReason};
/// let attrs: InboxAttributes = serde_json::from_str(
///     r#"{"status":"paused","paused_reason":"authentication","paused_at":"2026-03-12T16:59:47.185Z"}"#,
/// ).unwrap();
/// assert_eq!(attrs.status, InboxStatus::Paused);
/// assert!(attrs.paused_reason.as_ref().is_some_and(PausedReason::needs_reconnect));
/// assert!(attrs.paused_at.is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct InboxAttributes {
    /// The inbox status at the time of the call.
    pub status: InboxStatus,
    /// Why it is paused, if it is.
    #[serde(default, deserialize_with = "blank_as_none::deserialize")]
    pub paused_reason: Option<PausedReason>,
    /// When it was paused (lease 409 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_at: Option<DateTime<Utc>>,
}

impl InboxAttributes {
    /// Attributes with a status and nothing else.
    ///
    /// ```
    /// use zapier_embed_domain::{InboxAttributes, InboxStatus};
    /// assert!(InboxAttributes::new(InboxStatus::Active).paused_reason.is_none());
    /// ```
    pub fn new(status: InboxStatus) -> Self {
        InboxAttributes {
            status,
            paused_reason: None,
            paused_at: None,
        }
    }

    /// Sets the paused reason.
    ///
    /// ```
    /// use zapier_embed_domain::{InboxAttributes, InboxStatus, PausedReason};
    /// let a = InboxAttributes::new(InboxStatus::Paused).with_paused_reason(PausedReason::User);
    /// assert_eq!(a.paused_reason, Some(PausedReason::User));
    /// ```
    pub fn with_paused_reason(mut self, reason: PausedReason) -> Self {
        self.paused_reason = Some(reason);
        self
    }

    /// Sets when the inbox was paused.
    ///
    /// ```
    /// use chrono::Utc;
    /// use zapier_embed_domain::{InboxAttributes, InboxStatus};
    /// let a = InboxAttributes::new(InboxStatus::Paused).with_paused_at(Utc::now());
    /// assert!(a.paused_at.is_some());
    /// ```
    pub fn with_paused_at(mut self, at: DateTime<Utc>) -> Self {
        self.paused_at = Some(at);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subscription::ConnectionId;
    use serde_json::json;

    fn variant_a_json() -> serde_json::Value {
        json!({
            "id": "01960a3e-4d5f-7b8e-9c0a-1b2c3d4e5f6a",
            "name": "my-slack-inbox",
            "status": "active",
            "created_at": "2026-05-21T12:00:00.000000Z",
            "paused_reason": null,
            "notification_url": null,
            "subscription": {
                "connection_id": "CONNECTION_ID",
                "app_key": "SlackCLIAPI",
                "action_key": "channel_message",
                "inputs": { "channel": "C0123ABC456" }
            }
        })
    }

    #[test]
    fn decodes_seed_inbox_of_both_variants() {
        // Seeds 000 and 001 show the same inbox body for both variants.
        let inbox: Inbox = serde_json::from_value(variant_a_json()).unwrap();
        assert_eq!(inbox.id.to_string(), "01960a3e-4d5f-7b8e-9c0a-1b2c3d4e5f6a");
        assert_eq!(inbox.status, InboxStatus::Active);
        assert_eq!(inbox.paused_reason, None);
        assert_eq!(inbox.subscription.trigger, "channel_message");
        assert_eq!(
            inbox.subscription.connection,
            Some(ConnectionId::from("CONNECTION_ID"))
        );
        assert_eq!(inbox.created_at.to_rfc3339(), "2026-05-21T12:00:00+00:00");
    }

    #[test]
    fn blank_paused_reason_is_none_and_key_is_the_name() {
        let mut v = variant_a_json();
        v["paused_reason"] = json!("");
        v["key"] = json!("the-key");
        v["name"] = json!("the-key");
        v["some_future_field"] = json!({"x": 1});
        let inbox: Inbox = serde_json::from_value(v).unwrap();
        assert_eq!(inbox.paused_reason, None);
        assert_eq!(inbox.name.as_deref(), Some("the-key"));

        let mut only_key = variant_a_json();
        only_key.as_object_mut().unwrap().remove("name");
        only_key["key"] = json!("k2");
        let inbox: Inbox = serde_json::from_value(only_key).unwrap();
        assert_eq!(inbox.name.as_deref(), Some("k2"));

        let mut neither = variant_a_json();
        neither.as_object_mut().unwrap().remove("name");
        neither["key"] = json!(null);
        assert_eq!(serde_json::from_value::<Inbox>(neither).unwrap().name, None);
    }

    #[test]
    fn unknown_status_and_reason_are_preserved_and_round_trip() {
        let mut v = variant_a_json();
        v["status"] = json!("hibernating");
        v["paused_reason"] = json!("cosmic_rays");
        let inbox: Inbox = serde_json::from_value(v).unwrap();
        assert_eq!(inbox.status, InboxStatus::Unknown("hibernating".into()));
        assert_eq!(
            inbox.paused_reason,
            Some(PausedReason::Other("cosmic_rays".into()))
        );
        let back = serde_json::to_value(&inbox).unwrap();
        assert_eq!(back["status"], "hibernating");
        assert_eq!(back["paused_reason"], "cosmic_rays");
        let again: Inbox = serde_json::from_value(back).unwrap();
        assert_eq!(again, inbox);
    }

    #[test]
    fn integer_connection_and_initialization_failure() {
        let mut v = variant_a_json();
        v["status"] = json!("initialization_failure");
        v["paused_reason"] = json!("subscribe_failed");
        v["subscription"]["connection_id"] = json!(5678);
        let inbox: Inbox = serde_json::from_value(v).unwrap();
        assert!(inbox.status.is_terminal_failure());
        assert_eq!(
            inbox.subscription.connection,
            Some(ConnectionId::Number(5678))
        );
    }
}

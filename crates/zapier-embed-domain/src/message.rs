//! Messages: the id, the per-message attributes, the payload-less list item and the leased
//! message a handler works on.

use std::fmt;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::ack::AckHandle;
use crate::error::Error;
use crate::message_status::MessageStatus;

/// At this `lease_count` a message is quarantined (seeds 000, 001, 003: "At 5, the message is
/// quarantined and permanently removed from the available pool").
///
/// ```
/// assert_eq!(zapier_embed_domain::QUARANTINE_THRESHOLD, 5);
/// ```
pub const QUARANTINE_THRESHOLD: u32 = 5;

/// A message id.
///
/// A string rather than a uuid: variant A ids are uuids, but variant B documents opaque ids such
/// as `msg_abc123`. [`MessageId::as_uuid`] recovers the uuid where there is one.
///
/// ```
/// use zapier_embed_domain::MessageId;
/// let id = MessageId::new("msg_abc123");
/// assert_eq!(id.as_str(), "msg_abc123");
/// assert!(id.as_uuid().is_none());
/// ```
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct MessageId(String);

impl MessageId {
    /// Wraps an id.
    ///
    /// ```
    /// use zapier_embed_domain::MessageId;
    /// assert_eq!(MessageId::new("m1").to_string(), "m1");
    /// ```
    pub fn new(id: impl Into<String>) -> Self {
        MessageId(id.into())
    }

    /// The id as a string slice.
    ///
    /// ```
    /// use zapier_embed_domain::MessageId;
    /// assert_eq!(MessageId::new("m1").as_str(), "m1");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as a uuid, when it is one (variant A).
    ///
    /// ```
    /// use zapier_embed_domain::MessageId;
    /// let id = MessageId::new("019ce2fe-5ed1-7318-8a60-33dffd911f6b");
    /// assert!(id.as_uuid().is_some());
    /// ```
    pub fn as_uuid(&self) -> Option<Uuid> {
        Uuid::try_parse(&self.0).ok()
    }
}

impl fmt::Display for MessageId {
    /// Writes the id unchanged.
    ///
    /// ```
    /// use zapier_embed_domain::MessageId;
    /// assert_eq!(format!("{}", MessageId::new("msg_1")), "msg_1");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Uuid> for MessageId {
    /// The hyphenated lowercase form the server uses.
    ///
    /// ```
    /// use uuid::Uuid;
    /// use zapier_embed_domain::MessageId;
    /// assert_eq!(MessageId::from(Uuid::nil()).as_uuid(), Some(Uuid::nil()));
    /// ```
    fn from(id: Uuid) -> Self {
        MessageId(id.hyphenated().to_string())
    }
}

impl From<&str> for MessageId {
    /// Wraps a borrowed id.
    ///
    /// ```
    /// use zapier_embed_domain::MessageId;
    /// let id: MessageId = "m1".into();
    /// assert_eq!(id.as_str(), "m1");
    /// ```
    fn from(id: &str) -> Self {
        MessageId(id.to_owned())
    }
}

impl From<String> for MessageId {
    /// Wraps an owned id.
    ///
    /// ```
    /// use zapier_embed_domain::MessageId;
    /// let id: MessageId = String::from("m1").into();
    /// assert_eq!(id.as_str(), "m1");
    /// ```
    fn from(id: String) -> Self {
        MessageId(id)
    }
}

/// The hydration error Zapier attached to a message (`message_attributes.error_message`).
///
/// Zapier still delivers a message whose full event data could not be fetched from the app; the
/// payload may then be partial. Typing it makes the check hard to forget.
///
/// ```
/// use zapier_embed_domain::HydrationError;
/// let err = HydrationError::new("Slack connection expired");
/// assert_eq!(err.to_string(), "event data could not be fully fetched: Slack connection expired");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[error("event data could not be fully fetched: {message}")]
pub struct HydrationError {
    message: String,
}

impl HydrationError {
    /// Wraps the server's message.
    ///
    /// ```
    /// use zapier_embed_domain::HydrationError;
    /// assert_eq!(HydrationError::new("boom").message(), "boom");
    /// ```
    pub fn new(message: impl Into<String>) -> Self {
        HydrationError {
            message: message.into(),
        }
    }

    /// The server's message, unchanged.
    ///
    /// ```
    /// use zapier_embed_domain::HydrationError;
    /// assert_eq!(HydrationError::new("boom").message(), "boom");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Per-message delivery facts (`message_attributes`).
///
/// ```
/// use zapier_embed_domain::MessageAttributes;
/// let attrs: MessageAttributes = serde_json::from_str(
///     r#"{"lease_count":1,"error_message":null,"possible_duplicate_data":false}"#).unwrap();
/// assert_eq!(attrs.lease_count, 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct MessageAttributes {
    /// How many times the message has been leased (1 on its first lease).
    #[serde(default)]
    pub lease_count: u32,
    /// The hydration error, if any (`""` decodes as `None`).
    #[serde(default, deserialize_with = "blank_string_as_none")]
    pub error_message: Option<String>,
    /// Whether the event may duplicate one delivered earlier under another dedupe key.
    #[serde(default)]
    pub possible_duplicate_data: bool,
}

fn blank_string_as_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}

impl MessageAttributes {
    /// Attributes of a message leased `lease_count` times, with no error and no duplicate flag.
    ///
    /// ```
    /// use zapier_embed_domain::MessageAttributes;
    /// assert_eq!(MessageAttributes::new(2).lease_count, 2);
    /// ```
    pub fn new(lease_count: u32) -> Self {
        MessageAttributes {
            lease_count,
            error_message: None,
            possible_duplicate_data: false,
        }
    }

    /// Sets the hydration error message.
    ///
    /// ```
    /// use zapier_embed_domain::MessageAttributes;
    /// assert!(MessageAttributes::new(1).with_error_message("x").error_message.is_some());
    /// ```
    pub fn with_error_message(mut self, message: impl Into<String>) -> Self {
        self.error_message = Some(message.into());
        self
    }

    /// Sets the possible-duplicate flag.
    ///
    /// ```
    /// use zapier_embed_domain::MessageAttributes;
    /// assert!(MessageAttributes::new(1).with_possible_duplicate(true).possible_duplicate_data);
    /// ```
    pub fn with_possible_duplicate(mut self, flag: bool) -> Self {
        self.possible_duplicate_data = flag;
        self
    }
}

/// A message as listed by the list-messages call (no payload; leasing is the only way to read
/// payloads).
///
/// ```
/// use zapier_embed_domain::{Message, MessageStatus};
/// let m: Message = serde_json::from_str(r#"{
///   "id": "019ce303-cf30-7efb-aa91-89488a407dc2", "created_at": "2026-03-12T16:59:47.185Z",
///   "status": "acked",
///   "message_attributes": {"lease_count": 1, "error_message": null, "possible_duplicate_data": false}
/// }"#).unwrap();
/// assert_eq!(m.status, MessageStatus::Acked);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Message {
    /// Message id.
    pub id: MessageId,
    /// When the message was queued.
    pub created_at: DateTime<Utc>,
    /// Delivery status.
    pub status: MessageStatus,
    /// Delivery facts.
    #[serde(rename = "message_attributes", default)]
    pub attributes: MessageAttributes,
}

impl Message {
    /// Builds a list item.
    ///
    /// ```
    /// use chrono::Utc;
    /// use zapier_embed_domain::{Message, MessageAttributes, MessageStatus};
    /// let m = Message::new("m1".into(), Utc::now(), MessageStatus::Available, MessageAttributes::new(0));
    /// assert_eq!(m.id.as_str(), "m1");
    /// ```
    pub fn new(
        id: MessageId,
        created_at: DateTime<Utc>,
        status: MessageStatus,
        attributes: MessageAttributes,
    ) -> Self {
        Message {
            id,
            created_at,
            status,
            attributes,
        }
    }
}

/// A leased message: payload, delivery facts, and the [`AckHandle`] that acks or releases it.
///
/// Serde uses this crate's own JSON shape (the wire fields plus `ack`), suitable for handing a
/// message to another process; lease *responses* are decoded with
/// [`LeaseResponseBody`](crate::LeaseResponseBody).
///
/// ```
/// use chrono::Utc;
/// use serde::Deserialize;
/// use serde_json::json;
/// use uuid::Uuid;
/// use zapier_embed_domain::{AckHandle, LeasedMessage, MessageAttributes, MessageId, MessageStatus};
///
/// let ack = AckHandle::ById { inbox: Uuid::nil(), lease_id: Uuid::nil(), message_id: MessageId::new("m1") };
/// let msg = LeasedMessage::new(MessageId::new("m1"), Utc::now(), MessageStatus::Leased,
///     json!({"text": "Hello from Slack"}), MessageAttributes::new(4), ack);
/// assert!(msg.is_final_attempt());
///
/// #[derive(Deserialize)]
/// struct Slack { text: String }
/// assert_eq!(msg.payload_as::<Slack>().unwrap().text, "Hello from Slack");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct LeasedMessage {
    /// Message id.
    pub id: MessageId,
    /// When the message was queued.
    pub created_at: DateTime<Utc>,
    /// Delivery status (`leased`).
    pub status: MessageStatus,
    /// Raw event data from the app; the shape depends on the trigger.
    pub payload: Value,
    /// Delivery facts.
    #[serde(rename = "message_attributes", default)]
    pub attributes: MessageAttributes,
    /// What acks or releases this message.
    pub ack: AckHandle,
}

impl LeasedMessage {
    /// Builds a leased message.
    ///
    /// ```
    /// use chrono::Utc;
    /// use zapier_embed_domain::{AckHandle, InboxName, LeasedMessage, MessageAttributes, MessageStatus};
    /// let ack = AckHandle::ByName { inbox: InboxName::new("orders").unwrap(), lease_token: "lt_1".into() };
    /// let msg = LeasedMessage::new("msg_1".into(), Utc::now(), MessageStatus::Leased,
    ///     serde_json::json!({}), MessageAttributes::new(1), ack);
    /// assert_eq!(msg.attempts(), 1);
    /// ```
    pub fn new(
        id: MessageId,
        created_at: DateTime<Utc>,
        status: MessageStatus,
        payload: Value,
        attributes: MessageAttributes,
        ack: AckHandle,
    ) -> Self {
        LeasedMessage {
            id,
            created_at,
            status,
            payload,
            attributes,
            ack,
        }
    }

    /// How many times the message has been leased, this lease included (`lease_count`).
    ///
    /// ```
    /// # use chrono::Utc; use uuid::Uuid;
    /// # use zapier_embed_domain::*;
    /// # let ack = AckHandle::ById { inbox: Uuid::nil(), lease_id: Uuid::nil(), message_id: "m".into() };
    /// let msg = LeasedMessage::new("m".into(), Utc::now(), MessageStatus::Leased,
    ///     serde_json::json!({}), MessageAttributes::new(2), ack);
    /// assert_eq!(msg.attempts(), 2);
    /// ```
    pub fn attempts(&self) -> u32 {
        self.attributes.lease_count
    }

    /// Attempts left before quarantine, counting this one:
    /// `QUARANTINE_THRESHOLD - lease_count`, never below zero.
    ///
    /// ```
    /// # use chrono::Utc; use uuid::Uuid;
    /// # use zapier_embed_domain::*;
    /// # let ack = AckHandle::ById { inbox: Uuid::nil(), lease_id: Uuid::nil(), message_id: "m".into() };
    /// let msg = LeasedMessage::new("m".into(), Utc::now(), MessageStatus::Leased,
    ///     serde_json::json!({}), MessageAttributes::new(1), ack);
    /// assert_eq!(msg.attempts_left(), 4);
    /// ```
    pub fn attempts_left(&self) -> u32 {
        QUARANTINE_THRESHOLD.saturating_sub(self.attributes.lease_count)
    }

    /// Whether failing now (release, or letting the lease lapse) quarantines the message:
    /// `attempts_left() <= 1`, i.e. `lease_count >= 4`. This matches the seed documents'
    /// advice to ack (or dead-letter) a failing message at `lease_count >= 4` rather than let it
    /// disappear into quarantine.
    ///
    /// ```
    /// # use chrono::Utc; use uuid::Uuid;
    /// # use zapier_embed_domain::*;
    /// # let ack = AckHandle::ById { inbox: Uuid::nil(), lease_id: Uuid::nil(), message_id: "m".into() };
    /// let msg = LeasedMessage::new("m".into(), Utc::now(), MessageStatus::Leased,
    ///     serde_json::json!({}), MessageAttributes::new(3), ack);
    /// assert!(!msg.is_final_attempt());
    /// ```
    pub fn is_final_attempt(&self) -> bool {
        self.attempts_left() <= 1
    }

    /// The hydration error, when Zapier could not fetch the full event data (the payload may
    /// then be partial).
    ///
    /// ```
    /// # use chrono::Utc; use uuid::Uuid;
    /// # use zapier_embed_domain::*;
    /// # let ack = AckHandle::ById { inbox: Uuid::nil(), lease_id: Uuid::nil(), message_id: "m".into() };
    /// let msg = LeasedMessage::new("m".into(), Utc::now(), MessageStatus::Leased,
    ///     serde_json::json!({}), MessageAttributes::new(1).with_error_message("token expired"), ack);
    /// assert_eq!(msg.hydration_error().unwrap().message(), "token expired");
    /// ```
    pub fn hydration_error(&self) -> Option<HydrationError> {
        self.attributes
            .error_message
            .as_deref()
            .map(HydrationError::new)
    }

    /// Whether the event may duplicate one already delivered under another dedupe key
    /// (`possible_duplicate_data`); apply your own dedupe when true.
    ///
    /// ```
    /// # use chrono::Utc; use uuid::Uuid;
    /// # use zapier_embed_domain::*;
    /// # let ack = AckHandle::ById { inbox: Uuid::nil(), lease_id: Uuid::nil(), message_id: "m".into() };
    /// let msg = LeasedMessage::new("m".into(), Utc::now(), MessageStatus::Leased,
    ///     serde_json::json!({}), MessageAttributes::new(1).with_possible_duplicate(true), ack);
    /// assert!(msg.possible_duplicate());
    /// ```
    pub fn possible_duplicate(&self) -> bool {
        self.attributes.possible_duplicate_data
    }

    /// Decodes the payload into a typed value. Fails with [`Error::Decode`] (operation
    /// `decode message payload`) naming the message; the payload itself is not copied into the
    /// error, since it is user data.
    ///
    /// ```
    /// # use chrono::Utc; use uuid::Uuid;
    /// # use zapier_embed_domain::*;
    /// # let ack = AckHandle::ById { inbox: Uuid::nil(), lease_id: Uuid::nil(), message_id: "m".into() };
    /// let msg = LeasedMessage::new("m".into(), Utc::now(), MessageStatus::Leased,
    ///     serde_json::json!({"n": "not a number"}), MessageAttributes::new(1), ack);
    /// #[derive(serde::Deserialize, Debug)]
    /// struct P { n: u32 }
    /// let err = msg.payload_as::<P>().unwrap_err();
    /// assert!(matches!(err, Error::Decode { .. }));
    /// ```
    pub fn payload_as<T: DeserializeOwned>(&self) -> Result<T, Error> {
        T::deserialize(&self.payload).map_err(|e| {
            Error::decode(
                "decode message payload",
                format!(
                    "payload of message {} does not match the type: {e}",
                    self.id
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inbox_ref::InboxName;

    fn msg(lease_count: u32) -> LeasedMessage {
        LeasedMessage::new(
            "m".into(),
            Utc::now(),
            MessageStatus::Leased,
            Value::Null,
            MessageAttributes::new(lease_count),
            AckHandle::ByName {
                inbox: InboxName::new("i").unwrap(),
                lease_token: "t".into(),
            },
        )
    }

    #[test]
    fn attempt_budget() {
        let table = [
            (0, 5, false),
            (1, 4, false),
            (3, 2, false),
            (4, 1, true),
            (5, 0, true),
            (9, 0, true),
        ];
        for (count, left, last) in table {
            let m = msg(count);
            assert_eq!(m.attempts(), count);
            assert_eq!(m.attempts_left(), left, "count {count}");
            assert_eq!(m.is_final_attempt(), last, "count {count}");
        }
    }

    #[test]
    fn attributes_tolerate_blank_and_missing() {
        let a: MessageAttributes = serde_json::from_str(r#"{"error_message": ""}"#).unwrap();
        assert_eq!(a, MessageAttributes::default());
    }

    #[test]
    fn leased_message_domain_json_round_trips() {
        let m = msg(2);
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["ack"]["lease_token"], "t");
        assert_eq!(serde_json::from_value::<LeasedMessage>(json).unwrap(), m);
    }
}

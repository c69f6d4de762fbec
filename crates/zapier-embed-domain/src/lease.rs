//! A lease: the batch of messages one lease call returned, with its expiry, decoded from either
//! variant's response.

use std::time::Duration;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::ack::{AckHandle, AckPlan, AckRequest};
use crate::error::Error;
use crate::inbox::InboxAttributes;
use crate::inbox_ref::InboxRef;
use crate::lease_options::LeaseSeconds;
use crate::message::{LeasedMessage, MessageAttributes, MessageId};
use crate::message_status::MessageStatus;

/// Where [`Lease::leased_until`] came from.
///
/// ```
/// use zapier_embed_domain::LeasedUntilSource;
/// assert_ne!(LeasedUntilSource::Server, LeasedUntilSource::Computed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LeasedUntilSource {
    /// The server said so (variant A, non-empty lease).
    Server,
    /// Computed as request time + `lease_seconds` (variant B, or an empty lease). The request
    /// time is taken before sending, so the computed expiry is never later than the server's.
    Computed,
}

/// The messages one lease call returned, and until when they are held.
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use zapier_embed_domain::{InboxRef, Lease, LeaseResponseBody, LeaseSeconds};
///
/// let body: LeaseResponseBody = serde_json::from_str(r#"{"results": [{
///   "id": "msg_abc123", "created_at": "2026-05-21T12:01:00.000000Z", "status": "leased",
///   "lease_token": "lt_xyz789", "payload": {"text": "Hello from Slack"},
///   "message_attributes": {"lease_count": 1, "error_message": null, "possible_duplicate_data": false}
/// }]}"#).unwrap();
/// let requested_at = Utc.with_ymd_and_hms(2026, 5, 21, 12, 5, 0).unwrap();
/// let inbox = InboxRef::name("my-slack-inbox").unwrap();
/// let lease = Lease::from_response(&inbox, body, requested_at, LeaseSeconds::DEFAULT_BY_NAME).unwrap();
/// assert_eq!(lease.len(), 1);
/// assert_eq!(lease.leased_until, requested_at + Duration::seconds(30));
/// assert_eq!(lease.messages[0].ack.lease_token(), Some("lt_xyz789"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Lease {
    /// The inbox the messages were leased from.
    pub inbox: InboxRef,
    /// The leased messages (empty when nothing was available).
    pub messages: Vec<LeasedMessage>,
    /// The lease batch id (variant A, non-empty lease).
    pub lease_id: Option<Uuid>,
    /// When the lease lapses and unsettled messages return to the pool.
    pub leased_until: DateTime<Utc>,
    /// Whether `leased_until` came from the server or was computed.
    pub leased_until_source: LeasedUntilSource,
    /// The inbox state reported with the lease (variant A).
    pub inbox_attributes: Option<InboxAttributes>,
}

impl Lease {
    /// A lease whose expiry is computed as `requested_at + lease_seconds`; refine it with
    /// [`Lease::with_server_expiry`] when the server states one.
    ///
    /// ```
    /// use chrono::Utc;
    /// use zapier_embed_domain::{InboxRef, Lease, LeasedUntilSource, LeaseSeconds};
    /// let lease = Lease::new(InboxRef::name("o").unwrap(), vec![], Utc::now(), LeaseSeconds::DEFAULT_BY_NAME);
    /// assert!(lease.is_empty());
    /// assert_eq!(lease.leased_until_source, LeasedUntilSource::Computed);
    /// ```
    pub fn new(
        inbox: InboxRef,
        messages: Vec<LeasedMessage>,
        requested_at: DateTime<Utc>,
        lease_seconds: LeaseSeconds,
    ) -> Self {
        let leased_until = requested_at
            .checked_add_signed(chrono::Duration::seconds(i64::from(lease_seconds.get())))
            // Only reachable at the very end of chrono's range; stay at the request time rather
            // than panic, which errs on the side of settling early.
            .unwrap_or(requested_at);
        Lease {
            inbox,
            messages,
            lease_id: None,
            leased_until,
            leased_until_source: LeasedUntilSource::Computed,
            inbox_attributes: None,
        }
    }

    /// Uses the server's `leased_until` when it sent one (a `None` keeps the computed value).
    ///
    /// ```
    /// use chrono::{Duration, Utc};
    /// use zapier_embed_domain::{InboxRef, Lease, LeasedUntilSource, LeaseSeconds};
    /// let now = Utc::now();
    /// let lease = Lease::new(InboxRef::name("o").unwrap(), vec![], now, LeaseSeconds::DEFAULT_BY_ID)
    ///     .with_server_expiry(Some(now + Duration::seconds(60)));
    /// assert_eq!(lease.leased_until_source, LeasedUntilSource::Server);
    /// ```
    pub fn with_server_expiry(mut self, leased_until: Option<DateTime<Utc>>) -> Self {
        if let Some(at) = leased_until {
            self.leased_until = at;
            self.leased_until_source = LeasedUntilSource::Server;
        }
        self
    }

    /// Sets the lease batch id.
    ///
    /// ```
    /// use chrono::Utc;
    /// use uuid::Uuid;
    /// use zapier_embed_domain::{InboxRef, Lease, LeaseSeconds};
    /// let lease = Lease::new(InboxRef::from(Uuid::nil()), vec![], Utc::now(), LeaseSeconds::default())
    ///     .with_lease_id(Uuid::max());
    /// assert_eq!(lease.lease_id, Some(Uuid::max()));
    /// ```
    pub fn with_lease_id(mut self, lease_id: Uuid) -> Self {
        self.lease_id = Some(lease_id);
        self
    }

    /// Sets the reported inbox state.
    ///
    /// ```
    /// use chrono::Utc;
    /// use zapier_embed_domain::{InboxAttributes, InboxRef, InboxStatus, Lease, LeaseSeconds};
    /// let lease = Lease::new(InboxRef::name("o").unwrap(), vec![], Utc::now(), LeaseSeconds::default())
    ///     .with_inbox_attributes(InboxAttributes::new(InboxStatus::Active));
    /// assert!(lease.inbox_attributes.is_some());
    /// ```
    pub fn with_inbox_attributes(mut self, attributes: InboxAttributes) -> Self {
        self.inbox_attributes = Some(attributes);
        self
    }

    /// Builds a lease from a decoded lease response of either variant.
    ///
    /// `inbox` decides how messages are settled: [`InboxRef::Id`] expects variant A (a
    /// `lease_id` for a non-empty batch), [`InboxRef::Name`] expects variant B (a `lease_token`
    /// on every message). A response that lacks what its variant needs is a
    /// [`Error::Decode`] (operation `lease messages`) rather than a lease that cannot be acked.
    ///
    /// ```
    /// use chrono::Utc;
    /// use uuid::Uuid;
    /// use zapier_embed_domain::{InboxRef, Lease, LeaseResponseBody, LeaseSeconds};
    /// let body: LeaseResponseBody = serde_json::from_str(
    ///     r#"{"lease_id":null,"leased_until":null,"results":[],"inbox_attributes":{"status":"active","paused_reason":null}}"#,
    /// ).unwrap();
    /// let lease = Lease::from_response(&InboxRef::from(Uuid::nil()), body, Utc::now(), LeaseSeconds::default()).unwrap();
    /// assert!(lease.is_empty());
    /// ```
    pub fn from_response(
        inbox: &InboxRef,
        body: LeaseResponseBody,
        requested_at: DateTime<Utc>,
        lease_seconds: LeaseSeconds,
    ) -> Result<Lease, Error> {
        const OP: &str = "lease messages";
        let LeaseResponseBody {
            lease_id,
            leased_until,
            results,
            inbox_attributes,
        } = body;
        let mut messages = Vec::with_capacity(results.len());
        for item in results {
            let ack = match inbox {
                InboxRef::Id(inbox_id) => {
                    let lease_id = lease_id.ok_or_else(|| {
                        Error::decode(OP, "the lease response has messages but no lease_id")
                    })?;
                    AckHandle::ById {
                        inbox: *inbox_id,
                        lease_id,
                        message_id: item.id.clone(),
                    }
                }
                InboxRef::Name(name) => {
                    let token = item.lease_token.ok_or_else(|| {
                        Error::decode(OP, format!("leased message {} has no lease_token", item.id))
                    })?;
                    AckHandle::ByName {
                        inbox: name.clone(),
                        lease_token: token,
                    }
                }
            };
            messages.push(LeasedMessage::new(
                item.id,
                item.created_at,
                item.status,
                item.payload,
                item.attributes,
                ack,
            ));
        }
        let mut lease = Lease::new(inbox.clone(), messages, requested_at, lease_seconds)
            .with_server_expiry(leased_until);
        lease.lease_id = lease_id;
        lease.inbox_attributes = inbox_attributes;
        Ok(lease)
    }

    /// Whether the lease holds no message.
    ///
    /// ```
    /// use chrono::Utc;
    /// use zapier_embed_domain::{InboxRef, Lease, LeaseSeconds};
    /// assert!(Lease::new(InboxRef::name("o").unwrap(), vec![], Utc::now(), LeaseSeconds::default()).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// How many messages the lease holds.
    ///
    /// ```
    /// use chrono::Utc;
    /// use zapier_embed_domain::{InboxRef, Lease, LeaseSeconds};
    /// assert_eq!(Lease::new(InboxRef::name("o").unwrap(), vec![], Utc::now(), LeaseSeconds::default()).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Time left until `leased_until`, zero once it has passed.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chrono::Utc;
    /// use zapier_embed_domain::{InboxRef, Lease, LeaseSeconds};
    /// let now = Utc::now();
    /// let lease = Lease::new(InboxRef::name("o").unwrap(), vec![], now, LeaseSeconds::new(60).unwrap());
    /// assert_eq!(lease.remaining(now), Duration::from_secs(60));
    /// assert_eq!(lease.remaining(now + chrono::Duration::hours(1)), Duration::ZERO);
    /// ```
    pub fn remaining(&self, now: DateTime<Utc>) -> Duration {
        (self.leased_until - now).to_std().unwrap_or(Duration::ZERO)
    }

    /// Whether the lease has lapsed at `now`.
    ///
    /// ```
    /// use chrono::Utc;
    /// use zapier_embed_domain::{InboxRef, Lease, LeaseSeconds};
    /// let now = Utc::now();
    /// let lease = Lease::new(InboxRef::name("o").unwrap(), vec![], now, LeaseSeconds::new(1).unwrap());
    /// assert!(!lease.is_expired(now));
    /// assert!(lease.is_expired(now + chrono::Duration::seconds(1)));
    /// ```
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.leased_until
    }

    /// The ack handles of every message, in order.
    ///
    /// ```
    /// use chrono::Utc;
    /// use zapier_embed_domain::{InboxRef, Lease, LeaseSeconds};
    /// let lease = Lease::new(InboxRef::name("o").unwrap(), vec![], Utc::now(), LeaseSeconds::default());
    /// assert_eq!(lease.handles().count(), 0);
    /// ```
    pub fn handles(&self) -> impl Iterator<Item = &AckHandle> {
        self.messages.iter().map(|m| &m.ack)
    }

    /// The fewest requests that settle (ack or release) every message of this lease: one
    /// request without `message_ids` in variant A, the tokens in chunks of 100 in variant B.
    /// Empty for an empty lease.
    ///
    /// ```
    /// use chrono::Utc;
    /// use uuid::Uuid;
    /// use zapier_embed_domain::{InboxRef, Lease, LeaseResponseBody, LeaseSeconds, AckRequest};
    /// let body: LeaseResponseBody = serde_json::from_str(r#"{
    ///   "lease_id": "019ce2fe-5ed1-7318-8a60-33dffd911f6a", "leased_until": "2026-03-12T17:00:47.185Z",
    ///   "results": [{"id": "019ce2fe-5ed1-7318-8a60-33dffd911f6b", "created_at": "2026-03-12T16:59:47.185Z",
    ///     "status": "leased", "payload": {"key": "value"},
    ///     "message_attributes": {"lease_count": 1, "error_message": null, "possible_duplicate_data": false}}],
    ///   "inbox_attributes": {"status": "active", "paused_reason": null}}"#).unwrap();
    /// let lease = Lease::from_response(&InboxRef::from(Uuid::nil()), body, Utc::now(), LeaseSeconds::default()).unwrap();
    /// let reqs = lease.settle_all();
    /// assert!(matches!(&reqs[..], [AckRequest::ById { message_ids: None, .. }]));
    /// ```
    pub fn settle_all(&self) -> Vec<AckRequest> {
        if self.messages.is_empty() {
            return Vec::new();
        }
        let mut plan = AckPlan::new();
        match (&self.inbox, self.lease_id) {
            (InboxRef::Id(inbox), Some(lease_id)) => {
                plan.add_whole_lease(*inbox, lease_id);
            }
            _ => plan.extend(self.handles().cloned()),
        }
        plan.into_requests()
    }
}

impl IntoIterator for Lease {
    type Item = LeasedMessage;
    type IntoIter = std::vec::IntoIter<LeasedMessage>;

    /// Iterates over the messages.
    ///
    /// ```
    /// use chrono::Utc;
    /// use zapier_embed_domain::{InboxRef, Lease, LeaseSeconds};
    /// let lease = Lease::new(InboxRef::name("o").unwrap(), vec![], Utc::now(), LeaseSeconds::default());
    /// assert_eq!(lease.into_iter().count(), 0);
    /// ```
    fn into_iter(self) -> Self::IntoIter {
        self.messages.into_iter()
    }
}

/// The lease response body of either variant, as sent by the server.
///
/// Variant A: `{"lease_id", "leased_until", "results", "inbox_attributes"}` (the first two `null`
/// when empty). Variant B: `{"results"}` with a `lease_token` per message. Every field is
/// optional here so that either shape, and future additions, decode.
///
/// ```
/// use zapier_embed_domain::LeaseResponseBody;
/// let body: LeaseResponseBody = serde_json::from_str(r#"{"results": []}"#).unwrap();
/// assert!(body.results.is_empty() && body.lease_id.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct LeaseResponseBody {
    /// The lease batch id (variant A).
    #[serde(default)]
    pub lease_id: Option<Uuid>,
    /// When the lease lapses (variant A).
    #[serde(default)]
    pub leased_until: Option<DateTime<Utc>>,
    /// The leased messages.
    #[serde(default)]
    pub results: Vec<LeasedMessageBody>,
    /// The inbox state (variant A).
    #[serde(default)]
    pub inbox_attributes: Option<InboxAttributes>,
}

impl LeaseResponseBody {
    /// An empty body (what variant B returns when nothing is available).
    ///
    /// ```
    /// use zapier_embed_domain::LeaseResponseBody;
    /// assert!(LeaseResponseBody::new(vec![]).results.is_empty());
    /// ```
    pub fn new(results: Vec<LeasedMessageBody>) -> Self {
        LeaseResponseBody {
            lease_id: None,
            leased_until: None,
            results,
            inbox_attributes: None,
        }
    }
}

/// One leased message as sent by the server.
///
/// ```
/// use zapier_embed_domain::LeasedMessageBody;
/// let m: LeasedMessageBody = serde_json::from_str(r#"{"id":"msg_1","created_at":"2026-05-21T12:01:00Z",
///   "status":"leased","lease_token":"lt_1","payload":{},"message_attributes":{"lease_count":1}}"#).unwrap();
/// assert_eq!(m.lease_token.as_deref(), Some("lt_1"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct LeasedMessageBody {
    /// Message id.
    pub id: MessageId,
    /// When the message was queued.
    pub created_at: DateTime<Utc>,
    /// Delivery status.
    pub status: MessageStatus,
    /// Event data.
    #[serde(default)]
    pub payload: Value,
    /// Delivery facts.
    #[serde(rename = "message_attributes", default)]
    pub attributes: MessageAttributes,
    /// The per-message token (variant B).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_token: Option<String>,
}

//! The ack and release request bodies of each variant, and their answer.

use super::*;

/// An ack / release request body of either variant (serializes as the inner struct).
///
/// ```
/// use uuid::Uuid;
/// use zapier_embed_domain::{AckBody, AckBodyById};
/// let body = AckBody::ById(AckBodyById { lease_id: Uuid::nil(), message_ids: Some(vec!["m".into()]) });
/// assert!(serde_json::to_string(&body).unwrap().contains("\"message_ids\":[\"m\"]"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
#[non_exhaustive]
pub enum AckBody {
    /// Variant A body.
    ById(AckBodyById),
    /// Variant B body.
    ByName(AckBodyByName),
}

/// Variant A ack / release body: `{"lease_id", "message_ids"?}` (`message_ids` omitted = the
/// whole lease).
///
/// ```
/// use uuid::Uuid;
/// use zapier_embed_domain::AckBodyById;
/// let body = AckBodyById { lease_id: Uuid::nil(), message_ids: None };
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"lease_id":"00000000-0000-0000-0000-000000000000"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AckBodyById {
    /// The lease batch.
    pub lease_id: Uuid,
    /// The messages; omitted when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_ids: Option<Vec<MessageId>>,
}

/// Variant B ack / release body: `{"lease_tokens"}`.
///
/// ```
/// use zapier_embed_domain::AckBodyByName;
/// let body = AckBodyByName { lease_tokens: vec!["lt_1".into()] };
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"lease_tokens":["lt_1"]}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AckBodyByName {
    /// The tokens.
    pub lease_tokens: Vec<String>,
}

/// The response of an ack or release call, in either variant: `{"acked_id" | "released_id",
/// "results"}`.
///
/// A 200 with `id: None` and no messages means nothing matched (already settled, or the lease
/// is gone); a 201 lists the settled messages (`acked` after an ack, `available` after a
/// release).
///
/// ```
/// use zapier_embed_domain::{AckResponse, MessageStatus};
/// let r: AckResponse = serde_json::from_str(r#"{"acked_id":"019ce305-35be-764b-bcae-70ba567b7357",
///   "results":[{"id":"019ce303-cf30-7efb-aa91-89488a407dc2","created_at":"2026-03-12T16:59:47.185Z",
///   "status":"acked","message_attributes":{"lease_count":1,"error_message":null,"possible_duplicate_data":false}}]}"#).unwrap();
/// assert_eq!(r.len(), 1);
/// assert_eq!(r.messages[0].status, MessageStatus::Acked);
/// let none: AckResponse = serde_json::from_str(r#"{"released_id":null,"results":[]}"#).unwrap();
/// assert!(none.is_empty() && none.id.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(from = "AckResponseWire")]
#[non_exhaustive]
pub struct AckResponse {
    /// The server's id for this ack or release (`acked_id` / `released_id`); `None` when
    /// nothing was settled.
    pub id: Option<Uuid>,
    /// The settled messages, without payloads.
    pub messages: Vec<Message>,
}

#[derive(Deserialize, JsonSchema)]
struct AckResponseWire {
    #[serde(default)]
    acked_id: Option<Uuid>,
    #[serde(default)]
    released_id: Option<Uuid>,
    #[serde(default)]
    id: Option<Uuid>,
    #[serde(default, alias = "messages")]
    results: Vec<Message>,
}

impl From<AckResponseWire> for AckResponse {
    fn from(wire: AckResponseWire) -> Self {
        AckResponse {
            id: wire.acked_id.or(wire.released_id).or(wire.id),
            messages: wire.results,
        }
    }
}

impl AckResponse {
    /// A response settling `messages` (for fakes and tests).
    ///
    /// ```
    /// use zapier_embed_domain::AckResponse;
    /// assert!(AckResponse::new(None, vec![]).is_empty());
    /// ```
    pub fn new(id: Option<Uuid>, messages: Vec<Message>) -> Self {
        AckResponse { id, messages }
    }

    /// How many messages were settled.
    ///
    /// ```
    /// use zapier_embed_domain::AckResponse;
    /// assert_eq!(AckResponse::new(None, vec![]).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Whether nothing was settled.
    ///
    /// ```
    /// use zapier_embed_domain::AckResponse;
    /// assert!(AckResponse::new(None, vec![]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }
}

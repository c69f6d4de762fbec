//! Trigger Inbox variant B (inbox by name, per-message `lease_token`) wire types.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::inbox::{LeasedMessage, MessageAttributes, StatusEnum};
use crate::queue::StoredMessage;

/// Flat body of `PUT /inboxes/{name}/` (upsert by name).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub(crate) struct InboxUpsert {
    /// App slug or key (`slack`, `SlackCLIAPI`, ...).
    pub app: String,
    /// Trigger key.
    pub action: String,
    /// Connection id; null for connection-less apps.
    pub connection: Option<super::inbox::ConnectionId>,
    /// Trigger inputs.
    #[schema(value_type = Object)]
    pub inputs: serde_json::Map<String, serde_json::Value>,
    /// Optional notification URL (absolute http(s), at most 2048 characters, not the
    /// emulator's control API).
    #[schema(
        format = "uri",
        max_length = 2048,
        pattern = "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\s]+"
    )]
    pub notification_url: Option<String>,
}

super::inbox::lease_request_body! {
    /// Body of a variant-B lease (all optional).
    LeaseByNameRequest {
        /// Seconds to hold the lease (1..=3600, default 30).
        lease_seconds = 30,
        /// Most messages to lease (1..=100, default 10).
        max_messages,
    }
}

/// A leased message carrying its own `lease_token`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub(crate) struct TokenLeasedMessage {
    /// Message id.
    pub id: Uuid,
    /// When it was queued.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// `leased`.
    pub status: StatusEnum,
    /// Opaque token for ack/release; new on every lease of the message.
    pub lease_token: String,
    /// Event data.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// Attributes.
    pub message_attributes: MessageAttributes,
}

impl TokenLeasedMessage {
    /// Builds the wire form of a message leased under `lease_id`.
    pub(crate) fn new(m: &StoredMessage, lease_id: Uuid) -> Self {
        let LeasedMessage {
            id,
            created_at,
            status,
            payload,
            message_attributes,
        } = m.into();
        TokenLeasedMessage {
            id,
            created_at,
            status,
            lease_token: encode_lease_token(lease_id, id),
            payload,
            message_attributes,
        }
    }
}

/// Variant-B lease result: `{"results":[...]}` only.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct LeaseByNameResponse {
    /// Leased messages.
    pub results: Vec<TokenLeasedMessage>,
}

/// Body of a variant-B ack or release.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub(crate) struct LeaseTokensRequest {
    /// Tokens from the lease response (1..=100).
    #[schema(min_items = 1, max_items = 100)]
    pub lease_tokens: Vec<String>,
}

/// Encodes a lease token: `lt_` + lease id + message id (hex). Opaque to clients; it lets the
/// emulator find the lease and the message without a token table.
pub(crate) fn encode_lease_token(lease_id: Uuid, message_id: Uuid) -> String {
    format!("lt_{}{}", lease_id.simple(), message_id.simple())
}

/// Decodes [`encode_lease_token`]; `None` for anything malformed.
pub(crate) fn decode_lease_token(token: &str) -> Option<(Uuid, Uuid)> {
    let hex = token.strip_prefix("lt_")?;
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let lease = Uuid::try_parse(&hex[..32]).ok()?;
    let message = Uuid::try_parse(&hex[32..]).ok()?;
    Some((lease, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_tokens_round_trip() {
        let (l, m) = (Uuid::new_v4(), Uuid::new_v4());
        assert_eq!(decode_lease_token(&encode_lease_token(l, m)), Some((l, m)));
        assert_eq!(decode_lease_token("lt_xyz789"), None);
    }
}

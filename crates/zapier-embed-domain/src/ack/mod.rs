//! Ack / release handles and the planner that turns any set of them into the fewest requests.
//!
//! The same plan serves ack and release: both calls take the same body in each variant.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::inbox_ref::{InboxName, InboxRef};
use crate::message::{Message, MessageId};
use crate::variant::ApiVariant;

mod body;
mod plan;

pub use body::{AckBody, AckBodyById, AckBodyByName, AckResponse};
pub use plan::AckPlan;

/// The most ids (variant A `message_ids`) or tokens (variant B `lease_tokens`) one ack or release
/// request may carry (spec C and the by-name spec: `maxItems: 100`).
///
/// ```
/// assert_eq!(zapier_embed_domain::MAX_IDS_PER_REQUEST, 100);
/// ```
pub const MAX_IDS_PER_REQUEST: usize = 100;

/// What acks or releases one leased message.
///
/// In variant A a message is settled through its batch's `lease_id` plus its own id; in
/// variant B through the opaque `lease_token` it was leased with (a new token on every lease).
/// Neither is a credential, so `Debug` shows them.
///
/// ```
/// use uuid::Uuid;
/// use zapier_embed_domain::{AckHandle, ApiVariant, InboxName};
/// let a = AckHandle::ById { inbox: Uuid::nil(), lease_id: Uuid::nil(), message_id: "m1".into() };
/// let b = AckHandle::ByName { inbox: InboxName::new("orders").unwrap(), lease_token: "lt_xyz789".into() };
/// assert_eq!(a.variant(), ApiVariant::ById);
/// assert_eq!(b.lease_token(), Some("lt_xyz789"));
/// ```
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(tag = "variant", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum AckHandle {
    /// Variant A: inbox id, lease batch id and message id.
    ById {
        /// The inbox id.
        inbox: Uuid,
        /// The lease batch (`lease_id`).
        lease_id: Uuid,
        /// The message within the batch.
        message_id: MessageId,
    },
    /// Variant B: inbox name and per-message lease token.
    ByName {
        /// The inbox name.
        inbox: InboxName,
        /// The opaque token the message was leased with.
        lease_token: String,
    },
}

impl AckHandle {
    /// The variant this handle belongs to.
    ///
    /// ```
    /// use zapier_embed_domain::{AckHandle, ApiVariant, InboxName};
    /// let h = AckHandle::ByName { inbox: InboxName::new("o").unwrap(), lease_token: "t".into() };
    /// assert_eq!(h.variant(), ApiVariant::ByName);
    /// ```
    pub fn variant(&self) -> ApiVariant {
        match self {
            AckHandle::ById { .. } => ApiVariant::ById,
            AckHandle::ByName { .. } => ApiVariant::ByName,
        }
    }

    /// The inbox the ack or release request goes to.
    ///
    /// ```
    /// use uuid::Uuid;
    /// use zapier_embed_domain::{AckHandle, InboxRef};
    /// let h = AckHandle::ById { inbox: Uuid::nil(), lease_id: Uuid::nil(), message_id: "m".into() };
    /// assert_eq!(h.inbox(), InboxRef::Id(Uuid::nil()));
    /// ```
    pub fn inbox(&self) -> InboxRef {
        match self {
            AckHandle::ById { inbox, .. } => InboxRef::Id(*inbox),
            AckHandle::ByName { inbox, .. } => InboxRef::Name(inbox.clone()),
        }
    }

    /// The lease batch id (variant A only).
    ///
    /// ```
    /// use uuid::Uuid;
    /// use zapier_embed_domain::AckHandle;
    /// let h = AckHandle::ById { inbox: Uuid::nil(), lease_id: Uuid::max(), message_id: "m".into() };
    /// assert_eq!(h.lease_id(), Some(Uuid::max()));
    /// ```
    pub fn lease_id(&self) -> Option<Uuid> {
        match self {
            AckHandle::ById { lease_id, .. } => Some(*lease_id),
            AckHandle::ByName { .. } => None,
        }
    }

    /// The message id (variant A only; variant B settles by token).
    ///
    /// ```
    /// use uuid::Uuid;
    /// use zapier_embed_domain::AckHandle;
    /// let h = AckHandle::ById { inbox: Uuid::nil(), lease_id: Uuid::nil(), message_id: "m".into() };
    /// assert_eq!(h.message_id().map(|m| m.as_str()), Some("m"));
    /// ```
    pub fn message_id(&self) -> Option<&MessageId> {
        match self {
            AckHandle::ById { message_id, .. } => Some(message_id),
            AckHandle::ByName { .. } => None,
        }
    }

    /// The lease token (variant B only).
    ///
    /// ```
    /// use zapier_embed_domain::{AckHandle, InboxName};
    /// let h = AckHandle::ByName { inbox: InboxName::new("o").unwrap(), lease_token: "t".into() };
    /// assert_eq!(h.lease_token(), Some("t"));
    /// ```
    pub fn lease_token(&self) -> Option<&str> {
        match self {
            AckHandle::ById { .. } => None,
            AckHandle::ByName { lease_token, .. } => Some(lease_token),
        }
    }
}

/// One ack or release request, in either variant.
///
/// ```
/// use uuid::Uuid;
/// use zapier_embed_domain::{AckRequest, MessageId};
/// let req = AckRequest::ById { inbox: Uuid::nil(), lease_id: Uuid::nil(), message_ids: None };
/// assert_eq!(serde_json::to_string(&req.to_body()).unwrap(),
///            r#"{"lease_id":"00000000-0000-0000-0000-000000000000"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "variant", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum AckRequest {
    /// Variant A: `POST …/inboxes/{inbox}/messages/{ack|release}` with `{lease_id, message_ids?}`.
    ById {
        /// The inbox id (path).
        inbox: Uuid,
        /// The lease batch.
        lease_id: Uuid,
        /// The messages to settle, 1..=100 of them; `None` settles every message of the lease.
        message_ids: Option<Vec<MessageId>>,
    },
    /// Variant B: `POST …/inboxes/{inbox}/messages/{ack|release}/` with `{lease_tokens}`.
    ByName {
        /// The inbox name (path).
        inbox: InboxName,
        /// The tokens to settle, 1..=100 of them.
        lease_tokens: Vec<String>,
    },
}

impl AckRequest {
    /// The variant of the request.
    ///
    /// ```
    /// use uuid::Uuid;
    /// use zapier_embed_domain::{AckRequest, ApiVariant};
    /// let req = AckRequest::ById { inbox: Uuid::nil(), lease_id: Uuid::nil(), message_ids: None };
    /// assert_eq!(req.variant(), ApiVariant::ById);
    /// ```
    pub fn variant(&self) -> ApiVariant {
        match self {
            AckRequest::ById { .. } => ApiVariant::ById,
            AckRequest::ByName { .. } => ApiVariant::ByName,
        }
    }

    /// The inbox the request goes to (the path parameter).
    ///
    /// ```
    /// use zapier_embed_domain::{AckRequest, InboxName};
    /// let req = AckRequest::ByName { inbox: InboxName::new("orders").unwrap(), lease_tokens: vec!["t".into()] };
    /// assert_eq!(req.inbox().to_string(), "orders");
    /// ```
    pub fn inbox(&self) -> InboxRef {
        match self {
            AckRequest::ById { inbox, .. } => InboxRef::Id(*inbox),
            AckRequest::ByName { inbox, .. } => InboxRef::Name(inbox.clone()),
        }
    }

    /// How many messages the request names; `None` when it settles a whole lease.
    ///
    /// ```
    /// use zapier_embed_domain::{AckRequest, InboxName};
    /// let req = AckRequest::ByName { inbox: InboxName::new("o").unwrap(), lease_tokens: vec!["a".into(), "b".into()] };
    /// assert_eq!(req.len(), Some(2));
    /// ```
    pub fn len(&self) -> Option<usize> {
        match self {
            AckRequest::ById { message_ids, .. } => message_ids.as_ref().map(Vec::len),
            AckRequest::ByName { lease_tokens, .. } => Some(lease_tokens.len()),
        }
    }

    /// Whether the request names no message (never produced by [`AckPlan`]; a whole-lease
    /// request is not empty).
    ///
    /// ```
    /// use zapier_embed_domain::{AckRequest, InboxName};
    /// let req = AckRequest::ByName { inbox: InboxName::new("o").unwrap(), lease_tokens: vec![] };
    /// assert!(req.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// Whether the request settles the message behind `handle`.
    ///
    /// ```
    /// use uuid::Uuid;
    /// use zapier_embed_domain::{AckHandle, AckRequest};
    /// let req = AckRequest::ById { inbox: Uuid::nil(), lease_id: Uuid::nil(), message_ids: None };
    /// let h = AckHandle::ById { inbox: Uuid::nil(), lease_id: Uuid::nil(), message_id: "m".into() };
    /// assert!(req.covers(&h));
    /// ```
    pub fn covers(&self, handle: &AckHandle) -> bool {
        match (self, handle) {
            (
                AckRequest::ById {
                    inbox,
                    lease_id,
                    message_ids,
                },
                AckHandle::ById {
                    inbox: h_inbox,
                    lease_id: h_lease,
                    message_id,
                },
            ) => {
                inbox == h_inbox
                    && lease_id == h_lease
                    && message_ids
                        .as_ref()
                        .is_none_or(|ids| ids.contains(message_id))
            }
            (
                AckRequest::ByName {
                    inbox,
                    lease_tokens,
                },
                AckHandle::ByName {
                    inbox: h_inbox,
                    lease_token,
                },
            ) => inbox == h_inbox && lease_tokens.contains(lease_token),
            _ => false,
        }
    }

    /// The JSON body of the request (the same for ack and release).
    ///
    /// ```
    /// use zapier_embed_domain::{AckRequest, InboxName};
    /// let req = AckRequest::ByName { inbox: InboxName::new("o").unwrap(), lease_tokens: vec!["lt_xyz789".into()] };
    /// assert_eq!(serde_json::to_string(&req.to_body()).unwrap(), r#"{"lease_tokens":["lt_xyz789"]}"#);
    /// ```
    pub fn to_body(&self) -> AckBody {
        match self {
            AckRequest::ById {
                lease_id,
                message_ids,
                ..
            } => AckBody::ById(AckBodyById {
                lease_id: *lease_id,
                message_ids: message_ids.clone(),
            }),
            AckRequest::ByName { lease_tokens, .. } => AckBody::ByName(AckBodyByName {
                lease_tokens: lease_tokens.clone(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_variants_are_ordered_by_id_then_by_name() {
        let name = InboxName::new("b").unwrap();
        let requests = AckPlan::from_handles([
            AckHandle::ByName {
                inbox: name.clone(),
                lease_token: "t".into(),
            },
            AckHandle::ById {
                inbox: Uuid::max(),
                lease_id: Uuid::nil(),
                message_id: "2".into(),
            },
            AckHandle::ById {
                inbox: Uuid::nil(),
                lease_id: Uuid::nil(),
                message_id: "1".into(),
            },
        ]);
        assert_eq!(requests.len(), 3);
        assert_eq!(requests[0].inbox(), InboxRef::Id(Uuid::nil()));
        assert_eq!(requests[1].inbox(), InboxRef::Id(Uuid::max()));
        assert_eq!(requests[2].inbox(), InboxRef::Name(name));
    }

    #[test]
    fn whole_lease_without_handles_still_yields_a_request() {
        let mut plan = AckPlan::new();
        plan.add_whole_lease(Uuid::nil(), Uuid::nil());
        assert_eq!(plan.into_requests().len(), 1);
    }

    #[test]
    fn handle_serde_is_tagged() {
        let h = AckHandle::ById {
            inbox: Uuid::nil(),
            lease_id: Uuid::nil(),
            message_id: "m".into(),
        };
        let v = serde_json::to_value(&h).unwrap();
        assert_eq!(v["variant"], "by-id");
        assert_eq!(serde_json::from_value::<AckHandle>(v).unwrap(), h);
    }
}

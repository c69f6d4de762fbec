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

/// Items of one group in first-seen order, without duplicates.
#[derive(Debug, Clone)]
struct Group<T> {
    order: Vec<T>,
    seen: HashSet<T>,
}

// Manual impl: the derive would needlessly require `T: Default`.
impl<T> Default for Group<T> {
    fn default() -> Self {
        Group {
            order: Vec::new(),
            seen: HashSet::new(),
        }
    }
}

impl<T: Clone + Eq + std::hash::Hash> Group<T> {
    fn push(&mut self, item: T) {
        if self.seen.insert(item.clone()) {
            self.order.push(item);
        }
    }
}

/// Plans the fewest ack (or release) requests for a set of handles.
///
/// * Variant A: one request per (inbox, `lease_id`) carrying `message_ids`, split every
///   [`MAX_IDS_PER_REQUEST`] ids; a lease marked whole with [`AckPlan::add_whole_lease`] becomes a
///   single request without `message_ids`, however many messages it holds.
/// * Variant B: one request per inbox carrying `lease_tokens`, split every
///   [`MAX_IDS_PER_REQUEST`] tokens.
///
/// Duplicate handles are sent once. The output is deterministic: variant A groups ordered by
/// (inbox, lease id), then variant B groups by inbox name; within a group, ids keep the order in
/// which they were first added.
///
/// ```
/// use uuid::Uuid;
/// use zapier_embed_domain::{AckHandle, AckPlan, AckRequest};
/// let (inbox, lease) = (Uuid::nil(), Uuid::max());
/// let handles = (0..150).map(|i| AckHandle::ById {
///     inbox, lease_id: lease, message_id: format!("m{i}").into(),
/// });
/// let requests = AckPlan::from_handles(handles);
/// assert_eq!(requests.len(), 2); // 100 + 50
/// assert_eq!(requests[0].len(), Some(100));
/// ```
#[derive(Debug, Clone, Default)]
pub struct AckPlan {
    by_id: BTreeMap<(Uuid, Uuid), Group<MessageId>>,
    whole: BTreeSet<(Uuid, Uuid)>,
    by_name: BTreeMap<InboxName, Group<String>>,
}

impl AckPlan {
    /// An empty plan.
    ///
    /// ```
    /// use zapier_embed_domain::AckPlan;
    /// assert!(AckPlan::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Plans the requests for `handles` in one go.
    ///
    /// ```
    /// use zapier_embed_domain::{AckHandle, AckPlan, InboxName};
    /// let inbox = InboxName::new("orders").unwrap();
    /// let handles = ["a", "b", "a"].map(|t| AckHandle::ByName { inbox: inbox.clone(), lease_token: t.into() });
    /// let requests = AckPlan::from_handles(handles);
    /// assert_eq!(requests.len(), 1);
    /// assert_eq!(requests[0].len(), Some(2)); // the duplicate is sent once
    /// ```
    pub fn from_handles(handles: impl IntoIterator<Item = AckHandle>) -> Vec<AckRequest> {
        handles.into_iter().collect::<AckPlan>().into_requests()
    }

    /// Adds one handle.
    ///
    /// ```
    /// use uuid::Uuid;
    /// use zapier_embed_domain::{AckHandle, AckPlan};
    /// let mut plan = AckPlan::new();
    /// plan.add(AckHandle::ById { inbox: Uuid::nil(), lease_id: Uuid::nil(), message_id: "m".into() });
    /// assert_eq!(plan.into_requests().len(), 1);
    /// ```
    pub fn add(&mut self, handle: AckHandle) -> &mut Self {
        match handle {
            AckHandle::ById {
                inbox,
                lease_id,
                message_id,
            } => self
                .by_id
                .entry((inbox, lease_id))
                .or_default()
                .push(message_id),
            AckHandle::ByName { inbox, lease_token } => {
                self.by_name.entry(inbox).or_default().push(lease_token)
            }
        }
        self
    }

    /// Marks a whole variant A lease: it becomes one request without `message_ids`, and any
    /// handle of that lease added before or after is covered by it.
    ///
    /// ```
    /// use uuid::Uuid;
    /// use zapier_embed_domain::{AckHandle, AckPlan, AckRequest};
    /// let mut plan = AckPlan::new();
    /// for i in 0..250 {
    ///     plan.add(AckHandle::ById { inbox: Uuid::nil(), lease_id: Uuid::max(), message_id: format!("m{i}").into() });
    /// }
    /// plan.add_whole_lease(Uuid::nil(), Uuid::max());
    /// let requests = plan.into_requests();
    /// assert_eq!(requests, vec![AckRequest::ById { inbox: Uuid::nil(), lease_id: Uuid::max(), message_ids: None }]);
    /// ```
    pub fn add_whole_lease(&mut self, inbox: Uuid, lease_id: Uuid) -> &mut Self {
        self.whole.insert((inbox, lease_id));
        self
    }

    /// Whether nothing has been added.
    ///
    /// ```
    /// use zapier_embed_domain::AckPlan;
    /// assert!(AckPlan::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty() && self.whole.is_empty() && self.by_name.is_empty()
    }

    /// The requests, fewest possible, in deterministic order.
    ///
    /// ```
    /// use zapier_embed_domain::AckPlan;
    /// assert!(AckPlan::new().into_requests().is_empty());
    /// ```
    pub fn into_requests(self) -> Vec<AckRequest> {
        let AckPlan {
            mut by_id,
            whole,
            by_name,
        } = self;
        let mut requests = Vec::new();

        // Whole leases first merge with their per-message group so that the key order below
        // stays a single sorted sequence.
        for key in &whole {
            by_id.entry(*key).or_default();
        }
        for ((inbox, lease_id), group) in by_id {
            if whole.contains(&(inbox, lease_id)) {
                requests.push(AckRequest::ById {
                    inbox,
                    lease_id,
                    message_ids: None,
                });
                continue;
            }
            for chunk in group.order.chunks(MAX_IDS_PER_REQUEST) {
                requests.push(AckRequest::ById {
                    inbox,
                    lease_id,
                    message_ids: Some(chunk.to_vec()),
                });
            }
        }
        for (inbox, group) in by_name {
            for chunk in group.order.chunks(MAX_IDS_PER_REQUEST) {
                requests.push(AckRequest::ByName {
                    inbox: inbox.clone(),
                    lease_tokens: chunk.to_vec(),
                });
            }
        }
        requests
    }
}

impl Extend<AckHandle> for AckPlan {
    /// Adds every handle, as [`AckPlan::add`] does.
    ///
    /// ```
    /// use zapier_embed_domain::{AckHandle, AckPlan, InboxName};
    /// let inbox = InboxName::new("o").unwrap();
    /// let mut plan = AckPlan::new();
    /// plan.extend(["a", "b"].map(|t| AckHandle::ByName { inbox: inbox.clone(), lease_token: t.into() }));
    /// assert_eq!(plan.into_requests()[0].len(), Some(2));
    /// ```
    fn extend<I: IntoIterator<Item = AckHandle>>(&mut self, iter: I) {
        for handle in iter {
            self.add(handle);
        }
    }
}

impl FromIterator<AckHandle> for AckPlan {
    /// Collects handles into a plan.
    ///
    /// ```
    /// use zapier_embed_domain::{AckHandle, AckPlan, InboxName};
    /// let inbox = InboxName::new("o").unwrap();
    /// let plan: AckPlan = ["a"].map(|t| AckHandle::ByName { inbox: inbox.clone(), lease_token: t.into() }).into_iter().collect();
    /// assert!(!plan.is_empty());
    /// ```
    fn from_iter<I: IntoIterator<Item = AckHandle>>(iter: I) -> Self {
        let mut plan = AckPlan::new();
        plan.extend(iter);
        plan
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

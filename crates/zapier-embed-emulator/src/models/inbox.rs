//! Trigger Inbox wire types shared by both variants (spec edition A component names).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::clock::iso;
use crate::queue::{MessageStatus, StoredMessage};

/// Why an inbox is paused or failed to initialise (`PausedReasonEnum`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum PausedReason {
    /// Paused through the API.
    User,
    /// The connection's credentials are expired or invalid.
    Authentication,
    /// The app account revoked access.
    AuthenticationAccessRevoked,
    /// The partner revoked access.
    PartnerRevoked,
    /// The trigger subscription could not be set up.
    SubscribeFailed,
    /// Migration to a new trigger version failed.
    MigrateFailed,
    /// Abandoned.
    Abandoned,
    /// Unknown.
    Unknown,
    /// Repeated upstream failures.
    UpstreamFailures,
}

/// A connection reference: UUID string, legacy integer, or null for connection-less triggers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub(crate) enum ConnectionId {
    /// UUID (or any string id).
    Text(String),
    /// Legacy numeric id.
    Number(i64),
}

impl ConnectionId {
    /// The id as text, for lookups and comparisons.
    pub(crate) fn as_text(&self) -> String {
        match self {
            ConnectionId::Text(s) => s.clone(),
            ConnectionId::Number(n) => n.to_string(),
        }
    }
}

/// What an inbox subscribes to (`TriggerSubscription`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub(crate) struct TriggerSubscription {
    /// App: `SlackCLIAPI@1.0.0`, `SlackCLIAPI`, `SlackCLIAPI@latest` or slug `slack`; stored and
    /// returned fully versioned.
    pub app_key: String,
    /// Trigger key (`channel_message`).
    pub action_key: String,
    /// Trigger inputs; every required input field must be present.
    #[schema(value_type = Object)]
    pub inputs: serde_json::Map<String, serde_json::Value>,
    /// The user's connection; null/absent for connection-less apps.
    pub connection_id: Option<ConnectionId>,
}

/// An inbox (`Inbox`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub(crate) struct Inbox {
    /// Inbox id.
    pub id: Uuid,
    /// Creation time.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Unique name per user (deprecated alias of `key` in newer editions).
    #[schema(required = true)]
    pub name: Option<String>,
    /// Natural key (same value as `name`).
    #[schema(required = true)]
    pub key: Option<String>,
    /// `initializing`, `active`, `paused`, `deleting` or `initialization_failure`.
    pub status: String,
    /// Why it is paused or failed.
    #[schema(required = true)]
    pub paused_reason: Option<PausedReason>,
    /// URL POSTed when messages become available.
    #[schema(required = true)]
    pub notification_url: Option<String>,
    /// The subscription.
    #[serde(deserialize_with = "crate::extract::object")]
    pub subscription: TriggerSubscription,
}

/// Declares a body of `POST /inboxes` (create) or `PUT /inboxes` (ensure). The two carry the same
/// fields; they differ in whether `name` is required (which the handler checks) and so in how
/// they document it, and the API documents name each schema, so each keeps its own.
macro_rules! inbox_request_body {
    ($(#[doc = $doc:tt])* $body:ident, name = $name_doc:tt) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Deserialize, ToSchema)]
        #[allow(
            dead_code,
            reason = "deserialized for the OpenAPI contract; some fields are accepted and ignored"
        )]
        pub(crate) struct $body {
            /// Read-only; accepted and ignored (the spec reuses the response model as request).
            #[schema(read_only)]
            pub id: Option<Uuid>,
            /// Read-only; accepted and ignored.
            #[schema(read_only, format = DateTime)]
            pub created_at: Option<String>,
            /// Read-only; accepted and ignored.
            #[schema(read_only)]
            pub status: Option<String>,
            /// Read-only; accepted and ignored.
            #[schema(read_only)]
            pub paused_reason: Option<PausedReason>,
            #[doc = $name_doc]
            #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
            pub name: Option<String>,
            /// Alias of `name`.
            #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
            pub key: Option<String>,
            /// The subscription.
            #[serde(deserialize_with = "crate::extract::object")]
            pub subscription: TriggerSubscription,
            /// Optional notification URL (absolute http(s), at most 2048 characters, not the
            /// emulator's control API).
            #[schema(
                format = "uri",
                max_length = 2048,
                pattern = "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\s]+"
            )]
            pub notification_url: Option<String>,
        }
    };
}

inbox_request_body!(
    /// Body of `POST /inboxes` (create).
    InboxCreate,
    name = "Optional unique name (1 to 100 characters); 409 when taken."
);

inbox_request_body!(
    /// Body of `PUT /inboxes` (ensure); `name` (or its alias `key`) is required.
    InboxEnsure,
    name = "Unique name (1 to 100 characters)."
);

/// Body of `PATCH /inboxes/{id}` (`PatchedInboxPatch`); only `notification_url` is updatable.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub(crate) struct PatchedInboxPatch {
    /// New URL, or null to clear; absent leaves it unchanged.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "uri", max_length = 2048, pattern = "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\s]+")]
    pub notification_url: Option<Option<String>>,
}

/// Distinguishes an absent field (`None`) from an explicit null (`Some(None)`).
fn double_option<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Offset-paginated inbox list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct PaginatedInboxList {
    /// Total matching inboxes across pages.
    pub count: u64,
    /// Absolute URL of the next page.
    #[schema(required = true)]
    pub next: Option<String>,
    /// Absolute URL of the previous page.
    #[schema(required = true)]
    pub previous: Option<String>,
    /// This page.
    pub results: Vec<Inbox>,
}

/// Message status (`StatusEnum`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = StatusEnum)]
pub(crate) enum StatusEnum {
    /// Leasable.
    Available,
    /// Leased.
    Leased,
    /// Acknowledged.
    Acked,
    /// Quarantined.
    Quarantined,
}

impl From<MessageStatus> for StatusEnum {
    fn from(s: MessageStatus) -> Self {
        match s {
            MessageStatus::Available => StatusEnum::Available,
            MessageStatus::Leased => StatusEnum::Leased,
            MessageStatus::Acked => StatusEnum::Acked,
            MessageStatus::Quarantined => StatusEnum::Quarantined,
        }
    }
}

/// Per-message delivery attributes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct MessageAttributes {
    /// Times leased; at 5 a returning message is quarantined.
    pub lease_count: u32,
    /// Hydration error, if any.
    #[schema(required = true)]
    pub error_message: Option<String>,
    /// True when dedup was impossible.
    pub possible_duplicate_data: bool,
}

/// A message without payload (listing, ack/release results).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub(crate) struct Message {
    /// Message id.
    pub id: Uuid,
    /// When it was queued.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Status.
    pub status: StatusEnum,
    /// Attributes.
    pub message_attributes: MessageAttributes,
}

impl From<&StoredMessage> for Message {
    fn from(m: &StoredMessage) -> Self {
        Message {
            id: m.id,
            created_at: iso(m.created_at),
            status: m.status.into(),
            message_attributes: attributes(m),
        }
    }
}

fn attributes(m: &StoredMessage) -> MessageAttributes {
    MessageAttributes {
        lease_count: m.lease_count,
        error_message: m.error_message.clone(),
        possible_duplicate_data: m.possible_duplicate_data,
    }
}

/// A leased message, with its payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub(crate) struct LeasedMessage {
    /// Message id.
    pub id: Uuid,
    /// When it was queued.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Status (`leased`).
    pub status: StatusEnum,
    /// Event data.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// Attributes.
    pub message_attributes: MessageAttributes,
}

impl From<&StoredMessage> for LeasedMessage {
    fn from(m: &StoredMessage) -> Self {
        LeasedMessage {
            id: m.id,
            created_at: iso(m.created_at),
            status: m.status.into(),
            payload: m
                .payload
                .as_ref()
                .map_or(serde_json::Value::Null, crate::queue::Payload::to_value),
            message_attributes: attributes(m),
        }
    }
}

/// Cursor-paginated message list (no payloads).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct PaginatedMessageList {
    /// Absolute URL of the next page.
    #[schema(required = true)]
    pub next: Option<String>,
    /// Absolute URL of the previous page.
    #[schema(required = true)]
    pub previous: Option<String>,
    /// This page, oldest first.
    pub results: Vec<Message>,
}

/// Declares the body of a lease (all optional; an absent field takes its default). Both variants
/// take the same two whole numbers with the same bounds; they differ in the name of the batch size
/// and in the default lease time, and the API documents name each schema, so each variant keeps its
/// own type.
macro_rules! lease_request_body {
    (
        $(#[doc = $doc:tt])*
        $body:ident {
            $(#[doc = $seconds_doc:tt])*
            lease_seconds = $seconds_default:literal,
            $(#[doc = $limit_doc:tt])*
            $limit:ident $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Default, Deserialize, ToSchema)]
        #[serde(default)]
        pub(crate) struct $body {
            $(#[doc = $seconds_doc])*
            #[serde(deserialize_with = "crate::extract::optional_whole")]
            #[schema(minimum = 1, maximum = 3600, default = $seconds_default)]
            pub lease_seconds: Option<i64>,
            $(#[doc = $limit_doc])*
            #[serde(deserialize_with = "crate::extract::optional_whole")]
            #[schema(minimum = 1, maximum = 100, default = 10)]
            pub $limit: Option<i64>,
        }
    };
}
pub(crate) use lease_request_body;

lease_request_body! {
    /// Body of a variant-A lease (all optional).
    LeaseRequest {
        /// Seconds to hold the lease (1..=3600, default 300).
        lease_seconds = 300,
        /// Most messages to lease (1..=100, default 10).
        lease_limit,
    }
}

/// Inbox state reported with a lease.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub(crate) struct InboxAttributes {
    /// Inbox status at the time of the call.
    pub status: String,
    /// Pause reason, if paused.
    #[schema(required = true)]
    pub paused_reason: Option<PausedReason>,
}

/// Variant-A lease result (`200` with nulls when nothing is available, `201` otherwise).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct LeaseResponse {
    /// Lease id for ack/release.
    #[schema(required = true)]
    pub lease_id: Option<Uuid>,
    /// Lease deadline.
    #[schema(format = DateTime, required = true)]
    pub leased_until: Option<String>,
    /// Leased messages.
    pub results: Vec<LeasedMessage>,
    /// Inbox state.
    pub inbox_attributes: InboxAttributes,
}

/// Inbox state in the lease 409.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub(crate) struct LeaseConflictAttributes {
    /// `paused`.
    pub status: String,
    /// Why.
    #[schema(required = true)]
    pub paused_reason: Option<PausedReason>,
    /// When it was paused.
    #[schema(format = DateTime, required = true)]
    pub paused_at: Option<String>,
}

/// The lease 409: the inbox is paused and fully drained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub(crate) struct LeaseConflictResponse {
    /// `Inbox is paused and fully drained.`
    pub detail: String,
    /// Inbox state.
    pub inbox_attributes: LeaseConflictAttributes,
}

/// Body of a variant-A ack.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub(crate) struct AckRequest {
    /// The lease.
    pub lease_id: Uuid,
    /// Subset of the lease (1..=100 ids); absent = the whole lease.
    #[schema(min_items = 1, max_items = 100)]
    pub message_ids: Option<Vec<Uuid>>,
}

/// Body of a variant-A release.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub(crate) struct ReleaseRequest {
    /// The lease.
    pub lease_id: Uuid,
    /// Subset of the lease (1..=100 ids); absent = the whole lease.
    #[schema(min_items = 1, max_items = 100)]
    pub message_ids: Option<Vec<Uuid>>,
}

/// Ack result (`201` when something was acked, else `200` with a null id).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct AckResponse {
    /// Id of this acknowledgement.
    #[schema(required = true)]
    pub acked_id: Option<Uuid>,
    /// Acked messages (status `acked`).
    pub results: Vec<Message>,
}

/// Release result (`201` when something was released, else `200` with a null id).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ReleaseResponse {
    /// Id of this release.
    #[schema(required = true)]
    pub released_id: Option<Uuid>,
    /// Released messages (status `available`, or `quarantined` at the threshold).
    pub results: Vec<Message>,
}

/// One SSE `data:` frame of `GET .../events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct InboxEventFrame {
    /// The inbox (lowercase UUID).
    pub inbox_id: Uuid,
    /// Messages signalled by this frame (≥ 1).
    pub count: u64,
}

/// Body POSTed to `notification_url` (`messageAvailable`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct MessageAvailableNotification {
    /// The inbox.
    pub inbox_id: Uuid,
    /// New messages.
    pub received_message_count: u64,
    /// Always false: the emulator never re-sends.
    pub redelivery: bool,
}

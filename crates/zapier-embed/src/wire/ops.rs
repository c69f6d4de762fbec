//! Every operation of the wire layer, declared once: its generated id, the name errors use, and
//! its class for the retry rule. The Trigger Inbox operations come in pairs, one per variant (the
//! seam picks its own); the Partner API's are one per request.

use crate::call::Operation;
use crate::retry::Idempotency::{Idempotent, NotIdempotent};

use super::{Settle, Transition};

/// Declares operations: `CONST = "generated id", "name errors use", retry class;`.
macro_rules! operations {
    ($($const:ident = $id:literal, $name:literal, $class:ident;)+) => {$(
        pub(crate) const $const: Operation = Operation {
            id: $id,
            name: $name,
            idempotency: $class,
        };
    )+};
}

operations! {
    CREATE = "create_trigger_inbox", "create inbox", NotIdempotent;
    ENSURE_BY_ID = "ensure_trigger_inbox", "ensure inbox", Idempotent;
    ENSURE_BY_NAME = "upsert_inbox", "ensure inbox", Idempotent;
    GET_BY_ID = "get_trigger_inbox", "get inbox", Idempotent;
    GET_BY_NAME = "get_inbox", "get inbox", Idempotent;
    LIST_BY_ID = "list_trigger_inboxes", "list inboxes", Idempotent;
    LIST_BY_NAME = "list_inboxes", "list inboxes", Idempotent;
    PATCH = "patch_trigger_inbox", "update inbox", Idempotent;
    PAUSE_BY_ID = "pause_trigger_inbox", "pause inbox", Idempotent;
    PAUSE_BY_NAME = "pause_inbox", "pause inbox", Idempotent;
    RESUME_BY_ID = "resume_trigger_inbox", "resume inbox", Idempotent;
    RESUME_BY_NAME = "resume_inbox", "resume inbox", Idempotent;
    DELETE_BY_ID = "delete_trigger_inbox", "delete inbox", Idempotent;
    DELETE_BY_NAME = "delete_inbox", "delete inbox", Idempotent;
    LEASE_BY_ID = "lease_trigger_inbox_messages", "lease messages", NotIdempotent;
    LEASE_BY_NAME = "lease_messages", "lease messages", NotIdempotent;
    ACK_BY_ID = "acknowledge_trigger_inbox_messages", "ack messages", Idempotent;
    ACK_BY_NAME = "acknowledge_messages", "ack messages", Idempotent;
    RELEASE_BY_ID = "release_trigger_inbox_messages", "release messages", Idempotent;
    RELEASE_BY_NAME = "release_messages", "release messages", Idempotent;
    LIST_MESSAGES_BY_ID = "list_trigger_inbox_messages", "list messages", Idempotent;
    LIST_MESSAGES_BY_NAME = "list_messages", "list messages", Idempotent;
    EVENTS = "get_trigger_inbox_events", "subscribe to inbox events", Idempotent;
    // Resolving a reference (`resolve.rs` and `InboxApi::find_by_name`).
    RESOLVE_ID_BY_LIST = "list_trigger_inboxes", "resolve inbox name", Idempotent;
    RESOLVE_ID_BY_GET = "get_inbox", "resolve inbox name", Idempotent;
    RESOLVE_NAME = "get_trigger_inbox", "resolve inbox id", Idempotent;
    // The Partner API (`partner.rs`): each request there sends one of these.
    LIST_CONNECTIONS = "get_authentications", "list connections", Idempotent;
    APPS = "get_v2_apps", "list apps", Idempotent;
    LIST_ACTIONS = "get_actions", "list actions", Idempotent;
    INPUTS = "get_fields_inputs", "get action inputs", Idempotent;
    CHOICES = "get_choices", "get input choices", Idempotent;
    OUTPUTS = "get_fields_outputs", "get action outputs", Idempotent;
    CREATE_RUN = "create_action_run", "create action run", NotIdempotent;
    GET_RUN = "retrieve_action_run", "get action run", Idempotent;
}

impl Settle {
    /// Of two operations, the one for this settlement.
    fn pick<T>(self, ack: T, release: T) -> T {
        match self {
            Settle::Ack => ack,
            Settle::Release => release,
        }
    }
}

impl Transition {
    /// Of three operations, the one for this transition.
    fn pick<T>(self, pause: T, resume: T, delete: T) -> T {
        match self {
            Transition::Pause => pause,
            Transition::Resume => resume,
            Transition::Delete => delete,
        }
    }
}

/// Ack or release, variant A.
pub(crate) fn settle_by_id(settle: Settle) -> &'static Operation {
    settle.pick(&ACK_BY_ID, &RELEASE_BY_ID)
}

/// Ack or release, variant B.
pub(crate) fn settle_by_name(settle: Settle) -> &'static Operation {
    settle.pick(&ACK_BY_NAME, &RELEASE_BY_NAME)
}

/// Pause, resume or delete, variant A.
pub(crate) fn transition_by_id(transition: Transition) -> &'static Operation {
    transition.pick(&PAUSE_BY_ID, &RESUME_BY_ID, &DELETE_BY_ID)
}

/// Pause, resume or delete, variant B.
pub(crate) fn transition_by_name(transition: Transition) -> &'static Operation {
    transition.pick(&PAUSE_BY_NAME, &RESUME_BY_NAME, &DELETE_BY_NAME)
}

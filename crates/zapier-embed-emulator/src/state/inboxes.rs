//! Inboxes: validation against the catalog and the status lifecycle (their messages and event
//! delivery are `inbox_messages.rs`).
//!
//! Lifecycle transitions are evaluated lazily against the emulator clock whenever an inbox is
//! touched: `initializing` becomes `active` (or `initialization_failure`) once `ready_at` has
//! passed, and a `deleting` inbox disappears once `gone_at` has passed. No timer task is needed,
//! and advancing the clock has an immediate, deterministic effect.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::Store;
use crate::catalog::{self, Action, App};
use crate::clock::{iso, later};
use crate::error::{ApiError, ApiResult};
use crate::models::inbox::{
    ConnectionId, Inbox, InboxAttributes, PausedReason, TriggerSubscription,
};
use crate::queue::{LeaseGrant, MessageQueue, StoredMessage};

/// Inbox status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InboxStatus {
    /// Setting up the subscription.
    Initializing,
    /// Collecting events.
    Active,
    /// Not collecting; backlog still leasable.
    Paused,
    /// Marked for deletion.
    Deleting,
    /// Setup failed (see `paused_reason`).
    InitializationFailure,
}

impl InboxStatus {
    /// Wire name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            InboxStatus::Initializing => "initializing",
            InboxStatus::Active => "active",
            InboxStatus::Paused => "paused",
            InboxStatus::Deleting => "deleting",
            InboxStatus::InitializationFailure => "initialization_failure",
        }
    }
}

/// One inbox.
#[derive(Debug)]
pub(crate) struct InboxRecord {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub owner: Uuid,
    /// Unique name per owner.
    pub name: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Status.
    pub status: InboxStatus,
    /// Pause / failure reason.
    pub paused_reason: Option<PausedReason>,
    /// When paused.
    pub paused_at: Option<DateTime<Utc>>,
    /// Notification URL.
    pub notification_url: Option<String>,
    /// Resolved app.
    pub app: &'static App,
    /// Resolved trigger.
    pub action: &'static Action,
    /// Normalised subscription (versioned app key).
    pub subscription: TriggerSubscription,
    /// When `initializing` resolves.
    pub ready_at: DateTime<Utc>,
    /// When `deleting` completes.
    pub gone_at: Option<DateTime<Utc>>,
    /// Messages.
    pub queue: MessageQueue,
}

impl InboxRecord {
    /// Wire form.
    pub(crate) fn to_wire(&self) -> Inbox {
        Inbox {
            id: self.id,
            created_at: iso(self.created_at),
            name: self.name.clone(),
            key: self.name.clone(),
            status: self.status.as_str().to_owned(),
            paused_reason: self.paused_reason,
            notification_url: self.notification_url.clone(),
            subscription: self.subscription.clone(),
        }
    }

    /// `inbox_attributes` of lease responses.
    pub(crate) fn attributes(&self) -> InboxAttributes {
        InboxAttributes {
            status: self.status.as_str().to_owned(),
            paused_reason: self.paused_reason,
        }
    }
}

/// JSON pointers of the subscription fields in each variant's request body, so validation errors
/// name the field the client actually sent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldPaths {
    /// App field.
    pub app: &'static str,
    /// Trigger field.
    pub action: &'static str,
    /// Connection field.
    pub connection: &'static str,
    /// Inputs object.
    pub inputs: &'static str,
}

/// Variant A (`{"subscription":{"app_key",...}}`).
pub(crate) const PATHS_BY_ID: FieldPaths = FieldPaths {
    app: "/subscription/app_key",
    action: "/subscription/action_key",
    connection: "/subscription/connection_id",
    inputs: "/subscription/inputs",
};

/// Variant B (flat `{"app","action","connection","inputs"}`).
pub(crate) const PATHS_BY_NAME: FieldPaths = FieldPaths {
    app: "/app",
    action: "/action",
    connection: "/connection",
    inputs: "/inputs",
};

/// A requested subscription, before validation.
#[derive(Debug, Clone)]
pub(crate) struct NewSubscription {
    /// App reference.
    pub app: String,
    /// Trigger key.
    pub action: String,
    /// Connection.
    pub connection: Option<ConnectionId>,
    /// Inputs.
    pub inputs: Map<String, Value>,
    /// Notification URL.
    pub notification_url: Option<String>,
    /// Where each field sits in the request body (for error pointers).
    pub paths: FieldPaths,
}

/// Which inboxes an event is for: `(app, trigger)` and a subset of their inputs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EventTarget<'a> {
    /// App.
    pub app: &'static App,
    /// Trigger key.
    pub action: &'a str,
    /// Inputs the inbox must have (same values).
    pub filter: &'a Map<String, Value>,
    /// Only this account's inboxes (catch hooks); `None`: every account's (control events).
    pub owner: Option<Uuid>,
    /// Whether the messages are flagged `possible_duplicate_data`.
    pub possible_duplicate: bool,
}

/// A lease call's result.
#[derive(Debug)]
pub(crate) enum LeaseOutcome {
    /// Messages leased (`201`).
    Granted(LeaseGrant, InboxAttributes),
    /// Nothing available (`200`).
    Empty(InboxAttributes),
}

/// One inbox that received messages (for SSE and `notification_url`).
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    /// Inbox.
    pub inbox_id: Uuid,
    /// New messages.
    pub count: u64,
    /// Where to POST, if configured.
    pub notification_url: Option<String>,
}

/// Where a message listing starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cursor {
    /// First page.
    Start,
    /// Messages after this sequence number.
    After(u64),
    /// Messages before this sequence number.
    Before(u64),
}

/// One page of messages and the cursors around it.
#[derive(Debug)]
pub(crate) struct MessagePage {
    /// Messages, oldest first.
    pub messages: Vec<StoredMessage>,
    /// Cursor of the previous page.
    pub previous: Option<Cursor>,
    /// Cursor of the next page.
    pub next: Option<Cursor>,
}

fn validate_name(name: &str, pointer: &str) -> ApiResult<()> {
    if name.trim().is_empty() || name.chars().count() > 100 {
        return Err(ApiError::validation(
            pointer,
            format!("{}: must be 1 to 100 characters.", &pointer[1..]),
        ));
    }
    Ok(())
}

/// Validates a `notification_url` (absolute http(s) URL, at most 2048 characters, not aimed at
/// the emulator's control API).
pub(crate) fn validate_notification_url(url: &Option<String>) -> ApiResult<()> {
    crate::guard::check_notification_url(url.as_deref())
}

fn field_name(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

impl Store {
    /// Validates a subscription against the catalog and the user's connections.
    fn resolve_subscription(
        &self,
        user: Uuid,
        sub: &NewSubscription,
    ) -> ApiResult<(&'static App, &'static Action, TriggerSubscription)> {
        let paths = sub.paths;
        let app = catalog::resolve_app(&sub.app).ok_or_else(|| {
            ApiError::validation(
                paths.app,
                format!("{}: no app matches `{}`.", field_name(paths.app), sub.app),
            )
        })?;
        let action = app.action(&sub.action).ok_or_else(|| {
            ApiError::validation(
                paths.action,
                format!(
                    "{}: `{}` is not a trigger of {}.",
                    field_name(paths.action),
                    sub.action,
                    app.key
                ),
            )
        })?;
        for field in action.inputs.iter().filter(|f| f.required) {
            let present = match sub.inputs.get(field.key) {
                None | Some(Value::Null) => false,
                Some(Value::String(s)) => !s.is_empty(),
                Some(_) => true,
            };
            if !present {
                let pointer = format!("{}/{}", paths.inputs, field.key);
                return Err(ApiError::validation(
                    &pointer,
                    format!("{}: this required input is missing.", field_name(&pointer)),
                ));
            }
        }
        let connection = if app.needs_connection {
            let Some(conn) = &sub.connection else {
                return Err(ApiError::validation(
                    paths.connection,
                    format!(
                        "{}: required for {}.",
                        field_name(paths.connection),
                        app.title
                    ),
                ));
            };
            let text = conn.as_text();
            match self.users.connection(user, &text) {
                Some(c) if std::ptr::eq(c.app, app) => Some(conn.clone()),
                _ => {
                    return Err(ApiError::validation(
                        paths.connection,
                        format!(
                            "{}: no {} connection `{text}` for this user.",
                            field_name(paths.connection),
                            app.title
                        ),
                    ));
                }
            }
        } else {
            sub.connection.clone()
        };
        let subscription = TriggerSubscription {
            app_key: app.versioned_key(),
            action_key: action.key.to_owned(),
            inputs: sub.inputs.clone(),
            connection_id: connection,
        };
        Ok((app, action, subscription))
    }

    fn insert_inbox(
        &mut self,
        user: Uuid,
        name: Option<String>,
        resolved: (&'static App, &'static Action, TriggerSubscription),
        notification_url: Option<String>,
        now: DateTime<Utc>,
    ) -> Uuid {
        let (app, action, subscription) = resolved;
        let id = Uuid::now_v7();
        if let Some(n) = &name {
            self.names.insert((user, n.clone()), id);
        }
        self.inboxes.insert(
            id,
            InboxRecord {
                id,
                owner: user,
                name,
                created_at: now,
                status: InboxStatus::Initializing,
                paused_reason: None,
                paused_at: None,
                notification_url,
                app,
                action,
                subscription,
                ready_at: later(now, self.config.activation_delay),
                gone_at: None,
                queue: MessageQueue::new(self.config.acked_retention),
            },
        );
        self.user_inboxes.entry(user).or_default().push(id);
        id
    }

    /// `POST /inboxes`: always creates; 409 when the name is taken.
    pub(crate) fn create_inbox(
        &mut self,
        user: Uuid,
        name: Option<String>,
        sub: &NewSubscription,
        now: DateTime<Utc>,
    ) -> ApiResult<Uuid> {
        if let Some(n) = &name {
            validate_name(n, "/name")?;
        }
        validate_notification_url(&sub.notification_url)?;
        let resolved = self.resolve_subscription(user, sub)?;
        if let Some(n) = &name
            && let Some(existing) = self.live_name(user, n, now)
        {
            return Err(ApiError::conflict(format!(
                "An inbox named `{n}` already exists ({existing})."
            )));
        }
        Ok(self.insert_inbox(user, name, resolved, sub.notification_url.clone(), now))
    }

    /// `PUT /inboxes` and `PUT /inboxes/{name}/`: returns `(id, created)`; 409 when the name is
    /// bound to a different subscription. `notification_url` is not part of the comparison.
    pub(crate) fn ensure_inbox(
        &mut self,
        user: Uuid,
        name: &str,
        name_pointer: &str,
        sub: &NewSubscription,
        now: DateTime<Utc>,
    ) -> ApiResult<(Uuid, bool)> {
        validate_name(name, name_pointer)?;
        validate_notification_url(&sub.notification_url)?;
        let resolved = self.resolve_subscription(user, sub)?;
        if let Some(existing) = self.live_name(user, name, now) {
            let rec = &self.inboxes[&existing];
            return if rec.subscription == resolved.2 {
                Ok((existing, false))
            } else {
                Err(ApiError::conflict(format!(
                    "An inbox named `{name}` already exists with a different subscription."
                )))
            };
        }
        Ok((
            self.insert_inbox(
                user,
                Some(name.to_owned()),
                resolved,
                sub.notification_url.clone(),
                now,
            ),
            true,
        ))
    }

    fn live_name(&mut self, user: Uuid, name: &str, now: DateTime<Utc>) -> Option<Uuid> {
        let id = *self.names.get(&(user, name.to_owned()))?;
        self.refresh(id, now).then_some(id)
    }

    /// Applies due lifecycle transitions; false when the inbox no longer exists.
    pub(super) fn refresh(&mut self, id: Uuid, now: DateTime<Utc>) -> bool {
        let Some(rec) = self.inboxes.get_mut(&id) else {
            return false;
        };
        match rec.status {
            InboxStatus::Initializing if now >= rec.ready_at => {
                let connection_expired = rec
                    .subscription
                    .connection_id
                    .as_ref()
                    .and_then(|c| self.users.connection(rec.owner, &c.as_text()))
                    .is_some_and(|c| c.expired);
                if connection_expired {
                    rec.status = InboxStatus::InitializationFailure;
                    rec.paused_reason = Some(PausedReason::Authentication);
                } else if !rec.action.is_trigger() {
                    // The key names an action of the app, but not one that can be subscribed to.
                    rec.status = InboxStatus::InitializationFailure;
                    rec.paused_reason = Some(PausedReason::SubscribeFailed);
                } else {
                    rec.status = InboxStatus::Active;
                    rec.paused_reason = None;
                }
                true
            }
            InboxStatus::Deleting if rec.gone_at.is_some_and(|g| now >= g) => {
                let owner = rec.owner;
                self.inboxes.remove(&id);
                if let Some(list) = self.user_inboxes.get_mut(&owner) {
                    list.retain(|i| *i != id);
                }
                false
            }
            _ => true,
        }
    }

    /// The caller's inbox (refreshed); 404 for unknown, deleted or foreign inboxes.
    pub(crate) fn inbox(
        &mut self,
        user: Uuid,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> ApiResult<&mut InboxRecord> {
        if !self.refresh(id, now) {
            return Err(not_found(id));
        }
        match self.inboxes.get_mut(&id) {
            Some(rec) if rec.owner == user => Ok(rec),
            _ => Err(not_found(id)),
        }
    }

    /// Resolves a variant-B name to the caller's inbox id; 404 when unknown.
    pub(crate) fn inbox_id_by_name(
        &mut self,
        user: Uuid,
        name: &str,
        now: DateTime<Utc>,
    ) -> ApiResult<Uuid> {
        self.live_name(user, name, now)
            .ok_or_else(|| ApiError::not_found(format!("No inbox named `{name}`.")))
    }

    /// The caller's inboxes in creation order, filtered.
    pub(crate) fn list_inboxes(
        &mut self,
        user: Uuid,
        status: Option<&str>,
        name: Option<&str>,
        now: DateTime<Utc>,
    ) -> Vec<Inbox> {
        let ids = self.user_inboxes.get(&user).cloned().unwrap_or_default();
        let live: Vec<Uuid> = ids
            .into_iter()
            .filter(|id| self.refresh(*id, now))
            .collect();
        live.iter()
            .filter_map(|id| self.inboxes.get(id))
            .filter(|r| status.is_none_or(|s| r.status.as_str() == s))
            .filter(|r| name.is_none_or(|n| r.name.as_deref() == Some(n)))
            .map(InboxRecord::to_wire)
            .collect()
    }

    /// `PATCH`: sets or clears `notification_url`.
    pub(crate) fn patch_inbox(
        &mut self,
        user: Uuid,
        id: Uuid,
        url: Option<Option<String>>,
        now: DateTime<Utc>,
    ) -> ApiResult<Inbox> {
        if let Some(u) = &url {
            validate_notification_url(u)?;
        }
        let rec = self.inbox(user, id, now)?;
        if rec.status == InboxStatus::Deleting {
            return Err(ApiError::conflict(
                "Inbox is being deleted and cannot be updated.",
            ));
        }
        if let Some(u) = url {
            rec.notification_url = u;
        }
        Ok(rec.to_wire())
    }

    /// `pause`: `active`/`initializing` → `paused` (`user`); 409 otherwise.
    pub(crate) fn pause_inbox(
        &mut self,
        user: Uuid,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> ApiResult<Inbox> {
        let from = [InboxStatus::Active, InboxStatus::Initializing];
        self.transition(user, id, now, from, "paused", |rec| {
            rec.status = InboxStatus::Paused;
            rec.paused_reason = Some(PausedReason::User);
            rec.paused_at = Some(now);
        })
    }

    /// `resume`: `paused`/`initialization_failure` → `initializing` (→ `active` after the delay).
    pub(crate) fn resume_inbox(
        &mut self,
        user: Uuid,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> ApiResult<Inbox> {
        let delay = self.config.activation_delay;
        let from = [InboxStatus::Paused, InboxStatus::InitializationFailure];
        self.transition(user, id, now, from, "resumed", |rec| {
            rec.status = InboxStatus::Initializing;
            rec.paused_reason = None;
            rec.paused_at = None;
            rec.ready_at = later(now, delay);
        })
    }

    /// Applies `change` to an inbox whose status is one of `from`; `409` naming the status
    /// otherwise (`Inbox cannot be {done} while {status}.`).
    fn transition(
        &mut self,
        user: Uuid,
        id: Uuid,
        now: DateTime<Utc>,
        from: [InboxStatus; 2],
        done: &str,
        change: impl FnOnce(&mut InboxRecord),
    ) -> ApiResult<Inbox> {
        let rec = self.inbox(user, id, now)?;
        if !from.contains(&rec.status) {
            return Err(ApiError::conflict(format!(
                "Inbox cannot be {done} while {}.",
                rec.status.as_str()
            )));
        }
        change(rec);
        Ok(rec.to_wire())
    }

    /// `DELETE`: → `deleting` (gone after the deletion delay); the name is freed at once.
    pub(crate) fn delete_inbox(
        &mut self,
        user: Uuid,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> ApiResult<Inbox> {
        let delay = self.config.deletion_delay;
        let rec = self.inbox(user, id, now)?;
        if rec.status == InboxStatus::Deleting {
            return Err(ApiError::conflict("Inbox is already being deleted."));
        }
        rec.status = InboxStatus::Deleting;
        rec.gone_at = Some(later(now, delay));
        let wire = rec.to_wire();
        if let Some(n) = rec.name.clone() {
            self.names.remove(&(user, n));
        }
        Ok(wire)
    }
}

fn not_found(id: Uuid) -> ApiError {
    ApiError::not_found(format!("No inbox with id {id}."))
}

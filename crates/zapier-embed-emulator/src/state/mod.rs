//! All mutable emulator state, behind one mutex (handlers never hold it across an `.await`).
//!
//! * [`users`]: users, access tokens, connect tokens and connections;
//! * [`inboxes`]: inboxes, their lifecycle and their [`crate::queue::MessageQueue`]s;
//! * [`runs`]: Partner API action lookups (single-use ids) and action runs.

mod inbox_messages;
pub(crate) mod inboxes;
pub(crate) mod runs;
pub(crate) mod users;

use std::collections::HashMap;

use uuid::Uuid;

use crate::config::EmulatorConfig;

/// The emulator's data. Methods take the current emulator time so that every rule is evaluated
/// against the controllable clock.
#[derive(Debug)]
pub(crate) struct Store {
    pub(crate) config: EmulatorConfig,
    pub(crate) users: users::Users,
    pub(crate) inboxes: HashMap<Uuid, inboxes::InboxRecord>,
    /// Per user, inbox ids in creation order (listing order).
    pub(crate) user_inboxes: HashMap<Uuid, Vec<Uuid>>,
    /// `(user, name)` → inbox, for live (not deleting) inboxes.
    pub(crate) names: HashMap<(Uuid, String), Uuid>,
    pub(crate) runs: runs::Runs,
}

impl Store {
    /// An empty store.
    pub(crate) fn new(config: EmulatorConfig) -> Self {
        Self {
            config,
            users: users::Users::default(),
            inboxes: HashMap::new(),
            user_inboxes: HashMap::new(),
            names: HashMap::new(),
            runs: runs::Runs::default(),
        }
    }

    /// Forgets everything (`POST /_emulator/reset`).
    pub(crate) fn reset(&mut self) {
        *self = Store::new(self.config.clone());
    }
}

//! Turning an [`InboxRef`] into the form the configured variant's paths need: variant A
//! addresses inboxes by id, variant B by name. Resolutions are cached per client (names are
//! unique per user, so a tenant's client has its own cache) and refreshed when the server says
//! the inbox is gone.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use uuid::Uuid;

use crate::wire::{self, ops::RESOLVE_NAME};
use crate::{Client, Error, FieldError, FieldProblem, Inbox, InboxName, InboxRef};

/// Name ↔ id pairs seen so far.
#[derive(Default)]
pub(crate) struct Resolver {
    pairs: Mutex<Pairs>,
}

#[derive(Default)]
struct Pairs {
    ids: HashMap<InboxName, Uuid>,
    names: HashMap<Uuid, InboxName>,
}

impl Resolver {
    fn lock(&self) -> MutexGuard<'_, Pairs> {
        // Two maps updated together under the lock; a panic cannot interleave with an update.
        self.pairs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the name and id of an inbox the server returned.
    pub(crate) fn remember(&self, inbox: &Inbox) {
        let Some(name) = inbox.name.as_deref().and_then(|n| InboxName::new(n).ok()) else {
            return;
        };
        let mut pairs = self.lock();
        if let Some(old) = pairs.ids.insert(name.clone(), inbox.id)
            && old != inbox.id
        {
            pairs.names.remove(&old);
        }
        pairs.names.insert(inbox.id, name);
    }

    /// Forgets what is known about `inbox` (deleted, or reported missing).
    pub(crate) fn forget(&self, inbox: &InboxRef) {
        let mut pairs = self.lock();
        match inbox {
            InboxRef::Id(id) => {
                if let Some(name) = pairs.names.remove(id) {
                    pairs.ids.remove(&name);
                }
            }
            InboxRef::Name(name) => {
                if let Some(id) = pairs.ids.remove(name) {
                    pairs.names.remove(&id);
                }
            }
            _ => {}
        }
    }

    fn id_of(&self, name: &InboxName) -> Option<Uuid> {
        self.lock().ids.get(name).copied()
    }

    fn name_of(&self, id: &Uuid) -> Option<InboxName> {
        self.lock().names.get(id).cloned()
    }
}

impl Client {
    /// The inbox's id (variant A paths, and the event stream in both variants).
    pub(crate) async fn inbox_id(&self, inbox: &InboxRef) -> Result<Uuid, Error> {
        let name = match inbox {
            InboxRef::Id(id) => return Ok(*id),
            InboxRef::Name(name) => name,
            other => return Err(unaddressable(other)),
        };
        if let Some(id) = self.inner.resolver.id_of(name) {
            return Ok(id);
        }
        let found = self.inner.inbox_api.find_by_name(self, name).await?;
        self.inner.resolver.remember(&found);
        Ok(found.id)
    }

    /// The inbox's name (variant B paths).
    pub(crate) async fn inbox_name(&self, inbox: &InboxRef) -> Result<InboxName, Error> {
        let id = match inbox {
            InboxRef::Name(name) => return Ok(name.clone()),
            InboxRef::Id(id) => *id,
            other => return Err(unaddressable(other)),
        };
        if let Some(name) = self.inner.resolver.name_of(&id) {
            return Ok(name);
        }
        let label = id.to_string();
        let found = self
            .inner
            .call(&RESOLVE_NAME, Some(&label), move |api| {
                wire::get_by_id(api, &RESOLVE_NAME, id)
            })
            .await?;
        self.inner.resolver.remember(&found);
        found
            .name
            .as_deref()
            .and_then(|n| InboxName::new(n).ok())
            .ok_or_else(|| {
                Error::validation(
                    RESOLVE_NAME.name,
                    vec![FieldError::new(
                        "inbox",
                        FieldProblem::Invalid(format!(
                            "inbox {id} has no usable name, and the by-name API variant addresses inboxes by name"
                        )),
                    )],
                )
            })
    }

    /// Drops cached resolutions after the server reported the inbox missing, so the next call
    /// resolves again (a name may now belong to a new inbox).
    pub(crate) fn forget_on_not_found<T>(
        &self,
        inbox: &InboxRef,
        result: Result<T, Error>,
    ) -> Result<T, Error> {
        if let Err(Error::NotFound { .. }) = &result {
            self.inner.resolver.forget(inbox);
        }
        result
    }
}

/// A reference kind this version does not know how to address (`InboxRef` is non-exhaustive).
fn unaddressable(inbox: &InboxRef) -> Error {
    Error::validation(
        "resolve inbox",
        vec![FieldError::new(
            "inbox",
            FieldProblem::Invalid(format!("cannot address inbox {inbox}")),
        )],
    )
}

//! [`AckPlan`]: any set of handles, grouped into the fewest ack or release requests.

use super::*;

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

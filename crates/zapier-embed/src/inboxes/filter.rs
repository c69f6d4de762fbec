//! Which inboxes [`Inboxes::list`](super::Inboxes::list) answers.

use crate::inboxes::InboxStatus;

/// Filters of [`Inboxes::list`](super::Inboxes::list).
///
/// ```
/// use zapier_embed::{inboxes::InboxFilter, inboxes::InboxStatus};
/// let filter = InboxFilter::new().status(InboxStatus::Paused).page_size(50);
/// # let _ = filter;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboxFilter {
    pub(super) status: Option<InboxStatus>,
    pub(super) name: Option<String>,
    pub(super) page_size: Option<u32>,
}

impl InboxFilter {
    /// No filter: every inbox.
    ///
    /// ```
    /// assert_eq!(zapier_embed::inboxes::InboxFilter::new(), zapier_embed::inboxes::InboxFilter::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Only inboxes in `status`.
    ///
    /// ```
    /// let f = zapier_embed::inboxes::InboxFilter::new().status(zapier_embed::inboxes::InboxStatus::Active);
    /// # let _ = f;
    /// ```
    pub fn status(mut self, status: InboxStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Only the inbox named exactly `name`.
    ///
    /// ```
    /// let f = zapier_embed::inboxes::InboxFilter::new().name("orders");
    /// # let _ = f;
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Inboxes per request (1..=1000 is sensible; the server may cap it). A page size of 0 makes
    /// [`Inboxes::list`](super::Inboxes::list) fail with [`Error::Validation`](crate::Error::Validation) naming `page_size` before any request.
    ///
    /// ```
    /// let f = zapier_embed::inboxes::InboxFilter::new().page_size(25);
    /// # let _ = f;
    /// ```
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }
}

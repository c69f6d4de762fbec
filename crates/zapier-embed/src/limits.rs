//! How much of a server's answer the client reads: every read is bounded, so memory stays flat
//! whatever the other side sends. Each limit is a [`ClientBuilder`](crate::ClientBuilder)
//! setting; crossing one fails the call with [`Error::LimitExceeded`](crate::Error::LimitExceeded)
//! naming it.

/// Default of [`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes):
/// 16 MiB, room for a page of 100 messages with large payloads.
///
/// ```
/// assert_eq!(zapier_embed::client::DEFAULT_MAX_RESPONSE_BYTES, 16 * 1024 * 1024);
/// ```
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Default of [`ClientBuilder::max_error_body_bytes`](crate::ClientBuilder::max_error_body_bytes):
/// 64 KiB of an error answer are read (the rest is dropped; the error keeps its status).
///
/// ```
/// assert_eq!(zapier_embed::client::DEFAULT_MAX_ERROR_BODY_BYTES, 64 * 1024);
/// ```
pub const DEFAULT_MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// Default of [`ClientBuilder::max_sse_event_bytes`](crate::ClientBuilder::max_sse_event_bytes):
/// 64 KiB for one server-sent event (its `data:` lines together).
///
/// ```
/// assert_eq!(zapier_embed::client::DEFAULT_MAX_SSE_EVENT_BYTES, 64 * 1024);
/// ```
pub const DEFAULT_MAX_SSE_EVENT_BYTES: usize = 64 * 1024;

/// Default of [`ClientBuilder::max_pages`](crate::ClientBuilder::max_pages): a listing follows at
/// most 10 000 pages.
///
/// ```
/// assert_eq!(zapier_embed::client::DEFAULT_MAX_PAGES, 10_000);
/// ```
pub const DEFAULT_MAX_PAGES: u32 = 10_000;

/// The read limits of one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) max_response_bytes: usize,
    pub(crate) max_error_body_bytes: usize,
    pub(crate) max_sse_event_bytes: usize,
    pub(crate) max_pages: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_error_body_bytes: DEFAULT_MAX_ERROR_BODY_BYTES,
            max_sse_event_bytes: DEFAULT_MAX_SSE_EVENT_BYTES,
            max_pages: DEFAULT_MAX_PAGES,
        }
    }
}

impl Limits {
    /// The first limit set to zero, by its setting name (a zero limit would refuse everything).
    pub(crate) fn zero_setting(&self) -> Option<&'static str> {
        [
            ("max_response_bytes", self.max_response_bytes == 0),
            ("max_error_body_bytes", self.max_error_body_bytes == 0),
            ("max_sse_event_bytes", self.max_sse_event_bytes == 0),
            ("max_pages", self.max_pages == 0),
        ]
        .into_iter()
        .find_map(|(name, zero)| zero.then_some(name))
    }
}

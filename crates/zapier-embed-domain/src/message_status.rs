//! The delivery status of one message.

use crate::open_enum::open_enum;

open_enum! {
    /// Where a message is in its delivery lifecycle.
    ///
    /// `available` → lease → `leased` → ack → `acked`; release or lease expiry returns it to
    /// `available`; after [`QUARANTINE_THRESHOLD`](crate::QUARANTINE_THRESHOLD) leases it is
    /// `quarantined` (kept for inspection, never leased again).
    ///
    /// ```
    /// use zapier_embed_domain::MessageStatus;
    /// let s: MessageStatus = serde_json::from_str("\"quarantined\"").unwrap();
    /// assert_eq!(s, MessageStatus::Quarantined);
    /// assert_eq!(MessageStatus::from("expired"), MessageStatus::Unknown("expired".into()));
    /// ```
    pub enum MessageStatus {
        /// Waiting to be leased.
        Available => "available",
        /// Held by a lease.
        Leased => "leased",
        /// Acknowledged and removed from the pool.
        Acked => "acked",
        /// Leased too often without an ack; kept for inspection only.
        Quarantined => "quarantined",
        @other
        /// A status this version of the crate does not know, kept verbatim.
        Unknown,
    }
}

impl MessageStatus {
    /// Whether the message will never be delivered again (`acked` or `quarantined`).
    ///
    /// ```
    /// use zapier_embed_domain::MessageStatus;
    /// assert!(MessageStatus::Acked.is_final());
    /// assert!(!MessageStatus::Leased.is_final());
    /// ```
    pub fn is_final(&self) -> bool {
        matches!(self, MessageStatus::Acked | MessageStatus::Quarantined)
    }
}

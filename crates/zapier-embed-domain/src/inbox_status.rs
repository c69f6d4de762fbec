//! The lifecycle status of an inbox.

use crate::open_enum::open_enum;

open_enum! {
    /// Where an inbox is in its lifecycle.
    ///
    /// `initializing` → `active` | `initialization_failure`; pause → `paused`; resume → back through
    /// `initializing`; delete → `deleting`. The spec types the response field as a plain string, so
    /// any other value decodes into [`InboxStatus::Unknown`] and re-serializes unchanged.
    ///
    /// ```
    /// use zapier_embed_domain::InboxStatus;
    /// let s: InboxStatus = serde_json::from_str("\"initialization_failure\"").unwrap();
    /// assert!(s.is_terminal_failure());
    /// let new: InboxStatus = serde_json::from_str("\"migrating\"").unwrap();
    /// assert_eq!(new, InboxStatus::Unknown("migrating".into()));
    /// assert_eq!(serde_json::to_string(&new).unwrap(), "\"migrating\"");
    /// ```
    pub enum InboxStatus {
        /// Zapier is setting up the upstream subscription; no events are collected yet.
        Initializing => "initializing",
        /// The subscription is live and events are buffered.
        Active => "active",
        /// Collection stopped; buffered messages stay leasable, new events are dropped.
        Paused => "paused",
        /// Scheduled for removal.
        Deleting => "deleting",
        /// Setup failed; `paused_reason` says why.
        InitializationFailure => "initialization_failure",
        @other
        /// A status this version of the crate does not know, kept verbatim.
        Unknown,
    }
}

impl InboxStatus {
    /// Whether the inbox collects events (`active`).
    ///
    /// ```
    /// use zapier_embed_domain::InboxStatus;
    /// assert!(InboxStatus::Active.is_active());
    /// ```
    pub fn is_active(&self) -> bool {
        matches!(self, InboxStatus::Active)
    }

    /// Whether the inbox can no longer become active by waiting: setup failed, or it is being
    /// deleted. A `wait_until_active` loop stops on these instead of spinning.
    ///
    /// ```
    /// use zapier_embed_domain::InboxStatus;
    /// assert!(InboxStatus::InitializationFailure.is_terminal_failure());
    /// assert!(InboxStatus::Deleting.is_terminal_failure());
    /// assert!(!InboxStatus::Initializing.is_terminal_failure());
    /// assert!(!InboxStatus::Paused.is_terminal_failure()); // resumable
    /// ```
    pub fn is_terminal_failure(&self) -> bool {
        matches!(
            self,
            InboxStatus::InitializationFailure | InboxStatus::Deleting
        )
    }

    /// Whether the status may still change to `active` without a call from the client.
    ///
    /// ```
    /// use zapier_embed_domain::InboxStatus;
    /// assert!(InboxStatus::Initializing.is_transitional());
    /// assert!(!InboxStatus::Paused.is_transitional());
    /// ```
    pub fn is_transitional(&self) -> bool {
        matches!(self, InboxStatus::Initializing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_value_round_trips() {
        for raw in InboxStatus::KNOWN {
            let s: InboxStatus = raw.parse().unwrap();
            assert!(s.is_known());
            assert_eq!(s.as_str(), *raw);
        }
    }
}

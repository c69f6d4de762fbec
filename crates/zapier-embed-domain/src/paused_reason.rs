//! Why an inbox is paused (or failed to initialize).

use crate::open_enum::open_enum;

open_enum! {
    /// Why an inbox is paused or failed to initialize (`paused_reason`).
    ///
    /// The catch-all arm is named [`PausedReason::Other`], not `Unknown`, because `unknown` is
    /// itself a documented value ([`PausedReason::Unknown`]): a reason the *server* could not
    /// determine is different from a reason *this crate* does not know yet.
    ///
    /// On the wire the field may also be `""` or `null`; both mean "no reason" and decode as
    /// `Option::<PausedReason>::None` on [`Inbox`](crate::Inbox).
    ///
    /// ```
    /// use zapier_embed_domain::PausedReason;
    /// let r: PausedReason = "authentication_access_revoked".parse().unwrap();
    /// assert!(r.needs_reconnect());
    /// assert_eq!(PausedReason::from("unknown"), PausedReason::Unknown);
    /// assert_eq!(PausedReason::from("quota"), PausedReason::Other("quota".into()));
    /// ```
    pub enum PausedReason {
        /// Paused by the caller (the pause endpoint).
        User => "user",
        /// A problem with the connected app account: reconnect it.
        Authentication => "authentication",
        /// The user revoked Zapier's access at the app: reconnect it.
        AuthenticationAccessRevoked => "authentication_access_revoked",
        /// The partner's access was revoked.
        PartnerRevoked => "partner_revoked",
        /// Zapier could not subscribe to the upstream app.
        SubscribeFailed => "subscribe_failed",
        /// A migration of the subscription failed.
        MigrateFailed => "migrate_failed",
        /// The inbox was abandoned (inactive).
        Abandoned => "abandoned",
        /// The documented value `unknown`: the server itself does not know why.
        Unknown => "unknown",
        /// Repeated failures at the upstream app.
        UpstreamFailures => "upstream_failures",
        @other
        /// A reason this version of the crate does not know, kept verbatim.
        Other,
    }
}

impl PausedReason {
    /// Whether the user must reconnect their app account before the inbox can work again
    /// (`authentication`, `authentication_access_revoked`).
    ///
    /// ```
    /// use zapier_embed_domain::PausedReason;
    /// assert!(PausedReason::Authentication.needs_reconnect());
    /// assert!(!PausedReason::User.needs_reconnect());
    /// ```
    pub fn needs_reconnect(&self) -> bool {
        matches!(
            self,
            PausedReason::Authentication | PausedReason::AuthenticationAccessRevoked
        )
    }

    /// Whether the pause was requested by the caller rather than imposed by Zapier.
    ///
    /// ```
    /// use zapier_embed_domain::PausedReason;
    /// assert!(PausedReason::User.is_user_initiated());
    /// assert!(!PausedReason::UpstreamFailures.is_user_initiated());
    /// ```
    pub fn is_user_initiated(&self) -> bool {
        matches!(self, PausedReason::User)
    }

    /// Parses the wire value of an optional `paused_reason`, mapping `""` to `None` (the spec's
    /// `BlankEnum`) and keeping every other string.
    ///
    /// ```
    /// use zapier_embed_domain::PausedReason;
    /// assert_eq!(PausedReason::from_optional_wire(Some("")), None);
    /// assert_eq!(PausedReason::from_optional_wire(Some("user")), Some(PausedReason::User));
    /// assert_eq!(PausedReason::from_optional_wire(None), None);
    /// ```
    pub fn from_optional_wire(raw: Option<&str>) -> Option<Self> {
        match raw {
            None | Some("") => None,
            Some(raw) => Some(Self::from(raw)),
        }
    }
}

/// Serde helpers for `Option<PausedReason>` fields: `""` and `null` both decode as `None`.
pub(crate) mod blank_as_none {
    use serde::{Deserialize, Deserializer};

    use super::PausedReason;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<PausedReason>, D::Error> {
        let raw = Option::<String>::deserialize(deserializer)?;
        Ok(PausedReason::from_optional_wire(raw.as_deref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_value_round_trips_and_other_is_preserved() {
        for raw in PausedReason::KNOWN {
            let r: PausedReason = raw.parse().unwrap();
            assert!(r.is_known(), "{raw}");
            assert_eq!(r.to_string(), *raw);
        }
        let other: PausedReason = serde_json::from_str("\"billing_hold\"").unwrap();
        assert_eq!(other, PausedReason::Other("billing_hold".into()));
        assert_eq!(serde_json::to_string(&other).unwrap(), "\"billing_hold\"");
    }
}

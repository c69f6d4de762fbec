//! Which of the two documented Trigger Inbox API variants a server speaks.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The two documented variants of the Trigger Inbox API.
///
/// | | [`ById`](ApiVariant::ById) (variant A) | [`ByName`](ApiVariant::ByName) (variant B) |
/// |---|---|---|
/// | inbox in paths | `…/inboxes/{id}` (uuid) | `…/inboxes/{name}/` |
/// | create/ensure body | nested `subscription{app_key, action_key, connection_id, inputs}` | flat `{app, action, connection, inputs}` |
/// | lease body | `{lease_seconds (default 300), lease_limit}` | `{lease_seconds (default 30), max_messages}` |
/// | lease response | `lease_id`, `leased_until`, `inbox_attributes` | per-message `lease_token` only |
/// | ack / release body | `{lease_id, message_ids?}` | `{lease_tokens}` |
///
/// Every type in this crate is shared by both; only the wire shapes differ.
///
/// ```
/// use zapier_embed_domain::ApiVariant;
/// assert_eq!(ApiVariant::default(), ApiVariant::ById);
/// assert_eq!("by-name".parse::<ApiVariant>().unwrap(), ApiVariant::ByName);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ApiVariant {
    /// Variant A, the published OpenAPI editions: inbox by uuid, one `lease_id` per lease batch.
    #[default]
    ById,
    /// Variant B: inbox by name, one opaque `lease_token` per leased message.
    ByName,
}

impl ApiVariant {
    /// Both variants, in declaration order (handy for tests that run once per variant).
    ///
    /// ```
    /// use zapier_embed_domain::ApiVariant;
    /// assert_eq!(ApiVariant::ALL.len(), 2);
    /// ```
    pub const ALL: [ApiVariant; 2] = [ApiVariant::ById, ApiVariant::ByName];

    /// The stable name used in configuration (`by-id` or `by-name`).
    ///
    /// ```
    /// use zapier_embed_domain::ApiVariant;
    /// assert_eq!(ApiVariant::ByName.as_str(), "by-name");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVariant::ById => "by-id",
            ApiVariant::ByName => "by-name",
        }
    }
}

impl fmt::Display for ApiVariant {
    /// Writes [`ApiVariant::as_str`].
    ///
    /// ```
    /// use zapier_embed_domain::ApiVariant;
    /// assert_eq!(ApiVariant::ById.to_string(), "by-id");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing an unknown [`ApiVariant`] name.
///
/// ```
/// use zapier_embed_domain::ApiVariant;
/// let err = "c".parse::<ApiVariant>().unwrap_err();
/// assert!(err.to_string().contains("by-id"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown API variant {0:?}: expected by-id (or a) or by-name (or b)")]
pub struct UnknownApiVariant(pub String);

impl FromStr for ApiVariant {
    type Err = UnknownApiVariant;

    /// Accepts `by-id` / `by_id` / `id` / `a` and `by-name` / `by_name` / `name` / `b`,
    /// case-insensitively, because the value usually comes from an environment variable or a
    /// command-line flag typed by a person.
    ///
    /// ```
    /// use zapier_embed_domain::ApiVariant;
    /// assert_eq!("A".parse::<ApiVariant>().unwrap(), ApiVariant::ById);
    /// assert_eq!("by_name".parse::<ApiVariant>().unwrap(), ApiVariant::ByName);
    /// ```
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "by-id" | "by_id" | "byid" | "id" | "a" => Ok(ApiVariant::ById),
            "by-name" | "by_name" | "byname" | "name" | "b" => Ok(ApiVariant::ByName),
            _ => Err(UnknownApiVariant(raw.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse_round_trip() {
        for v in ApiVariant::ALL {
            assert_eq!(v.to_string().parse::<ApiVariant>().unwrap(), v);
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(json, format!("\"{}\"", v.as_str()));
            assert_eq!(serde_json::from_str::<ApiVariant>(&json).unwrap(), v);
        }
    }
}

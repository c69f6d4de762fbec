//! How a caller names an inbox: by server-assigned uuid (variant A) or by name (variant B, and the
//! `name`/`key` filter of variant A).

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// The longest inbox name the API accepts (spec: `maxLength: 100`), counted in characters.
///
/// ```
/// use zapier_embed_domain::{InboxName, MAX_INBOX_NAME_CHARS};
/// assert!(InboxName::new("n".repeat(MAX_INBOX_NAME_CHARS)).is_ok());
/// ```
pub const MAX_INBOX_NAME_CHARS: usize = 100;

/// Why a string is not a valid [`InboxName`].
///
/// ```
/// use zapier_embed_domain::{InboxName, InvalidInboxName};
/// assert_eq!(InboxName::new(""), Err(InvalidInboxName::Empty));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidInboxName {
    /// The name is the empty string.
    #[error("inbox name must not be empty (1..=100 characters)")]
    Empty,
    /// The name has more than [`MAX_INBOX_NAME_CHARS`] characters.
    #[error("inbox name has {chars} characters; the limit is 1..=100")]
    TooLong {
        /// How many characters the rejected name has.
        chars: usize,
    },
    /// The name contains a control character (it could not be written in a URL path or a log line
    /// faithfully, so it is certainly a mistake).
    #[error("inbox name contains a control character")]
    ControlCharacter,
    /// The name cannot be addressed literally in a URL path: `.` and `..` are dot segments
    /// (they would address the parent collection, e.g. `DELETE …/inboxes/`), and `\\` is a
    /// path separator to URL parsers.
    #[error("inbox name cannot be addressed in a URL path: {0:?} (`.`, `..` and `\\` are refused)")]
    NotAddressable(&'static str),
}

/// A validated inbox name: 1..=100 characters, no control characters, not `.` or `..`, no `\`
/// (variant B puts the name in URL paths, where those would address another resource; every
/// other character is percent-encoded and addresses exactly that name).
///
/// Names are chosen by the caller and are unique per (user, account); variant B addresses inboxes
/// by name in every path, variant A uses the name as an idempotency key for the ensure (`PUT`)
/// call and as a list filter. Names that the *server* returns are not validated (they live in
/// [`Inbox::name`](crate::Inbox::name) as plain strings), so a server that relaxes the rules cannot
/// break decoding.
///
/// ```
/// use zapier_embed_domain::InboxName;
/// let name = InboxName::new("my-slack-inbox").unwrap();
/// assert_eq!(name.as_str(), "my-slack-inbox");
/// assert!(InboxName::new("x".repeat(101)).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, JsonSchema)]
#[schemars(transparent)]
pub struct InboxName(#[schemars(length(min = 1, max = 100))] String);

impl InboxName {
    /// Validates and wraps a name.
    ///
    /// ```
    /// use zapier_embed_domain::{InboxName, InvalidInboxName};
    /// assert!(InboxName::new("orders").is_ok());
    /// assert_eq!(InboxName::new("a\nb"), Err(InvalidInboxName::ControlCharacter));
    /// assert_eq!(InboxName::new(".."), Err(InvalidInboxName::NotAddressable("..")));
    /// assert!(InboxName::new("a/b?c#d%e").is_ok()); // percent-encoded in paths
    /// ```
    pub fn new(name: impl Into<String>) -> Result<Self, InvalidInboxName> {
        let name = name.into();
        let chars = name.chars().count();
        if chars == 0 {
            return Err(InvalidInboxName::Empty);
        }
        if chars > MAX_INBOX_NAME_CHARS {
            return Err(InvalidInboxName::TooLong { chars });
        }
        if name.chars().any(char::is_control) {
            return Err(InvalidInboxName::ControlCharacter);
        }
        match name.as_str() {
            "." => return Err(InvalidInboxName::NotAddressable(".")),
            ".." => return Err(InvalidInboxName::NotAddressable("..")),
            _ if name.contains('\\') => return Err(InvalidInboxName::NotAddressable("\\")),
            _ => {}
        }
        Ok(Self(name))
    }

    /// The name as a string slice.
    ///
    /// ```
    /// use zapier_embed_domain::InboxName;
    /// assert_eq!(InboxName::new("orders").unwrap().as_str(), "orders");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Unwraps the owned string.
    ///
    /// ```
    /// use zapier_embed_domain::InboxName;
    /// assert_eq!(InboxName::new("orders").unwrap().into_string(), "orders");
    /// ```
    pub fn into_string(self) -> String {
        self.0
    }
}

impl Deref for InboxName {
    type Target = str;

    /// Lets an [`InboxName`] be used wherever a `&str` is expected.
    ///
    /// ```
    /// use zapier_embed_domain::InboxName;
    /// let name = InboxName::new("orders").unwrap();
    /// assert!(name.starts_with("ord"));
    /// ```
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for InboxName {
    /// The name as a string slice.
    ///
    /// ```
    /// use zapier_embed_domain::InboxName;
    /// let name = InboxName::new("orders").unwrap();
    /// assert_eq!(AsRef::<str>::as_ref(&name), "orders");
    /// ```
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for InboxName {
    /// Lets maps keyed by [`InboxName`] be queried with a `&str`.
    ///
    /// ```
    /// use std::collections::HashSet;
    /// use zapier_embed_domain::InboxName;
    /// let set: HashSet<InboxName> = [InboxName::new("orders").unwrap()].into();
    /// assert!(set.contains("orders"));
    /// ```
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InboxName {
    /// Writes the name unchanged.
    ///
    /// ```
    /// use zapier_embed_domain::InboxName;
    /// assert_eq!(InboxName::new("orders").unwrap().to_string(), "orders");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for InboxName {
    type Err = InvalidInboxName;

    /// Same as [`InboxName::new`].
    ///
    /// ```
    /// use zapier_embed_domain::InboxName;
    /// let name: InboxName = "orders".parse().unwrap();
    /// assert_eq!(name.as_str(), "orders");
    /// ```
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::new(raw)
    }
}

impl TryFrom<String> for InboxName {
    type Error = InvalidInboxName;

    /// Same as [`InboxName::new`], without copying.
    ///
    /// ```
    /// use zapier_embed_domain::InboxName;
    /// assert!(InboxName::try_from(String::from("orders")).is_ok());
    /// ```
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::new(raw)
    }
}

impl TryFrom<&str> for InboxName {
    type Error = InvalidInboxName;

    /// Same as [`InboxName::new`].
    ///
    /// ```
    /// use zapier_embed_domain::InboxName;
    /// assert!(InboxName::try_from("").is_err());
    /// ```
    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        Self::new(raw)
    }
}

impl Serialize for InboxName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for InboxName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::new(raw).map_err(serde::de::Error::custom)
    }
}

/// An inbox, addressed either by its server-assigned uuid or by its name.
///
/// Parsing (`FromStr`) treats a hyphenated uuid as an id and any other non-empty string as a
/// name, which is what a command-line argument or a config value usually means. When a
/// uuid-shaped *name* is intended (variant B allows any name), build
/// [`InboxRef::Name`] explicitly.
///
/// ```
/// use zapier_embed_domain::InboxRef;
/// let by_id: InboxRef = "01960a3e-4d5f-7b8e-9c0a-1b2c3d4e5f6a".parse().unwrap();
/// assert!(by_id.as_id().is_some());
/// let by_name: InboxRef = "my-slack-inbox".parse().unwrap();
/// assert_eq!(by_name.to_string(), "my-slack-inbox");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum InboxRef {
    /// The server-assigned inbox id (variant A paths).
    Id(Uuid),
    /// The caller-chosen inbox name (variant B paths; variant A ensure key and filter).
    Name(InboxName),
}

impl InboxRef {
    /// Builds a by-name reference, validating the name.
    ///
    /// ```
    /// use zapier_embed_domain::InboxRef;
    /// assert!(InboxRef::name("orders").is_ok());
    /// assert!(InboxRef::name("").is_err());
    /// ```
    pub fn name(name: impl Into<String>) -> Result<Self, InvalidInboxName> {
        InboxName::new(name).map(InboxRef::Name)
    }

    /// The id, when this reference is by id.
    ///
    /// ```
    /// use uuid::Uuid;
    /// use zapier_embed_domain::InboxRef;
    /// let id = Uuid::nil();
    /// assert_eq!(InboxRef::from(id).as_id(), Some(id));
    /// ```
    pub fn as_id(&self) -> Option<Uuid> {
        match self {
            InboxRef::Id(id) => Some(*id),
            InboxRef::Name(_) => None,
        }
    }

    /// The name, when this reference is by name.
    ///
    /// ```
    /// use zapier_embed_domain::InboxRef;
    /// let r = InboxRef::name("orders").unwrap();
    /// assert_eq!(r.as_name().map(|n| n.as_str()), Some("orders"));
    /// ```
    pub fn as_name(&self) -> Option<&InboxName> {
        match self {
            InboxRef::Id(_) => None,
            InboxRef::Name(name) => Some(name),
        }
    }
}

impl From<Uuid> for InboxRef {
    /// A by-id reference.
    ///
    /// ```
    /// use uuid::Uuid;
    /// use zapier_embed_domain::InboxRef;
    /// assert_eq!(InboxRef::from(Uuid::nil()), InboxRef::Id(Uuid::nil()));
    /// ```
    fn from(id: Uuid) -> Self {
        InboxRef::Id(id)
    }
}

impl From<InboxName> for InboxRef {
    /// A by-name reference.
    ///
    /// ```
    /// use zapier_embed_domain::{InboxName, InboxRef};
    /// let r = InboxRef::from(InboxName::new("orders").unwrap());
    /// assert!(r.as_name().is_some());
    /// ```
    fn from(name: InboxName) -> Self {
        InboxRef::Name(name)
    }
}

impl fmt::Display for InboxRef {
    /// The hyphenated lowercase uuid, or the name unchanged.
    ///
    /// ```
    /// use uuid::Uuid;
    /// use zapier_embed_domain::InboxRef;
    /// assert_eq!(InboxRef::from(Uuid::nil()).to_string(), "00000000-0000-0000-0000-000000000000");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InboxRef::Id(id) => write!(f, "{}", id.hyphenated()),
            InboxRef::Name(name) => f.write_str(name),
        }
    }
}

/// Parses a uuid as an id only in its canonical 36-character hyphenated form: `Uuid::try_parse`
/// also accepts 32 bare hex digits, braces and `urn:uuid:`, which are plausible inbox *names*.
fn parse_hyphenated_uuid(raw: &str) -> Option<Uuid> {
    if raw.len() == 36 {
        Uuid::try_parse(raw).ok()
    } else {
        None
    }
}

impl FromStr for InboxRef {
    type Err = InvalidInboxName;

    /// A hyphenated uuid becomes [`InboxRef::Id`]; anything else must be a valid [`InboxName`].
    ///
    /// ```
    /// use zapier_embed_domain::InboxRef;
    /// assert!(matches!("00000000-0000-0000-0000-000000000000".parse(), Ok(InboxRef::Id(_))));
    /// assert!(matches!("orders".parse(), Ok(InboxRef::Name(_))));
    /// assert!("".parse::<InboxRef>().is_err());
    /// ```
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match parse_hyphenated_uuid(raw) {
            Some(id) => Ok(InboxRef::Id(id)),
            None => InboxRef::name(raw),
        }
    }
}

impl Serialize for InboxRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for InboxRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for InboxRef {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "InboxRef".into()
    }

    fn json_schema(_generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "minLength": 1,
            "maxLength": 100,
            "description": "An inbox uuid (hyphenated) or an inbox name.",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_counted_in_characters_not_bytes() {
        let name = "é".repeat(100);
        assert_eq!(name.len(), 200);
        assert!(InboxName::new(name).is_ok());
        assert_eq!(
            InboxName::new("é".repeat(101)),
            Err(InvalidInboxName::TooLong { chars: 101 })
        );
    }

    #[test]
    fn non_canonical_uuid_forms_are_names() {
        for raw in [
            "0123456789abcdef0123456789abcdef",
            "{01960a3e-4d5f-7b8e-9c0a-1b2c3d4e5f6a}",
            "urn:uuid:01960a3e-4d5f-7b8e-9c0a-1b2c3d4e5f6a",
        ] {
            assert!(
                matches!(raw.parse::<InboxRef>(), Ok(InboxRef::Name(_))),
                "{raw}"
            );
        }
    }

    #[test]
    fn uppercase_uuid_is_an_id_and_displays_lowercase() {
        let r: InboxRef = "01960A3E-4D5F-7B8E-9C0A-1B2C3D4E5F6A".parse().unwrap();
        assert_eq!(r.to_string(), "01960a3e-4d5f-7b8e-9c0a-1b2c3d4e5f6a");
    }

    #[test]
    fn serde_round_trip() {
        for raw in ["orders", "01960a3e-4d5f-7b8e-9c0a-1b2c3d4e5f6a"] {
            let r: InboxRef = raw.parse().unwrap();
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<InboxRef>(&json).unwrap(), r);
        }
        assert!(serde_json::from_str::<InboxRef>("\"\"").is_err());
    }
}

//! A private macro for "open" string enums: a closed set of documented wire values plus one
//! catch-all arm that keeps any other string verbatim.
//!
//! Zapier documents several fields as enums but returns them as plain strings (inbox status,
//! paused reason, message status, run error codes). A new server value must never break decoding,
//! and it must re-serialize byte-for-byte so a value read from one response can be sent back or
//! logged without loss. Every such enum in this crate is generated here so they all behave alike.

/// Declares a `#[non_exhaustive]` string enum with an explicit catch-all arm.
///
/// The first listed variant doubles as the doctest example for the generated methods.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(#[$fmeta:meta])* $first:ident => $first_wire:literal,
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )*
            @other $(#[$ometa:meta])* $other:ident,
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $(#[$fmeta])* $first,
            $( $(#[$vmeta])* $variant, )*
            $(#[$ometa])* $other(String),
        }

        impl $name {
            #[doc = concat!("Every documented wire value of [`", stringify!($name), "`], in declaration order.")]
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("assert!(", stringify!($name), "::KNOWN.contains(&\"", $first_wire, "\"));")]
            /// ```
            pub const KNOWN: &'static [&'static str] = &[$first_wire, $($wire),*];

            /// The value exactly as it appears on the wire (an unrecognised value is returned unchanged).
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::", stringify!($first), ".as_str(), \"", $first_wire, "\");")]
            #[doc = concat!("let odd: ", stringify!($name), " = \"brand_new_value\".parse().unwrap();")]
            /// assert_eq!(odd.as_str(), "brand_new_value");
            /// ```
            pub fn as_str(&self) -> &str {
                match self {
                    Self::$first => $first_wire,
                    $( Self::$variant => $wire, )*
                    Self::$other(raw) => raw,
                }
            }

            /// Whether this is one of the documented values (false only for the catch-all arm).
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("assert!(", stringify!($name), "::", stringify!($first), ".is_known());")]
            #[doc = concat!("assert!(!", stringify!($name), "::from(\"brand_new_value\").is_known());")]
            /// ```
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::$other(_))
            }

            // Shared by FromStr, From<&str> and From<String>; matching is exact (case-sensitive)
            // because the server sends lowercase and an exact match is what guarantees that an
            // unrecognised value re-serializes byte-for-byte.
            fn from_wire(raw: &str) -> Option<Self> {
                match raw {
                    $first_wire => Some(Self::$first),
                    $( $wire => Some(Self::$variant), )*
                    _ => None,
                }
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = ::core::convert::Infallible;

            /// Parses a wire value; never fails, an unrecognised value lands in the catch-all arm.
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("let v: ", stringify!($name), " = \"", $first_wire, "\".parse().unwrap();")]
            #[doc = concat!("assert_eq!(v, ", stringify!($name), "::", stringify!($first), ");")]
            /// ```
            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(raw))
            }
        }

        impl ::core::convert::From<&str> for $name {
            /// Converts a wire value, keeping an unrecognised one verbatim.
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::from(\"", $first_wire, "\"), ", stringify!($name), "::", stringify!($first), ");")]
            /// ```
            fn from(raw: &str) -> Self {
                Self::from_wire(raw).unwrap_or_else(|| Self::$other(raw.to_owned()))
            }
        }

        impl ::core::convert::From<String> for $name {
            /// Converts an owned wire value without copying an unrecognised one.
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::from(String::from(\"x\")).as_str(), \"x\");")]
            /// ```
            fn from(raw: String) -> Self {
                Self::from_wire(&raw).unwrap_or(Self::$other(raw))
            }
        }

        impl ::core::fmt::Display for $name {
            /// Writes the wire value.
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::", stringify!($first), ".to_string(), \"", $first_wire, "\");")]
            /// ```
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = <String as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(raw))
            }
        }

        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(stringify!($name))
            }

            fn json_schema(_generator: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                // An open enum: the documented values are examples, any string is accepted.
                ::schemars::json_schema!({
                    "type": "string",
                    "examples": [$first_wire, $($wire),*],
                })
            }
        }
    };
}

pub(crate) use open_enum;

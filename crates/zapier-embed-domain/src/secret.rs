//! Redacting wrappers for credentials shared by the facade and the CLI.
//!
//! Both wrap [`secrecy::SecretString`], so the bytes are zeroized on drop, and both print
//! `[redacted]` from `Debug` and `Display`: a token can then sit inside any struct that derives
//! `Debug`, or be passed to `tracing`, without leaking. Reading the value takes an explicit
//! `expose_secret()` call that is easy to grep for. Neither type implements `Serialize`, so a
//! secret cannot end up in a JSON dump by accident.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};

/// What `Debug` and `Display` print instead of a secret.
///
/// ```
/// use zapier_embed_domain::{AccessToken, REDACTED};
/// assert_eq!(AccessToken::new("t").to_string(), REDACTED);
/// ```
pub const REDACTED: &str = "[redacted]";

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident, $example:literal) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            /// Wraps a secret value.
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("let secret = ", stringify!($name), "::new(\"", $example, "\");")]
            #[doc = concat!("assert_eq!(secret.expose_secret(), \"", $example, "\");")]
            /// ```
            pub fn new(value: impl Into<String>) -> Self {
                Self(SecretString::from(value.into()))
            }

            /// Reveals the secret; call it only where the value is put on the wire.
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("let secret = ", stringify!($name), "::new(\"", $example, "\");")]
            #[doc = concat!("assert_eq!(format!(\"Bearer {}\", secret.expose_secret()), \"Bearer ", $example, "\");")]
            /// ```
            pub fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }

            /// Whether the secret is the empty string (useful to reject blank environment variables).
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("assert!(", stringify!($name), "::new(\"\").is_empty());")]
            /// ```
            pub fn is_empty(&self) -> bool {
                self.0.expose_secret().is_empty()
            }
        }

        impl PartialEq for $name {
            /// Compares in constant time for equal lengths (so that comparing a cached token with
            /// the one a failed request used leaks nothing through timing).
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::new(\"a\"), ", stringify!($name), "::new(\"a\"));")]
            #[doc = concat!("assert_ne!(", stringify!($name), "::new(\"a\"), ", stringify!($name), "::new(\"b\"));")]
            /// ```
            fn eq(&self, other: &Self) -> bool {
                let (a, b) = (self.expose_secret().as_bytes(), other.expose_secret().as_bytes());
                a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
            }
        }

        impl Eq for $name {}

        impl fmt::Debug for $name {
            /// Never shows the secret.
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("let secret = ", stringify!($name), "::new(\"", $example, "\");")]
            #[doc = concat!("assert_eq!(format!(\"{secret:?}\"), \"", stringify!($name), "([redacted])\");")]
            /// ```
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({REDACTED})", stringify!($name))
            }
        }

        impl fmt::Display for $name {
            /// Never shows the secret.
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::new(\"", $example, "\").to_string(), \"[redacted]\");")]
            /// ```
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(REDACTED)
            }
        }

        impl From<String> for $name {
            /// Wraps an owned secret without copying it.
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("let secret = ", stringify!($name), "::from(String::from(\"", $example, "\"));")]
            #[doc = concat!("assert_eq!(secret.expose_secret(), \"", $example, "\");")]
            /// ```
            fn from(value: String) -> Self {
                Self(SecretString::from(value))
            }
        }

        impl From<&str> for $name {
            /// Wraps a borrowed secret (copied into zeroize-on-drop storage).
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("let secret: ", stringify!($name), " = \"", $example, "\".into();")]
            /// assert!(!secret.is_empty());
            /// ```
            fn from(value: &str) -> Self {
                Self::new(value)
            }
        }

        // Deserialize (but deliberately not Serialize): reading a secret from a config file is
        // legitimate, writing one back out is almost always a leak.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                SecretString::deserialize(deserializer).map(Self)
            }
        }
    };
}

secret_type!(
    /// An OAuth access token (a JWT issued by `POST https://zapier.com/oauth/token`).
    ///
    /// ```
    /// use zapier_embed_domain::AccessToken;
    /// let token = AccessToken::new("eyJhbGciOi.payload.signature");
    /// assert_eq!(format!("{token:?}"), "AccessToken([redacted])");
    /// assert_eq!(token.expose_secret(), "eyJhbGciOi.payload.signature");
    /// ```
    AccessToken,
    "eyJhbGciOi.payload.signature"
);

secret_type!(
    /// An OAuth client secret (client-credentials grant and partner token exchange).
    ///
    /// ```
    /// use zapier_embed_domain::ClientSecret;
    /// let secret = ClientSecret::new("s3cr3t-value");
    /// assert_eq!(secret.to_string(), "[redacted]");
    /// ```
    ClientSecret,
    "s3cr3t-value"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    #[allow(dead_code)] // only read through Debug
    struct Holder {
        token: AccessToken,
        secret: ClientSecret,
    }

    #[test]
    fn no_debug_or_display_output_contains_the_secret() {
        let holder = Holder {
            token: AccessToken::new("tok-SENSITIVE-123"),
            secret: ClientSecret::new("sec-SENSITIVE-456"),
        };
        let outputs = [
            format!("{holder:?}"),
            format!("{holder:#?}"),
            holder.token.to_string(),
            holder.secret.to_string(),
            format!("{:?}", Some(holder.token.clone())),
        ];
        for out in outputs {
            assert!(!out.contains("SENSITIVE"), "leaked in {out}");
            assert!(out.contains(REDACTED));
        }
    }

    #[test]
    fn deserializes_from_a_json_string() {
        let token: AccessToken = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(token.expose_secret(), "abc");
    }
}

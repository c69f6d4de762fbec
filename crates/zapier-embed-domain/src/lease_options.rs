//! Validated lease parameters (`lease_seconds`, `lease_limit` / `max_messages`) and the lease
//! request body of each variant.

use std::fmt;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use crate::variant::ApiVariant;

/// A number outside the range the API accepts; names the field so the message stands alone.
///
/// ```
/// use zapier_embed_domain::LeaseSeconds;
/// let err = LeaseSeconds::new(0).unwrap_err();
/// assert_eq!(err.to_string(), "lease_seconds must be in 1..=3600, got 0");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} must be in {min}..={max}, got {got}")]
#[non_exhaustive]
pub struct RangeError {
    /// The wire name of the field.
    pub field: &'static str,
    /// Smallest accepted value.
    pub min: u64,
    /// Largest accepted value.
    pub max: u64,
    /// The rejected value.
    pub got: u64,
}

macro_rules! bounded {
    (
        $(#[$meta:meta])*
        $name:ident, field = $field:literal, min = $min:literal, max = $max:literal, example = $ex:literal
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema)]
        #[serde(transparent)]
        pub struct $name(#[schemars(range(min = $min, max = $max))] u32);

        impl $name {
            /// The smallest accepted value.
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::MIN.get(), ", $min, ");")]
            /// ```
            pub const MIN: $name = $name($min);

            /// The largest accepted value.
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::MAX.get(), ", $max, ");")]
            /// ```
            pub const MAX: $name = $name($max);

            /// Validates a value.
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::new(", $ex, ").unwrap().get(), ", $ex, ");")]
            #[doc = concat!("assert!(", stringify!($name), "::new(", $max, " + 1).is_err());")]
            /// ```
            pub fn new(value: u32) -> Result<Self, RangeError> {
                if ($min..=$max).contains(&value) {
                    Ok($name(value))
                } else {
                    Err(RangeError {
                        field: $field,
                        min: $min,
                        max: $max,
                        got: u64::from(value),
                    })
                }
            }

            /// The nearest accepted value (for values computed at run time, e.g. adaptive leases).
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::clamped(0), ", stringify!($name), "::MIN);")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::clamped(u64::MAX), ", stringify!($name), "::MAX);")]
            /// ```
            pub fn clamped(value: u64) -> Self {
                // The clamp keeps the value within u32 range, so the conversion cannot fail.
                let v = value.clamp($min, $max);
                $name(u32::try_from(v).unwrap_or($max))
            }

            /// The value.
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::MIN.get(), 1);")]
            /// ```
            pub fn get(self) -> u32 {
                self.0
            }
        }

        impl TryFrom<u32> for $name {
            type Error = RangeError;

            /// Same as `new`.
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("assert!(", stringify!($name), "::try_from(0).is_err());")]
            /// ```
            fn try_from(value: u32) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl From<$name> for u32 {
            /// The plain number.
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("assert_eq!(u32::from(", stringify!($name), "::MAX), ", $max, ");")]
            /// ```
            fn from(value: $name) -> u32 {
                value.0
            }
        }

        impl fmt::Display for $name {
            /// Writes the number.
            ///
            /// ```
            #[doc = concat!("use zapier_embed_domain::", stringify!($name), ";")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::new(", $ex, ").unwrap().to_string(), \"", $ex, "\");")]
            /// ```
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = u32::deserialize(deserializer)?;
                Self::new(raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

bounded!(
    /// How long a lease holds its messages, in seconds: 1..=3600.
    ///
    /// There is no lease-extension endpoint, so this is the only lever: pick it longer than the
    /// handler's worst case, or release early. The two variants document different server
    /// defaults ([`LeaseSeconds::DEFAULT_BY_ID`], [`LeaseSeconds::DEFAULT_BY_NAME`]); the SDK
    /// always sends an explicit value so that behaviour does not depend on which one applies.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zapier_embed_domain::LeaseSeconds;
    /// let secs = LeaseSeconds::new(60).unwrap();
    /// assert_eq!(secs.as_duration(), Duration::from_secs(60));
    /// assert_eq!(LeaseSeconds::default(), LeaseSeconds::DEFAULT_BY_ID);
    /// ```
    LeaseSeconds, field = "lease_seconds", min = 1, max = 3600, example = 300
);

bounded!(
    /// The most messages one lease call returns: 1..=100 (`lease_limit` in variant A,
    /// `max_messages` in variant B).
    ///
    /// ```
    /// use zapier_embed_domain::LeaseLimit;
    /// assert_eq!(LeaseLimit::default().get(), 10);
    /// assert_eq!(LeaseLimit::new(101).unwrap_err().to_string(), "lease_limit must be in 1..=100, got 101");
    /// ```
    LeaseLimit, field = "lease_limit", min = 1, max = 100, example = 25
);

impl LeaseSeconds {
    /// The variant A server default (300 s).
    ///
    /// ```
    /// use zapier_embed_domain::LeaseSeconds;
    /// assert_eq!(LeaseSeconds::DEFAULT_BY_ID.get(), 300);
    /// ```
    pub const DEFAULT_BY_ID: LeaseSeconds = LeaseSeconds(300);

    /// The variant B server default (30 s).
    ///
    /// ```
    /// use zapier_embed_domain::LeaseSeconds;
    /// assert_eq!(LeaseSeconds::DEFAULT_BY_NAME.get(), 30);
    /// ```
    pub const DEFAULT_BY_NAME: LeaseSeconds = LeaseSeconds(30);

    /// The documented server default of a variant.
    ///
    /// ```
    /// use zapier_embed_domain::{ApiVariant, LeaseSeconds};
    /// assert_eq!(LeaseSeconds::default_for(ApiVariant::ByName), LeaseSeconds::DEFAULT_BY_NAME);
    /// ```
    pub fn default_for(variant: ApiVariant) -> Self {
        match variant {
            ApiVariant::ByName => Self::DEFAULT_BY_NAME,
            // Variant A and any future variant: the published spec's default.
            _ => Self::DEFAULT_BY_ID,
        }
    }

    /// The lease length as a [`Duration`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use zapier_embed_domain::LeaseSeconds;
    /// assert_eq!(LeaseSeconds::DEFAULT_BY_NAME.as_duration(), Duration::from_secs(30));
    /// ```
    pub fn as_duration(self) -> Duration {
        Duration::from_secs(u64::from(self.0))
    }

    /// Validates a [`Duration`], rounding a partial second up (a lease must never end earlier
    /// than asked).
    ///
    /// ```
    /// use std::time::Duration;
    /// use zapier_embed_domain::LeaseSeconds;
    /// assert_eq!(LeaseSeconds::from_duration(Duration::from_millis(1500)).unwrap().get(), 2);
    /// assert!(LeaseSeconds::from_duration(Duration::ZERO).is_err());
    /// ```
    pub fn from_duration(duration: Duration) -> Result<Self, RangeError> {
        let secs = duration
            .as_secs()
            .saturating_add(u64::from(duration.subsec_nanos() > 0));
        let err = RangeError {
            field: "lease_seconds",
            min: 1,
            max: 3600,
            got: secs,
        };
        u32::try_from(secs)
            .map_err(|_| err.clone())
            .and_then(|s| Self::new(s).map_err(|_| err))
    }
}

impl Default for LeaseSeconds {
    /// [`LeaseSeconds::DEFAULT_BY_ID`] (300 s), the published spec's default.
    ///
    /// ```
    /// use zapier_embed_domain::LeaseSeconds;
    /// assert_eq!(LeaseSeconds::default().get(), 300);
    /// ```
    fn default() -> Self {
        Self::DEFAULT_BY_ID
    }
}

impl From<LeaseSeconds> for Duration {
    /// Same as [`LeaseSeconds::as_duration`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use zapier_embed_domain::LeaseSeconds;
    /// assert_eq!(Duration::from(LeaseSeconds::MAX), Duration::from_secs(3600));
    /// ```
    fn from(value: LeaseSeconds) -> Duration {
        value.as_duration()
    }
}

impl TryFrom<Duration> for LeaseSeconds {
    type Error = RangeError;

    /// Same as [`LeaseSeconds::from_duration`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use zapier_embed_domain::LeaseSeconds;
    /// assert!(LeaseSeconds::try_from(Duration::from_secs(3601)).is_err());
    /// ```
    fn try_from(value: Duration) -> Result<Self, Self::Error> {
        Self::from_duration(value)
    }
}

impl LeaseLimit {
    /// The documented default (10).
    ///
    /// ```
    /// use zapier_embed_domain::LeaseLimit;
    /// assert_eq!(LeaseLimit::DEFAULT.get(), 10);
    /// ```
    pub const DEFAULT: LeaseLimit = LeaseLimit(10);
}

impl Default for LeaseLimit {
    /// [`LeaseLimit::DEFAULT`].
    ///
    /// ```
    /// use zapier_embed_domain::LeaseLimit;
    /// assert_eq!(LeaseLimit::default(), LeaseLimit::DEFAULT);
    /// ```
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What to ask of a lease call.
///
/// ```
/// use zapier_embed_domain::{ApiVariant, LeaseLimit, LeaseOptions, LeaseSeconds};
/// let opts = LeaseOptions::default_for(ApiVariant::ByName).with_limit(LeaseLimit::new(50).unwrap());
/// assert_eq!(opts.lease_seconds, LeaseSeconds::DEFAULT_BY_NAME);
/// assert_eq!(opts.limit.get(), 50);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct LeaseOptions {
    /// How long the lease holds its messages.
    pub lease_seconds: LeaseSeconds,
    /// The most messages to return.
    pub limit: LeaseLimit,
}

impl LeaseOptions {
    /// Options from already validated parts.
    ///
    /// ```
    /// use zapier_embed_domain::{LeaseLimit, LeaseOptions, LeaseSeconds};
    /// let opts = LeaseOptions::new(LeaseSeconds::new(60).unwrap(), LeaseLimit::new(1).unwrap());
    /// assert_eq!(opts.limit.get(), 1);
    /// ```
    pub fn new(lease_seconds: LeaseSeconds, limit: LeaseLimit) -> Self {
        LeaseOptions {
            lease_seconds,
            limit,
        }
    }

    /// The documented defaults of a variant (300 s or 30 s, 10 messages).
    ///
    /// ```
    /// use zapier_embed_domain::{ApiVariant, LeaseOptions};
    /// assert_eq!(LeaseOptions::default_for(ApiVariant::ById).lease_seconds.get(), 300);
    /// ```
    pub fn default_for(variant: ApiVariant) -> Self {
        LeaseOptions {
            lease_seconds: LeaseSeconds::default_for(variant),
            limit: LeaseLimit::DEFAULT,
        }
    }

    /// Replaces the lease length.
    ///
    /// ```
    /// use zapier_embed_domain::{LeaseOptions, LeaseSeconds};
    /// let opts = LeaseOptions::default().with_lease_seconds(LeaseSeconds::MAX);
    /// assert_eq!(opts.lease_seconds.get(), 3600);
    /// ```
    pub fn with_lease_seconds(mut self, lease_seconds: LeaseSeconds) -> Self {
        self.lease_seconds = lease_seconds;
        self
    }

    /// Replaces the message limit.
    ///
    /// ```
    /// use zapier_embed_domain::{LeaseLimit, LeaseOptions};
    /// let opts = LeaseOptions::default().with_limit(LeaseLimit::MAX);
    /// assert_eq!(opts.limit.get(), 100);
    /// ```
    pub fn with_limit(mut self, limit: LeaseLimit) -> Self {
        self.limit = limit;
        self
    }

    /// The request body for a variant. Both fields are always sent, because the server defaults
    /// differ between variants and the caller's choice must not depend on which one applies.
    ///
    /// ```
    /// use serde_json::json;
    /// use zapier_embed_domain::{ApiVariant, LeaseOptions};
    /// let opts = LeaseOptions::default();
    /// assert_eq!(serde_json::to_value(opts.to_body(ApiVariant::ById)).unwrap(),
    ///            json!({"lease_seconds": 300, "lease_limit": 10}));
    /// assert_eq!(serde_json::to_value(opts.to_body(ApiVariant::ByName)).unwrap(),
    ///            json!({"lease_seconds": 300, "max_messages": 10}));
    /// ```
    pub fn to_body(self, variant: ApiVariant) -> LeaseBody {
        match variant {
            ApiVariant::ByName => LeaseBody::ByName(LeaseBodyByName {
                lease_seconds: self.lease_seconds.get(),
                max_messages: self.limit.get(),
            }),
            _ => LeaseBody::ById(LeaseBodyById {
                lease_seconds: self.lease_seconds.get(),
                lease_limit: self.limit.get(),
            }),
        }
    }
}

/// A lease request body of either variant (serializes as the inner struct).
///
/// ```
/// use zapier_embed_domain::{LeaseBody, LeaseBodyById};
/// let body = LeaseBody::ById(LeaseBodyById { lease_seconds: 60, lease_limit: 1 });
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"lease_seconds":60,"lease_limit":1}"#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
#[non_exhaustive]
pub enum LeaseBody {
    /// Variant A.
    ById(LeaseBodyById),
    /// Variant B.
    ByName(LeaseBodyByName),
}

/// Variant A lease body: `{"lease_seconds", "lease_limit"}`.
///
/// ```
/// use zapier_embed_domain::LeaseBodyById;
/// let body = LeaseBodyById { lease_seconds: 300, lease_limit: 10 };
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"lease_seconds":300,"lease_limit":10}"#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LeaseBodyById {
    /// 1..=3600.
    pub lease_seconds: u32,
    /// 1..=100.
    pub lease_limit: u32,
}

/// Variant B lease body: `{"lease_seconds", "max_messages"}`.
///
/// ```
/// use zapier_embed_domain::LeaseBodyByName;
/// let body = LeaseBodyByName { lease_seconds: 30, max_messages: 10 };
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"lease_seconds":30,"max_messages":10}"#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LeaseBodyByName {
    /// 1..=3600.
    pub lease_seconds: u32,
    /// 1..=100.
    pub max_messages: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive() {
        assert!(LeaseSeconds::new(1).is_ok());
        assert!(LeaseSeconds::new(3600).is_ok());
        assert!(LeaseSeconds::new(3601).is_err());
        assert!(LeaseLimit::new(1).is_ok());
        assert!(LeaseLimit::new(100).is_ok());
        assert!(LeaseLimit::new(0).is_err());
    }

    #[test]
    fn deserialization_validates() {
        assert!(serde_json::from_str::<LeaseSeconds>("0").is_err());
        assert_eq!(serde_json::from_str::<LeaseLimit>("7").unwrap().get(), 7);
        let opts: LeaseOptions =
            serde_json::from_str(r#"{"lease_seconds": 45, "limit": 3}"#).unwrap();
        assert_eq!(opts.lease_seconds.get(), 45);
    }

    #[test]
    fn huge_durations_are_rejected_not_truncated() {
        let err = LeaseSeconds::from_duration(Duration::from_secs(u64::MAX)).unwrap_err();
        assert_eq!(err.got, u64::MAX);
    }

    proptest::proptest! {
        #[test]
        fn new_accepts_exactly_the_range(v in proptest::prelude::any::<u32>()) {
            proptest::prop_assert_eq!(LeaseSeconds::new(v).is_ok(), (1..=3600).contains(&v));
            proptest::prop_assert_eq!(LeaseLimit::new(v).is_ok(), (1..=100).contains(&v));
            let c = LeaseSeconds::clamped(u64::from(v)).get();
            proptest::prop_assert!((1..=3600).contains(&c));
        }
    }
}

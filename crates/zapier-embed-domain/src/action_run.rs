//! Typed Action Run errors (`errors[]` of `GET /v2/action-runs/{id}`).

use std::fmt;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::open_enum::open_enum;

open_enum! {
    /// Why an action run failed (`errors[].code`).
    ///
    /// ```
    /// use zapier_embed_domain::RunErrorCode;
    /// assert!(RunErrorCode::from("system_throttled").is_throttled());
    /// assert_eq!(RunErrorCode::from("cosmic"), RunErrorCode::Unknown("cosmic".into()));
    /// ```
    pub enum RunErrorCode {
        /// The user's input was rejected by the app.
        User => "user",
        /// The connection's credentials failed: reconnect.
        Authentication => "authentication",
        /// A problem on the partner's side.
        Partner => "partner",
        /// A Zapier system failure.
        System => "system",
        /// The app throttled the run; retry after `delay`.
        Throttled => "throttled",
        /// Zapier throttled the run; retry after `delay`.
        SystemThrottled => "system_throttled",
        /// Fetching the full data failed.
        Hydration => "hydration",
        @other
        /// A code this version of the crate does not know, kept verbatim.
        Unknown,
    }
}

open_enum! {
    /// The status of an action run, reconciled across Zapier's Action Run APIs: the Partner
    /// API spec says `waiting` / `success` / `error`, its guide says `queued` / `running` /
    /// `success` / `error`.
    ///
    /// ```
    /// use zapier_embed_domain::RunStatus;
    /// assert!(RunStatus::from("running").is_pending());
    /// assert!(RunStatus::from("waiting").is_pending());
    /// assert!(RunStatus::Success.is_terminal());
    /// assert!(!RunStatus::from("paused_for_approval").is_terminal());
    /// ```
    pub enum RunStatus {
        /// Accepted, not started (guide wording).
        Queued => "queued",
        /// Started, not finished (guide wording).
        Running => "running",
        /// Not finished (spec wording).
        Waiting => "waiting",
        /// Finished with results.
        Success => "success",
        /// Finished with errors.
        Error => "error",
        @other
        /// A status this version of the crate does not know, kept verbatim (treated as pending, so
        /// a poller keeps waiting until its timeout rather than misreporting a result).
        Unknown,
    }
}

impl RunStatus {
    /// Whether the run has finished (`success` or `error`).
    ///
    /// ```
    /// use zapier_embed_domain::RunStatus;
    /// assert!(RunStatus::Error.is_terminal());
    /// assert!(!RunStatus::Queued.is_terminal());
    /// ```
    pub fn is_terminal(&self) -> bool {
        matches!(self, RunStatus::Success | RunStatus::Error)
    }

    /// Whether the run may still finish: anything not terminal, including unknown statuses.
    ///
    /// ```
    /// use zapier_embed_domain::RunStatus;
    /// assert!(RunStatus::Waiting.is_pending());
    /// assert!(!RunStatus::Success.is_pending());
    /// ```
    pub fn is_pending(&self) -> bool {
        !self.is_terminal()
    }
}

impl RunErrorCode {
    /// Whether the run was throttled and may be retried after its `delay`.
    ///
    /// ```
    /// use zapier_embed_domain::RunErrorCode;
    /// assert!(RunErrorCode::Throttled.is_throttled());
    /// assert!(!RunErrorCode::User.is_throttled());
    /// ```
    pub fn is_throttled(&self) -> bool {
        matches!(
            self,
            RunErrorCode::Throttled | RunErrorCode::SystemThrottled
        )
    }
}

/// One error of a failed action run.
///
/// ```
/// use std::time::Duration;
/// use zapier_embed_domain::{RunError, RunErrorCode};
/// let e: RunError = serde_json::from_str(
///     r#"{"code":"throttled","title":"Slow down","detail":"Try later","delay":30,"meta":null}"#).unwrap();
/// assert_eq!(e.code, RunErrorCode::Throttled);
/// assert_eq!(e.delay, Some(Duration::from_secs(30)));
/// assert_eq!(e.to_string(), "throttled: Slow down: Try later");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct RunError {
    /// The error class.
    pub code: RunErrorCode,
    /// Short summary.
    #[serde(default)]
    pub title: Option<String>,
    /// Explanation.
    #[serde(default)]
    pub detail: Option<String>,
    /// How long to wait before retrying (throttled runs), from whole seconds on the wire.
    #[serde(default, with = "opt_seconds")]
    #[schemars(with = "Option<u64>")]
    pub delay: Option<Duration>,
    /// Extra data the server attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
}

impl RunError {
    /// An error with only a code.
    ///
    /// ```
    /// use zapier_embed_domain::{RunError, RunErrorCode};
    /// assert_eq!(RunError::new(RunErrorCode::System).to_string(), "system");
    /// ```
    pub fn new(code: RunErrorCode) -> Self {
        RunError {
            code,
            title: None,
            detail: None,
            delay: None,
            meta: None,
        }
    }

    /// Sets the title.
    ///
    /// ```
    /// use zapier_embed_domain::{RunError, RunErrorCode};
    /// assert_eq!(RunError::new(RunErrorCode::User).with_title("Bad input").to_string(), "user: Bad input");
    /// ```
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the detail.
    ///
    /// ```
    /// use zapier_embed_domain::{RunError, RunErrorCode};
    /// assert!(RunError::new(RunErrorCode::User).with_detail("x").detail.is_some());
    /// ```
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Sets the retry delay.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zapier_embed_domain::{RunError, RunErrorCode};
    /// let e = RunError::new(RunErrorCode::Throttled).with_delay(Duration::from_secs(5));
    /// assert_eq!(e.delay, Some(Duration::from_secs(5)));
    /// ```
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }
}

impl fmt::Display for RunError {
    /// `code: title: detail`, leaving out what is absent.
    ///
    /// ```
    /// use zapier_embed_domain::{RunError, RunErrorCode};
    /// let e = RunError::new(RunErrorCode::Authentication).with_detail("token revoked");
    /// assert_eq!(e.to_string(), "authentication: token revoked");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.as_str())?;
        for part in [&self.title, &self.detail].into_iter().flatten() {
            write!(f, ": {part}")?;
        }
        Ok(())
    }
}

mod opt_seconds {
    use super::*;

    pub(super) fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&d.as_secs()),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        // Accept any JSON number; a negative or non-finite delay means "no usable delay".
        let raw = Option::<f64>::deserialize(d)?;
        Ok(raw
            .filter(|v| v.is_finite() && *v >= 0.0)
            .and_then(|v| Duration::try_from_secs_f64(v).ok()))
    }
}

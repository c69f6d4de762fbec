//! A conformance suite for Zapier's Trigger Inbox API (and the Action Runs round trip), runnable
//! against any server: Zapier itself, the zapier-embed emulator, or anything claiming to be
//! either. Every check is written from Zapier's published documents, names the document section
//! it comes from, and speaks raw HTTP: it shares no code with the zapier-embed client or the
//! emulator, so a misreading on either side cannot hide behind the same misreading here.
//!
//! Where the documents disagree or are silent, the check says so and accepts every documented
//! alternative.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use zapier_embed_conformance::{Credentials, Filter, Suite, Target, Variant};
//!
//! let mut target = Target::new(
//!     "http://127.0.0.1:8787",
//!     Credentials::new("client-id", "client-secret"),
//! );
//! target.variant = Variant::ById;
//! let suite = Suite::new(target);
//! let report = suite.run(&Filter::default()).await;
//! for line in report.lines() {
//!     println!("{line}");
//! }
//! assert_eq!(report.failed(), 0);
//! # }
//! ```
//!
//! Events come from the emulator's control API (`POST /_emulator/events`) when the target has
//! one, or from a Webhooks by Zapier catch hook URL ([`Target::catch_hook_url`]); checks that
//! need expired leases move the emulator clock (`POST /_emulator/clock/advance`) or use short
//! leases and wait. Every inbox the suite creates is named `zembed-conformance-<run>-<n>` and
//! deleted at the end of the check that made it; [`Suite::cleanup`] deletes what is left (call
//! it when interrupted).

mod checks;
mod context;
mod http;
mod report;
mod target;
mod verdict;

pub use http::MAX_BODY_BYTES;
pub use report::{CheckReport, Outcome, Report};
pub use target::{ActionRunSpec, Control, Credentials, Target, Variant};

use std::sync::Arc;

use tokio::sync::Mutex;

use crate::checks::CHECKS;
use crate::context::{Cleanup, Ctx};
use crate::verdict::Verdict;

/// Which checks to run, by name: a check runs when it matches some `only` entry (or `only` is
/// empty) and no `skip` entry. An entry matches a check whose name equals it or starts with it
/// followed by `.` (so `lease` selects `lease.empty_200` and `lease.limits`).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Run only these (all when empty).
    pub only: Vec<String>,
    /// Never run these.
    pub skip: Vec<String>,
}

impl Filter {
    fn selects(&self, name: &str) -> bool {
        let matches = |entry: &String| entry_matches(entry, name);
        (self.only.is_empty() || self.only.iter().any(matches)) && !self.skip.iter().any(matches)
    }

    /// The `only` and `skip` entries that match no check. A misspelt entry would otherwise
    /// select (or skip) nothing, and a run meant to check one thing would pass having checked
    /// none: callers refuse such a filter before running.
    ///
    /// ```
    /// use zapier_embed_conformance::Filter;
    ///
    /// let filter = Filter { only: vec!["lease".into(), "leese".into()], skip: vec![] };
    /// assert_eq!(filter.unknown_entries(), ["leese"]);
    /// ```
    pub fn unknown_entries(&self) -> Vec<&str> {
        self.only
            .iter()
            .chain(&self.skip)
            .filter(|entry| !CHECKS.iter().any(|check| entry_matches(entry, check.name)))
            .map(String::as_str)
            .collect()
    }
}

/// Whether a filter entry names the check `name`: equal to it, or a prefix followed by `.`.
fn entry_matches(entry: &str, name: &str) -> bool {
    name == entry
        || name
            .strip_prefix(entry)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// The name and document section (in `variant`'s documents) of every check, in running order.
///
/// ```
/// use zapier_embed_conformance::{Variant, check_names};
///
/// let checks = check_names(Variant::ByName);
/// assert!(checks.iter().any(|(name, _)| *name == "lease.expiry"));
/// ```
pub fn check_names(variant: Variant) -> Vec<(&'static str, &'static str)> {
    CHECKS
        .iter()
        .map(|c| (c.name, c.section(variant)))
        .collect()
}

/// A conformance run against one [`Target`].
#[derive(Debug, Clone)]
pub struct Suite {
    target: Arc<Target>,
    cleanup: Cleanup,
}

impl Suite {
    /// A suite for `target`; nothing is sent before [`run`](Self::run).
    pub fn new(target: Target) -> Self {
        Suite {
            target: Arc::new(target),
            cleanup: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Runs the selected checks one after another and reports each. Every inbox a check creates
    /// is deleted when the check ends, whatever its outcome.
    pub async fn run(&self, filter: &Filter) -> Report {
        let selected: Vec<_> = CHECKS.iter().filter(|c| filter.selects(c.name)).collect();
        let mut report = Report::default();
        let ctx = match Ctx::connect(self.target.clone(), self.cleanup.clone()).await {
            Ok(ctx) => ctx,
            Err(reason) => {
                for check in selected {
                    report.push(
                        check.name,
                        check.section(self.target.variant),
                        reason.clone(),
                    );
                }
                return report;
            }
        };
        for check in selected {
            let section = check.section(self.target.variant);
            let outcome = match (check.run)(&ctx).await {
                Ok(()) => Outcome::Pass,
                Err(Verdict::Fail(reason)) => Outcome::Fail(reason),
                Err(Verdict::Skip(reason)) => Outcome::Skipped(reason),
            };
            self.cleanup().await;
            report.push(check.name, section, outcome);
        }
        report
    }

    /// Deletes every inbox the suite created and has not deleted yet (best effort; safe to call
    /// at any time, e.g. on Ctrl-C, and more than once). Returns how many deletions failed.
    pub async fn cleanup(&self) -> usize {
        context::run_cleanup(&self.cleanup).await
    }
}

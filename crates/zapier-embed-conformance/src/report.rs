//! The outcome of each check and the run's summary.

use std::fmt;

use serde::Serialize;

/// What one check concluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// The target behaves as documented.
    Pass,
    /// The target contradicts the documents; the reason says how.
    Fail(String),
    /// The check could not run against this target; the reason says why.
    Skipped(String),
}

/// One check's line in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// The check's name (what `--only`/`--skip` match).
    pub name: &'static str,
    /// The document section it comes from.
    pub section: &'static str,
    /// What it concluded.
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Outcome::Pass => write!(f, "pass     {} ({})", self.name, self.section),
            Outcome::Fail(reason) => {
                write!(f, "FAIL     {} ({}): {reason}", self.name, self.section)
            }
            Outcome::Skipped(reason) => {
                write!(f, "skipped  {} ({}): {reason}", self.name, self.section)
            }
        }
    }
}

/// Every check's outcome, in the order they ran.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// One entry per check run.
    pub checks: Vec<CheckReport>,
}

impl Report {
    pub(crate) fn push(&mut self, name: &'static str, section: &'static str, outcome: Outcome) {
        self.checks.push(CheckReport {
            name,
            section,
            outcome,
        });
    }

    fn count(&self, wanted: fn(&Outcome) -> bool) -> usize {
        self.checks.iter().filter(|c| wanted(&c.outcome)).count()
    }

    /// How many checks passed.
    pub fn passed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Pass))
    }

    /// How many checks failed.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Fail(_)))
    }

    /// How many checks were skipped.
    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Skipped(_)))
    }

    /// The outcome of the check called `name`, if it ran.
    pub fn outcome(&self, name: &str) -> Option<&Outcome> {
        self.checks
            .iter()
            .find(|c| c.name == name)
            .map(|c| &c.outcome)
    }

    /// One line per check, then the summary line.
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.checks.iter().map(ToString::to_string).collect();
        lines.push(self.summary());
        lines
    }

    /// `N passed, N failed, N skipped`.
    pub fn summary(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped",
            self.passed(),
            self.failed(),
            self.skipped()
        )
    }
}

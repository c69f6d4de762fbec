//! What a check concludes, and the shorthands the checks use to say it.

use crate::target::Variant;

/// Why a check did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The target contradicts the documents.
    Fail(String),
    /// The check cannot run against this target (no event source, no second identity, ...).
    Skip(String),
}

/// The result of one check body.
pub(crate) type Checked = Result<(), Verdict>;

/// Fails the check with a formatted reason.
macro_rules! fail {
    ($($arg:tt)*) => {
        return Err($crate::verdict::Verdict::Fail(format!($($arg)*)))
    };
}

/// Fails the check unless `cond` holds.
macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            return Err($crate::verdict::Verdict::Fail(format!($($arg)*)));
        }
    };
}

/// Skips the check with a formatted reason.
macro_rules! skip {
    ($($arg:tt)*) => {
        return Err($crate::verdict::Verdict::Skip(format!($($arg)*)))
    };
}

pub(crate) use {ensure, fail, skip};

impl crate::http::Reply {
    /// Fails the check unless the reply is a success (2xx): `<what>: <the reply>`.
    pub(crate) fn ensure_success(&self, what: &str) -> Checked {
        ensure!(
            (200..300).contains(&self.status),
            "{what}: {}",
            self.describe()
        );
        Ok(())
    }

    /// Fails the check unless the reply answers `status` with, on variant B (whose guide gives
    /// every error a code), the error code `code`: `<what> should answer <status>`.
    pub(crate) fn ensure_refused(
        &self,
        variant: Variant,
        status: u16,
        code: &str,
        what: &str,
    ) -> Checked {
        ensure!(
            self.status == status,
            "{what} should answer {status}: {}",
            self.describe()
        );
        self.ensure_code(variant, code)
    }

    /// On variant B, fails the check unless the error reply carries the code `code`.
    pub(crate) fn ensure_code(&self, variant: Variant, code: &str) -> Checked {
        if variant == Variant::ByName {
            ensure!(
                self.error_code() == Some(code),
                "the {} should carry code `{code}`: {}",
                self.status,
                self.describe()
            );
        }
        Ok(())
    }
}

//! What a check concludes, and the shorthands the checks use to say it.

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

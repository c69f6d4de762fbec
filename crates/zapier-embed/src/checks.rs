//! Mistakes the client can see before sending anything, refused with a validation error naming
//! the field; and the caller's time budget, which bounds a whole operation.

use std::future::Future;
use std::time::Duration;

use crate::{Error, FieldError, FieldProblem, Subscription};

/// Refuses an empty (or whitespace-only) key: an app, trigger or action key the server could
/// only answer "not found" or, worse, read as "all".
pub(crate) fn require_key(operation: &'static str, field: &str, value: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(Error::validation(
            operation,
            vec![FieldError::new(field, FieldProblem::Empty)],
        ));
    }
    Ok(())
}

/// Refuses a subscription without an app or trigger key.
pub(crate) fn require_subscription_keys(
    operation: &'static str,
    subscription: &Subscription,
) -> Result<(), Error> {
    require_key(operation, "subscription.app", &subscription.app)?;
    require_key(operation, "subscription.trigger", &subscription.trigger)
}

/// Refuses a zero count (a page size or limit of 0 would ask for nothing, or loop).
pub(crate) fn require_count(operation: &'static str, field: &str, value: u64) -> Result<(), Error> {
    if value == 0 {
        return Err(out_of_range(operation, field, "0", "at least 1"));
    }
    Ok(())
}

/// Refuses a zero timeout (it could only fail).
pub(crate) fn require_timeout(
    operation: &'static str,
    field: &str,
    value: Duration,
) -> Result<(), Error> {
    if value.is_zero() {
        return Err(out_of_range(operation, field, "0s", "longer than zero"));
    }
    Ok(())
}

fn out_of_range(operation: &'static str, field: &str, got: &str, range: &str) -> Error {
    Error::validation(
        operation,
        vec![FieldError::new(
            field,
            FieldProblem::OutOfRange {
                got: got.into(),
                range: range.into(),
            },
        )],
    )
}

/// Runs `work` within the caller's `budget`, hanging requests included: past it the work is
/// dropped (its connection closed) and the call fails with [`Error::Timeout`] saying `what`.
pub(crate) async fn within_budget<T>(
    operation: &'static str,
    budget: Duration,
    what: impl FnOnce() -> String,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    tokio::time::timeout(budget, work)
        .await
        .unwrap_or_else(|_| Err(Error::timeout(operation, what())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_field() {
        let err = require_key("list triggers", "app", " ")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("list triggers: invalid request: app: required field is empty")
        );
        assert!(require_count("list inboxes", "page_size", 0).is_err());
        assert!(require_count("list inboxes", "page_size", 1).is_ok());
        let err = require_timeout("wait", "timeout", Duration::ZERO)
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("timeout")));
        assert!(
            require_subscription_keys("ensure inbox", &Subscription::new("slack", "")).is_err()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_budget_bounds_work_that_never_ends() {
        let result: Result<(), Error> = within_budget(
            "wait",
            Duration::from_secs(5),
            || "not within 5s".into(),
            std::future::pending(),
        )
        .await;
        assert!(matches!(result, Err(Error::Timeout { .. })));
    }
}

//! Errors: one typed, `#[non_exhaustive]` [`Error`] with a variant per documented failure, its
//! [`ErrorContext`], and the validation details a caller can show a user.
//!
//! ```
//! use zapier_embed::error::{Error, FieldProblem};
//!
//! fn explain(error: &Error) -> String {
//!     match error {
//!         Error::Validation { fields, .. } => fields
//!             .iter()
//!             .map(|f| format!("{}: {}", f.field, f.problem))
//!             .collect::<Vec<_>>()
//!             .join("; "),
//!         other => other.to_string(),
//!     }
//! }
//! assert_eq!(FieldProblem::Missing.to_string(), "required field is missing");
//! # let _ = explain;
//! ```

pub use zapier_embed_domain::{
    Error, ErrorContext, FieldError, FieldProblem, HydrationError, RangeError, Result,
    ValidationError,
};

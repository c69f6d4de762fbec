//! Reconciled domain types over both Trigger Inbox API variants, input validation and typed errors.

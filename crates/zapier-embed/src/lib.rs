//! Rust SDK for Zapier's embedded triggers and actions.

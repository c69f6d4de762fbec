//! Cross-crate tests live in `tests/tests/`; request-shape snapshots in `tests/snapshots/`.
//!
//! The library part holds what other crates' tests reuse: [`hostile`], a scriptable server that
//! misbehaves on purpose, and [`redis`], a throwaway `redis-server` for the shared-dedup tests.

pub mod hostile;
pub mod redis;

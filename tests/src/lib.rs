//! Cross-crate tests live in `tests/tests/`; request-shape snapshots in `tests/snapshots/`.

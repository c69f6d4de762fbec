//! Wire types (request and response bodies) with their OpenAPI schemas, one module per API.
//!
//! Only [`control`], the control API that test suites script, is public; the Zapier APIs' types
//! are internal (their contract is `GET /openapi.json`).
//!
//! ```
//! use zapier_embed_emulator::models::control::EmitResponse;
//! let body: EmitResponse = serde_json::from_str(r#"{"delivered":1}"#).unwrap();
//! assert_eq!(body.delivered, 1);
//! ```

pub mod control;
pub(crate) mod discovery;
pub(crate) mod inbox;
pub(crate) mod inbox_by_name;
pub(crate) mod oauth;
pub(crate) mod partner;

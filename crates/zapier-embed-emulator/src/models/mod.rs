//! Wire types (request and response bodies) with their OpenAPI schemas, one module per API.

pub mod control;
pub mod discovery;
pub mod inbox;
pub mod inbox_by_name;
pub mod oauth;
pub mod partner;

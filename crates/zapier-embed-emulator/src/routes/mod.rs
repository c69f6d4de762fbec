//! HTTP routes, one module per API, and the assembly of the router and its OpenAPI document.

pub mod connect;
pub mod control;
pub mod discovery;
pub mod inbox_by_id;
pub mod inbox_by_name;
pub mod oauth;
pub mod partner;

use std::collections::HashMap;

use axum::Router;
use axum::http::HeaderMap;
use utoipa::OpenApi;
use utoipa::openapi::security::{ClientCredentials, Flow, OAuth2, Scopes, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;
use crate::error::ApiError;

/// Prefixes under which variant A (and trigger discovery) is served.
pub const TRIGGER_INBOX_PREFIXES: [&str; 2] = ["/trigger-inbox/api/v1", "/trigger-inbox/v1"];

/// Suffix given to the operation ids of the `/trigger-inbox/v1` copies (ids must be unique).
const V1_SUFFIX: &str = "_v1";
/// Suffix of the operation ids of trailing-slash aliases.
pub(crate) const SLASH_SUFFIX: &str = "_trailing_slash";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "zapier-embed emulator",
        description = "A stateful local emulator of Zapier's Trigger Inbox (both variants), Partner API v2 subset, OAuth token endpoint and Connect UI, plus its control API (`/_emulator/*`).",
    ),
    modifiers(&SecurityAddon),
    tags(
        (name = "OAuth", description = "Token endpoint"),
        (name = "Inboxes", description = "Trigger Inbox, by id"),
        (name = "Inbox Messages", description = "Trigger Inbox messages, by id"),
        (name = "Inboxes by name", description = "Trigger Inbox, by name (trailing slashes)"),
        (name = "Triggers", description = "Trigger discovery"),
        (name = "Partner", description = "Partner API v2"),
        (name = "Connect", description = "Connect UI stand-in"),
        (name = "Emulator", description = "Control API (no authentication)"),
    )
)]
struct ApiDoc;

struct SecurityAddon;

impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let flow = ClientCredentials::new(
            "/oauth/token",
            Scopes::from_iter([("external", "All public APIs")]),
        );
        components.add_security_scheme(
            "OAuth",
            SecurityScheme::OAuth2(OAuth2::new([Flow::ClientCredentials(flow)])),
        );
    }
}

/// The operation id without the alias suffixes: what fault rules match against.
fn canonical(op: &str) -> String {
    op.trim_end_matches(V1_SUFFIX)
        .trim_end_matches(SLASH_SUFFIX)
        .to_owned()
}

/// Builds the router (with state applied) and the OpenAPI document.
pub(crate) fn build(state: AppState) -> (Router, utoipa::openapi::OpenApi) {
    let api_v1 = inbox_by_id::router()
        .merge(discovery::router())
        .merge(inbox_by_name::router());
    let v1 = inbox_by_id::router().merge(discovery::router());
    let (router, mut api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(oauth::router())
        .nest(TRIGGER_INBOX_PREFIXES[0], api_v1)
        .nest(TRIGGER_INBOX_PREFIXES[1], v1)
        .merge(partner::router())
        .merge(connect::router())
        .merge(control::router())
        .split_for_parts();

    // The same handlers serve both prefixes; keep operation ids unique in the document, and
    // index every (method, path) by its canonical id for fault matching.
    let mut operations = HashMap::new();
    for (path, item) in api.paths.paths.iter_mut() {
        let v1_copy = path.starts_with(TRIGGER_INBOX_PREFIXES[1]);
        let ops = [
            ("GET", &mut item.get),
            ("POST", &mut item.post),
            ("PUT", &mut item.put),
            ("PATCH", &mut item.patch),
            ("DELETE", &mut item.delete),
        ];
        for (method, op) in ops {
            let Some(op) = op.as_mut() else { continue };
            let Some(id) = op.operation_id.clone() else {
                continue;
            };
            operations.insert((method.to_owned(), path.clone()), canonical(&id));
            if v1_copy {
                op.operation_id = Some(format!("{id}{V1_SUFFIX}"));
            }
        }
    }
    let _ = state.0.operations.set(operations);
    let _ = state
        .0
        .openapi_json
        .set(api.to_pretty_json().unwrap_or_else(|_| "{}".to_owned()));

    let router = router
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::middleware::api_layer,
        ))
        .fallback(fallback)
        .with_state(state);
    (router, api)
}

async fn fallback(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("No route for {}.", uri.path()))
}

/// `http://host` of the request, for absolute pagination URLs.
pub(crate) fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// An absolute URL for `path` with `query` pairs.
pub(crate) fn absolute_url(headers: &HeaderMap, path: &str, query: &[(&str, String)]) -> String {
    let mut url = format!("{}{path}", origin(headers));
    if !query.is_empty() {
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        url.push('?');
        url.push_str(&encoded);
    }
    url
}

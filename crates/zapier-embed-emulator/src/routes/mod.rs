//! HTTP routes, one module per API, and the assembly of the router and its OpenAPI document.

mod alias;
pub(crate) mod connect;
pub(crate) mod control;
mod cursor;
pub(crate) mod discovery;
pub(crate) mod inbox_by_id;
pub(crate) mod inbox_by_name;
mod inbox_call;
mod inbox_events;
mod inbox_operations;
pub(crate) mod oauth;
mod page_request;
pub(crate) mod partner;
pub(crate) mod sdk;
mod settle_routes;

use std::collections::HashMap;

use axum::Router;
use axum::http::HeaderMap;
use utoipa::OpenApi;
use utoipa::openapi::security::{ClientCredentials, Flow, OAuth2, Scopes, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;
use crate::error::ApiError;

/// Prefixes under which variant A (and trigger discovery) is served.
pub(crate) const TRIGGER_INBOX_PREFIXES: [&str; 2] = ["/trigger-inbox/api/v1", "/trigger-inbox/v1"];

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
    // Zapier's TypeScript SDK's gateway paths: served, indexed for faults, not documented.
    let (sdk_router, sdk_operations) = sdk::router();
    operations.extend(sdk_operations);
    add_common_responses(&mut api);
    let _ = state.0.operations.set(operations);
    let _ = state
        .0
        .openapi_json
        .set(api.to_pretty_json().unwrap_or_else(|_| "{}".to_owned()));

    let router = router
        .merge(sdk_router)
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::middleware::api_layer,
        ))
        // Public like zapier.com's, outside the API's rate limit and faults.
        .route(
            "/.well-known/jwks.json",
            axum::routing::get(crate::callbacks::jwks),
        )
        .fallback(fallback)
        .layer(axum::extract::DefaultBodyLimit::max(
            state.0.config.max_body_bytes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::middleware::outer_layer,
        ))
        .with_state(state);
    (router, api)
}

/// Documents the answers every API operation can give besides its own: the middleware's 429 and
/// injected 500/503 on every route, 400 `unauthenticated` / 401 on authenticated routes, 413 on
/// routes that read a body, and the Partner API's 403 (scope) and 404 (unknown app, connection,
/// action or run).
fn add_common_responses(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let error = |description: &str| -> RefOr<utoipa::openapi::Response> {
        let content = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Errors")))
            .build();
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content("application/json", content)
                .build(),
        )
    };
    for (path, item) in api.paths.paths.iter_mut() {
        if crate::middleware::is_control(path) {
            // The fetch guard's refusal (see `crate::guard`).
            for op in [&mut item.get, &mut item.post, &mut item.delete]
                .into_iter()
                .flatten()
            {
                op.responses
                    .responses
                    .entry("403".to_owned())
                    .or_insert_with(|| {
                        error("The request was sent by the emulator itself (`permission_denied`).")
                    });
            }
            continue;
        }
        let partner = path.starts_with("/v2/");
        let ops = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for op in ops.into_iter().flatten() {
            let mut common = Vec::new();
            if op.security.is_some() {
                common.push(("400", "The token expired (`unauthenticated`), or the input is invalid (`validation_error`)."));
                common.push((
                    "401",
                    "Missing or malformed `Authorization` (`authentication_failed`).",
                ));
            }
            if partner {
                common.push((
                    "403",
                    "The token's scopes do not cover this operation (`permission_denied`).",
                ));
                common.push((
                    "404",
                    "Unknown app, connection, action or run (`not_found`).",
                ));
            }
            if op.request_body.is_some() {
                common.push((
                    "413",
                    "The body is larger than the emulator accepts (`payload_too_large`).",
                ));
            }
            common.push((
                "429",
                "Rate limited (`rate_limited`); honour `Retry-After` (seconds).",
            ));
            common.push(("500", "Server error (fault injection)."));
            common.push(("503", "Service unavailable (fault injection)."));
            for (status, description) in common {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| error(description));
            }
        }
    }
}

/// No route matched: `404` in the envelope, after authentication on an authenticated API path
/// (an unauthenticated caller learns nothing about which paths exist).
async fn fallback(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> ApiError {
    let path = uri.path();
    if crate::auth::requires_auth(path)
        && let Err(refused) = crate::auth::authenticate(&state, &headers, path)
    {
        return refused;
    }
    ApiError::not_found(format!("No route for {path}."))
}

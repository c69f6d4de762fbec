//! Request-shape snapshots: for every facade operation, in both API variants where the
//! operation exists in both, the exact request (method, path with prefix, query, headers other
//! than `Authorization`, body), captured by the generated crate's capture hook without a
//! network. A regenerated client that changes the wire fails here.

mod common;

use std::fmt::Debug;
use std::future::Future;

use chrono::{TimeZone, Utc};
use futures::StreamExt;
use serde_json::{Map, json};
use zapier_embed::{
    ApiVariant, Client, Error, LeaseOptions, actions::Action, auth::AccessToken,
    auth::ClientCredentials, auth::PartnerJwtExchange, connections::ConnectionId,
    inboxes::InboxFilter, inboxes::InboxStatus, messages::Lease, messages::LeaseLimit,
    messages::LeaseSeconds, testing::CapturedRequest, testing::RequestCapture,
};
use zapier_embed_domain::LeaseResponseBody;

use common::*;

/// Runs `call` on a capturing client of `variant` and answers what it would have sent. Every
/// captured call ends with the capture's local 599 answer.
async fn shape<F, Fut, T>(variant: ApiVariant, call: F) -> Vec<CapturedRequest>
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
    T: Debug,
{
    let (client, capture) = capturing(variant);
    match call(client).await {
        Err(err) => assert_eq!(err.status(), Some(599), "{err}"),
        Ok(value) => panic!("a captured call cannot succeed, got {value:?}"),
    }
    let requests = capture.take();
    assert!(!requests.is_empty());
    assert!(
        requests.iter().all(|r| r.authorized),
        "every API request carries a token"
    );
    requests
}

fn lease_options() -> LeaseOptions {
    LeaseOptions::default()
        .with_lease_seconds(LeaseSeconds::new(60).expect("in range"))
        .with_limit(LeaseLimit::new(25).expect("in range"))
}

/// A two-message lease of each variant, decoded from the documents' example answers.
fn lease(variant: ApiVariant) -> Lease {
    let message = |id: &str, token: &str| {
        json!({
            "id": id, "created_at": "2026-05-21T12:01:00.000000Z", "status": "leased",
            "lease_token": token, "payload": {"text": "Hello from Slack"},
            "message_attributes": {"lease_count": 1, "error_message": null, "possible_duplicate_data": false}
        })
    };
    let requested_at = Utc
        .with_ymd_and_hms(2026, 5, 21, 12, 1, 0)
        .single()
        .expect("time");
    match variant {
        ApiVariant::ByName => {
            let body: LeaseResponseBody = serde_json::from_value(json!({
                "results": [message(MESSAGE_1, "lt_first"), message(MESSAGE_2, "lt_second")]
            }))
            .expect("lease body");
            Lease::from_response(
                &by_name(),
                body,
                requested_at,
                LeaseSeconds::new(60).expect("s"),
            )
            .expect("lease")
        }
        _ => {
            let body: LeaseResponseBody = serde_json::from_value(json!({
                "lease_id": LEASE_ID,
                "leased_until": "2026-05-21T12:02:00.000000Z",
                "results": [message(MESSAGE_1, "unused"), message(MESSAGE_2, "unused")],
                "inbox_attributes": {"status": "active", "paused_reason": null}
            }))
            .expect("lease body");
            Lease::from_response(
                &by_id(),
                body,
                requested_at,
                LeaseSeconds::new(60).expect("s"),
            )
            .expect("lease")
        }
    }
}

fn action() -> Action {
    serde_json::from_value(json!({
        "id": "core:853266", "key": "send_channel_message", "app": "81f613aa-c98a-4383-a5fc-195e68647217",
        "action_type": "WRITE", "title": "Send Channel Message", "description": "", "is_instant": false
    }))
    .expect("action")
}

fn inputs() -> Map<String, serde_json::Value> {
    let mut inputs = Map::new();
    inputs.insert("channel".into(), json!("C0123ABC456"));
    inputs.insert("text".into(), json!("Hello from the SDK"));
    inputs
}

// ----- inboxes ---------------------------------------------------------------------------------

#[tokio::test]
async fn inbox_create() {
    let requests = shape(ApiVariant::ById, |c| async move {
        c.inboxes()
            .create(
                Some(INBOX_NAME),
                &subscription(),
                Some("https://example.com/zapier-hook"),
            )
            .await
    })
    .await;
    snapshot!("by_id__inbox_create", requests);

    let requests = shape(ApiVariant::ById, |c| async move {
        c.inboxes().create(None, &subscription(), None).await
    })
    .await;
    snapshot!("by_id__inbox_create_without_name", requests);
}

#[tokio::test]
async fn inbox_create_is_refused_by_name_before_sending() {
    let (client, capture) = capturing(ApiVariant::ByName);
    let err = client
        .inboxes()
        .create(Some(INBOX_NAME), &subscription(), None)
        .await
        .expect_err("variant B has no create");
    assert!(matches!(err, Error::Configuration { .. }), "{err}");
    assert!(capture.take().is_empty());
}

#[tokio::test]
async fn inbox_ensure() {
    for variant in ApiVariant::ALL {
        let requests = shape(variant, |c| async move {
            c.inboxes()
                .ensure(
                    INBOX_NAME,
                    &subscription(),
                    Some("https://example.com/zapier-hook"),
                )
                .await
        })
        .await;
        snapshot!(format!("{}__inbox_ensure", variant_name(variant)), requests);

        // A trigger without a connection (Webhooks by Zapier).
        let requests = shape(variant, |c| async move {
            let hook = zapier_embed::Subscription::new("webhook", "hook_v2")
                .with_input("_zap_static_hook_code", "a1b2c3d4e5f6")
                .with_input("_zap_static_hook_seed", "0f1e2d3c4b5a");
            c.inboxes().ensure("hooks", &hook, None).await
        })
        .await;
        snapshot!(
            format!("{}__inbox_ensure_without_connection", variant_name(variant)),
            requests
        );
    }
}

#[tokio::test]
async fn inbox_get() {
    for variant in ApiVariant::ALL {
        let requests = shape(variant, |c| async move {
            c.inboxes().get(&native_ref(variant)).await
        })
        .await;
        snapshot!(format!("{}__inbox_get", variant_name(variant)), requests);
    }
}

#[tokio::test]
async fn inbox_list() {
    for variant in ApiVariant::ALL {
        let requests = shape(variant, |c| async move {
            let filter = InboxFilter::new().status(InboxStatus::Active).page_size(50);
            let first = Box::pin(c.inboxes().list(filter)).next().await;
            first.expect("one item").map(|_| ())
        })
        .await;
        snapshot!(format!("{}__inbox_list", variant_name(variant)), requests);

        let requests = shape(variant, |c| async move {
            let filter = InboxFilter::new().name(INBOX_NAME);
            let first = Box::pin(c.inboxes().list(filter)).next().await;
            first.expect("one item").map(|_| ())
        })
        .await;
        snapshot!(
            format!("{}__inbox_list_by_name", variant_name(variant)),
            requests
        );
    }
}

#[tokio::test]
async fn inbox_set_notification_url() {
    let requests = shape(ApiVariant::ById, |c| async move {
        c.inboxes()
            .set_notification_url(&by_id(), Some("https://example.com/zapier-hook"))
            .await
    })
    .await;
    snapshot!("by_id__inbox_set_notification_url", requests);

    // `null` clears the URL.
    let requests = shape(ApiVariant::ById, |c| async move {
        c.inboxes().set_notification_url(&by_id(), None).await
    })
    .await;
    snapshot!("by_id__inbox_clear_notification_url", requests);

    let (client, capture) = capturing(ApiVariant::ByName);
    let err = client
        .inboxes()
        .set_notification_url(&by_name(), None)
        .await
        .expect_err("variant B has no update");
    assert!(matches!(err, Error::Configuration { .. }), "{err}");
    assert!(capture.take().is_empty());
}

#[tokio::test]
async fn inbox_pause_resume_delete() {
    for variant in ApiVariant::ALL {
        let v = variant_name(variant);
        let requests = shape(variant, |c| async move {
            c.inboxes().pause(&native_ref(variant)).await
        })
        .await;
        snapshot!(format!("{v}__inbox_pause"), requests);
        let requests = shape(variant, |c| async move {
            c.inboxes().resume(&native_ref(variant)).await
        })
        .await;
        snapshot!(format!("{v}__inbox_resume"), requests);
        let requests = shape(variant, |c| async move {
            c.inboxes().delete(&native_ref(variant)).await
        })
        .await;
        snapshot!(format!("{v}__inbox_delete"), requests);
    }
}

// ----- messages --------------------------------------------------------------------------------

#[tokio::test]
async fn messages_lease() {
    for variant in ApiVariant::ALL {
        let requests = shape(variant, |c| async move {
            c.messages(native_ref(variant)).lease(lease_options()).await
        })
        .await;
        snapshot!(
            format!("{}__messages_lease", variant_name(variant)),
            requests
        );
    }
}

#[tokio::test]
async fn messages_ack_and_release_chosen_messages() {
    for variant in ApiVariant::ALL {
        let v = variant_name(variant);
        let lease = lease(variant);
        let handles: Vec<_> = lease.handles().cloned().collect();
        let chosen = handles.clone();
        let requests = shape(variant, |c| async move {
            c.messages(native_ref(variant)).ack(chosen).await
        })
        .await;
        snapshot!(format!("{v}__messages_ack"), requests);

        let one = handles[..1].to_vec();
        let requests = shape(variant, |c| async move {
            c.messages(native_ref(variant)).release(one).await
        })
        .await;
        snapshot!(format!("{v}__messages_release"), requests);
    }
}

#[tokio::test]
async fn messages_ack_and_release_whole_lease() {
    for variant in ApiVariant::ALL {
        let v = variant_name(variant);
        let lease = lease(variant);
        let for_ack = lease.clone();
        let requests = shape(variant, |c| async move {
            c.messages(native_ref(variant)).ack_lease(&for_ack).await
        })
        .await;
        snapshot!(format!("{v}__messages_ack_lease"), requests);
        let requests = shape(variant, |c| async move {
            c.messages(native_ref(variant)).release_lease(&lease).await
        })
        .await;
        snapshot!(format!("{v}__messages_release_lease"), requests);
    }
}

#[tokio::test]
async fn messages_list() {
    for variant in ApiVariant::ALL {
        let requests = shape(variant, |c| async move {
            let first = Box::pin(c.messages(native_ref(variant)).list())
                .next()
                .await;
            first.expect("one item").map(|_| ())
        })
        .await;
        snapshot!(
            format!("{}__messages_list", variant_name(variant)),
            requests
        );
    }
}

#[tokio::test]
async fn messages_events() {
    // The event stream is documented by id only: both variants use the same path (variant B
    // resolves a name to the id first, see `request_flows.rs`).
    for variant in ApiVariant::ALL {
        let requests = shape(variant, |c| async move {
            let first = Box::pin(c.messages(by_id()).events()).next().await;
            first.expect("one item").map(|_| ())
        })
        .await;
        snapshot!(
            format!("{}__messages_events", variant_name(variant)),
            requests
        );
    }
}

// ----- trigger discovery and connections -------------------------------------------------------

#[tokio::test]
async fn triggers() {
    // Discovery has one path in both variants.
    for variant in ApiVariant::ALL {
        let v = variant_name(variant);
        let requests = shape(variant, |c| async move { c.triggers().list("slack").await }).await;
        snapshot!(format!("{v}__triggers_list"), requests);
        let requests = shape(variant, |c| async move {
            c.triggers()
                .input_fields(
                    "slack",
                    "channel_message",
                    Some(&ConnectionId::from(CONNECTION)),
                )
                .await
        })
        .await;
        snapshot!(format!("{v}__triggers_input_fields"), requests);
    }
    let requests = shape(ApiVariant::ById, |c| async move {
        c.triggers().input_fields("webhook", "hook_v2", None).await
    })
    .await;
    snapshot!("by_id__triggers_input_fields_without_connection", requests);
}

#[tokio::test]
async fn connections() {
    let requests = shape(ApiVariant::ById, |c| async move {
        c.connections().list("slack").await
    })
    .await;
    snapshot!("connections_list", requests);
    let requests = shape(ApiVariant::ById, |c| async move {
        c.connections().first_valid("slack").await
    })
    .await;
    snapshot!("connections_first_valid", requests);
}

// ----- Action Runs -----------------------------------------------------------------------------

#[tokio::test]
async fn actions() {
    let requests = shape(ApiVariant::ById, |c| async move {
        c.actions().apps("Slack").await
    })
    .await;
    snapshot!("actions_apps", requests);
    let requests = shape(ApiVariant::ById, |c| async move {
        c.actions()
            .list("slack", Some(zapier_embed::actions::ActionType::Write))
            .await
    })
    .await;
    snapshot!("actions_list", requests);
    let requests = shape(ApiVariant::ById, |c| async move {
        c.actions()
            .inputs(&action(), Some(CONNECTION), &inputs())
            .await
    })
    .await;
    snapshot!("actions_inputs", requests);
    let requests = shape(ApiVariant::ById, |c| async move {
        c.actions()
            .choices(&action(), "channel", Some(CONNECTION), &inputs(), 2)
            .await
    })
    .await;
    snapshot!("actions_choices", requests);
    let requests = shape(ApiVariant::ById, |c| async move {
        c.actions().outputs(&action(), None, &inputs()).await
    })
    .await;
    snapshot!("actions_outputs", requests);
    // `run` looks up a fresh action id first: the capture stops at that lookup. The whole flow
    // is pinned in `request_flows.rs`.
    let requests = shape(ApiVariant::ById, |c| async move {
        c.actions()
            .run("slack", "send_channel_message", Some(CONNECTION), inputs())
            .await
    })
    .await;
    snapshot!("actions_run_lookup", requests);
}

// ----- tokens ----------------------------------------------------------------------------------

/// A capturing client with `source`, for the token requests (which carry no bearer).
async fn token_shape(client: Client, capture: RequestCapture) -> Vec<CapturedRequest> {
    let err = client.access_token().await.expect_err("captured");
    assert_eq!(err.status(), Some(599), "{err}");
    let requests = capture.take();
    assert!(requests.iter().all(|r| !r.authorized));
    requests
}

#[tokio::test]
async fn token_client_credentials() {
    let capture = RequestCapture::new();
    let client = builder(ApiVariant::ById)
        .auth_url("http://127.0.0.1:9")
        .token_source(ClientCredentials::new(
            "test-client-id",
            "test-client-secret",
        ))
        .capture(capture.clone())
        .build()
        .expect("client");
    snapshot!(
        "token_client_credentials",
        token_shape(client, capture).await
    );
}

#[tokio::test]
async fn token_partner_jwt_exchange() {
    let capture = RequestCapture::new();
    let exchange = PartnerJwtExchange::new("test-client-id", "test-client-secret", || async {
        Ok(AccessToken::new("test.partner.jwt"))
    });
    let client = builder(ApiVariant::ById)
        .auth_url("http://127.0.0.1:9")
        .token_source(exchange)
        .capture(capture.clone())
        .build()
        .expect("client");
    snapshot!(
        "token_partner_jwt_exchange",
        token_shape(client, capture).await
    );
}

#[tokio::test]
async fn token_connect() {
    let (client, capture) = capturing(ApiVariant::ById);
    let err = client.connect_token("slack").await.expect_err("captured");
    assert_eq!(err.status(), Some(599), "{err}");
    let requests = capture.take();
    snapshot!("token_connect", requests);
}

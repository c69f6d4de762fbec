//! Request-shape snapshots of operations that send more than one request (name / id
//! resolution, validated ensure, action runs, token then call), recorded by an httpmock server
//! on 127.0.0.1 that answers with the documents' example bodies.

mod common;

use futures::StreamExt;
use serde_json::{Map, json};
use zapier_embed::{
    ApiVariant, Error, LeaseOptions, auth::ClientCredentials, inboxes::EnsureOutcome,
    messages::AckHandle,
};

use common::*;

const A: &str = "/trigger-inbox/api/v1";

fn empty_lease_a() -> serde_json::Value {
    json!({"lease_id": null, "leased_until": null, "results": [],
           "inbox_attributes": {"status": "active", "paused_reason": null}})
}

#[tokio::test]
async fn by_id_resolves_a_name_once_with_the_list_filter() {
    let recorder = Recorder::start(vec![
        route(
            "GET",
            format!("{A}/inboxes"),
            200,
            json!({
                "count": 1, "next": null, "previous": null, "results": [inbox_json("active")]
            }),
        ),
        route(
            "POST",
            format!("{A}/inboxes/{INBOX_ID}/messages/lease"),
            200,
            empty_lease_a(),
        ),
    ])
    .await;
    let client = recorder.client(ApiVariant::ById);
    let messages = client.messages(by_name());
    let lease = messages
        .lease(LeaseOptions::default())
        .await
        .expect("lease");
    assert!(lease.is_empty());
    snapshot!("flow_by_id__resolve_name_then_lease", recorder.take());
    // The resolution is cached: the second lease sends one request.
    messages
        .lease(LeaseOptions::default())
        .await
        .expect("lease");
    assert_eq!(recorder.take().len(), 1);
}

#[tokio::test]
async fn by_name_resolves_an_id_with_the_by_id_get() {
    let recorder = Recorder::start(vec![
        route(
            "GET",
            format!("{A}/inboxes/{INBOX_ID}"),
            200,
            inbox_json("active"),
        ),
        route(
            "POST",
            format!("{A}/inboxes/{INBOX_NAME}/messages/lease/"),
            200,
            json!({"results": []}),
        ),
    ])
    .await;
    let client = recorder.client(ApiVariant::ByName);
    let lease = client
        .messages(by_id())
        .lease(LeaseOptions::default())
        .await
        .expect("lease");
    assert!(lease.is_empty());
    snapshot!("flow_by_name__resolve_id_then_lease", recorder.take());
}

#[tokio::test]
async fn by_name_events_resolve_the_id_and_parse_frames() {
    let stream = format!(
        ": keep-alive\n\ndata: {{\"inbox_id\":\"{INBOX_ID}\",\"count\":2}}\n\n: keep-alive\n\n"
    );
    let recorder = Recorder::start(vec![
        route(
            "GET",
            format!("{A}/inboxes/{INBOX_NAME}/"),
            200,
            inbox_json("active"),
        ),
        raw_route(
            "GET",
            format!("{A}/inboxes/{INBOX_ID}/events"),
            200,
            "text/event-stream",
            stream,
        ),
    ])
    .await;
    let client = recorder.client(ApiVariant::ByName);
    let events: Vec<_> = client.messages(by_name()).events().collect().await;
    assert_eq!(events.len(), 1, "{events:?}");
    let event = events[0].as_ref().expect("event");
    assert_eq!((event.inbox_id, event.count), (inbox_id(), 2));
    snapshot!("flow_by_name__events", recorder.take());
}

#[tokio::test]
async fn ensure_validated_fetches_fields_fills_defaults_then_ensures() {
    let fields = json!({"results": [
        {"key": "channel", "title": "Channel", "value_type": "STRING", "format": "SELECT", "is_required": true},
        {"key": "listen_for_bots", "title": "Trigger for Bot Messages?", "value_type": "BOOLEAN",
         "format": "SELECT", "is_required": false, "default_value": "no"}
    ]});
    for variant in ApiVariant::ALL {
        let ensure_path = match variant {
            ApiVariant::ByName => format!("{A}/inboxes/{INBOX_NAME}/"),
            _ => format!("{A}/inboxes"),
        };
        let recorder = Recorder::start(vec![
            route(
                "GET",
                format!("{A}/trigger-input-fields/"),
                200,
                fields.clone(),
            ),
            route("PUT", ensure_path, 201, inbox_json("initializing")),
        ])
        .await;
        let client = recorder.client(variant);
        let ensured = client
            .inboxes()
            .ensure_validated(INBOX_NAME, &subscription(), None)
            .await
            .expect("ensure");
        assert_eq!(ensured.outcome, EnsureOutcome::Created);
        snapshot!(
            format!("flow_{}__ensure_validated", variant_name(variant)),
            recorder.take()
        );

        // Bad inputs fail before the inbox request: only the field lookup was sent.
        let bad = zapier_embed::Subscription::new("SlackCLIAPI", "channel_message")
            .with_connection(CONNECTION)
            .with_input("listen_for_bots", 42);
        let err = client
            .inboxes()
            .ensure_validated(INBOX_NAME, &bad, None)
            .await
            .expect_err("invalid inputs");
        let fields: Vec<_> = err.field_errors().iter().map(|f| f.field.clone()).collect();
        assert_eq!(fields, ["channel", "listen_for_bots"], "{err}");
        let sent = recorder.take();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].method, "GET");
    }
}

#[tokio::test]
async fn action_run_looks_up_a_fresh_id_creates_and_polls() {
    let recorder = Recorder::start(vec![
        route("GET", "/v2/actions", 200, json!({"data": [
            {"id": "core:trigger-1", "key": "send_channel_message", "app": "81f613aa-c98a-4383-a5fc-195e68647217",
             "action_type": "READ", "title": "t", "description": "", "is_instant": false, "type": "action"},
            {"id": "core:fresh-2", "key": "send_channel_message", "app": "81f613aa-c98a-4383-a5fc-195e68647217",
             "action_type": "WRITE", "title": "Send Channel Message", "description": "", "is_instant": false, "type": "action"}
        ], "links": {"next": null, "prev": null}, "meta": {"count": 2, "limit": null, "offset": 0}})),
        route("POST", "/v2/action-runs", 200, json!({"data": {"type": "run", "id": "run-1"}})),
        route("GET", "/v2/action-runs/run-1", 200, json!({"data": {
            "type": "run", "status": "success", "results": [{"ts": "1700000000.0001"}], "errors": []
        }})),
    ])
    .await;
    let client = recorder.client(ApiVariant::ById);
    let mut inputs = Map::new();
    inputs.insert("channel".into(), json!("C0123ABC456"));
    inputs.insert("text".into(), json!("Hello"));
    let result = client
        .actions()
        .run("slack", "send_channel_message", Some(CONNECTION), inputs)
        .await
        .expect("run");
    assert_eq!(result.run_id, "run-1");
    assert_eq!(result.results[0]["ts"], "1700000000.0001");
    snapshot!("flow_actions_run", recorder.take());
}

#[tokio::test]
async fn action_run_with_a_callback_sends_its_url() {
    let recorder = Recorder::start(vec![
        route("GET", "/v2/actions", 200, json!({"data": [
            {"id": "core:fresh-3", "key": "send_channel_message", "app": "81f613aa-c98a-4383-a5fc-195e68647217",
             "action_type": "WRITE", "title": "Send Channel Message", "description": "", "is_instant": false, "type": "action"}
        ], "links": {"next": null, "prev": null}, "meta": {"count": 1, "limit": null, "offset": 0}})),
        route("POST", "/v2/action-runs", 200, json!({"data": {"type": "run", "id": "run-2"}})),
    ])
    .await;
    let client = recorder.client(ApiVariant::ById);
    let mut inputs = Map::new();
    inputs.insert("channel".into(), json!("C0123ABC456"));
    inputs.insert("text".into(), json!("Hello"));
    let callback =
        zapier_embed::actions::CallbackUrl::new("https://app.example.com/zapier/callbacks?k=1")
            .expect("a valid callback URL");
    let run = client
        .actions()
        .start_with_callback(
            "slack",
            "send_channel_message",
            Some(CONNECTION),
            inputs,
            &callback,
        )
        .await
        .expect("run");
    assert_eq!(run.id(), "run-2");
    snapshot!("flow_actions_run_with_callback", recorder.take());
}

#[tokio::test]
async fn client_credentials_token_then_call() {
    let recorder = Recorder::start(vec![
        route(
            "POST",
            "/oauth/token",
            200,
            json!({"access_token": "tok-1", "token_type": "Bearer", "expires_in": 3600}),
        ),
        route(
            "GET",
            format!("{A}/inboxes/{INBOX_ID}"),
            200,
            inbox_json("active"),
        ),
    ])
    .await;
    let client = builder(ApiVariant::ById)
        .api_url(recorder.url())
        .auth_url(recorder.url())
        .token_source(ClientCredentials::new(
            "test-client-id",
            "test-client-secret",
        ))
        .build()
        .expect("client");
    client.inboxes().get(&by_id()).await.expect("get");
    client.inboxes().get(&by_id()).await.expect("get");
    // One token request, two calls with it.
    snapshot!("flow_client_credentials_then_calls", recorder.take());
}

#[tokio::test]
async fn acks_are_split_per_lease_and_per_hundred() {
    let recorder = Recorder::start(vec![route(
        "POST",
        format!("{A}/inboxes/{INBOX_ID}/messages/ack"),
        201,
        json!({"acked_id": "019ce305-35be-764b-bcae-70ba567b7357", "results": []}),
    )])
    .await;
    let client = recorder.client(ApiVariant::ById);
    let lease = |lease_id: &str, i: u128| AckHandle::ById {
        inbox: inbox_id(),
        lease_id: uuid::Uuid::parse_str(lease_id).expect("uuid"),
        message_id: uuid::Uuid::from_u128(i).into(),
    };
    let mut handles: Vec<_> = (0..150).map(|i| lease(LEASE_ID, i)).collect();
    handles.push(lease(OTHER_LEASE_ID, 1_000));
    handles.push(lease(LEASE_ID, 0)); // a duplicate is sent once
    let report = client.messages(by_id()).ack(handles).await.expect("ack");
    assert_eq!(report.requests(), 3);
    assert_eq!(report.outcomes().len(), 151);
    assert_eq!(report.settled(), 151);
    let sizes: Vec<usize> = recorder
        .take()
        .iter()
        .map(|r| {
            r.body
                .as_ref()
                .and_then(|b| b["message_ids"].as_array())
                .map_or(0, Vec::len)
        })
        .collect();
    assert_eq!(sizes, [100, 50, 1]);
}

#[tokio::test]
async fn connections_are_read_across_pages() {
    let connection = |i: usize| {
        json!({"type": "authentication", "id": format!("conn-{i}"), "app": "81f613aa-c98a-4383-a5fc-195e68647217",
               "is_expired": i < 101, "title": format!("Slack {i}")})
    };
    let first: Vec<_> = (0..100).map(connection).collect();
    let second: Vec<_> = (100..103).map(connection).collect();
    let recorder = Recorder::start(vec![
        route("GET", "/v2/authentications", 200, json!({"data": first,
            "links": {"next": "https://api.zapier.com/v2/authentications?app=slack&limit=100&offset=100", "prev": null},
            "meta": {"count": 103, "limit": 100, "offset": 0}}))
        .when_query("offset=0"),
        route("GET", "/v2/authentications", 200, json!({"data": second,
            "links": {"next": null, "prev": null}, "meta": {"count": 103, "limit": 100, "offset": 100}}))
        .when_query("offset=100"),
    ])
    .await;
    let client = recorder.client(ApiVariant::ById);
    let valid = client
        .connections()
        .first_valid("slack")
        .await
        .expect("list");
    assert_eq!(valid.map(|c| c.id).as_deref(), Some("conn-101"));
    let queries: Vec<_> = recorder
        .take()
        .into_iter()
        .filter_map(|r| r.query)
        .collect();
    assert_eq!(
        queries,
        [
            "app=slack&limit=100&offset=0",
            "app=slack&limit=100&offset=100"
        ]
    );
}

#[tokio::test]
async fn invalid_arguments_fail_before_any_request() {
    let (client, capture) = capturing(ApiVariant::ById);
    let inboxes = client.inboxes();
    let long = "x".repeat(101);
    for err in [
        inboxes
            .ensure("", &subscription(), None)
            .await
            .expect_err("empty name"),
        inboxes
            .ensure(&long, &subscription(), None)
            .await
            .expect_err("long name"),
        inboxes
            .ensure(INBOX_NAME, &subscription(), Some("not a url"))
            .await
            .expect_err("bad url"),
        inboxes
            .ensure_validated("", &subscription(), None)
            .await
            .expect_err("empty name"),
    ] {
        assert!(matches!(err, Error::Validation { .. }), "{err}");
    }
    // A variant A message id must be a uuid.
    let handle = AckHandle::ById {
        inbox: inbox_id(),
        lease_id: inbox_id(),
        message_id: "msg_abc123".into(),
    };
    let err = client
        .messages(by_id())
        .ack([handle])
        .await
        .expect_err("not a uuid");
    assert_eq!(err.field_errors()[0].field, "message_ids");
    assert!(capture.take().is_empty(), "nothing may be sent");
}

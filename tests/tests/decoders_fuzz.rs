//! Arbitrary bytes into every response decoder the facade uses (lease of both variants, ack,
//! inbox, list pages, the event stream, the token endpoint, action runs), served by the hostile
//! server over real HTTP: the client answers an error or a value, and never panics.
//!
//! A bounded loop with a fixed seed (reproducible): random bytes, and valid documents mutated
//! (truncated, bytes flipped, absurd numbers and deep nesting spliced in).

mod common;

use std::time::Duration;

use futures::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use zapier_embed::{
    ApiVariant, Client, InboxName, InboxRef, LeaseOptions, inboxes::InboxFilter,
    messages::AckHandle, retry::RetryPolicy,
};
use zapier_embed_tests::hostile::{HostileServer, Reply};

use common::{INBOX_ID, INBOX_NAME, LEASE_ID, MESSAGE_1, inbox_id, inbox_json};

const A: &str = "/trigger-inbox/api/v1";
const ITERATIONS: usize = 500;

/// Valid documents of every decoded shape, the seeds of the mutations.
fn documents() -> Vec<Vec<u8>> {
    let message = json!({"id": MESSAGE_1, "created_at": "2026-03-12T16:59:47.185Z",
        "status": "leased", "lease_token": "lt_1", "payload": {"k": [1, 2.5, null]},
        "message_attributes": {"lease_count": 1, "error_message": null,
                               "possible_duplicate_data": false}});
    [
        json!({"lease_id": LEASE_ID, "leased_until": "2026-03-12T17:00:47.185Z",
               "results": [message.clone()],
               "inbox_attributes": {"status": "active", "paused_reason": null}}),
        json!({"results": [message.clone(), message.clone()]}),
        json!({"acked_id": LEASE_ID, "results": [message.clone()]}),
        inbox_json("active"),
        json!({"count": 1, "next": "/x?cursor=abc&offset=5", "previous": null,
               "results": [inbox_json("paused")]}),
        json!({"next": "/x?cursor=abc", "previous": null, "results": [message]}),
        json!({"access_token": "t", "token_type": "Bearer", "expires_in": 3600}),
        json!({"data": {"type": "run", "id": "run-1", "status": "error",
               "errors": [{"code": "throttled", "title": "x", "detail": "y", "delay": 1e300,
                           "meta": {"a": 1}}], "results": [{"a": 1}]}}),
    ]
    .iter()
    .map(|d| d.to_string().into_bytes())
    .chain([b"data: {\"count\": 3}\n\n: keep-alive\ndata: {\"count\":\n\n".to_vec()])
    .collect()
}

const SPLICES: &[&str] = &[
    "18446744073709551616",
    "-9223372036854775809",
    "1e999",
    "-0.0",
    "null",
    "\"\\u0000\\ud800\"",
    "\"\"",
    "{}",
    "[]",
    "\"9999-12-31T23:59:59Z\"",
    "\"-262144-01-01T00:00:00Z\"",
];

fn fuzzed(rng: &mut StdRng, documents: &[Vec<u8>]) -> Vec<u8> {
    if rng.random_bool(0.3) {
        let len = rng.random_range(0..512);
        return (0..len).map(|_| rng.random()).collect();
    }
    let mut bytes = documents[rng.random_range(0..documents.len())].clone();
    for _ in 0..rng.random_range(1..4) {
        let at = rng.random_range(0..=bytes.len());
        match rng.random_range(0..4) {
            0 => bytes.truncate(at),
            1 => {
                if let Some(b) = bytes.get_mut(at) {
                    *b = rng.random();
                }
            }
            2 => {
                let splice = SPLICES[rng.random_range(0..SPLICES.len())];
                bytes.splice(at..at, splice.bytes());
            }
            _ => {
                let depth = rng.random_range(1..300);
                let nest = "[".repeat(depth);
                bytes.splice(at..at, nest.bytes());
            }
        }
    }
    bytes
}

fn client(server: &HostileServer, variant: ApiVariant) -> Client {
    Client::builder()
        .api_url(server.base_url())
        .auth_url(server.base_url())
        .variant(variant)
        .client_credentials("id", "client-secret-fuzz")
        .retry_policy(RetryPolicy::no_retries())
        .max_pages(3)
        .build()
        .expect("client")
}

/// Runs every decoder once against whatever the server currently answers; any outcome but a
/// panic is fine.
async fn exercise(by_id: &Client, by_name: &Client) {
    let _ = by_id.access_token().await;
    let _ = by_id
        .messages(InboxRef::Id(inbox_id()))
        .lease(LeaseOptions::default())
        .await;
    let _ = by_name
        .messages(InboxRef::name(INBOX_NAME).expect("name"))
        .lease(LeaseOptions::default())
        .await;
    let _ = by_id
        .messages(InboxRef::Id(inbox_id()))
        .ack([AckHandle::ById {
            inbox: inbox_id(),
            lease_id: LEASE_ID.parse().expect("uuid"),
            message_id: MESSAGE_1.into(),
        }])
        .await;
    let _ = by_name
        .messages(InboxRef::name(INBOX_NAME).expect("name"))
        .release([AckHandle::ByName {
            inbox: InboxName::new(INBOX_NAME).expect("name"),
            lease_token: "lt_1".into(),
        }])
        .await;
    let _ = by_id.inboxes().get(&InboxRef::Id(inbox_id())).await;
    let _: Vec<_> = by_id.inboxes().list(InboxFilter::new()).collect().await;
    let _: Vec<_> = by_id
        .messages(InboxRef::Id(inbox_id()))
        .list()
        .collect()
        .await;
    let _: Vec<_> = by_id
        .messages(InboxRef::Id(inbox_id()))
        .events()
        .take(5)
        .collect()
        .await;
    if let Ok(run) = by_id
        .actions()
        .start("a", "send", None, serde_json::Map::new())
        .await
    {
        let _ = run.wait(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn arbitrary_answers_never_panic_a_decoder() {
    tokio::time::timeout(Duration::from_secs(300), async {
        let server = HostileServer::start().await;
        let by_id = client(&server, ApiVariant::ById);
        let by_name = client(&server, ApiVariant::ByName);
        let documents = documents();
        let mut rng = StdRng::seed_from_u64(0x5eed_2026);
        let actions = Reply::json(
            200,
            json!({"data": [{"id": "core:1", "key": "send", "app": "a", "action_type": "write",
                             "title": "t", "description": "", "is_instant": false,
                             "type": "action"}]}),
        );
        for i in 0..ITERATIONS {
            let body = fuzzed(&mut rng, &documents);
            let status = [200, 201, 200, 400, 409, 429, 500][rng.random_range(0..7)];
            let content_type = if i % 5 == 0 {
                "text/event-stream"
            } else {
                "application/json"
            };
            server.on_any(Reply::raw(status, content_type, body));
            // Half the time the run is created, so the run-status decoder is reached too.
            server.on("GET", "/v2/actions", actions.clone());
            if i % 2 == 0 {
                server.on(
                    "POST",
                    "/v2/action-runs",
                    Reply::json(200, json!({"data": {"type": "run", "id": "run-1"}})),
                );
            } else {
                server.on("POST", "/v2/action-runs", Reply::garbage());
            }
            // The token endpoint answers sometimes a token, so authenticated decoders run.
            if i % 3 != 0 {
                server.on("POST", "/oauth/token", Reply::token("fuzz-token", 3600));
            } else {
                server.on(
                    "POST",
                    "/oauth/token",
                    Reply::raw(200, "application/json", fuzzed(&mut rng, &documents)),
                );
            }
            exercise(&by_id, &by_name).await;
        }
        let requests = server.requests();
        for path in [
            format!("{A}/inboxes/{INBOX_ID}/messages/lease"),
            format!("{A}/inboxes/{INBOX_NAME}/messages/lease/"),
            format!("{A}/inboxes/{INBOX_ID}/messages/ack"),
            format!("{A}/inboxes/{INBOX_ID}"),
            format!("{A}/inboxes"),
            format!("{A}/inboxes/{INBOX_ID}/messages"),
            format!("{A}/inboxes/{INBOX_ID}/events"),
            "/oauth/token".to_owned(),
            "/v2/action-runs/run-1".to_owned(),
        ] {
            assert!(
                requests.iter().any(|r| r.path == path),
                "the decoder of {path} was reached"
            );
        }
    })
    .await
    .expect("bounded");
}

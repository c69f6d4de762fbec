//! The client against a hostile or broken server (`zapier_embed_tests::hostile`): credentials
//! never leave their origin, every read is bounded, no arithmetic panics, the caller's budget
//! wins, and client-detectable mistakes are refused before any request.
//!
//! Every network test is bounded by a generous outer timeout that fails it instead of hanging;
//! no test asserts how long anything took.

#[path = "../common/mod.rs"]
mod common;

mod arithmetic_and_budget;
mod credentials;
mod reads;
mod refusals;

use std::future::Future;
use std::time::Duration;

use futures::StreamExt;
use serde_json::json;
use zapier_embed::{
    ApiVariant, Client, ClientBuilder, Error, InboxName, InboxRef, LeaseOptions, Subscription,
    auth::AccessToken, auth::ClientCredentials, auth::PartnerJwtExchange, inboxes::InboxFilter,
    retry::RetryPolicy,
};
use zapier_embed_tests::hostile::{HostileServer, Reply, Script};

use common::{INBOX_ID, LogBuffer, by_id, inbox_json};

/// Every network test is bounded by this; hitting it fails the test instead of hanging.
const OUTER: Duration = Duration::from_secs(60);
const A: &str = "/trigger-inbox/api/v1";
const CLIENT_SECRET: &str = "client-secret-hostile-0001";
const ACCESS_TOKEN: &str = "access-token-hostile-0002";
const ASSERTION: &str = "partner.jwt-assertion.hostile-0003";
const CONNECT_TOKEN: &str = "connect-token-hostile-0004";

async fn bounded<T>(work: impl Future<Output = T>) -> T {
    tokio::time::timeout(OUTER, work)
        .await
        .expect("the test finished within its outer timeout")
}

/// A client against `server` for both the API and the token endpoint, never retrying (so each
/// test sees one answer per call), with the given credentials set by the caller.
fn against(server: &HostileServer) -> ClientBuilder {
    Client::builder()
        .api_url(server.base_url())
        .auth_url(server.base_url())
        .connect_url(server.base_url())
        .variant(ApiVariant::ById)
        .retry_policy(RetryPolicy::no_retries())
}

fn inbox_path() -> String {
    format!("{A}/inboxes/{INBOX_ID}")
}

fn assert_no_secret(texts: &[String], secrets: &[&str]) {
    for text in texts {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret:?} leaked in: {text}");
        }
    }
}

// ----- the harness itself ----------------------------------------------------------------------

#[tokio::test]
async fn the_harness_scripts_sequences_records_requests_and_streams_endlessly() {
    bounded(async {
        let server = HostileServer::start().await;
        server.on(
            "POST",
            "/x",
            Script::new()
                .times(1, Reply::garbage())
                .then(Reply::endless_body(200)),
        );
        let http = reqwest::Client::new();
        let first = http
            .post(server.url("/x?q=1"))
            .body("hello")
            .send()
            .await
            .unwrap();
        assert_eq!(first.status(), 200);
        let mut second = http.post(server.url("/x")).send().await.unwrap();
        let mut received = 0usize;
        while received < 1024 * 1024 {
            received += second.chunk().await.unwrap().expect("endless").len();
        }
        let missing = http.get(server.url("/nothing")).send().await.unwrap();
        assert_eq!(missing.status(), 404);
        let requests = server.requests();
        assert_eq!(requests.len(), 3);
        assert_eq!(requests[0].body, "hello");
        assert_eq!(requests[0].query.as_deref(), Some("q=1"));
        assert_eq!(server.requests_to("/x").len(), 2);
    })
    .await;
}

//! The client against a hostile or broken server (`zapier_embed_tests::hostile`): credentials
//! never leave their origin, every read is bounded, no arithmetic panics, the caller's budget
//! wins, and client-detectable mistakes are refused before any request.

use std::time::Duration;

use zapier_embed_tests::hostile::{HostileServer, Reply, Script};

/// Every network test is bounded by this; hitting it fails the test instead of hanging.
const OUTER: Duration = Duration::from_secs(60);

// ----- the harness itself ----------------------------------------------------------------------

#[tokio::test]
async fn the_harness_scripts_sequences_records_requests_and_streams_endlessly() {
    tokio::time::timeout(OUTER, async {
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
    .await
    .expect("bounded");
}

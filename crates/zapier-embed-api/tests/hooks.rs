//! The hand-written hooks: bearer header and request capture.

use secrecy::SecretString;
use zapier_embed_api::{CapturedBody, ClientState, RequestCapture, by_id, oauth};

#[tokio::test]
async fn capture_records_the_request_and_sends_nothing() {
    let capture = RequestCapture::new();
    let state = ClientState::default()
        .with_bearer(SecretString::from("s3cret-token"))
        .with_capture(capture.clone());
    // Port 9 on loopback: if the request were really sent it would fail to connect, not answer 599.
    let client = by_id::Client::new("http://127.0.0.1:9/trigger-inbox/api/v1", state);
    let result = client
        .lease_trigger_inbox_messages()
        .inbox_id(uuid::Uuid::nil())
        .body(by_id::types::LeaseRequest::builder().lease_limit(5))
        .send()
        .await;
    assert_eq!(result.unwrap_err().status().map(|s| s.as_u16()), Some(599));

    let requests = capture.take();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.operation, "lease_trigger_inbox_messages");
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.path,
        "/trigger-inbox/api/v1/inboxes/00000000-0000-0000-0000-000000000000/messages/lease"
    );
    assert!(request.authorized);
    assert!(!request.headers.contains_key("authorization"));
    assert_eq!(
        request.body,
        Some(CapturedBody::Json(
            serde_json::json!({"lease_limit": 5, "lease_seconds": 300})
        ))
    );
    let debug = format!("{requests:?}");
    assert!(!debug.contains("s3cret-token"), "{debug}");
}

#[tokio::test]
async fn form_bodies_are_captured_as_pairs() {
    let capture = RequestCapture::new();
    let client = oauth::Client::new(
        "http://127.0.0.1:9",
        ClientState::default().with_capture(capture.clone()),
    );
    let _ = client
        .oauth_token()
        .body(
            oauth::types::TokenRequest::builder()
                .grant_type("client_credentials")
                .client_id(Some("id".to_string()))
                .scope(Some("external".to_string())),
        )
        .send()
        .await;
    let request = capture.take().remove(0);
    assert_eq!(request.path, "/oauth/token");
    assert_eq!(
        request.body,
        Some(CapturedBody::Form(vec![
            ("client_id".into(), "id".into()),
            ("grant_type".into(), "client_credentials".into()),
            ("scope".into(), "external".into()),
        ]))
    );
    assert!(!request.authorized);
}

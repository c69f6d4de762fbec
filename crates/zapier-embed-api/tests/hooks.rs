//! The hand-written hooks: bearer header and request recording.

use std::sync::{Arc, Mutex};

use secrecy::SecretString;
use zapier_embed_api::{ClientState, RequestRecorder, by_id, oauth};

/// What a test keeps of each request handed to the recorder.
#[derive(Debug)]
struct Seen {
    operation: String,
    method: String,
    path: String,
    authorization: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
}

#[derive(Default)]
struct Recorder(Mutex<Vec<Seen>>);

impl RequestRecorder for Recorder {
    fn record(&self, operation: &str, request: &reqwest::Request) {
        let header = |name: &str| {
            request
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        self.0.lock().unwrap().push(Seen {
            operation: operation.to_owned(),
            method: request.method().to_string(),
            path: request.url().path().to_owned(),
            authorization: header("authorization"),
            content_type: header("content-type"),
            body: request
                .body()
                .and_then(|b| b.as_bytes())
                .unwrap_or_default()
                .to_vec(),
        });
    }
}

impl Recorder {
    fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

#[tokio::test]
async fn a_recorder_gets_the_request_and_nothing_is_sent() {
    let recorder = Arc::new(Recorder::default());
    let state = ClientState::default()
        .with_bearer(SecretString::from("s3cret-token"))
        .with_capture(recorder.clone());
    assert!(!format!("{state:?}").contains("s3cret-token"));
    // Port 9 on loopback: if the request were really sent it would fail to connect, not answer 599.
    let client = by_id::Client::new("http://127.0.0.1:9/trigger-inbox/api/v1", state);
    let result = client
        .lease_trigger_inbox_messages()
        .inbox_id(uuid::Uuid::nil())
        .body(by_id::types::LeaseRequest::builder().lease_limit(5))
        .send()
        .await;
    assert_eq!(result.unwrap_err().status().map(|s| s.as_u16()), Some(599));

    let requests = recorder.take();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.operation, "lease_trigger_inbox_messages");
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.path,
        "/trigger-inbox/api/v1/inboxes/00000000-0000-0000-0000-000000000000/messages/lease"
    );
    // The recorder sees the request as it would have gone out, bearer set by the `pre` hook.
    assert_eq!(
        request.authorization.as_deref(),
        Some("Bearer s3cret-token")
    );
    assert_eq!(request.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&request.body).unwrap(),
        serde_json::json!({"lease_limit": 5, "lease_seconds": 300})
    );
}

#[tokio::test]
async fn form_bodies_reach_the_recorder_encoded() {
    let recorder = Arc::new(Recorder::default());
    let client = oauth::Client::new(
        "http://127.0.0.1:9",
        ClientState::default().with_capture(recorder.clone()),
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
    let request = recorder.take().remove(0);
    assert_eq!(request.operation, "oauth_token");
    assert_eq!(request.path, "/oauth/token");
    assert_eq!(
        request.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        String::from_utf8(request.body).unwrap(),
        "client_id=id&grant_type=client_credentials&scope=external"
    );
    assert_eq!(request.authorization, None);
}

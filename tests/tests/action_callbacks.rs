//! Action runs without polling (feature `webhook`): the emulator calls back a real axum receiver
//! of the facade on 127.0.0.1, which verifies the signature against the emulator's key set and
//! hands the result to the waiting run; forged, malformed and oversized callbacks are refused.

mod live;

use std::time::Duration;

use serde_json::{Map, Value, json};
use zapier_embed::actions::{
    CallbackReceiver, CallbackUrl, RunErrorCode, RunHandle, SIGNATURE_HEADER,
};
use zapier_embed::{ApiVariant, Client, Error};
use zapier_embed_emulator::{Emulator, EmulatorHandle};

use live::{builder_for, slack_connection, stats};

/// Outer bound of each test; reaching it fails the test.
const PATIENCE: Duration = Duration::from_secs(60);
/// Long enough that, within [`PATIENCE`], a result can only have come through the callback.
const NO_FALLBACK: Duration = Duration::from_secs(600);
/// The receiver's body limit in these tests.
const MAX_BODY: usize = 64 * 1024;

struct Setup {
    emulator: EmulatorHandle,
    client: Client,
    receiver: CallbackReceiver,
    /// The URL the receiver's router is served at.
    url: String,
}

async fn setup() -> Setup {
    let emulator = Emulator::builder()
        .activation_delay(Duration::ZERO)
        .action_run_delay(Duration::from_millis(100))
        .allow_loopback_callbacks()
        .start()
        .await
        .expect("start emulator on 127.0.0.1");
    let client = builder_for(&emulator, ApiVariant::ById)
        .build()
        .expect("client");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/zapier/callbacks",
        listener.local_addr().expect("addr")
    );
    let receiver = CallbackReceiver::builder(
        CallbackUrl::loopback_for_tests(&url).expect("a loopback callback URL"),
    )
    .jwks_url_loopback_for_tests(&format!("{}/.well-known/jwks.json", emulator.base_url()))
    .max_body_bytes(MAX_BODY)
    .fallback_poll_after(NO_FALLBACK)
    .build()
    .expect("receiver");
    let app = axum::Router::new().nest("/zapier/callbacks", receiver.router());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Setup {
        emulator,
        client,
        receiver,
        url,
    }
}

fn inputs(text: Option<&str>) -> Map<String, Value> {
    let mut inputs = Map::new();
    inputs.insert("channel".into(), json!("C0123ABC456"));
    if let Some(text) = text {
        inputs.insert("text".into(), json!(text));
    }
    inputs
}

async fn start_run(s: &Setup, inputs: Map<String, Value>) -> RunHandle {
    let connection = slack_connection(&s.client).await;
    s.client
        .actions()
        .start_with_callback(
            "slack",
            "send_channel_message",
            Some(connection.id.as_str()),
            inputs,
            s.receiver.url(),
        )
        .await
        .expect("run created")
}

#[tokio::test]
async fn the_callback_resolves_the_run_with_what_a_get_of_the_run_shows() {
    tokio::time::timeout(PATIENCE, async {
        let s = setup().await;

        let run = start_run(&s, inputs(Some("Hello"))).await;
        let called_back = run
            .wait_for_callback(&s.receiver, NO_FALLBACK)
            .await
            .expect("the run succeeded");
        let polled = run.wait(Duration::from_secs(30)).await.expect("GET");
        assert_eq!(called_back, polled);
        assert_eq!(called_back.results[0]["text"], "Hello");

        // A failed run: the typed errors, as polling reports them.
        let run = start_run(&s, inputs(None)).await;
        let called_back = run.wait_for_callback(&s.receiver, NO_FALLBACK).await;
        let polled = run.wait(Duration::from_secs(30)).await;
        let (
            Err(Error::ActionRunFailed { errors: a, .. }),
            Err(Error::ActionRunFailed { errors: b, .. }),
        ) = (called_back, polled)
        else {
            panic!("both ways report the failed run");
        };
        assert_eq!(a, b);
        assert_eq!(a[0].code, RunErrorCode::User);

        // `run_with_callback`: start and wait in one call.
        let connection = slack_connection(&s.client).await;
        let result = s
            .client
            .actions()
            .run_with_callback(
                "slack",
                "send_channel_message",
                Some(connection.id.as_str()),
                inputs(Some("Again")),
                &s.receiver,
            )
            .await
            .expect("the run succeeded");
        assert_eq!(result.results[0]["text"], "Again");
        assert_eq!(stats(&s.emulator).callback_retries, 0);
    })
    .await
    .expect("within the test's bound");
}

/// A compact JWT from raw header and claims JSON and a raw signature.
fn jwt(header: &Value, claims: &Value, signature: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.{}",
        b64.encode(header.to_string()),
        b64.encode(claims.to_string()),
        b64.encode(signature)
    )
}

#[tokio::test]
async fn forged_malformed_and_oversized_callbacks_are_refused() {
    tokio::time::timeout(PATIENCE, async {
        let s = setup().await;
        let http = reqwest::Client::new();
        let jwks: Value = http
            .get(format!("{}/.well-known/jwks.json", s.emulator.base_url()))
            .send()
            .await
            .expect("jwks")
            .json()
            .await
            .expect("jwks JSON");
        let kid = jwks["keys"][0]["kid"].as_str().expect("kid").to_owned();
        let modulus = jwks["keys"][0]["n"].as_str().expect("n").to_owned();

        // A run waiting for its callback; every forgery below names it.
        let run = start_run(&s, inputs(Some("Hello"))).await;
        let payload = json!({"data": {"type": "run", "id": run.id(), "status": "success",
            "results": [{"text": "forged"}], "errors": []}})
        .to_string();
        let now = chrono::Utc::now().timestamp();
        let claims = json!({"iat": now, "exp": now + 300});
        let hs256 = jsonwebtoken::encode(
            &jsonwebtoken::Header {
                kid: Some(kid.clone()),
                ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256)
            },
            &claims,
            // Algorithm confusion: the public key's modulus as an HMAC secret.
            &jsonwebtoken::EncodingKey::from_secret(modulus.as_bytes()).expect("HMAC key"),
        )
        .expect("HS256 token");
        let forgeries = [
            None,
            Some("not-a-jwt".to_owned()),
            Some(jwt(&json!({"alg": "none", "typ": "JWT"}), &claims, b"")),
            Some(hs256),
            Some(jwt(
                &json!({"alg": "RS256", "typ": "JWT", "kid": kid}),
                &claims,
                &[7u8; 256],
            )),
            Some(jwt(
                &json!({"alg": "RS256", "typ": "JWT", "kid": "unknown-key"}),
                &claims,
                &[7u8; 256],
            )),
        ];
        for signature in forgeries {
            let mut request = http.post(&s.url).body(payload.clone());
            if let Some(sig) = &signature {
                request = request.header(SIGNATURE_HEADER, sig);
            }
            let status = request.send().await.expect("POST").status().as_u16();
            assert_eq!(status, 401, "{signature:?}");
        }

        let post = |body: Vec<u8>| {
            http.post(&s.url)
                .header(SIGNATURE_HEADER, "a.b.c")
                .body(body)
                .send()
        };
        let status = post(b"{\"data\": [".to_vec()).await.expect("POST").status();
        assert_eq!(status.as_u16(), 400, "malformed JSON");
        let status = post(vec![b' '; MAX_BODY + 1]).await.expect("POST").status();
        assert_eq!(status.as_u16(), 413, "over the body limit");

        // None of it resolved the run: the genuine callback does, with the genuine result.
        let result = run
            .wait_for_callback(&s.receiver, NO_FALLBACK)
            .await
            .expect("the genuine callback");
        assert_eq!(result.results[0]["text"], "Hello");
    })
    .await
    .expect("within the test's bound");
}

//! No secret in any `Debug` output, error, or captured log: client secrets, partner JWTs,
//! access tokens (before and after a refresh), connect tokens and Connect UI URLs.

mod common;

use std::time::Duration;

use serde_json::json;
use zapier_embed::{
    ApiVariant, Client, ClientBuilder, Error, InboxRef, LeaseOptions, Subscription,
    auth::AccessToken, auth::ClientCredentials, auth::PartnerJwtExchange, auth::StaticToken,
    auth::Token,
};
use zapier_embed_emulator::{Emulator, EmulatorHandle};

use common::LogBuffer;

const CLIENT_SECRET: &str = "client-secret-must-not-leak";
const BOGUS_TOKEN: &str = "bogus-token-must-not-leak";

fn builder(handle: &EmulatorHandle) -> ClientBuilder {
    Client::builder()
        .api_url(handle.base_url())
        .auth_url(handle.base_url())
        .connect_url(handle.base_url())
        .variant(ApiVariant::ById)
        .retry_policy(
            zapier_embed::retry::RetryPolicy::default()
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(20)),
        )
}

fn partner_jwt() -> String {
    let now = chrono::Utc::now().timestamp();
    let part = |v: serde_json::Value| {
        v.to_string()
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    // Not base64: the emulator must reject it, so the error path is logged too.
    format!(
        "{}.{}.sig",
        part(json!({"alg": "RS256"})),
        part(json!({"sub": "u", "exp": now + 300}))
    )
}

// The subscriber is set for the current thread only, so the test runs on one thread.
#[tokio::test(flavor = "current_thread")]
async fn no_secret_in_debug_output_errors_or_logs() {
    let (buffer, _guard) = LogBuffer::capture();

    let handle = Emulator::builder()
        .activation_delay(Duration::ZERO)
        .start()
        .await
        .expect("emulator");
    let credentials = ClientCredentials::new("test-client", CLIENT_SECRET);
    let client = builder(&handle)
        .token_source(credentials.clone())
        .build()
        .expect("client");
    let mut secrets = vec![CLIENT_SECRET.to_owned(), BOGUS_TOKEN.to_owned()];
    let mut debug = vec![
        format!("{client:?}"),
        format!("{credentials:?}"),
        format!("{:?}", builder(&handle).token_source(credentials.clone())),
    ];

    // A full flow, with a refresh after the emulator's clock passes the token's expiry.
    let hook = Subscription::new("webhook", "hook_v2")
        .with_input("_zap_static_hook_code", "a1b2c3d4e5f6")
        .with_input("_zap_static_hook_seed", "0f1e2d3c4b5a");
    client
        .inboxes()
        .ensure("hooks", &hook, None)
        .await
        .expect("ensure");
    secrets.push(
        client
            .access_token()
            .await
            .expect("token")
            .expose_secret()
            .to_owned(),
    );
    handle.emulator().advance_clock(Duration::from_secs(3601));
    let inbox = InboxRef::name("hooks").expect("name");
    let lease = client
        .messages(inbox.clone())
        .lease(LeaseOptions::default())
        .await
        .expect("lease");
    secrets.push(
        client
            .access_token()
            .await
            .expect("token")
            .expose_secret()
            .to_owned(),
    );
    let report = client.messages(inbox).ack_lease(&lease).await.expect("ack");
    debug.push(format!("{lease:?} {report:?}"));

    // A retried 503.
    let control = handle.control().expect("control client");
    let always_503 = json!({"route": "/trigger-inbox/", "error_rate": 1.0, "error_status": 503});
    control
        .add_fault(&serde_json::from_value(always_503).expect("a fault rule"))
        .await
        .expect("fault");
    let err = client.triggers().list("webhook").await.expect_err("503");
    debug.push(format!("{err:?} {err}"));
    control.clear_faults().await.expect("clear faults");

    // Connect token and URL.
    let connect = client.connect_token("slack").await.expect("connect token");
    let url = client.connect_url("slack", &connect);
    secrets.push(connect.expose_secret().to_owned());
    debug.push(format!("{connect:?} {connect} {url:?} {url}"));

    // Rejected credentials: a bogus static token, a bad client secret, a bad partner JWT.
    let bogus = builder(&handle)
        .access_token(BOGUS_TOKEN)
        .build()
        .expect("client");
    let err = bogus
        .inboxes()
        .get(&InboxRef::name("hooks").expect("name"))
        .await
        .expect_err("401");
    debug.push(format!("{err:?} {err} {bogus:?}"));
    let wrong = Emulator::builder()
        .client("test-client", "the-right-one")
        .start()
        .await
        .expect("emulator");
    let rejected = builder(&wrong)
        .token_source(credentials.clone())
        .build()
        .expect("client");
    let err = rejected
        .triggers()
        .list("slack")
        .await
        .expect_err("invalid_client");
    assert!(matches!(err, Error::AuthenticationFailed { .. }), "{err}");
    debug.push(format!("{err:?} {err}"));
    let jwt = partner_jwt();
    secrets.push(jwt.clone());
    let jwt_for_closure = jwt.clone();
    let exchange = PartnerJwtExchange::new("test-client", CLIENT_SECRET, move || {
        let jwt = jwt_for_closure.clone();
        async move { Ok(AccessToken::new(jwt)) }
    });
    debug.push(format!("{exchange:?}"));
    let exchanged = builder(&handle)
        .token_source(exchange)
        .build()
        .expect("client");
    let err = exchanged
        .triggers()
        .list("slack")
        .await
        .expect_err("invalid_grant");
    debug.push(format!("{err:?} {err}"));

    // The token types themselves.
    let token = Token::new(AccessToken::new(BOGUS_TOKEN)).expires_in(Duration::from_secs(60));
    debug.push(format!(
        "{token:?} {:?}",
        StaticToken::new(AccessToken::new(BOGUS_TOKEN))
    ));

    let log = buffer.text();
    assert!(log.contains("zapier_embed.call"), "spans are logged: {log}");
    assert!(log.contains("retrying"), "retries are logged: {log}");
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "the log leaks {secret:?}:\n{log}"
        );
        for text in &debug {
            assert!(!text.contains(secret.as_str()), "{text} leaks {secret:?}");
        }
    }
    wrong.shutdown().await;
    handle.shutdown().await;
}

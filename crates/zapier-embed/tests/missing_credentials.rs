//! A configuration that names an emulator and no credentials, against an emulator started with a
//! fixed client: the token endpoint refuses the placeholder client, and the error says that no
//! credentials were configured (naming the variables) rather than "unknown client".

// Tests fail by panicking: `unwrap`, `expect` and `panic!` are their assertions (the crate
// denies them in library code, see `[workspace.lints.clippy]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use zapier_embed::{Client, Error};
use zapier_embed_emulator::{Emulator, EmulatorHandle};

/// Every call in these tests ends here at the latest; a test that gets there fails.
const PATIENCE: Duration = Duration::from_secs(30);

async fn emulator_with_one_client() -> EmulatorHandle {
    Emulator::builder()
        .client("known-client", "known-secret")
        .start()
        .await
        .expect("start the emulator")
}

/// A client from these variables plus `ZAPIER_EMULATOR_HOST` naming `handle`.
fn client_from_env(handle: &EmulatorHandle, vars: &[(&str, &str)]) -> Client {
    let host = handle.addr().to_string();
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .chain([("ZAPIER_EMULATOR_HOST".to_owned(), host)])
        .collect();
    Client::from_env_with(|key| vars.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
        .expect("client")
}

#[tokio::test]
async fn the_refused_placeholder_client_says_no_credentials_are_configured() {
    let handle = emulator_with_one_client().await;
    let client = client_from_env(&handle, &[]);
    let err = tokio::time::timeout(PATIENCE, client.connections().list("slack"))
        .await
        .expect("in time")
        .expect_err("the emulator knows only its own client");
    assert!(err.is_missing_credentials(), "{err:?}");
    assert!(matches!(err, Error::MissingCredentials { .. }), "{err:?}");
    assert!(
        !err.should_refresh_token() && !err.is_retryable(),
        "{err:?}"
    );
    // The server's answer stays in the context; the message names what to set.
    assert_eq!(err.status(), Some(401), "{err}");
    assert_eq!(err.code(), Some("invalid_client"), "{err}");
    let message = err.to_string();
    for expected in [
        "no credentials are configured",
        "ZAPIER_CLIENT_ID",
        "ZAPIER_CLIENT_SECRET",
        "ZAPIER_ACCESS_TOKEN",
        &format!("http://{}/oauth/token", handle.addr()),
    ] {
        assert!(message.contains(expected), "{expected:?} in {message}");
    }
    assert!(!message.contains("Unknown client"), "{message}");
}

#[tokio::test]
async fn wrong_credentials_the_user_gave_keep_the_servers_answer() {
    let handle = emulator_with_one_client().await;
    let client = client_from_env(
        &handle,
        &[
            ("ZAPIER_CLIENT_ID", "known-client"),
            ("ZAPIER_CLIENT_SECRET", "wrong-secret"),
        ],
    );
    let err = tokio::time::timeout(PATIENCE, client.access_token())
        .await
        .expect("in time")
        .expect_err("a wrong secret");
    assert!(matches!(err, Error::AuthenticationFailed { .. }), "{err:?}");
    assert!(!err.is_missing_credentials(), "{err:?}");
    assert!(!err.to_string().contains("wrong-secret"), "{err}");
    // The right ones get a token: the placeholder is used only when none are configured.
    let client = client_from_env(
        &handle,
        &[
            ("ZAPIER_CLIENT_ID", "known-client"),
            ("ZAPIER_CLIENT_SECRET", "known-secret"),
        ],
    );
    tokio::time::timeout(PATIENCE, client.access_token())
        .await
        .expect("in time")
        .expect("the known client gets a token");
}

#[tokio::test]
async fn an_emulator_that_accepts_any_client_takes_the_placeholder() {
    let handle = Emulator::builder()
        .start()
        .await
        .expect("start the emulator");
    let client = client_from_env(&handle, &[]);
    tokio::time::timeout(PATIENCE, client.access_token())
        .await
        .expect("in time")
        .expect("the placeholder client gets a token");
}

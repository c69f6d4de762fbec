//! Test helpers: start an emulator, get tokens, call it over real HTTP on 127.0.0.1.

// Tests fail by panicking: `unwrap`, `expect` and `panic!` are their assertions (the crate
// denies them in library code, see `[workspace.lints.clippy]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code)]

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use zapier_embed_emulator::{ControlClient, Emulator, EmulatorBuilder, EmulatorHandle};

pub(crate) const A: &str = "/trigger-inbox/api/v1";
pub(crate) const A_V1: &str = "/trigger-inbox/v1";

/// A running emulator plus an HTTP client.
pub(crate) struct Env {
    pub handle: EmulatorHandle,
    pub http: reqwest::Client,
}

pub(crate) async fn start() -> Env {
    start_with(Emulator::builder()).await
}

pub(crate) async fn start_with(builder: EmulatorBuilder) -> Env {
    let handle = builder.start().await.expect("start emulator");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    Env { handle, http }
}

impl Env {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.base_url())
    }

    /// A client-credentials token for `client`.
    pub(crate) async fn token(&self, client: &str) -> String {
        let resp = self
            .http
            .post(self.url("/oauth/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client),
                ("client_secret", "secret"),
                ("scope", "external"),
            ])
            .send()
            .await
            .expect("token request");
        assert_eq!(resp.status(), 200);
        resp.json::<Value>().await.expect("json")["access_token"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    /// Sends a request with a bearer token and optional JSON body; returns status and JSON
    /// (`Null` for empty bodies).
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, json)
    }

    pub(crate) async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, token, None).await
    }

    pub(crate) async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, token, Some(body)).await
    }

    /// Control API POST (no auth).
    pub(crate) async fn control(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .expect("control");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (
            status,
            if text.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).expect("json")
            },
        )
    }

    /// The emulator's control API client (for requests the control API is not under test in).
    pub(crate) fn control_client(&self) -> ControlClient {
        self.handle.control().expect("control client")
    }

    pub(crate) async fn advance(&self, seconds: f64) {
        let by = Duration::from_secs_f64(seconds);
        self.control_client()
            .advance_clock(by)
            .await
            .expect("advance the clock");
    }

    /// The emulator time as `GET /_emulator/clock` reports it (ISO 8601).
    pub(crate) async fn now_text(&self) -> String {
        self.control_client().clock().await.expect("clock").now
    }

    pub(crate) async fn stats(&self) -> Value {
        let stats = self.control_client().stats().await.expect("stats");
        serde_json::to_value(stats).expect("stats as JSON")
    }

    /// The account of a token (its `sub` claim): the `{account}` of its catch-hook URLs.
    pub(crate) fn account(token: &str) -> String {
        use base64::Engine;
        let claims = token.split('.').nth(1).expect("JWT-shaped token");
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(claims)
            .expect("base64url claims");
        let claims: Value = serde_json::from_slice(&raw).expect("JSON claims");
        claims["sub"].as_str().expect("sub").to_owned()
    }

    /// A fresh (single-use) id of the Slack write action `key`.
    pub(crate) async fn slack_action_id(&self, token: &str, key: &str) -> String {
        let (s, body) = self
            .get("/v2/actions?app=slack&action_type=WRITE", token)
            .await;
        assert_eq!(s, 200, "{body}");
        body["data"]
            .as_array()
            .expect("data")
            .iter()
            .find(|a| a["key"] == key)
            .expect("action")["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// The user's seeded Slack connections: (valid, expired).
    pub(crate) async fn slack_connections(&self, token: &str) -> (String, String) {
        let (s, body) = self.get("/v2/authentications?app=slack", token).await;
        assert_eq!(s, 200, "{body}");
        let data = body["data"].as_array().expect("data");
        let pick = |expired: bool| {
            data.iter()
                .find(|c| c["is_expired"] == expired)
                .expect("seeded connection")["id"]
                .as_str()
                .expect("id")
                .to_owned()
        };
        (pick(false), pick(true))
    }

    /// Creates a Slack channel_message inbox (variant A, POST) and returns its JSON.
    pub(crate) async fn create_inbox(
        &self,
        token: &str,
        name: &str,
        connection: &str,
        channel: &str,
    ) -> Value {
        let (s, body) = self
            .post(
                &format!("{A}/inboxes"),
                token,
                json!({"name": name, "subscription": {"app_key": "SlackCLIAPI", "action_key": "channel_message", "connection_id": connection, "inputs": {"channel": channel}}}),
            )
            .await;
        assert_eq!(s, 201, "{body}");
        body
    }

    /// Creates an inbox and moves the clock past the activation delay.
    pub(crate) async fn active_inbox(&self, token: &str, name: &str, channel: &str) -> String {
        let (conn, _) = self.slack_connections(token).await;
        let inbox = self.create_inbox(token, name, &conn, channel).await;
        self.advance(1.0).await;
        let id = inbox["id"].as_str().expect("id").to_owned();
        let (_, got) = self.get(&format!("{A}/inboxes/{id}"), token).await;
        assert_eq!(got["status"], "active");
        id
    }

    /// Emits `count` Slack channel_message events for `channel`.
    pub(crate) async fn emit(&self, channel: &str, count: u64) -> u64 {
        let events = json!({"app": "slack", "action": "channel_message", "inputs": {"channel": channel},
                            "payload": {"text": "hello", "user": "U1", "channel": channel}, "count": count});
        let events = serde_json::from_value(events).expect("an emit request");
        let answer = self.control_client().emit(&events).await.expect("emit");
        answer.delivered
    }
}

impl Env {
    /// Exchanges an access token for a connect token for the Connect UI URL `resource`; returns
    /// the status and the token endpoint's JSON.
    pub(crate) async fn connect_token(&self, access: &str, resource: &str) -> (u16, Value) {
        let resp = self
            .http
            .post(self.url("/oauth/token/"))
            .form(&[
                (
                    "grant_type",
                    "urn:ietf:params:oauth:grant-type:token-exchange",
                ),
                ("subject_token", access),
                (
                    "subject_token_type",
                    "urn:ietf:params:oauth:token-type:access-token",
                ),
                (
                    "requested_token_type",
                    "urn:ietf:params:oauth:token-type:connect-token",
                ),
                ("scope", "connection:write"),
                ("resource", resource),
            ])
            .send()
            .await
            .expect("token request");
        (
            resp.status().as_u16(),
            resp.json().await.expect("token endpoint JSON"),
        )
    }
}

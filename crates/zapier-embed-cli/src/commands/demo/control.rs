//! The emulator the demo steers: in process (its handle's helpers), or in another process
//! through its control API ([`ControlClient`]). Only the control API and the Connect stand-in are
//! called directly; every Zapier API call goes through the facade.

use std::time::Duration;

use anyhow::Context;
use zapier_embed::auth::ConnectUrl;
use zapier_embed_emulator::models::control::{EmitRequest, StatsSnapshot};
use zapier_embed_emulator::{ControlClient, EmulatorHandle};

/// Where the demo's control calls go.
#[derive(Debug)]
pub enum Control {
    /// The emulator this process started.
    InProcess(Box<EmulatorHandle>),
    /// An emulator in another process (e.g. `zembed emulator serve`), through its control API.
    Remote(ControlClient),
}

impl Control {
    /// The control client of the emulator at `base` (`http://HOST:PORT`).
    pub fn remote(base: &str) -> anyhow::Result<Self> {
        let client = ControlClient::new(base)
            .context("building the HTTP client of the emulator control API")?;
        Ok(Control::Remote(client))
    }

    fn http() -> anyhow::Result<reqwest::Client> {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent(crate::config::USER_AGENT)
            .build()
            .context("building the HTTP client of the Connect UI")
    }

    /// Delivers events to the inboxes subscribed to the trigger; answers how many received them.
    pub async fn emit(&self, req: EmitRequest) -> anyhow::Result<u64> {
        match self {
            Control::InProcess(handle) => handle
                .emulator()
                .emit(req)
                .map_err(|e| anyhow::anyhow!("emulator rejected the events: {e:?}")),
            Control::Remote(control) => {
                let answer = control.emit(&req).await.context(
                    "the demo needs a zapier-embed emulator (its control API emits the demo's events)",
                )?;
                Ok(answer.delivered)
            }
        }
    }

    /// The emulator's counters.
    pub async fn stats(&self) -> anyhow::Result<StatsSnapshot> {
        match self {
            Control::InProcess(handle) => Ok(handle.emulator().stats()),
            Control::Remote(control) => control
                .stats()
                .await
                .context("the demo needs a zapier-embed emulator"),
        }
    }

    /// Plays the end user in the Connect UI: submits its form with Authorize, as the user in the
    /// browser popup would, asking for the answer as JSON. Answers the new connection's id.
    pub async fn complete_connect(&self, url: &ConnectUrl) -> anyhow::Result<String> {
        let mut page = reqwest::Url::parse(url.expose_secret())
            .with_context(|| format!("parsing the Connect UI URL {url}"))?;
        let token = page
            .query_pairs()
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| anyhow::anyhow!("the Connect UI URL {url} carries no token"))?;
        page.set_query(None);
        let resp = Self::http()?
            .post(page)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[("token", token.as_str()), ("decision", "authorize")])
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("opening the Connect UI at {url}: {}", e.without_url()))?;
        let status = resp.status();
        let body: serde_json::Value = resp
            .json()
            .await
            .with_context(|| format!("decoding the Connect UI answer from {url}"))?;
        match body.get("authId").and_then(|v| v.as_str()) {
            Some(id) if status.is_success() => Ok(id.to_owned()),
            _ => anyhow::bail!(
                "the Connect UI at {url} answered HTTP {status} without a connection id"
            ),
        }
    }

    /// Stops an in-process emulator.
    pub async fn shutdown(self) {
        if let Control::InProcess(handle) = self {
            handle.shutdown().await;
        }
    }
}

/// Requests answered so far, from the counters.
pub fn requests_answered(stats: &StatsSnapshot) -> u64 {
    stats.requests_by_status.values().sum()
}

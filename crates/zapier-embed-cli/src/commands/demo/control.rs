//! The emulator the demo steers: in process (its handle's helpers), or in another process
//! through its control API (`/_emulator/*`). Only the control API and the Connect stand-in are
//! called directly; every Zapier API call goes through the facade.

use std::time::Duration;

use anyhow::Context;
use zapier_embed::auth::ConnectUrl;
use zapier_embed_emulator::EmulatorHandle;
use zapier_embed_emulator::models::control::{
    ClockAdvance, EmitRequest, EmitResponse, StatsSnapshot,
};

/// Where the demo's control calls go.
#[derive(Debug)]
pub enum Control {
    /// The emulator this process started.
    InProcess(Box<EmulatorHandle>),
    /// An emulator at this base URL (e.g. `zembed emulator serve`).
    Remote {
        /// `http://HOST:PORT`.
        base: String,
    },
}

impl Control {
    fn http() -> anyhow::Result<reqwest::Client> {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent(crate::config::USER_AGENT)
            .build()
            .context("building the HTTP client of the emulator control API")
    }

    /// Delivers events to the inboxes subscribed to the trigger; answers how many received them.
    pub async fn emit(&self, req: EmitRequest) -> anyhow::Result<u64> {
        match self {
            Control::InProcess(handle) => handle
                .emulator()
                .emit(req)
                .map_err(|e| anyhow::anyhow!("emulator rejected the events: {e:?}")),
            Control::Remote { base } => {
                let url = format!("{base}/_emulator/events");
                let resp = Self::http()?
                    .post(&url)
                    .json(&req)
                    .send()
                    .await
                    .with_context(|| format!("POST {url}"))?;
                let status = resp.status();
                if !status.is_success() {
                    anyhow::bail!(
                        "POST {url} answered HTTP {status}: the demo needs a zapier-embed emulator \
                         (its control API emits the demo's events)"
                    );
                }
                let body: EmitResponse = resp
                    .json()
                    .await
                    .with_context(|| format!("decoding the answer of POST {url}"))?;
                Ok(body.delivered)
            }
        }
    }

    /// Moves the emulator clock forward.
    #[allow(dead_code)]
    pub async fn advance_clock(&self, by: Duration) -> anyhow::Result<()> {
        match self {
            Control::InProcess(handle) => {
                handle.emulator().advance_clock(by);
                Ok(())
            }
            Control::Remote { base } => {
                let url = format!("{base}/_emulator/clock/advance");
                let resp = Self::http()?
                    .post(&url)
                    .json(&ClockAdvance {
                        seconds: by.as_secs_f64(),
                    })
                    .send()
                    .await
                    .with_context(|| format!("POST {url}"))?;
                anyhow::ensure!(
                    resp.status().is_success(),
                    "POST {url} answered HTTP {}",
                    resp.status()
                );
                Ok(())
            }
        }
    }

    /// The emulator's counters.
    pub async fn stats(&self) -> anyhow::Result<StatsSnapshot> {
        match self {
            Control::InProcess(handle) => Ok(handle.emulator().stats()),
            Control::Remote { base } => {
                let url = format!("{base}/_emulator/stats");
                let resp = Self::http()?
                    .get(&url)
                    .send()
                    .await
                    .with_context(|| format!("GET {url}"))?;
                anyhow::ensure!(
                    resp.status().is_success(),
                    "GET {url} answered HTTP {}: the demo needs a zapier-embed emulator",
                    resp.status()
                );
                resp.json()
                    .await
                    .with_context(|| format!("decoding the answer of GET {url}"))
            }
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

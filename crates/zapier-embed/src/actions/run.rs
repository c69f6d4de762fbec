//! One action run: its state as polled, its result, and the handle that waits for it.

use super::*;

/// One poll of a run, or the run a callback carried.
#[derive(Debug, Clone)]
pub(crate) struct RunState {
    pub(crate) status: RunStatus,
    pub(crate) results: Vec<Map<String, Value>>,
    pub(crate) errors: Vec<RunError>,
}

impl RunState {
    /// The outcome of run `run_id` once it is terminal: its results, or
    /// [`Error::ActionRunFailed`] with its typed errors; `None` while it is not (queued, running,
    /// waiting, or a status this version does not know).
    pub(crate) fn outcome(&self, run_id: &str) -> Option<Result<ActionRunResult, Error>> {
        match &self.status {
            RunStatus::Success => Some(Ok(ActionRunResult {
                run_id: run_id.to_owned(),
                results: self.results.clone(),
            })),
            RunStatus::Error => {
                let mut err = Error::action_run_failed(RUN, self.errors.clone());
                let context = err.context_mut();
                *context = context.clone().with_detail(format!("run {run_id}"));
                Some(Err(err))
            }
            _ => None,
        }
    }
}

/// The result of a successful action run.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let emulator = zapier_embed_emulator::Emulator::builder()
/// #     .activation_delay(std::time::Duration::ZERO)
/// #     .action_run_delay(std::time::Duration::ZERO)
/// #     .start().await.unwrap();
/// # let host = emulator.addr().to_string();
/// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
/// # let connect = client.connect_token("slack").await?;
/// # reqwest::get(client.connect_url("slack", &connect).expose_secret()).await.unwrap();
/// # let connection = client.connections().first_valid("slack").await?.unwrap();
/// # let mut inputs = serde_json::Map::new();
/// # inputs.insert("channel".into(), serde_json::json!("C0123ABC456"));
/// # inputs.insert("text".into(), serde_json::json!("Hello"));
/// let result = client
///     .actions()
///     .run("slack", "send_channel_message", Some(connection.id.as_str()), inputs)
///     .await?;
/// println!("run {} answered {:?}", result.run_id, result.results);
/// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActionRunResult {
    /// The run id.
    pub run_id: String,
    /// What the action returned.
    pub results: Vec<Map<String, Value>>,
}

/// A created action run, to wait for.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let emulator = zapier_embed_emulator::Emulator::builder()
/// #     .activation_delay(std::time::Duration::ZERO)
/// #     .action_run_delay(std::time::Duration::ZERO)
/// #     .start().await.unwrap();
/// # let host = emulator.addr().to_string();
/// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
/// # let connect = client.connect_token("slack").await?;
/// # reqwest::get(client.connect_url("slack", &connect).expose_secret()).await.unwrap();
/// # let connection = client.connections().first_valid("slack").await?.unwrap();
/// use std::time::Duration;
/// # let mut inputs = serde_json::Map::new();
/// # inputs.insert("channel".into(), serde_json::json!("C0123ABC456"));
/// # inputs.insert("text".into(), serde_json::json!("Hello"));
/// let run = client.actions().start("slack", "send_channel_message", Some(connection.id.as_str()), inputs).await?;
/// println!("started {}", run.id());
/// let result = run.wait(Duration::from_secs(60)).await?;
/// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct RunHandle {
    pub(super) client: Client,
    pub(super) id: String,
}

impl RunHandle {
    /// The run id.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// # let connect = client.connect_token("slack").await?;
    /// # reqwest::get(client.connect_url("slack", &connect).expose_secret()).await.unwrap();
    /// # let connection = client.connections().first_valid("slack").await?.unwrap();
    /// # let mut inputs = serde_json::Map::new();
    /// # inputs.insert("channel".into(), serde_json::json!("C0123ABC456"));
    /// # inputs.insert("text".into(), serde_json::json!("Hello"));
    /// # let run = client.actions().start("slack", "send_channel_message", Some(connection.id.as_str()), inputs).await?;
    /// println!("{}", run.id());
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Polls the run (jittered backoff from 250 ms to 5 s, longer when the run reports a
    /// throttling delay) until it succeeds, answering its results, or fails, answering
    /// [`Error::ActionRunFailed`] with the run's typed errors; [`Error::Timeout`] after
    /// `timeout`.
    ///
    /// The Partner API's `GET /v2/action-runs/{id}` offers no server-side long-poll (Zapier
    /// documents a `wait_seconds` parameter only for the run endpoint of another API), so this
    /// polls. To be told instead, start the run with a callback URL
    /// ([`Actions::start_with_callback`]) and wait with `RunHandle::wait_for_callback`
    /// (feature `webhook`).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .activation_delay(std::time::Duration::ZERO)
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// # let connect = client.connect_token("slack").await?;
    /// # reqwest::get(client.connect_url("slack", &connect).expose_secret()).await.unwrap();
    /// # let connection = client.connections().first_valid("slack").await?.unwrap();
    /// # let mut inputs = serde_json::Map::new();
    /// # inputs.insert("channel".into(), serde_json::json!("C0123ABC456"));
    /// # inputs.insert("text".into(), serde_json::json!("Hello"));
    /// # let run = client.actions().start("slack", "send_channel_message", Some(connection.id.as_str()), inputs).await?;
    /// match run.wait(std::time::Duration::from_secs(120)).await {
    ///     Ok(result) => println!("{:?}", result.results),
    ///     Err(zapier_embed::Error::ActionRunFailed { errors, .. }) => {
    ///         for e in errors { eprintln!("{e}"); }
    ///     }
    ///     Err(other) => return Err(other),
    /// }
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn wait(&self, timeout: Duration) -> Result<ActionRunResult, Error> {
        checks::require_timeout(RUN, "timeout", timeout)?;
        checks::within_budget(
            RUN,
            timeout,
            || format!("run {} did not finish within {timeout:?}", self.id),
            self.poll(timeout),
        )
        .await
    }

    /// The polling loop of [`wait`](RunHandle::wait); the caller bounds it, hanging requests
    /// included.
    pub(super) async fn poll(&self, timeout: Duration) -> Result<ActionRunResult, Error> {
        let started = Instant::now();
        let mut step = 0u32;
        loop {
            let id = self.id.clone();
            let state = self
                .client
                .inner
                .call(&GET_RUN, None, move |api| wire::get_run(api, id.clone()))
                .await?;
            if let Some(outcome) = state.outcome(&self.id) {
                return outcome;
            }
            let elapsed = started.elapsed();
            if elapsed >= timeout {
                return Err(Error::timeout(
                    RUN,
                    format!("run {} did not finish within {timeout:?}", self.id),
                ));
            }
            // A throttled run says how long to wait; never poll sooner than that.
            let throttled = state
                .errors
                .iter()
                .filter(|e| e.code.is_throttled())
                .filter_map(|e| e.delay)
                .max()
                .unwrap_or_default();
            let delay = poll_delay(step, POLL_FIRST_DELAY, POLL_MAX_DELAY)
                .max(throttled)
                .min(timeout - elapsed);
            step = step.saturating_add(1);
            tokio::time::sleep(delay).await;
        }
    }
}

//! Waiting for a run's result through a [`CallbackReceiver`].

use super::*;

impl RunHandle {
    /// Waits up to `timeout` for the run's callback at `receiver` (the run must have been
    /// started with [`receiver.url()`](CallbackReceiver::url)): its results, or
    /// [`Error::ActionRunFailed`] with the run's typed errors, as [`wait`](RunHandle::wait)
    /// answers them. Should the callback not arrive within the receiver's
    /// [`fallback_poll_after`](CallbackReceiverBuilder::fallback_poll_after), the run is also
    /// polled (whichever answers first wins); [`Error::Timeout`] after `timeout`. Dropping the
    /// future leaves nothing behind.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .activation_delay(std::time::Duration::ZERO)
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .allow_loopback_callbacks()
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// # let connect = client.connect_token("slack").await?;
    /// # reqwest::get(client.connect_url("slack", &connect).expose_secret()).await.unwrap();
    /// # let connection = client.connections().first_valid("slack").await?.unwrap();
    /// # let mut inputs = serde_json::Map::new();
    /// # inputs.insert("channel".into(), serde_json::json!("C0123ABC456"));
    /// # inputs.insert("text".into(), serde_json::json!("Hello"));
    /// use std::time::Duration;
    /// use zapier_embed::actions::{CallbackReceiver, CallbackUrl};
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let url = CallbackUrl::loopback_for_tests(&format!("http://{}/", listener.local_addr().unwrap()))?;
    /// let receiver = CallbackReceiver::builder(url)
    ///     .jwks_url_loopback_for_tests(&format!("http://{host}/.well-known/jwks.json"))
    ///     .build()?;
    /// let router = receiver.router();
    /// tokio::spawn(async move { axum::serve(listener, router).await });
    ///
    /// let run = client
    ///     .actions()
    ///     .start_with_callback("slack", "send_channel_message", Some(connection.id.as_str()), inputs, receiver.url())
    ///     .await?;
    /// let result = run.wait_for_callback(&receiver, Duration::from_secs(60)).await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn wait_for_callback(
        &self,
        receiver: &CallbackReceiver,
        timeout: Duration,
    ) -> Result<ActionRunResult, Error> {
        checks::require_timeout(RUN, "timeout", timeout)?;
        let inner = &receiver.inner;
        let waiting = match inner.claim(&self.id) {
            Ok(state) => return self.settled(state),
            Err(rx) => rx,
        };
        let _guard = WaitGuard {
            inner,
            run_id: &self.id,
        };
        let fallback_after = inner.fallback_poll_after.min(timeout);
        checks::within_budget(
            RUN,
            timeout,
            || format!("run {} did not finish within {timeout:?}", self.id),
            async {
                tokio::select! {
                    Ok(state) = waiting => self.settled(state),
                    outcome = async {
                        tokio::time::sleep(fallback_after).await;
                        self.poll(timeout).await
                    } => outcome,
                }
            },
        )
        .await
    }

    fn settled(&self, state: RunState) -> Result<ActionRunResult, Error> {
        state.outcome(&self.id).unwrap_or_else(|| {
            Err(Error::decode(
                RECEIVE,
                format!("run {}: the callback carried no terminal status", self.id),
            ))
        })
    }
}

impl Actions {
    /// [`start_with_callback`](Actions::start_with_callback)s the run with `receiver`'s URL and
    /// [`wait_for_callback`](RunHandle::wait_for_callback)s up to [`DEFAULT_RUN_TIMEOUT`]: no
    /// polling while the callback arrives.
    ///
    /// ```no_run
    /// # async fn example(client: zapier_embed::Client, receiver: zapier_embed::actions::CallbackReceiver) -> zapier_embed::Result<()> {
    /// let mut inputs = serde_json::Map::new();
    /// inputs.insert("channel".into(), serde_json::json!("C0123ABC456"));
    /// inputs.insert("text".into(), serde_json::json!("Hello"));
    /// let result = client
    ///     .actions()
    ///     .run_with_callback("slack", "send_channel_message", Some("conn-id"), inputs, &receiver)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn run_with_callback(
        &self,
        app: &str,
        action_key: &str,
        connection: Option<&str>,
        inputs: Map<String, Value>,
        receiver: &CallbackReceiver,
    ) -> Result<ActionRunResult, Error> {
        self.start_with_callback(app, action_key, connection, inputs, receiver.url())
            .await?
            .wait_for_callback(receiver, DEFAULT_RUN_TIMEOUT)
            .await
    }
}

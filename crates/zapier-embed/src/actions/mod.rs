//! Action Runs (Partner API v2): apps, actions, their fields, and running an action to
//! completion.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::time::Instant;

use crate::call::{Operation, poll_delay};
use crate::checks;
pub use zapier_embed_domain::{RunError, RunErrorCode, RunStatus};

use crate::wire::ActionFields;
use crate::wire::ops::{APPS, CHOICES, CREATE_RUN, GET_RUN, INPUTS, LIST_ACTIONS as LIST, OUTPUTS};
use crate::{Client, Error, InputField, wire};

#[cfg(feature = "webhook")]
mod callback;
mod callback_url;
mod catalogue;
mod run;

#[cfg(feature = "webhook")]
pub use callback::{
    CallbackReceiver, CallbackReceiverBuilder, DEFAULT_CALLBACK_FALLBACK_POLL,
    DEFAULT_MAX_CALLBACK_BYTES, DEFAULT_MAX_JWKS_BYTES, SIGNATURE_HEADER, ZAPIER_JWKS_URL,
};
pub use callback_url::{CallbackUrl, MAX_CALLBACK_URL_LEN};
pub use catalogue::{Action, ActionType, App, Choice, OutputField};
pub(crate) use run::RunState;
pub use run::{ActionRunResult, RunHandle};

/// How long [`Actions::run`] waits for a terminal status (the TS SDK's default).
///
/// ```
/// assert_eq!(zapier_embed::actions::DEFAULT_RUN_TIMEOUT.as_secs(), 180);
/// ```
pub const DEFAULT_RUN_TIMEOUT: Duration = Duration::from_secs(180);
/// First and largest delay between two polls of a run.
const POLL_FIRST_DELAY: Duration = Duration::from_millis(250);
const POLL_MAX_DELAY: Duration = Duration::from_secs(5);
/// Page size of [`Actions::apps`].
const APPS_PAGE_SIZE: u32 = 25;

const RUN: &str = "run action";

/// The Action Runs API; see [`Client::actions`].
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
/// use serde_json::json;
/// let mut inputs = serde_json::Map::new();
/// inputs.insert("channel".into(), json!("C0123ABC456"));
/// inputs.insert("text".into(), json!("Hello from the SDK"));
/// let result = client.actions().run("slack", "send_channel_message", Some(connection.id.as_str()), inputs).await?;
/// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct Actions {
    client: Client,
}

impl Actions {
    pub(crate) fn new(client: Client) -> Self {
        Actions { client }
    }

    /// Apps whose title matches `query` (partially; the first 25). Idempotent for the retry
    /// rule.
    ///
    /// ```no_run
    /// # async fn example(client: zapier_embed::Client) -> zapier_embed::Result<()> {
    /// let slack = client.actions().apps("Slack").await?.into_iter().find(|a| a.title == "Slack");
    /// # Ok(()) }
    /// ```
    pub async fn apps(&self, query: &str) -> Result<Vec<App>, Error> {
        let query = query.to_owned();
        self.client
            .inner
            .call(&APPS, None, move |api| {
                wire::apps(api, query.clone(), APPS_PAGE_SIZE)
            })
            .await
    }

    /// The actions of `app` (its id, or key / slug), optionally of one type. Every call is a
    /// fresh lookup with fresh action ids. Idempotent for the retry rule.
    ///
    /// ```no_run
    /// # async fn example(client: zapier_embed::Client) -> zapier_embed::Result<()> {
    /// use zapier_embed::actions::ActionType;
    /// let writes = client.actions().list("slack", Some(ActionType::Write)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn list(
        &self,
        app: &str,
        action_type: Option<ActionType>,
    ) -> Result<Vec<Action>, Error> {
        checks::require_key(LIST.name, "app", app)?;
        let app = app.to_owned();
        self.client
            .inner
            .call(&LIST, None, move |api| {
                wire::actions(api, app.clone(), action_type.clone())
            })
            .await
    }

    /// The input fields of `action` given the connection and the inputs collected so far
    /// (refetch when a field that invalidates others changes). Fieldsets are flattened; info
    /// fields are left out. Idempotent for the retry rule.
    ///
    /// ```no_run
    /// # async fn example(client: zapier_embed::Client, action: zapier_embed::actions::Action, connection: zapier_embed::connections::Connection) -> zapier_embed::Result<()> {
    /// let fields = client.actions().inputs(&action, Some(connection.id.as_str()), &serde_json::Map::new()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn inputs(
        &self,
        action: &Action,
        connection: Option<&str>,
        inputs: &Map<String, Value>,
    ) -> Result<Vec<InputField>, Error> {
        let fields = ActionFields::new(action, connection, inputs);
        self.ask(&INPUTS, fields, ActionFields::inputs).await
    }

    /// The choices of the `SELECT` input `input_id` of `action` (page 1, 2, …). Idempotent for
    /// the retry rule.
    ///
    /// ```no_run
    /// # async fn example(client: zapier_embed::Client, action: zapier_embed::actions::Action, connection: zapier_embed::connections::Connection) -> zapier_embed::Result<()> {
    /// let channels = client.actions().choices(&action, "channel", Some(connection.id.as_str()), &serde_json::Map::new(), 1).await?;
    /// # Ok(()) }
    /// ```
    pub async fn choices(
        &self,
        action: &Action,
        input_id: &str,
        connection: Option<&str>,
        inputs: &Map<String, Value>,
        page: u32,
    ) -> Result<Vec<Choice>, Error> {
        let (fields, input) = (
            ActionFields::new(action, connection, inputs),
            input_id.to_owned(),
        );
        self.client
            .inner
            .call(&CHOICES, None, move |api| {
                fields.clone().choices(api, input.clone(), page.max(1))
            })
            .await
    }

    /// The fields `action` outputs for these inputs. Idempotent for the retry rule.
    ///
    /// ```no_run
    /// # async fn example(client: zapier_embed::Client, action: zapier_embed::actions::Action, connection: zapier_embed::connections::Connection) -> zapier_embed::Result<()> {
    /// let inputs = serde_json::Map::new();
    /// for field in client.actions().outputs(&action, Some(&connection.id), &inputs).await? {
    ///     println!("{}: {:?}, e.g. {:?}", field.id, field.title, field.sample);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn outputs(
        &self,
        action: &Action,
        connection: Option<&str>,
        inputs: &Map<String, Value>,
    ) -> Result<Vec<OutputField>, Error> {
        let fields = ActionFields::new(action, connection, inputs);
        self.ask(&OUTPUTS, fields, ActionFields::outputs).await
    }

    /// Starts a run of the action `action_key` of `app`: looks up a **fresh** action id
    /// (`GET /v2/actions`, as the docs require before every run), then creates the run
    /// (`POST /v2/action-runs`). When several actions share the key, a non-`READ` one is used.
    ///
    /// Creating the run is **not idempotent** for the retry rule (a repeated create would run
    /// the action twice): it is retried only when the request provably did not reach the server
    /// (or after 429 / 503). The lookup is idempotent.
    ///
    /// ```no_run
    /// # async fn example(client: zapier_embed::Client, connection: zapier_embed::connections::Connection, inputs: serde_json::Map<String, serde_json::Value>) -> zapier_embed::Result<()> {
    /// let run = client.actions().start("slack", "send_channel_message", Some(connection.id.as_str()), inputs).await?;
    /// # Ok(()) }
    /// ```
    pub async fn start(
        &self,
        app: &str,
        action_key: &str,
        connection: Option<&str>,
        inputs: Map<String, Value>,
    ) -> Result<RunHandle, Error> {
        self.start_run(app, action_key, connection, inputs, None)
            .await
    }

    /// Like [`start`](Actions::start), and asks Zapier to POST the result to `callback_url`
    /// when the run reaches a terminal state (`callback_url` in the request body; the URL was
    /// checked when the [`CallbackUrl`] was made). Receive it with
    /// `actions::CallbackReceiver` (feature `webhook`), or with your own endpoint that verifies
    /// the `Zapier-Callback-Signature` header.
    ///
    /// ```no_run
    /// # async fn example(client: zapier_embed::Client, connection: zapier_embed::connections::Connection, inputs: serde_json::Map<String, serde_json::Value>) -> zapier_embed::Result<()> {
    /// use zapier_embed::actions::CallbackUrl;
    /// // In production: CallbackUrl::new("https://your-app.example.com/zapier/callbacks")?
    /// let callback = CallbackUrl::loopback_for_tests("http://127.0.0.1:9/zapier/callbacks")?;
    /// let run = client
    ///     .actions()
    ///     .start_with_callback("slack", "send_channel_message", Some(connection.id.as_str()), inputs, &callback)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn start_with_callback(
        &self,
        app: &str,
        action_key: &str,
        connection: Option<&str>,
        inputs: Map<String, Value>,
        callback_url: &CallbackUrl,
    ) -> Result<RunHandle, Error> {
        self.start_run(app, action_key, connection, inputs, Some(callback_url))
            .await
    }

    /// Sends `op` about the action `fields` names with `request` (once per attempt).
    async fn ask<T, Fut>(
        &self,
        op: &'static Operation,
        fields: ActionFields,
        request: impl Fn(ActionFields, wire::Api) -> Fut,
    ) -> Result<T, Error>
    where
        Fut: std::future::Future<Output = Result<T, crate::call::Failure>>,
    {
        self.client
            .inner
            .call(op, None, |api| request(fields.clone(), api))
            .await
    }

    async fn start_run(
        &self,
        app: &str,
        action_key: &str,
        connection: Option<&str>,
        inputs: Map<String, Value>,
        callback_url: Option<&CallbackUrl>,
    ) -> Result<RunHandle, Error> {
        checks::require_key(RUN, "app", app)?;
        checks::require_key(RUN, "action", action_key)?;
        let actions = self.list(app, None).await?;
        let action = actions
            .iter()
            .filter(|a| a.key == action_key)
            .min_by_key(|a| a.action_type == ActionType::Read)
            .ok_or_else(|| {
                Error::not_found(
                    RUN,
                    format!("app {app:?} has no action with key {action_key:?}"),
                )
            })?;
        let fields = ActionFields::new(action, connection, &inputs);
        let callback_url = callback_url.map(|u| u.as_str().to_owned());
        let run_id = self
            .client
            .inner
            .call(&CREATE_RUN, None, move |api| {
                fields.clone().run(api, callback_url.clone())
            })
            .await?;
        Ok(RunHandle {
            client: self.client.clone(),
            id: run_id,
        })
    }

    /// [`start`](Actions::start)s the run and [`wait`](RunHandle::wait)s up to
    /// [`DEFAULT_RUN_TIMEOUT`] for it: its results, or [`Error::ActionRunFailed`] with the typed
    /// run errors.
    ///
    /// ```no_run
    /// # async fn example(client: zapier_embed::Client, connection: zapier_embed::connections::Connection, inputs: serde_json::Map<String, serde_json::Value>) -> zapier_embed::Result<()> {
    /// let result = client.actions().run("slack", "send_channel_message", Some(connection.id.as_str()), inputs).await?;
    /// # Ok(()) }
    /// ```
    pub async fn run(
        &self,
        app: &str,
        action_key: &str,
        connection: Option<&str>,
        inputs: Map<String, Value>,
    ) -> Result<ActionRunResult, Error> {
        self.start(app, action_key, connection, inputs)
            .await?
            .wait(DEFAULT_RUN_TIMEOUT)
            .await
    }
}

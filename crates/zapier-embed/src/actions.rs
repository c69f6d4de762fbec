//! Action Runs (Partner API v2): apps, actions, their fields, and running an action to
//! completion.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::time::Instant;

use crate::call::{Operation, poll_delay};
use crate::checks;
use crate::retry::Idempotency;
pub use zapier_embed_domain::{RunError, RunErrorCode, RunStatus};

use crate::{Client, Error, InputField, wire};

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

const APPS: Operation = Operation {
    id: "get_v2_apps",
    name: "list apps",
    idempotency: Idempotency::Idempotent,
};
const LIST: Operation = Operation {
    id: "get_actions",
    name: "list actions",
    idempotency: Idempotency::Idempotent,
};
const INPUTS: Operation = Operation {
    id: "get_fields_inputs",
    name: "get action inputs",
    idempotency: Idempotency::Idempotent,
};
const CHOICES: Operation = Operation {
    id: "get_choices",
    name: "get input choices",
    idempotency: Idempotency::Idempotent,
};
const OUTPUTS: Operation = Operation {
    id: "get_fields_outputs",
    name: "get action outputs",
    idempotency: Idempotency::Idempotent,
};
const CREATE_RUN: Operation = Operation {
    id: "create_action_run",
    name: "create action run",
    idempotency: Idempotency::NotIdempotent,
};
const GET_RUN: Operation = Operation {
    id: "retrieve_action_run",
    name: "get action run",
    idempotency: Idempotency::Idempotent,
};
const RUN: &str = "run action";

/// An action's type. `Read` actions are triggers, `Write` actions create things.
///
/// ```
/// use zapier_embed::actions::ActionType;
/// assert_eq!(ActionType::from("WRITE"), ActionType::Write);
/// assert_eq!(ActionType::from("NEW_KIND").as_str(), "NEW_KIND");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ActionType {
    /// `READ`: a trigger.
    Read,
    /// `READ_BULK`.
    ReadBulk,
    /// `WRITE`: creates or updates something.
    Write,
    /// `SEARCH`.
    Search,
    /// `SEARCH_OR_WRITE`.
    SearchOrWrite,
    /// `SEARCH_AND_WRITE`.
    SearchAndWrite,
    /// `FILTER`.
    Filter,
    /// A value this version does not know, kept verbatim.
    Other(String),
}

impl ActionType {
    /// The wire value.
    ///
    /// ```
    /// assert_eq!(zapier_embed::actions::ActionType::SearchOrWrite.as_str(), "SEARCH_OR_WRITE");
    /// ```
    pub fn as_str(&self) -> &str {
        match self {
            ActionType::Read => "READ",
            ActionType::ReadBulk => "READ_BULK",
            ActionType::Write => "WRITE",
            ActionType::Search => "SEARCH",
            ActionType::SearchOrWrite => "SEARCH_OR_WRITE",
            ActionType::SearchAndWrite => "SEARCH_AND_WRITE",
            ActionType::Filter => "FILTER",
            ActionType::Other(raw) => raw,
        }
    }
}

impl From<&str> for ActionType {
    fn from(raw: &str) -> Self {
        match raw {
            "READ" => ActionType::Read,
            "READ_BULK" => ActionType::ReadBulk,
            "WRITE" => ActionType::Write,
            "SEARCH" => ActionType::Search,
            "SEARCH_OR_WRITE" => ActionType::SearchOrWrite,
            "SEARCH_AND_WRITE" => ActionType::SearchAndWrite,
            "FILTER" => ActionType::Filter,
            other => ActionType::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for ActionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ActionType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ActionType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|raw| ActionType::from(raw.as_str()))
    }
}

/// An app of the catalog.
///
/// ```
/// let app: zapier_embed::actions::App = serde_json::from_value(serde_json::json!({
///     "id": "81f613aa-c98a-4383-a5fc-195e68647217", "key": "SlackCLIAPI", "title": "Slack",
///     "description": null, "action_types": ["READ", "WRITE"]
/// })).unwrap();
/// assert_eq!(app.key.as_deref(), Some("SlackCLIAPI"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct App {
    /// The app id (a uuid): what actions and connections are listed by.
    pub id: String,
    /// The versionless implementation key (a subscription's `app`), e.g. `SlackCLIAPI`.
    pub key: Option<String>,
    /// The app's name.
    pub title: String,
    /// A description.
    pub description: Option<String>,
    /// The kinds of actions it offers.
    pub action_types: Vec<ActionType>,
}

/// An action of an app. Its `id` is unique per lookup: take a fresh one before every run (the
/// `key` is stable).
///
/// ```
/// let action: zapier_embed::actions::Action = serde_json::from_value(serde_json::json!({
///     "id": "core:853266", "key": "send_channel_message", "app": "81f6…",
///     "action_type": "WRITE", "title": "Send Channel Message", "description": "", "is_instant": false
/// })).unwrap();
/// assert_eq!(action.action_type, zapier_embed::actions::ActionType::Write);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Action {
    /// The per-lookup id.
    pub id: String,
    /// The stable key.
    pub key: String,
    /// The app id.
    pub app: String,
    /// Its type.
    pub action_type: ActionType,
    /// A title to show.
    pub title: String,
    /// A description.
    pub description: String,
    /// Whether it is an instant trigger.
    pub is_instant: bool,
}

/// A choice of a `SELECT` input.
///
/// ```
/// let c: zapier_embed::actions::Choice = serde_json::from_value(serde_json::json!(
///     {"id": "C1", "label": "#general", "value": "C1"})).unwrap();
/// assert_eq!(c.value, "C1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Choice {
    /// The choice id.
    pub id: String,
    /// A label to show.
    pub label: Option<String>,
    /// The value to put in the inputs.
    pub value: String,
}

/// A field an action outputs.
///
/// ```
/// let f: zapier_embed::actions::OutputField = serde_json::from_value(serde_json::json!(
///     {"id": "ts", "title": "Timestamp", "sample": "1700000000.0001"})).unwrap();
/// assert_eq!(f.id, "ts");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OutputField {
    /// The field id, e.g. `parents[]sha`.
    pub id: String,
    /// A title to show.
    pub title: Option<String>,
    /// A sample value.
    pub sample: Option<Value>,
}

/// One poll of a run.
pub(crate) struct RunState {
    pub(crate) status: RunStatus,
    pub(crate) results: Vec<Map<String, Value>>,
    pub(crate) errors: Vec<RunError>,
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
    client: Client,
    id: String,
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
    async fn poll(&self, timeout: Duration) -> Result<ActionRunResult, Error> {
        let started = Instant::now();
        let mut step = 0u32;
        loop {
            let id = self.id.clone();
            let state = self
                .client
                .inner
                .call(&GET_RUN, None, move |api| {
                    wire::get_run(api, &GET_RUN, id.clone())
                })
                .await?;
            match &state.status {
                RunStatus::Success => {
                    return Ok(ActionRunResult {
                        run_id: self.id.clone(),
                        results: state.results,
                    });
                }
                RunStatus::Error => {
                    let mut err = Error::action_run_failed(RUN, state.errors);
                    let context = err.context_mut();
                    *context = context.clone().with_detail(format!("run {}", self.id));
                    return Err(err);
                }
                // Queued, running, waiting, or a status this version does not know.
                _ => {}
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
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .activation_delay(std::time::Duration::ZERO)
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// let slack = client.actions().apps("Slack").await?.into_iter().find(|a| a.title == "Slack");
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn apps(&self, query: &str) -> Result<Vec<App>, Error> {
        let query = query.to_owned();
        self.client
            .inner
            .call(&APPS, None, move |api| {
                wire::apps(api, &APPS, query.clone(), APPS_PAGE_SIZE)
            })
            .await
    }

    /// The actions of `app` (its id, or key / slug), optionally of one type. Every call is a
    /// fresh lookup with fresh action ids. Idempotent for the retry rule.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let emulator = zapier_embed_emulator::Emulator::builder()
    /// #     .activation_delay(std::time::Duration::ZERO)
    /// #     .action_run_delay(std::time::Duration::ZERO)
    /// #     .start().await.unwrap();
    /// # let host = emulator.addr().to_string();
    /// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
    /// use zapier_embed::actions::ActionType;
    /// let writes = client.actions().list("slack", Some(ActionType::Write)).await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
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
                wire::actions(api, &LIST, app.clone(), action_type.clone())
            })
            .await
    }

    /// The input fields of `action` given the connection and the inputs collected so far
    /// (refetch when a field that invalidates others changes). Fieldsets are flattened; info
    /// fields are left out. Idempotent for the retry rule.
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
    /// # let action = client.actions().list("slack", Some(zapier_embed::actions::ActionType::Write)).await?
    /// #     .into_iter().find(|a| a.key == "send_channel_message").unwrap();
    /// let fields = client.actions().inputs(&action, Some(connection.id.as_str()), &serde_json::Map::new()).await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn inputs(
        &self,
        action: &Action,
        connection: Option<&str>,
        inputs: &Map<String, Value>,
    ) -> Result<Vec<InputField>, Error> {
        let (id, connection, inputs) = (
            action.id.clone(),
            connection.map(str::to_owned),
            inputs.clone(),
        );
        self.client
            .inner
            .call(&INPUTS, None, move |api| {
                wire::action_inputs(api, &INPUTS, id.clone(), connection.clone(), inputs.clone())
            })
            .await
    }

    /// The choices of the `SELECT` input `input_id` of `action` (page 1, 2, …). Idempotent for
    /// the retry rule.
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
    /// # let action = client.actions().list("slack", Some(zapier_embed::actions::ActionType::Write)).await?
    /// #     .into_iter().find(|a| a.key == "send_channel_message").unwrap();
    /// let channels = client.actions().choices(&action, "channel", Some(connection.id.as_str()), &serde_json::Map::new(), 1).await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn choices(
        &self,
        action: &Action,
        input_id: &str,
        connection: Option<&str>,
        inputs: &Map<String, Value>,
        page: u32,
    ) -> Result<Vec<Choice>, Error> {
        let (id, input, connection, inputs) = (
            action.id.clone(),
            input_id.to_owned(),
            connection.map(str::to_owned),
            inputs.clone(),
        );
        self.client
            .inner
            .call(&CHOICES, None, move |api| {
                wire::action_choices(
                    api,
                    &CHOICES,
                    id.clone(),
                    input.clone(),
                    page.max(1),
                    connection.clone(),
                    inputs.clone(),
                )
            })
            .await
    }

    /// The fields `action` outputs for these inputs. Idempotent for the retry rule.
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
    /// # let action = client.actions().list("slack", Some(zapier_embed::actions::ActionType::Write)).await?
    /// #     .into_iter().find(|a| a.key == "send_channel_message").unwrap();
    /// let outputs = client.actions().outputs(&action, Some(connection.id.as_str()), &serde_json::Map::new()).await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn outputs(
        &self,
        action: &Action,
        connection: Option<&str>,
        inputs: &Map<String, Value>,
    ) -> Result<Vec<OutputField>, Error> {
        let (id, connection, inputs) = (
            action.id.clone(),
            connection.map(str::to_owned),
            inputs.clone(),
        );
        self.client
            .inner
            .call(&OUTPUTS, None, move |api| {
                wire::action_outputs(
                    api,
                    &OUTPUTS,
                    id.clone(),
                    connection.clone(),
                    inputs.clone(),
                )
            })
            .await
    }

    /// Starts a run of the action `action_key` of `app`: looks up a **fresh** action id
    /// (`GET /v2/actions`, as the docs require before every run), then creates the run
    /// (`POST /v2/action-runs`). When several actions share the key, a non-`READ` one is used.
    ///
    /// Creating the run is **not idempotent** for the retry rule (a repeated create would run
    /// the action twice): it is retried only when the request provably did not reach the server
    /// (or after 429 / 503). The lookup is idempotent.
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
    /// let run = client.actions().start("slack", "send_channel_message", Some(connection.id.as_str()), inputs).await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
    /// ```
    pub async fn start(
        &self,
        app: &str,
        action_key: &str,
        connection: Option<&str>,
        inputs: Map<String, Value>,
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
        let (id, connection) = (action.id.clone(), connection.map(str::to_owned));
        let run_id = self
            .client
            .inner
            .call(&CREATE_RUN, None, move |api| {
                wire::create_run(
                    api,
                    &CREATE_RUN,
                    id.clone(),
                    connection.clone(),
                    inputs.clone(),
                )
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
    /// let result = client.actions().run("slack", "send_channel_message", Some(connection.id.as_str()), inputs).await?;
    /// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
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

//! Trigger discovery: the triggers of an app and the input fields of one trigger.

use serde::{Deserialize, Serialize};

use crate::call::Operation;
use crate::retry::Idempotency;
pub use zapier_embed_domain::{FieldFormat, InputField, ValueType, validate_inputs};

use crate::{Client, ConnectionId, Error, Subscription, wire};

const LIST: Operation = Operation {
    id: "list_triggers",
    name: "list triggers",
    idempotency: Idempotency::Idempotent,
};
const INPUT_FIELDS: Operation = Operation {
    id: "list_trigger_input_fields",
    name: "list trigger input fields",
    idempotency: Idempotency::Idempotent,
};

/// A trigger an inbox can subscribe to.
///
/// ```
/// let t: zapier_embed::triggers::Trigger = serde_json::from_value(serde_json::json!({
///     "key": "channel_message", "title": "New Message Posted to Channel",
///     "description": null, "app_key": "SlackCLIAPI"
/// })).unwrap();
/// assert_eq!(t.key, "channel_message");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Trigger {
    /// The stable key: a [`Subscription`]'s `trigger`.
    pub key: String,
    /// A title to show.
    pub title: String,
    /// What the trigger fires on.
    pub description: Option<String>,
    /// The versioned app key (informational).
    pub app_key: Option<String>,
}

/// The trigger-discovery API; see [`Client::triggers`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let emulator = zapier_embed_emulator::Emulator::builder()
/// #     .activation_delay(std::time::Duration::ZERO)
/// #     .action_run_delay(std::time::Duration::ZERO)
/// #     .start().await.unwrap();
/// # let host = emulator.addr().to_string();
/// # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
/// let triggers = client.triggers();
/// for trigger in triggers.list("slack").await? {
///     println!("{}: {}", trigger.key, trigger.title);
/// }
/// # Ok::<(), zapier_embed::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct Triggers {
    client: Client,
}

impl Triggers {
    pub(crate) fn new(client: Client) -> Self {
        Triggers { client }
    }

    /// The triggers of `app` (key or slug, e.g. `slack`). Idempotent for the retry rule.
    ///
    /// ```no_run
    /// # async fn example(client: zapier_embed::Client) -> zapier_embed::Result<()> {
    /// let keys: Vec<String> = client.triggers().list("slack").await?.into_iter().map(|t| t.key).collect();
    /// # Ok(()) }
    /// ```
    pub async fn list(&self, app: &str) -> Result<Vec<Trigger>, Error> {
        crate::checks::require_key(LIST.name, "app", app)?;
        let app = app.to_owned();
        self.client
            .inner
            .call(&LIST, None, move |api| {
                wire::list_triggers(api, &LIST, app.clone())
            })
            .await
    }

    /// The input fields of `trigger` of `app`, with the dynamic options the user's
    /// `connection` unlocks. The endpoint requires the parameter, so for triggers without a
    /// connection (Webhooks by Zapier) it is sent empty. Idempotent for the retry rule.
    ///
    /// Check inputs against the fields with
    /// [`Subscription::validated`](crate::Subscription::validated), or let
    /// [`Inboxes::ensure_validated`](crate::inboxes::Inboxes::ensure_validated) do it.
    ///
    /// ```no_run
    /// # async fn example(client: zapier_embed::Client, connection: zapier_embed::connections::Connection) -> zapier_embed::Result<()> {
    /// let fields = client
    ///     .triggers()
    ///     .input_fields("slack", "channel_message", Some(&connection.connection_id()))
    ///     .await?;
    /// let required: Vec<_> = fields.iter().filter(|f| f.is_required).map(|f| &f.key).collect();
    /// # Ok(()) }
    /// ```
    pub async fn input_fields(
        &self,
        app: &str,
        trigger: &str,
        connection: Option<&ConnectionId>,
    ) -> Result<Vec<InputField>, Error> {
        crate::checks::require_key(INPUT_FIELDS.name, "app", app)?;
        crate::checks::require_key(INPUT_FIELDS.name, "trigger", trigger)?;
        let (app, trigger) = (app.to_owned(), trigger.to_owned());
        let connection = connection.map(ToString::to_string);
        self.client
            .inner
            .call(&INPUT_FIELDS, None, move |api| {
                wire::trigger_input_fields(
                    api,
                    &INPUT_FIELDS,
                    app.clone(),
                    trigger.clone(),
                    connection.clone(),
                )
            })
            .await
    }

    /// `subscription` with its inputs checked against its trigger's input fields (fetched
    /// with [`input_fields`](Triggers::input_fields)): required fields present, values of
    /// the declared type, defaults filled in. Bad inputs fail with [`Error::Validation`]
    /// under `operation`, naming every bad field.
    pub(crate) async fn validate_inputs(
        &self,
        operation: &'static str,
        subscription: &Subscription,
    ) -> Result<Subscription, Error> {
        let fields = self
            .input_fields(
                &subscription.app,
                &subscription.trigger,
                subscription.connection.as_ref(),
            )
            .await?;
        subscription
            .validated(&fields)
            .map_err(|e| Error::validation(operation, e.fields))
    }
}

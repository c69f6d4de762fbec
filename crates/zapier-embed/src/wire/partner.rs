//! Partner API: authentications, apps, actions and Action Runs.

use super::*;
use zapier_embed_api::partner;

fn app_id(app: &partner::types::AuthenticationApp) -> String {
    match app {
        partner::types::AuthenticationApp::String(id) => id.clone(),
        partner::types::AuthenticationApp::App(app) => app.id.clone(),
    }
}

pub(crate) async fn authentications(
    api: Api,
    app: String,
    limit: u32,
    start: u64,
) -> Result<Page<Connection>, Failure> {
    let (_, page) = api
        .fetch(&ops::LIST_CONNECTIONS, |c: partner::Client| async move {
            c.get_authentications()
                .app(app)
                .limit(i64::from(limit))
                .offset(offset(start))
                .send()
                .await
        })
        .await?;
    Ok(Page {
        items: page.data.into_iter().map(connection).collect(),
        next: page.links.and_then(|l| l.next),
    })
}

/// A generated authentication as the facade's connection.
fn connection(a: partner::types::Authentication) -> Connection {
    Connection {
        app: app_id(&a.app),
        id: a.id,
        title: a.title,
        is_expired: a.is_expired,
    }
}

pub(crate) async fn apps(api: Api, query: String, limit: u32) -> Result<Vec<App>, Failure> {
    let (_, page) = api
        .fetch(&ops::APPS, |c: partner::Client| async move {
            c.get_v2_apps()
                .query(query)
                .limit(i64::from(limit))
                .send()
                .await
        })
        .await?;
    Ok(page.data.into_iter().map(app).collect())
}

/// A generated app as the facade's (an empty description is none).
fn app(a: partner::types::App) -> App {
    App {
        id: a.id,
        key: a.key,
        title: a.title,
        description: a.description.filter(|d| !d.is_empty()),
        action_types: a
            .action_types
            .iter()
            .map(|t| ActionType::from(t.as_str()))
            .collect(),
    }
}

pub(crate) async fn actions(
    api: Api,
    app: String,
    action_type: Option<ActionType>,
) -> Result<Vec<Action>, Failure> {
    let (_, page) = api
        .fetch(&ops::LIST_ACTIONS, |c: partner::Client| async move {
            let mut request = c.get_actions().app(app);
            if let Some(t) = action_type {
                request = request.action_type(t.as_str().to_owned());
            }
            request.send().await
        })
        .await?;
    Ok(page.data.into_iter().map(action).collect())
}

/// A generated action as the facade's (its app named by id, whether given bare or expanded).
fn action(a: partner::types::Action) -> Action {
    Action {
        app: match &a.app {
            partner::types::ActionApp::String(id) => id.clone(),
            partner::types::ActionApp::App(app) => app.id.clone(),
        },
        id: a.id,
        key: a.key,
        action_type: ActionType::from(a.action_type.as_str()),
        title: a.title,
        description: a.description,
        is_instant: a.is_instant,
    }
}

/// Flattens a root fieldset (input fields, info fields, fieldsets of both) into input fields.
fn flatten_fields(
    op: &Operation,
    status: u16,
    items: Vec<partner::types::RootFieldsetItem>,
) -> Result<Vec<InputField>, Failure> {
    use partner::types::{FieldsetFieldsItem, RootFieldsetItem};
    let mut out = Vec::new();
    for item in items {
        match item {
            RootFieldsetItem::InputField(field) => {
                out.push(convert(op, status, "input field", &field)?)
            }
            RootFieldsetItem::Fieldset(set) => {
                for field in set.fields {
                    if let FieldsetFieldsItem::InputField(field) = field {
                        out.push(convert(op, status, "input field", &field)?);
                    }
                }
            }
            // Info fields are text for a form, not inputs.
            RootFieldsetItem::InfoField(_) => {}
        }
    }
    Ok(out)
}

/// What the requests about one action send: the action, the connection it runs with and the
/// inputs collected so far (the `data` of the field-list, choices and run bodies).
#[derive(Clone)]
pub(crate) struct ActionFields {
    pub(crate) action_id: String,
    pub(crate) authentication: Option<String>,
    pub(crate) inputs: Map<String, Value>,
}

/// Sends one of an action's field lists (`get_fields_inputs`, `get_fields_outputs`): both name
/// the action in the path and send a `data` body of the inputs collected so far.
macro_rules! fetch_action_fields {
    ($api:expr, $op:expr, $request:ident, $action_id:expr, $body:expr) => {
        $api.fetch($op, |c: partner::Client| async move {
            c.$request().action_id($action_id).body($body).send().await
        })
        .await?
    };
}

impl ActionFields {
    /// The fields of `action`, with the connection `connection` and the inputs so far.
    pub(crate) fn new(
        action: &Action,
        connection: Option<&str>,
        inputs: &Map<String, Value>,
    ) -> Self {
        ActionFields {
            action_id: action.id.clone(),
            authentication: connection.map(str::to_owned),
            inputs: inputs.clone(),
        }
    }

    /// The action's input fields, fieldsets flattened.
    pub(crate) async fn inputs(self, api: Api) -> Result<Vec<InputField>, Failure> {
        let op = &ops::INPUTS;
        let body = partner::types::InputFieldsRequest {
            data: partner::types::InputFieldsParams {
                authentication: self.authentication,
                inputs: self.inputs,
            },
        };
        let (status, page) = fetch_action_fields!(api, op, get_fields_inputs, self.action_id, body);
        flatten_fields(op, status, page.data)
    }

    /// The choices of the `SELECT` input `input_id`, page `page`.
    pub(crate) async fn choices(
        self,
        api: Api,
        input_id: String,
        page: u32,
    ) -> Result<Vec<Choice>, Failure> {
        let op = &ops::CHOICES;
        let body = partner::types::ChoiceRequest {
            data: partner::types::ChoiceParams {
                authentication: self.authentication,
                inputs: Some(self.inputs),
            },
        };
        let (_, choices) = api
            .fetch(op, |c: partner::Client| async move {
                c.get_choices()
                    .action_id(self.action_id)
                    .input_id(input_id)
                    .page(page.to_string())
                    .body(body)
                    .send()
                    .await
            })
            .await?;
        Ok(choices
            .data
            .into_iter()
            .map(|c| Choice {
                id: c.id,
                label: c.label,
                value: c.value,
            })
            .collect())
    }

    /// The fields the action outputs for these inputs.
    pub(crate) async fn outputs(self, api: Api) -> Result<Vec<OutputField>, Failure> {
        let op = &ops::OUTPUTS;
        let body = partner::types::OutputFieldsRequest {
            data: partner::types::OutputFieldsParams {
                authentication: self.authentication,
                fetch_live_samples: false,
                inputs: self.inputs,
            },
        };
        let (_, page) = fetch_action_fields!(api, op, get_fields_outputs, self.action_id, body);
        Ok(page
            .data
            .into_iter()
            .map(|f| OutputField {
                id: f.id,
                title: f.title,
                sample: f.sample,
            })
            .collect())
    }

    /// Creates a run of the action (with a `callback_url` only when one is given); answers its
    /// id.
    pub(crate) async fn run(
        self,
        api: Api,
        callback_url: Option<String>,
    ) -> Result<String, Failure> {
        let op = &ops::CREATE_RUN;
        // Checked already (`CallbackUrl`); the generated type checks its length again.
        let callback_url = callback_url
            .map(|url| url.parse::<partner::types::RunActionParamsCallbackUrl>())
            .transpose()
            .map_err(|e| Failure::unsent(invalid_request(op, &format!("callback_url: {e}"))))?;
        let body = partner::types::RunActionRequest {
            data: partner::types::RunActionParams {
                action: self.action_id,
                authentication: self.authentication,
                callback_url,
                inputs: self.inputs,
            },
        };
        let (_, run) = api
            .fetch(op, |c: partner::Client| async move {
                c.create_action_run().body(body).send().await
            })
            .await?;
        Ok(run.data.id)
    }
}

pub(crate) async fn get_run(api: Api, run_id: String) -> Result<RunState, Failure> {
    let op = &ops::GET_RUN;
    let (status, run) = api
        .fetch(op, |c: partner::Client| async move {
            c.retrieve_action_run().id(run_id).send().await
        })
        .await?;
    let run = run.data;
    let errors: Vec<RunError> = convert(op, status, "action run errors", &run.errors)?;
    Ok(RunState {
        status: RunStatus::from(run.status),
        results: run.results,
        errors,
    })
}

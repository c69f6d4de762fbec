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
    op: &Operation,
    app: String,
    limit: u32,
    start: u64,
) -> Result<Page<Connection>, Failure> {
    let (_, page) = api
        .fetch(op, |c: partner::Client| async move {
            c.get_authentications()
                .app(app)
                .limit(i64::from(limit))
                .offset(offset(start))
                .send()
                .await
        })
        .await?;
    Ok(Page {
        items: page
            .data
            .into_iter()
            .map(|a| Connection {
                app: app_id(&a.app),
                id: a.id,
                title: a.title,
                is_expired: a.is_expired,
            })
            .collect(),
        next: page.links.and_then(|l| l.next),
    })
}

pub(crate) async fn apps(
    api: Api,
    op: &Operation,
    query: String,
    limit: u32,
) -> Result<Vec<App>, Failure> {
    let (_, page) = api
        .fetch(op, |c: partner::Client| async move {
            c.get_v2_apps()
                .query(query)
                .limit(i64::from(limit))
                .send()
                .await
        })
        .await?;
    Ok(page
        .data
        .into_iter()
        .map(|a| App {
            id: a.id,
            key: a.key,
            title: a.title,
            description: a.description.filter(|d| !d.is_empty()),
            action_types: a
                .action_types
                .iter()
                .map(|t| ActionType::from(t.as_str()))
                .collect(),
        })
        .collect())
}

pub(crate) async fn actions(
    api: Api,
    op: &Operation,
    app: String,
    action_type: Option<ActionType>,
) -> Result<Vec<Action>, Failure> {
    let (_, page) = api
        .fetch(op, |c: partner::Client| async move {
            let mut request = c.get_actions().app(app);
            if let Some(t) = action_type {
                request = request.action_type(t.as_str().to_owned());
            }
            request.send().await
        })
        .await?;
    Ok(page
        .data
        .into_iter()
        .map(|a| Action {
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
        })
        .collect())
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

/// The request of one of an action's field lists (`get_fields_inputs`, `get_fields_outputs`):
/// both name the action in the path and send a `data` body of the inputs collected so far.
macro_rules! action_fields_request {
    ($request:ident, $action_id:expr, $body:expr) => {
        |c: partner::Client| async move {
            c.$request()
                .action_id($action_id)
                .body($body)
                .send()
                .await
        }
    };
}

pub(crate) async fn action_inputs(
    api: Api,
    op: &Operation,
    action_id: String,
    authentication: Option<String>,
    inputs: Map<String, Value>,
) -> Result<Vec<InputField>, Failure> {
    let body = partner::types::InputFieldsRequest {
        data: partner::types::InputFieldsParams {
            authentication,
            inputs,
        },
    };
    let (status, page) = api
        .fetch(
            op,
            action_fields_request!(get_fields_inputs, action_id, body),
        )
        .await?;
    flatten_fields(op, status, page.data)
}

pub(crate) async fn action_choices(
    api: Api,
    op: &Operation,
    action_id: String,
    input_id: String,
    page: u32,
    authentication: Option<String>,
    inputs: Map<String, Value>,
) -> Result<Vec<Choice>, Failure> {
    let body = partner::types::ChoiceRequest {
        data: partner::types::ChoiceParams {
            authentication,
            inputs: Some(inputs),
        },
    };
    let (_, choices) = api
        .fetch(op, |c: partner::Client| async move {
            c.get_choices()
                .action_id(action_id)
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

pub(crate) async fn action_outputs(
    api: Api,
    op: &Operation,
    action_id: String,
    authentication: Option<String>,
    inputs: Map<String, Value>,
) -> Result<Vec<OutputField>, Failure> {
    let body = partner::types::OutputFieldsRequest {
        data: partner::types::OutputFieldsParams {
            authentication,
            fetch_live_samples: false,
            inputs,
        },
    };
    let (_, page) = api
        .fetch(
            op,
            action_fields_request!(get_fields_outputs, action_id, body),
        )
        .await?;
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

/// Creates an action run (with a `callback_url` only when one is given); answers its id.
pub(crate) async fn create_run(
    api: Api,
    op: &Operation,
    action_id: String,
    authentication: Option<String>,
    inputs: Map<String, Value>,
    callback_url: Option<String>,
) -> Result<String, Failure> {
    // Checked already (`CallbackUrl`); the generated type checks its length again.
    let callback_url = callback_url
        .map(|url| url.parse::<partner::types::RunActionParamsCallbackUrl>())
        .transpose()
        .map_err(|e| Failure::unsent(invalid_request(op, &format!("callback_url: {e}"))))?;
    let body = partner::types::RunActionRequest {
        data: partner::types::RunActionParams {
            action: action_id,
            authentication,
            callback_url,
            inputs,
        },
    };
    let (_, run) = api
        .fetch(op, |c: partner::Client| async move {
            c.create_action_run().body(body).send().await
        })
        .await?;
    Ok(run.data.id)
}

pub(crate) async fn get_run(api: Api, op: &Operation, run_id: String) -> Result<RunState, Failure> {
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

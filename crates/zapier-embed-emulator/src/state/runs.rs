//! Partner API action lookups and action runs.
//!
//! `GET /v2/actions` hands out a fresh id per action per lookup; an action run consumes it. A run
//! with an unknown or already used id is rejected, as the documentation requires a fresh id for
//! every run. Runs stay `waiting` for the configured delay on the emulator clock, then settle to
//! `success` or `error` (missing required input → `user`, expired connection → `authentication`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::Store;
use crate::catalog::{Action, App};
use crate::clock::later;
use crate::error::{ApiError, ApiResult};
use crate::models::partner::{ActionRun, ActionRunError};

#[derive(Debug, Clone)]
struct IssuedAction {
    owner: Uuid,
    app: &'static App,
    action: &'static Action,
    used: bool,
}

#[derive(Debug, Clone)]
struct Run {
    owner: Uuid,
    settles_at: DateTime<Utc>,
    outcome: Result<Vec<Value>, Vec<ActionRunError>>,
}

/// Issued action ids and runs.
#[derive(Debug, Default)]
pub(crate) struct Runs {
    actions: HashMap<String, IssuedAction>,
    runs: HashMap<String, Run>,
}

/// An issued action id and what it refers to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ActionRef {
    /// App.
    pub app: &'static App,
    /// Action.
    pub action: &'static Action,
}

fn run_error(code: &str, title: &str, detail: String) -> ActionRunError {
    ActionRunError {
        code: code.to_owned(),
        title: title.to_owned(),
        detail,
        delay: None,
        meta: None,
    }
}

impl Store {
    /// Issues a fresh, single-use id for `action`.
    pub(crate) fn issue_action_id(
        &mut self,
        owner: Uuid,
        app: &'static App,
        action: &'static Action,
    ) -> String {
        let id = format!("core:{}", Uuid::new_v4().simple());
        self.runs.actions.insert(
            id.clone(),
            IssuedAction {
                owner,
                app,
                action,
                used: false,
            },
        );
        id
    }

    /// Looks up an issued action id (used or not) for field discovery; 404 when unknown.
    pub(crate) fn action_ref(&self, owner: Uuid, id: &str) -> ApiResult<ActionRef> {
        match self.runs.actions.get(id) {
            Some(a) if a.owner == owner => Ok(ActionRef {
                app: a.app,
                action: a.action,
            }),
            _ => Err(ApiError::not_found(format!(
                "No action with id `{id}`; list actions with GET /v2/actions."
            ))),
        }
    }

    /// Validates `authentication` for an app: null for connection-less apps, else one of the
    /// user's connections of that app (404 otherwise). Returns whether it is expired.
    pub(crate) fn check_authentication(
        &self,
        owner: Uuid,
        app: &App,
        authentication: Option<&str>,
        pointer: &str,
    ) -> ApiResult<bool> {
        if !app.needs_connection {
            return Ok(false);
        }
        let Some(id) = authentication else {
            return Err(ApiError::validation(
                pointer,
                format!(
                    "{}: required for {}.",
                    &pointer[1..].replace('/', "."),
                    app.title
                ),
            ));
        };
        match self.users.connection(owner, id) {
            Some(c) if std::ptr::eq(c.app, app) => Ok(c.expired),
            // Another user's connection is as unknown as a made-up id.
            _ => Err(ApiError::not_found(format!(
                "{}: no {} connection `{id}` for this user.",
                &pointer[1..].replace('/', "."),
                app.title
            ))),
        }
    }

    /// Starts a run, consuming the action id.
    pub(crate) fn create_run(
        &mut self,
        owner: Uuid,
        action_id: &str,
        authentication: Option<&str>,
        inputs: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<String> {
        let issued = match self.runs.actions.get(action_id) {
            Some(a) if a.owner == owner && !a.used => a.clone(),
            Some(a) if a.owner == owner => {
                return Err(ApiError::validation(
                    "/data/action",
                    format!(
                        "data.action: action id `{action_id}` was already used; call GET /v2/actions for a fresh id before every run."
                    ),
                ));
            }
            _ => {
                return Err(ApiError::validation(
                    "/data/action",
                    format!(
                        "data.action: unknown action id `{action_id}`; call GET /v2/actions for a fresh id."
                    ),
                ));
            }
        };
        let expired =
            self.check_authentication(owner, issued.app, authentication, "/data/authentication")?;
        if let Some(a) = self.runs.actions.get_mut(action_id) {
            a.used = true;
        }
        let missing: Vec<&str> = issued
            .action
            .inputs
            .iter()
            .filter(|f| f.required && matches!(inputs.get(f.key), None | Some(Value::Null)))
            .map(|f| f.key)
            .collect();
        let outcome = if expired {
            Err(vec![run_error(
                "authentication",
                "Authentication error",
                format!(
                    "The {} connection has expired; reconnect it.",
                    issued.app.title
                ),
            )])
        } else if !missing.is_empty() {
            Err(missing
                .iter()
                .map(|k| {
                    run_error(
                        "user",
                        "Missing required input",
                        format!("Required input `{k}` is missing."),
                    )
                })
                .collect())
        } else {
            let mut result = Map::new();
            result.insert("id".to_owned(), Value::String(Uuid::new_v4().to_string()));
            for (id, _, sample) in issued.action.outputs {
                result.insert((*id).to_owned(), Value::String((*sample).to_owned()));
            }
            for (k, v) in inputs {
                result.insert(k.clone(), v.clone());
            }
            Ok(vec![Value::Object(result)])
        };
        let run_id = Uuid::now_v7().to_string();
        let settles_at = later(now, self.config.action_run_delay);
        self.runs.runs.insert(
            run_id.clone(),
            Run {
                owner,
                settles_at,
                outcome,
            },
        );
        Ok(run_id)
    }

    /// A run's current state; 404 for unknown or foreign runs.
    pub(crate) fn run(&self, owner: Uuid, id: &str, now: DateTime<Utc>) -> ApiResult<ActionRun> {
        let run = self
            .runs
            .runs
            .get(id)
            .filter(|r| r.owner == owner)
            .ok_or_else(|| ApiError::not_found(format!("No action run with id `{id}`.")))?;
        let (status, results, errors) = if now < run.settles_at {
            ("waiting", Vec::new(), Vec::new())
        } else {
            match &run.outcome {
                Ok(r) => ("success", r.clone(), Vec::new()),
                Err(e) => ("error", Vec::new(), e.clone()),
            }
        };
        Ok(ActionRun {
            kind: "run".to_owned(),
            id: id.to_owned(),
            status: status.to_owned(),
            results,
            errors,
        })
    }
}

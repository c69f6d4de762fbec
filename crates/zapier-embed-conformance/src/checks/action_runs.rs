//! The Action Runs round trip: find a fresh action id, run it, poll the run to a documented
//! status.

use std::time::Duration;

use serde_json::{Value, json};

use crate::context::Ctx;
use crate::http::Reply;
use crate::verdict::{Checked, Verdict, ensure, fail, skip};

/// Statuses the specification (`success`, `error`, `waiting`) and the guide (`queued`,
/// `running`, `success`, `error`) document.
const DOCUMENTED: &[&str] = &["success", "error", "waiting", "queued", "running"];

/// `GET` a Partner API path; the guides spell it with a trailing slash, the specification
/// without: the specification's spelling first, the guide's on 404.
async fn get_either(ctx: &Ctx, path_and_query: &str) -> Result<Reply, Verdict> {
    let url = format!("{}{path_and_query}", ctx.target.api_url);
    let reply = ctx.get(&url).await?;
    if reply.status != 404 {
        return Ok(reply);
    }
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    ctx.get(&format!("{}{path}/{query}", ctx.target.api_url))
        .await
}

fn data(reply: &Reply) -> &[Value] {
    reply.body["data"].as_array().map_or(&[], Vec::as_slice)
}

pub(super) async fn round_trip(ctx: &Ctx) -> Checked {
    let Some(spec) = &ctx.target.action_run else {
        skip!("no action configured (the action's app, key and inputs)");
    };
    let apps = get_either(ctx, &format!("/v2/apps?query={}", spec.app_query)).await?;
    ensure!(apps.status == 200, "listing apps: {}", apps.describe());
    let wanted = spec.app_query.to_ascii_lowercase();
    let Some(app) = data(&apps).iter().find(|a| {
        [&a["key"], &a["title"]]
            .iter()
            .any(|v| v.as_str().is_some_and(|s| s.to_ascii_lowercase() == wanted))
    }) else {
        fail!(
            "no app with key or title `{}`: {}",
            spec.app_query,
            apps.describe()
        );
    };
    let Some(app_id) = app["id"].as_str() else {
        fail!("the app has no string `id`: {app}");
    };
    let actions = get_either(ctx, &format!("/v2/actions?app={app_id}&action_type=WRITE")).await?;
    ensure!(
        actions.status == 200,
        "listing actions: {}",
        actions.describe()
    );
    let Some(action_id) = data(&actions)
        .iter()
        .find(|a| a["key"] == spec.action_key.as_str())
        .and_then(|a| a["id"].as_str())
    else {
        fail!(
            "no WRITE action `{}`: {}",
            spec.action_key,
            actions.describe()
        );
    };
    let connections = get_either(ctx, &format!("/v2/authentications?app={app_id}")).await?;
    let authentication = data(&connections)
        .iter()
        .find(|c| c["is_expired"] == false)
        .map_or(Value::Null, |c| c["id"].clone());
    // The specification wraps the body in `data` with `inputs`; the guide sends it flat with
    // `input`. The specification's form first, the guide's if the server refuses it.
    let runs = format!("{}/v2/action-runs", ctx.target.api_url);
    let spec_body = json!({"data": {"action": action_id, "authentication": authentication, "inputs": spec.inputs}});
    let mut created = ctx.post(&runs, &spec_body).await?;
    if created.status == 400 || created.status == 404 {
        let guide_body =
            json!({"action": action_id, "authentication": authentication, "input": spec.inputs});
        created = ctx.post(&format!("{runs}/"), &guide_body).await?;
    }
    ensure!(
        created.status == 200 || created.status == 201,
        "creating an Action Run should answer 200: {}",
        created.describe()
    );
    let run = &created.body["data"];
    let Some(run_id) = run["id"].as_str().or(created.body["run_id"].as_str()) else {
        fail!("the created run has no id: {}", created.describe());
    };
    ensure!(
        run["type"] == "run" || run.is_null(),
        "the created run has type `run`: {}",
        created.describe()
    );
    let deadline = tokio::time::Instant::now() + ctx.target.settle_timeout;
    loop {
        let read = get_either(ctx, &format!("/v2/action-runs/{run_id}")).await?;
        ensure!(
            read.status == 200,
            "retrieving the run: {}",
            read.describe()
        );
        let status = read.body["data"]["status"]
            .as_str()
            .or(read.body["status"].as_str())
            .unwrap_or_default();
        ensure!(
            DOCUMENTED.contains(&status),
            "the run's status `{status}` is not a documented one: {}",
            read.describe()
        );
        if status == "success" || status == "error" {
            ensure!(
                read.body["data"]["errors"].is_array() || read.body["errors"].is_array(),
                "a finished run has an `errors` array: {}",
                read.describe()
            );
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            fail!(
                "the run was still `{status}` after {:?}",
                ctx.target.settle_timeout
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

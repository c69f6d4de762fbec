//! The demo's Action Runs step: send messages to Slack through several runs at once.

use super::*;

pub(super) async fn action_runs(
    progress: Progress,
    ctx: &Ctx,
    connection: &str,
    processed: &[Value],
    tally: &mut Tally,
) -> anyhow::Result<((), String)> {
    let results: Vec<String> = futures::stream::iter(processed.iter().cloned())
        .map(|payload| {
            let client = ctx.client.clone();
            let progress = progress.clone();
            async move {
                let text = payload
                    .get("text")
                    .and_then(Value::as_str)
                    .unwrap_or("event")
                    .to_owned();
                let mut inputs = Map::new();
                inputs.insert("channel".to_owned(), Value::String(CHANNEL.to_owned()));
                inputs.insert(
                    "text".to_owned(),
                    Value::String(format!("Processed: {text}")),
                );
                let result = client
                    .actions()
                    .run(APP, ACTION, Some(connection), inputs)
                    .await?;
                progress.note(&format!(
                    "run {}: {ACTION} posted \"Processed: {text}\" to {CHANNEL}",
                    result.run_id
                ));
                progress.inc();
                Ok::<_, Error>(result.run_id)
            }
        })
        .buffer_unordered(RUN_CONCURRENCY)
        .try_collect()
        .await
        .inspect_err(|_| progress.finish())?;
    progress.finish();
    tally.action_runs = results.len() as u64;
    Ok((
        (),
        format!(
            "{} Action Runs of {APP} {ACTION} succeeded, one per processed event",
            results.len()
        ),
    ))
}

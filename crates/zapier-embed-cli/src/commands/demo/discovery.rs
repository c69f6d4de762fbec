//! The demo's first steps, on the user's side: a token, a connection (through the Connect UI
//! when there is none), the triggers, their input fields and the validation of the inputs.

use super::*;

pub(super) async fn token(ctx: &Ctx) -> anyhow::Result<((), String)> {
    // The token itself is never printed.
    let token = ctx.client.access_token().await?;
    anyhow::ensure!(
        !token.expose_secret().is_empty(),
        "the token endpoint answered an empty token"
    );
    Ok((
        (),
        format!("bearer token obtained with {} (not shown)", ctx.credentials),
    ))
}

pub(super) async fn connection(ctx: &Ctx) -> anyhow::Result<(String, String)> {
    let connections = ctx.client.connections();
    if !ctx.force_connect
        && let Some(found) = connections.first_valid(APP).await?
    {
        let all = connections.list(APP).await?;
        let expired = all.iter().filter(|c| c.is_expired).count();
        return Ok((
            found.id.clone(),
            format!(
                "reusing valid {APP} connection {} \"{}\" ({} listed, {expired} expired)",
                found.id,
                found.title,
                all.len()
            ),
        ));
    }
    // No valid connection (or --force-connect): connect token, then the Connect UI.
    let token = ctx.client.connect_token(APP).await?;
    let url = ctx.client.connect_url(APP, &token);
    let created = ctx.control.complete_connect(&url).await?;
    let found = connections
        .list(APP)
        .await?
        .into_iter()
        .find(|c| c.id == created && !c.is_expired)
        .ok_or_else(|| {
            anyhow::anyhow!("connection {created} made in the Connect UI is not listed as valid")
        })?;
    Ok((
        found.id.clone(),
        format!(
            "connected a new {APP} account through the Connect UI ({url}): connection {} \"{}\"",
            found.id, found.title
        ),
    ))
}

pub(super) async fn triggers(ctx: &Ctx) -> anyhow::Result<((), String)> {
    let triggers = ctx.client.triggers().list(APP).await?;
    let chosen = triggers
        .iter()
        .find(|t| t.key == TRIGGER)
        .ok_or_else(|| anyhow::anyhow!("{APP} has no trigger {TRIGGER}"))?;
    let keys: Vec<&str> = triggers.iter().map(|t| t.key.as_str()).collect();
    Ok((
        (),
        format!(
            "{APP} has {} trigger(s) [{}]; chose {TRIGGER} \"{}\"",
            triggers.len(),
            keys.join(", "),
            chosen.title
        ),
    ))
}

pub(super) async fn input_fields(
    ctx: &Ctx,
    connection: &str,
) -> anyhow::Result<(Vec<InputField>, String)> {
    let conn = ConnectionId::from(connection);
    let fields = ctx
        .client
        .triggers()
        .input_fields(APP, TRIGGER, Some(&conn))
        .await?;
    let shown: Vec<String> = fields
        .iter()
        .map(|f| {
            let need = if f.is_required {
                "required".to_owned()
            } else {
                match &f.default_value {
                    Some(d) => format!("optional, default {d}"),
                    None => "optional".to_owned(),
                }
            };
            format!("{} ({}, {need})", f.key, f.value_type)
        })
        .collect();
    Ok((fields, shown.join(", ")))
}

pub(super) async fn validation(
    ctx: &Ctx,
    connection: &str,
    fields: &[InputField],
) -> anyhow::Result<(Subscription, String)> {
    let before = requests_answered(&ctx.control.stats().await?);
    // A subscription without the required channel and with a non-boolean flag.
    let bad = Subscription::new(APP, TRIGGER)
        .with_connection(connection)
        .with_input("listen_for_bots", "maybe");
    let rejected = match bad.validated(fields) {
        Ok(_) => anyhow::bail!("the validation accepted inputs without the required channel"),
        Err(e) => e
            .fields
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
    };
    let after = requests_answered(&ctx.control.stats().await?);
    // The stats request itself is not an API request; anything else would be.
    anyhow::ensure!(
        after == before,
        "{} request(s) were sent while validating",
        after - before
    );
    let good = Subscription::new(APP, TRIGGER)
        .with_connection(connection)
        .with_input("channel", CHANNEL)
        .validated(fields)
        .map_err(|e| anyhow::anyhow!("the demo's own inputs were rejected: {e}"))?;
    Ok((
        good.clone(),
        format!(
            "bad inputs rejected before any request ({rejected}); good inputs {}",
            Value::Object(good.inputs.clone())
        ),
    ))
}

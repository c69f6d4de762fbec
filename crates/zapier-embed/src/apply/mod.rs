//! Declarative inboxes: [`plan`] and [`apply`] a declared set of inboxes ([`Declarations`]),
//! the logic behind `zembed inboxes apply`, for programs that keep their inboxes in a file.
//!
//! Each declared inbox is ensured by name
//! ([`Inboxes::ensure_validated`](crate::inboxes::Inboxes::ensure_validated)): created when absent, left
//! alone when it exists with the same subscription, and reported as a conflict when the name
//! holds a different one (an inbox's subscription cannot be changed in place, so there is no
//! "update"). Inputs are validated against the trigger's input fields and defaults filled in
//! first. One entry's failure never stops the others; the result says what happened to each.
//!
//! The file format is [`Declarations`] (serde, JSON or YAML); its JSON Schema, generated from
//! these types, is [`Declarations::json_schema`] and is published in the repository as
//! `schemas/inboxes-apply.schema.json`.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! # let emulator = zapier_embed_emulator::Emulator::builder()
//! #     .activation_delay(std::time::Duration::ZERO).start().await.unwrap();
//! # let host = emulator.addr().to_string();
//! # let client = zapier_embed::Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))?;
//! # let connection = client.connections().first_valid("slack").await?.unwrap().connection_id();
//! use zapier_embed::apply::{self, Declarations, Planned};
//!
//! let declarations: Declarations = serde_json::from_value(serde_json::json!({
//!     "inboxes": [{"name": "support", "app": "slack", "trigger": "channel_message",
//!                  "connection": connection.to_string(), "inputs": {"channel": "C1"}}]
//! })).unwrap();
//! let plan = apply::plan(&client, &declarations).await.unwrap();
//! assert!(matches!(plan.entries[0].action, Planned::Create));
//! let outcome = apply::apply(&client, &declarations).await.unwrap();
//! assert_eq!(outcome.count(apply::EntryKind::Created), 1);
//! assert!(!outcome.has_problems());
//! # Ok::<(), zapier_embed::Error>(()) }).unwrap();
//! ```

mod compare;
mod declarations;
mod outcome;

pub use compare::Difference;
pub use declarations::{DeclarationError, Declarations, DeclaredInbox};
pub use outcome::{Applied, AppliedEntry, EntryKind, Outcome, Plan, PlanEntry, Planned};

use futures::TryStreamExt;

use crate::inboxes::{EnsureOutcome, InboxFilter};
use crate::{Client, Error, Inbox};

/// What applying `declarations` would do, without changing anything: each inbox is looked up by
/// name and compared with its validated declaration.
///
/// Fails only when the declarations themselves are unusable ([`Declarations::check`]); every
/// per-inbox problem (invalid inputs, a conflict, an API failure) is an entry of the plan.
///
/// ```no_run
/// # async fn demo(client: zapier_embed::Client, declarations: zapier_embed::apply::Declarations) {
/// let plan = zapier_embed::apply::plan(&client, &declarations).await.unwrap();
/// for entry in &plan.entries {
///     println!("{}: {:?}", entry.name, entry.action);
/// }
/// # }
/// ```
pub async fn plan(client: &Client, declarations: &Declarations) -> Result<Plan, DeclarationError> {
    declarations.check()?;
    let mut entries = Vec::with_capacity(declarations.inboxes.len());
    for declared in &declarations.inboxes {
        let entry = match plan_one(client, declared).await {
            Ok(entry) => entry,
            Err(error) => PlanEntry {
                name: declared.name.clone(),
                inbox: None,
                action: Planned::from_error(error),
            },
        };
        entries.push(entry);
    }
    Ok(Plan { entries })
}

/// Ensures every inbox `declarations` declares, in order, and reports what happened to each.
///
/// Fails only when the declarations themselves are unusable ([`Declarations::check`]); a
/// conflict, invalid inputs or an API failure of one inbox is its entry's result, and the others
/// are still applied.
///
/// ```no_run
/// # async fn demo(client: zapier_embed::Client, declarations: zapier_embed::apply::Declarations) {
/// let outcome = zapier_embed::apply::apply(&client, &declarations).await.unwrap();
/// if outcome.has_problems() {
///     eprintln!("some inboxes were not applied");
/// }
/// # }
/// ```
pub async fn apply(
    client: &Client,
    declarations: &Declarations,
) -> Result<Outcome, DeclarationError> {
    declarations.check()?;
    let mut entries = Vec::with_capacity(declarations.inboxes.len());
    for declared in &declarations.inboxes {
        let result = client
            .inboxes()
            .ensure_validated(
                &declared.name,
                &declared.subscription(),
                declared.notification_url.as_deref(),
            )
            .await;
        let result = match result {
            Ok(ensured) if ensured.outcome == EnsureOutcome::Created => {
                Applied::Created(ensured.inbox)
            }
            Ok(ensured) => Applied::Unchanged(ensured.inbox),
            Err(error) => Applied::from_error(error),
        };
        entries.push(AppliedEntry {
            name: declared.name.clone(),
            result,
        });
    }
    Ok(Outcome { entries })
}

async fn plan_one(client: &Client, declared: &DeclaredInbox) -> Result<PlanEntry, Error> {
    let subscription = declared.subscription();
    let validated = client
        .triggers()
        .validate_inputs("ensure inbox", &subscription)
        .await?;
    let existing: Vec<Inbox> = client
        .inboxes()
        .list(InboxFilter::new().name(declared.name.clone()))
        .try_collect()
        .await?;
    let Some(found) = existing
        .into_iter()
        .find(|i| i.name.as_deref() == Some(declared.name.as_str()))
    else {
        return Ok(PlanEntry {
            name: declared.name.clone(),
            inbox: None,
            action: Planned::Create,
        });
    };
    let app_keys = app_keys(client, declared).await;
    let differences = compare::differences(&found.subscription, &validated, &app_keys);
    let action = if differences.is_empty() {
        Planned::Unchanged
    } else {
        Planned::Conflict { differences }
    };
    Ok(PlanEntry {
        name: declared.name.clone(),
        inbox: Some(found),
        action,
    })
}

/// The names a declared app may be stored under: as declared, and the trigger's app key (the
/// server stores the versioned key, e.g. `SlackCLIAPI@1.0.0`, for a declared `slack`). A failed
/// trigger lookup only narrows the comparison to the declared name.
async fn app_keys(client: &Client, declared: &DeclaredInbox) -> Vec<String> {
    let mut keys = vec![declared.app.clone()];
    if let Ok(triggers) = client.triggers().list(&declared.app).await {
        keys.extend(
            triggers
                .into_iter()
                .filter(|t| t.key == declared.trigger)
                .filter_map(|t| t.app_key),
        );
    }
    keys
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;
    use zapier_embed_emulator::Emulator;

    use super::*;

    fn declarations(value: serde_json::Value) -> Declarations {
        serde_json::from_value(value).expect("declarations")
    }

    #[tokio::test]
    async fn plan_and_apply_say_what_happens_to_each_inbox() {
        let emulator = Emulator::builder()
            .activation_delay(Duration::ZERO)
            .start()
            .await
            .expect("emulator");
        let host = emulator.addr().to_string();
        let client = Client::from_env_with(|k| (k == "ZAPIER_EMULATOR_HOST").then(|| host.clone()))
            .expect("client");
        let connection = client
            .connections()
            .first_valid("slack")
            .await
            .expect("connections")
            .expect("a seeded connection")
            .connection_id()
            .to_string();
        let inbox = |name: &str, channel: Option<&str>| {
            let mut declared = json!({"name": name, "app": "slack", "trigger": "channel_message",
                                      "connection": connection});
            if let Some(channel) = channel {
                declared["inputs"] = json!({ "channel": channel });
            }
            declared
        };
        let first = declarations(json!({"inboxes": [inbox("support", Some("C1"))]}));
        let outcome = apply(&client, &first).await.expect("apply");
        assert_eq!(outcome.count(EntryKind::Created), 1, "{outcome:?}");
        let again = apply(&client, &first).await.expect("apply again");
        assert_eq!(again.count(EntryKind::Unchanged), 1, "{again:?}");

        // Another channel under the same name, a new inbox, and one without its required input.
        let mixed = declarations(json!({"inboxes": [
            inbox("support", Some("C2")), inbox("new-one", Some("C2")), inbox("no-channel", None)
        ]}));
        let planned = plan(&client, &mixed).await.expect("plan");
        let kinds: Vec<EntryKind> = planned.entries.iter().map(|e| e.action.kind()).collect();
        assert_eq!(
            kinds,
            [
                EntryKind::Conflict,
                EntryKind::WouldCreate,
                EntryKind::Invalid
            ],
            "{planned:?}"
        );
        assert!(
            matches!(&planned.entries[0].action, Planned::Conflict { differences } if differences == &[Difference::Inputs]),
            "{planned:?}"
        );
        assert!(planned.has_problems());
        // The plan changed nothing; applying reports the same, per inbox, and goes on after each.
        let outcome = apply(&client, &mixed).await.expect("apply");
        let kinds: Vec<EntryKind> = outcome.entries.iter().map(|e| e.result.kind()).collect();
        assert_eq!(
            kinds,
            [EntryKind::Conflict, EntryKind::Created, EntryKind::Invalid],
            "{outcome:?}"
        );

        // Unusable declarations are refused before any request.
        let twice = declarations(json!({"inboxes": [inbox("a", None), inbox("a", None)]}));
        assert!(matches!(
            plan(&client, &twice).await,
            Err(DeclarationError::Duplicate { .. })
        ));
    }
}

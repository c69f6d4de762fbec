//! `zembed connections ...`: the user's app accounts.

use clap::{Args, Subcommand};

use crate::args;
use crate::config::GlobalArgs;
use crate::output;

/// `zembed connections`.
#[derive(Debug, Args)]
pub struct ConnectionsCommand {
    /// Connections action.
    #[command(subcommand)]
    pub action: ConnectionsAction,
}

/// Connections subcommands.
#[derive(Debug, Subcommand)]
pub enum ConnectionsAction {
    /// List the user's connections for an app (ID, app as asked, expired, title; `--json` has the
    /// app's id).
    #[command(visible_alias = "list")]
    Ls(LsArgs),
}

/// Flags of `zembed connections ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// App key or slug, e.g. `slack`.
    #[arg(long, value_parser = args::Checked(args::key))]
    pub app: String,
    /// Only connections that are not expired.
    #[arg(long)]
    pub valid: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs a connections subcommand.
pub async fn run(global: &GlobalArgs, cmd: ConnectionsCommand) -> anyhow::Result<()> {
    match cmd.action {
        ConnectionsAction::Ls(args) => ls(global, args).await,
    }
}

async fn ls(global: &GlobalArgs, args: LsArgs) -> anyhow::Result<()> {
    let client = global.client()?;
    let mut connections = client.connections().list(&args.app).await?;
    if args.valid {
        connections.retain(|c| !c.is_expired);
    }
    let label = app_label(&connections, &args.app);
    output::listing(
        &connections,
        args.json,
        &["ID", "APP", "EXPIRED", "TITLE"],
        |c| {
            vec![
                c.id.clone(),
                label(c),
                output::yes_no(c.is_expired),
                c.title.clone(),
            ]
        },
        &format!("no connections for app {}", args.app),
    )
}

/// The APP column: the API answers the app's id (a uuid), which says nothing to a person. The
/// listing is filtered by `--app`, so when every connection carries one app id that id is the
/// app asked for, shown as asked (`slack`); connections of several apps (a server that ignored
/// the filter) keep their ids. `--json` always keeps the server's id.
fn app_label<'a>(
    connections: &[zapier_embed::connections::Connection],
    asked: &'a str,
) -> impl Fn(&zapier_embed::connections::Connection) -> String + 'a {
    let one_app = connections
        .windows(2)
        .all(|pair| pair[0].app == pair[1].app);
    move |c| {
        if one_app {
            asked.to_owned()
        } else {
            c.app.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use zapier_embed::connections::Connection;

    fn connection(app: &str) -> Connection {
        serde_json::from_value(serde_json::json!(
            {"id": "c", "app": app, "title": "t", "is_expired": false}
        ))
        .unwrap()
    }

    #[test]
    fn the_app_is_shown_as_asked_when_the_answer_is_one_app() {
        let one = [connection("81f6"), connection("81f6")];
        assert_eq!(super::app_label(&one, "slack")(&one[0]), "slack");
        let mixed = [connection("81f6"), connection("9a9a")];
        let label = super::app_label(&mixed, "slack");
        assert_eq!(
            (label(&mixed[0]), label(&mixed[1])),
            ("81f6".into(), "9a9a".into())
        );
    }
}

//! `zembed token`: an access token from the configured credentials, for scripts.

use clap::Args;

use crate::config::GlobalArgs;
use crate::output;

/// The long help of `zembed token`.
pub const TOKEN_HELP: &str = "\
Print an access token from the configured credentials on stdout, for scripts (e.g. \
`curl -H \"Authorization: Bearer $(zembed token)\" ...`).

With ZAPIER_CLIENT_ID and ZAPIER_CLIENT_SECRET it runs the client-credentials grant against \
ZAPIER_AUTH_URL (or the emulator); with ZAPIER_ACCESS_TOKEN it prints that token. The token is \
printed nowhere else: not in errors, not in --verbose logs.";

/// Flags of `zembed token`.
#[derive(Debug, Args)]
pub struct TokenArgs {}

/// Runs `zembed token`.
pub async fn run(global: &GlobalArgs, _args: TokenArgs) -> anyhow::Result<()> {
    let client = global.client()?;
    let token = client.access_token().await?;
    output::line(token.expose_secret())
}

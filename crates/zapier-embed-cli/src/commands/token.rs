//! `zembed token`: an access token from the configured credentials, for scripts.

use clap::Args;

use crate::config::GlobalArgs;
use crate::output;

/// Flags of `zembed token`.
#[derive(Debug, Args)]
#[command(
    long_about = "Print an access token from the configured credentials on stdout, for scripts \
                  (e.g. `curl -H \"Authorization: Bearer $(zembed token)\" ...`).\n\n\
                  With ZAPIER_CLIENT_ID and ZAPIER_CLIENT_SECRET it runs the client-credentials \
                  grant against ZAPIER_AUTH_URL (or the emulator); with ZAPIER_ACCESS_TOKEN it \
                  prints that token. The token is printed nowhere else: not in errors, not in \
                  --verbose logs."
)]
pub struct TokenArgs {}

/// Runs `zembed token`.
pub async fn run(global: &GlobalArgs, _args: TokenArgs) -> anyhow::Result<()> {
    let client = global.client()?;
    let token = client.access_token().await?;
    output::line(token.expose_secret())
}

//! Global flags and the facade [`Client`] they configure.
//!
//! Every flag mirrors one `ZAPIER_*` variable that the facade's `ClientBuilder::from_env` reads;
//! a flag wins over its variable. Credentials come from the environment only (a secret on the
//! command line would end up in shell history and `ps`).

use std::io::IsTerminal;

use clap::{Args, ValueEnum};
use zapier_embed::{
    ApiVariant, Client, ClientBuilder, client::ENV_API_URL, client::ENV_API_VARIANT,
    client::ENV_AUTH_URL, client::ENV_EMULATOR_HOST,
};

/// The `User-Agent` of every request the CLI makes.
pub const USER_AGENT: &str = concat!("zembed/", env!("CARGO_PKG_VERSION"));

/// The two documented variants of the Trigger Inbox API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Variant {
    /// Variant A: inboxes addressed by id, batch `lease_id`.
    ById,
    /// Variant B: inboxes addressed by name, per-message `lease_token`.
    ByName,
}

impl Variant {
    /// The spelling `ZAPIER_API_VARIANT` takes.
    pub fn as_env(self) -> &'static str {
        match self {
            Variant::ById => "by-id",
            Variant::ByName => "by-name",
        }
    }

    /// The facade's variant.
    pub fn api(self) -> ApiVariant {
        match self {
            Variant::ById => ApiVariant::ById,
            Variant::ByName => ApiVariant::ByName,
        }
    }
}

/// Flags every command accepts (before or after the subcommand).
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Log what the client does (requests, retries, token refreshes) to stderr; twice for more.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// API base URL, e.g. `https://api.zapier.com`.
    #[arg(long, global = true, env = ENV_API_URL, hide_env_values = true, value_name = "URL")]
    pub api_url: Option<String>,
    /// Base URL of the OAuth token endpoint, e.g. `https://zapier.com`.
    #[arg(long, global = true, env = ENV_AUTH_URL, hide_env_values = true, value_name = "URL")]
    pub auth_url: Option<String>,
    /// host:port (or URL) of a zapier-embed emulator; points the API, token and Connect URLs at it.
    #[arg(long, global = true, env = ENV_EMULATOR_HOST, hide_env_values = true, value_name = "HOST:PORT")]
    pub emulator_host: Option<String>,
    /// Which Trigger Inbox API variant the server speaks.
    #[arg(long, global = true, env = ENV_API_VARIANT, hide_env_values = true, value_enum, value_name = "VARIANT")]
    pub variant: Option<Variant>,
    /// Path prefix of the Trigger Inbox API (Zapier's documents use /trigger-inbox/api/v1, the
    /// default, and /trigger-inbox/v1).
    #[arg(long, global = true, value_name = "PATH")]
    pub inbox_path_prefix: Option<String>,
}

impl GlobalArgs {
    /// Whether the flags or the environment name a server (otherwise the demo runs its own).
    pub fn names_a_server(&self) -> bool {
        self.api_url.is_some() || self.emulator_host.is_some()
    }

    /// A client builder from these flags over the process environment, read exactly as the
    /// facade's `from_env` reads it.
    pub fn builder(&self) -> Result<ClientBuilder, zapier_embed::Error> {
        let empty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        let api_url = empty(&self.api_url);
        let auth_url = empty(&self.auth_url);
        let emulator = empty(&self.emulator_host);
        let variant = self.variant.map(|v| v.as_env().to_owned());
        let lookup = move |key: &str| -> Option<String> {
            match key {
                ENV_API_URL => api_url.clone(),
                ENV_AUTH_URL => auth_url.clone(),
                ENV_EMULATOR_HOST => emulator.clone(),
                ENV_API_VARIANT => variant.clone(),
                other => std::env::var(other).ok(),
            }
        };
        let mut builder = ClientBuilder::from_env_with(lookup)?.user_agent(USER_AGENT);
        if let Some(prefix) = &self.inbox_path_prefix {
            builder = builder.inbox_path_prefix(prefix.clone());
        }
        Ok(builder)
    }

    /// The base URL of the emulator these flags name (`--emulator-host`, else `--api-url`), for
    /// its control API; `None` when they name no server.
    pub fn emulator_url(&self) -> Option<String> {
        let set = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        match (set(&self.emulator_host), set(&self.api_url)) {
            (Some(host), _) if host.contains("://") => Some(host),
            (Some(host), _) => Some(format!("http://{host}")),
            (None, url) => url,
        }
    }

    /// The configured client.
    pub fn client(&self) -> Result<Client, zapier_embed::Error> {
        let client = self.builder()?.build()?;
        tracing::debug!(api_url = client.api_url(), variant = %client.variant(), "client configured");
        Ok(client)
    }
}

/// Turns on tracing output on stderr for `--verbose` (`-v`: debug, `-vv`: trace).
pub fn init_tracing(verbose: u8) {
    if verbose == 0 {
        return;
    }
    let level = if verbose == 1 { "debug" } else { "trace" };
    // The filter is built from the flag alone: configuration comes from flags and `ZAPIER_*`.
    let filter = tracing_subscriber::EnvFilter::new(format!(
        "warn,zapier_embed={level},zembed={level},zapier_embed_emulator=info"
    ));
    // One line per finished API operation (its span closing, with its fields and timing).
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_target(true)
        .try_init();
}

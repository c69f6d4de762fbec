//! `cargo xtask fetch-spec`: downloads Zapier's published Trigger Inbox document.
//!
//! The download lands beside the project's own documents as `openapi/published/trigger-inbox.json`
//! so that a reviewer can diff it against `openapi/trigger-inbox.yaml`; it never replaces the
//! committed document the client is generated from.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// Where Zapier advertises the document (embedded-triggers guide).
pub const PUBLISHED_SPEC_URL: &str = "https://api.zapier.com/trigger-inbox/api/v1/openapi.json";

pub fn run(root: &Path, url: &str) -> Result<()> {
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .new_agent();
    let body = match agent.get(url).call() {
        Ok(mut response) => response
            .body_mut()
            .read_to_string()
            .with_context(|| format!("reading the body of {url}"))?,
        // One line, no backtrace: the usual cause is a machine without network access.
        Err(e) => bail!("could not download {url}: {e} (this command needs network access)"),
    };
    let parsed: serde_json::Value = serde_json::from_str(&body)
        .with_context(|| format!("{url} did not answer with a JSON document"))?;
    let dir = root.join("openapi/published");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let out = dir.join("trigger-inbox.json");
    std::fs::write(&out, serde_json::to_string_pretty(&parsed)? + "\n")
        .with_context(|| format!("writing {}", out.display()))?;
    println!(
        "wrote {} ({} bytes); compare it with openapi/trigger-inbox.yaml",
        out.display(),
        body.len()
    );
    Ok(())
}

//! Project automation, run as `cargo xtask <command>` (alias in `.cargo/config.toml`).
//!
//! - `cargo xtask codegen` regenerates `crates/zapier-embed-api/src/generated/` from `openapi/`.
//! - `cargo xtask codegen --check` regenerates in memory and fails, naming the stale modules and
//!   showing a short diff, when the committed code differs from what the documents produce.
//! - `cargo xtask fetch-spec` downloads Zapier's published Trigger Inbox document into `openapi/`.

mod codegen;
mod fetch;
mod passes;
mod workspace;

use std::process::ExitCode;

use workspace::workspace_root;

const USAGE: &str =
    "usage: cargo xtask codegen [--check] [--verbose]\n       cargo xtask fetch-spec [--url URL]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => {
            let mut check = false;
            let mut verbose = false;
            for arg in &args[1..] {
                match arg.as_str() {
                    "--check" => check = true,
                    "--verbose" | "-v" => verbose = true,
                    other => return usage_error(&format!("unknown codegen flag `{other}`")),
                }
            }
            codegen::run(&workspace_root(), check, verbose)
        }
        Some("fetch-spec") => {
            let url = match &args[1..] {
                [] => fetch::PUBLISHED_SPEC_URL.to_string(),
                [flag, url] if flag == "--url" => url.clone(),
                _ => return usage_error("fetch-spec takes only --url URL"),
            };
            fetch::run(&workspace_root(), &url)
        }
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => return usage_error(&format!("unknown command `{other}`")),
        None => return usage_error("missing command"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}\n{USAGE}");
    ExitCode::from(2)
}

//! `zembed`: the zapier-embed demo and the operator's command-line tool.
//!
//! Subcommands live in [`commands`], one module each; `main` only parses and dispatches. Every
//! Zapier API call goes through the `zapier_embed` facade.

mod args;
mod commands;
mod config;
mod failure;
mod output;
mod signals;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Usage errors exit with 2 (and --help / --version with 0), as clap's own would.
    let cli = match commands::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return failure::report_usage(&err),
    };
    config::init_tracing(cli.global.verbose);
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("error: internal error in zembed{location} (please report it)");
    }));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(failure::EXIT_FAILURE);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => failure::report(&e),
    }
}

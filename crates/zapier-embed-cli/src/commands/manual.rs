//! `zembed completions <shell>` and `zembed man` (both hidden): shell completions and the manual
//! page, rendered from the same clap definition as `--help`, so they never drift from it.
//! Packagers write them at install time, e.g.
//! `zembed completions bash > /usr/share/bash-completion/completions/zembed` and
//! `zembed man > /usr/share/man/man1/zembed.1`.

use std::io::Write;

use anyhow::Context;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;

/// Flags of `zembed completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Writes the completion script for the shell on stdout.
pub fn completions(args: CompletionsArgs) -> anyhow::Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "zembed", &mut script);
    write_stdout(&script)
}

/// Writes the manual page (roff, section 1) on stdout.
pub fn man() -> anyhow::Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .context("rendering the manual page")?;
    write_stdout(&page)
}

fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).context("writing to stdout")?;
    out.flush().context("flushing stdout")
}

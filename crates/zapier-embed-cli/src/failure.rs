//! Exit codes and the one-line error report.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | runtime or API failure |
//! | 2 | usage error: bad flags or arguments, bad configuration, input rejected before any request |
//!
//! clap exits with 2 by itself for the flags it rejects.

use std::process::ExitCode;

/// Exit code of a runtime or API failure.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code of a usage error.
pub const EXIT_USAGE: u8 = 2;

/// A mistake in what the user asked for, found by the CLI itself (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Shorthand for a [`UsageError`] as an `anyhow::Error`.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(message.into()))
}

/// A failure already reported on the output (e.g. a demo step, an apply conflict): exit 1
/// with this one-line summary.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Reported(pub String);

/// The exit code for `err`.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if cause.is::<UsageError>() {
            return EXIT_USAGE;
        }
        if let Some(api) = cause.downcast_ref::<zapier_embed::Error>() {
            return match api {
                // No credentials configured: a refused placeholder client is the setup's fault.
                zapier_embed::Error::Configuration { .. }
                | zapier_embed::Error::MissingCredentials { .. } => EXIT_USAGE,
                // Rejected locally (no HTTP status): the request was never sent.
                zapier_embed::Error::Validation { context, .. } if context.status().is_none() => {
                    EXIT_USAGE
                }
                _ => EXIT_FAILURE,
            };
        }
    }
    EXIT_FAILURE
}

/// `error: <what>` on one line: the causes joined with `: `, any line break flattened.
pub fn one_line(err: &anyhow::Error) -> String {
    let text = format!("{err:#}");
    let flat: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    format!("error: {}", flat.join(" "))
}

/// Whether `err` is stdout closed by the reader (`zembed ... | head`): not worth a message.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Reports a command-line error of clap's (exit 2) with every quoted value shortened to an
/// [`excerpt`](crate::args::excerpt), so that a pasted file or runaway variable is not echoed
/// back in full; `--help` and `--version` are printed unchanged (exit 0).
pub fn report_usage(err: &clap::Error) -> ExitCode {
    if !err.use_stderr() {
        let _ = err.print();
        return ExitCode::SUCCESS;
    }
    eprint!("{}", shorten_quoted(&err.render().to_string()));
    ExitCode::from(EXIT_USAGE)
}

/// `text` with each `'...'` segment cut to an excerpt.
fn shorten_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(4096));
    let mut rest = text;
    while let Some(open) = rest.find('\'') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('\'') {
            Some(close) => {
                out.push_str(&crate::args::quoted_excerpt(&after[..close], '\''));
                rest = &after[close + 1..];
            }
            // An apostrophe in running text: nothing to shorten.
            None => {
                out.push('\'');
                rest = after;
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Prints the error line on stderr and answers the exit code.
pub fn report(err: &anyhow::Error) -> ExitCode {
    if is_broken_pipe(err) {
        return ExitCode::SUCCESS;
    }
    eprintln!("{}", one_line(err));
    ExitCode::from(exit_code(err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_exit_2_anywhere_in_the_chain() {
        let err = usage("bad flag").context("while doing x");
        assert_eq!(exit_code(&err), EXIT_USAGE);
        assert_eq!(exit_code(&anyhow::anyhow!("boom")), EXIT_FAILURE);
    }

    #[test]
    fn facade_errors_map_by_kind() {
        let config = anyhow::Error::new(zapier_embed::Error::configuration("no credentials"));
        assert_eq!(exit_code(&config), EXIT_USAGE);
        let server = anyhow::Error::new(zapier_embed::Error::not_found("get inbox", "No inbox."));
        assert_eq!(exit_code(&server), EXIT_FAILURE);
    }

    #[test]
    fn clap_errors_show_only_the_start_of_overlong_values() {
        let long = "9".repeat(3000);
        let text = format!("error: invalid value '{long}' for '--concurrency <N>': too large\n");
        let short = shorten_quoted(&text);
        assert!(short.len() < 200, "{short}");
        assert!(short.contains("3000 characters") && short.contains("'--concurrency <N>'"));
        assert_eq!(shorten_quoted("a 'b' c"), "a 'b' c");
    }

    #[test]
    fn one_line_flattens() {
        let err = anyhow::anyhow!("first\nsecond").context("outer");
        assert_eq!(one_line(&err), "error: outer: first second");
    }
}

//! What the demo prints: one line per step, progress bars for long phases on a terminal (plain
//! lines otherwise), and the closing summary.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Width of the step-name column.
const NAME_WIDTH: usize = 13;

/// `812 ms` or `1.24 s`.
pub fn elapsed(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// Prints a line on stdout; a closed stdout is not worth a panic (the exit code still tells).
fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// One finished step, for the summary.
#[derive(Debug, Clone)]
pub struct StepRecord {
    pub name: &'static str,
    pub took: Duration,
    pub ok: bool,
}

/// The demo's output: step lines on stdout, progress bars when stdout is a terminal.
#[derive(Debug)]
pub struct Ui {
    tty: bool,
    started: Instant,
    steps: Vec<StepRecord>,
}

impl Ui {
    pub fn new() -> Self {
        Ui {
            tty: std::io::stdout().is_terminal(),
            started: Instant::now(),
            steps: Vec::new(),
        }
    }

    /// Time since the demo started.
    pub fn total(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn steps(&self) -> &[StepRecord] {
        &self.steps
    }

    /// A plain line (headers, the summary).
    pub fn say(&self, text: &str) {
        emit(text);
    }

    /// `✓ name  detail  (took)`.
    pub fn ok(&mut self, name: &'static str, detail: &str, took: Duration) {
        emit(&format!(
            "✓ {name:<NAME_WIDTH$} {detail} ({})",
            elapsed(took)
        ));
        self.steps.push(StepRecord {
            name,
            took,
            ok: true,
        });
    }

    /// `✗ name  error: what`.
    pub fn failed(&mut self, name: &'static str, error: &str, took: Duration) {
        emit(&format!(
            "✗ {name:<NAME_WIDTH$} error: {error} ({})",
            elapsed(took)
        ));
        self.steps.push(StepRecord {
            name,
            took,
            ok: false,
        });
    }

    /// A progress display for a phase of `len` items.
    pub fn progress(&self, name: &'static str, len: u64) -> Progress {
        if self.tty {
            let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stdout());
            let style = ProgressStyle::with_template(&format!(
                "  {name:<NAME_WIDTH$} [{{bar:30.cyan/blue}}] {{pos}}/{{len}} {{wide_msg}}"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(100));
            Progress { bar: Some(bar) }
        } else {
            Progress { bar: None }
        }
    }
}

/// A progress bar on a terminal; plain indented lines otherwise.
#[derive(Debug, Clone)]
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// One item done.
    pub fn inc(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// A detail line: shown as the bar's message on a terminal, printed otherwise.
    pub fn note(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(text.to_owned()),
            None => emit(&format!("    {text}")),
        }
    }

    /// Removes the bar (the step line replaces it).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

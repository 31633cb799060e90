//! Who listens to a run's events and draws them: live progress lines on a
//! terminal ([`ProgressReporter`]), plain lines elsewhere
//! ([`PlainReporter`]), only the errors with `-q` ([`QuietReporter`]), and
//! for programs one JSON object per line ([`JsonReporter`], `--json`;
//! [`Tee`] sends a run to it and to a reporter for people at once). Every
//! reporter writes to an [`Output`] (stderr for people, stdout for JSON, a
//! [`Buffer`] in tests) and reads the time from a [`Clock`], so its whole
//! output can be rendered and compared. Every reporter for people prints
//! each failed daemon's full error (reason, start output, log excerpt)
//! once, after the lines of the run. Nothing here starts or stops anything.
//!
//! Files: `progress.rs`, `plain.rs`, `quiet.rs`, `json.rs` (the
//! reporters), `phrase.rs` (the words they share), `timeline.rs` (when
//! each daemon's steps happened), `failures.rs` (the collected errors),
//! `stopping.rs` (which daemons of a run are being stopped),
//! `output.rs` (the writer and the clock).

mod failures;
mod json;
mod output;
mod phrase;
mod plain;
mod progress;
mod quiet;
mod stopping;
mod timeline;

#[cfg(test)]
mod tests;

use std::io::IsTerminal;
use std::sync::Arc;

pub use json::JsonReporter;
pub use output::{Buffer, Clock, Output, SystemClock};
pub use plain::PlainReporter;
pub use progress::ProgressReporter;
pub use quiet::QuietReporter;

pub use crate::run::Reporter;
use crate::run::RunEvent;

/// How output for people should look, decided once from the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputStyle {
    /// Live progress lines (stderr is a terminal and `CI` is unset).
    pub live: bool,
    /// Colours (a terminal, and `NO_COLOR` unset or empty).
    pub color: bool,
    /// `-q`: only errors.
    pub quiet: bool,
}

impl OutputStyle {
    /// The style for this process's stderr and environment.
    pub fn detect(quiet: bool) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let set = |name: &str| std::env::var_os(name).is_some_and(|value| !value.is_empty());
        OutputStyle {
            live: terminal && !set("CI"),
            color: terminal && !set("NO_COLOR"),
            quiet,
        }
    }

    /// The reporter for this style.
    pub fn reporter(self) -> Arc<dyn Reporter> {
        if self.quiet {
            Arc::new(QuietReporter::new())
        } else if self.live {
            Arc::new(ProgressReporter::new(self.color))
        } else {
            Arc::new(PlainReporter::new())
        }
    }
}

/// Sends every event to each of its reporters, in order: `--json` lines
/// on stdout and the lines for people on stderr.
pub struct Tee(pub Vec<Arc<dyn Reporter>>);

impl Reporter for Tee {
    fn report(&self, event: &RunEvent<'_>) {
        for reporter in &self.0 {
            reporter.report(event);
        }
    }
}

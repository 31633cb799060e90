//! Who listens to a run's events and draws them: live progress lines on a
//! terminal ([`ProgressReporter`]), plain lines elsewhere
//! ([`PlainReporter`]), only the errors with `-q` ([`QuietReporter`]).
//! Every reporter writes to stderr; every reporter prints each failed
//! daemon's full error (reason, start output, log excerpt) once, after the
//! lines of the run. Nothing here starts or stops anything.
//!
//! Files: `progress.rs`, `plain.rs`, `quiet.rs` (the reporters),
//! `phrase.rs` (the words they share), `failures.rs` (the collected errors).

mod failures;
mod phrase;
mod plain;
mod progress;
mod quiet;

use std::io::IsTerminal;
use std::sync::Arc;

pub use plain::PlainReporter;
pub use progress::ProgressReporter;
pub use quiet::QuietReporter;

pub use crate::run::Reporter;

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

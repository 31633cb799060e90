//! `-q`: nothing but the errors, printed when the run is over.

use super::Reporter;
use super::failures::Failures;
use super::output::Output;
use crate::run::RunEvent;

/// Prints only the full error of each daemon that failed.
#[derive(Debug)]
pub struct QuietReporter {
    out: Output,
    failures: Failures,
}

impl QuietReporter {
    /// A reporter writing errors to stderr.
    pub fn new() -> Self {
        Self::to(Output::stderr())
    }

    /// A reporter writing errors to `out`.
    pub fn to(out: Output) -> Self {
        QuietReporter {
            out,
            failures: Failures::default(),
        }
    }
}

impl Default for QuietReporter {
    fn default() -> Self {
        Self::new()
    }
}

impl Reporter for QuietReporter {
    fn report(&self, event: &RunEvent<'_>) {
        self.failures.collect(event);
        if let RunEvent::Summary(_) = event {
            let errors = self.failures.take();
            if !errors.is_empty() {
                self.out.line(&errors.join("\n\n"));
            }
        }
    }
}

//! `-q`: nothing but the errors, printed when the run is over.

use std::io::Write;

use super::Reporter;
use super::failures::Failures;
use crate::run::RunEvent;

/// Prints only the full error of each daemon that failed.
#[derive(Debug, Default)]
pub struct QuietReporter {
    failures: Failures,
}

impl QuietReporter {
    /// A reporter writing errors to stderr.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Reporter for QuietReporter {
    fn report(&self, event: &RunEvent<'_>) {
        self.failures.collect(event);
        if let RunEvent::Summary(_) = event {
            let errors = self.failures.take();
            if !errors.is_empty() {
                let _ = writeln!(std::io::stderr().lock(), "{}", errors.join("\n\n"));
            }
        }
    }
}

//! The full errors of the daemons that failed during a run, kept until the
//! run is over so they are printed after its lines, once each.

use std::sync::Mutex;

use crate::run::RunEvent;

/// Collected error messages, in the order the failures happened.
#[derive(Debug, Default)]
pub(crate) struct Failures(Mutex<Vec<String>>);

impl Failures {
    /// Keeps the error of a `Failed` (or `ExitedAfterReady`) event; ignores
    /// every other event.
    pub(crate) fn collect(&self, event: &RunEvent<'_>) {
        if let RunEvent::Failed { error, .. } | RunEvent::ExitedAfterReady { error, .. } = event {
            self.lock().push(error.to_string());
        }
    }

    /// The collected messages, each as `error: MESSAGE` and separated by
    /// blank lines; empties the collection.
    pub(crate) fn take(&self) -> Vec<String> {
        self.lock()
            .drain(..)
            .map(|message| format!("error: {message}"))
            .collect()
    }

    /// The summary line, then each collected message after a blank line.
    pub(crate) fn after(&self, summary: &str) -> String {
        let mut text = summary.to_string();
        for error in self.take() {
            text.push_str("\n\n");
            text.push_str(&error);
        }
        text
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

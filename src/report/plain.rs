//! Plain lines for pipes, CI logs and dumb terminals: one line per change
//! of a daemon's state, `redis: ready in 212ms (pid 4242)`, never an escape
//! code.

use std::io::Write;
use std::sync::Mutex;

use super::Reporter;
use super::failures::Failures;
use super::phrase;
use crate::run::{Action, RunEvent};

/// Writes one plain line per state change to stderr.
#[derive(Debug)]
pub struct PlainReporter {
    action: Mutex<Action>,
    failures: Failures,
}

impl PlainReporter {
    /// A reporter writing to stderr.
    pub fn new() -> Self {
        PlainReporter {
            action: Mutex::new(Action::Up),
            failures: Failures::default(),
        }
    }

    fn action(&self) -> Action {
        *self
            .action
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Default for PlainReporter {
    fn default() -> Self {
        Self::new()
    }
}

impl Reporter for PlainReporter {
    fn report(&self, event: &RunEvent<'_>) {
        self.failures.collect(event);
        let line = match event {
            RunEvent::Begin { action, .. } => {
                *self
                    .action
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = *action;
                return;
            }
            RunEvent::Waiting {
                daemon,
                waiting_for,
            } => format!("{daemon}: waiting for {}", waiting_for.join(", ")),
            // A stop says "stopping (pid N)" when it signals; a daemon that
            // is not running gets its own line.
            RunEvent::Begun { .. } if self.action() == Action::Down => return,
            RunEvent::Begun { daemon } => format!("{daemon}: {}", phrase::begun(self.action())),
            RunEvent::Controller { daemon, event } => match phrase::phase(event) {
                Some(phase) => format!("{daemon}: {phase}"),
                None => return,
            },
            RunEvent::Ready {
                daemon,
                pid,
                elapsed,
            } => format!("{daemon}: {}", phrase::ready(*pid, *elapsed)),
            RunEvent::AlreadyRunning { daemon, pid } => {
                format!("{daemon}: {}", phrase::already_running(*pid))
            }
            RunEvent::Stopped {
                daemon,
                pid,
                elapsed,
            } => format!("{daemon}: {}", phrase::stopped(*pid, *elapsed)),
            RunEvent::NotRunning { daemon } => format!("{daemon}: {}", phrase::NOT_RUNNING),
            RunEvent::TaskDone { daemon, elapsed } => {
                format!("{daemon}: {}", phrase::task_ran(*elapsed))
            }
            RunEvent::TaskUpToDate { daemon } => format!("{daemon}: {}", phrase::UP_TO_DATE),
            RunEvent::Failed {
                daemon, elapsed, ..
            } => format!("{daemon}: {}", phrase::failed(*elapsed)),
            RunEvent::Skipped { daemon, cause } => format!("{daemon}: {}", phrase::skipped(cause)),
            RunEvent::Summary(summary) => self.failures.after(&phrase::summary(summary)),
            other => match phrase::notice(other) {
                Some(line) => line,
                None => return,
            },
        };
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
}

//! Which daemons of a run are being stopped. A converging `up` stops some
//! daemons and starts them again in one run (`run/converge_run.rs`), its
//! stops announced by a `down` [`RunEvent::Begin`] and its starts by an
//! `up` one, with their events interleaved; so a reporter tells a daemon's
//! stop from its start by this, not by the run's last `Begin`. A daemon is
//! being stopped from the `down` `Begin` that names it until its stop's
//! outcome (stopped, not running, failed or skipped).

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};

use crate::run::{Action, RunEvent};

/// The daemons whose stop was announced and has no outcome yet.
#[derive(Debug, Default)]
pub(crate) struct Stopping(Mutex<HashSet<String>>);

impl Stopping {
    /// What `daemon` is at: its stop, or else a start.
    pub(crate) fn action_of(&self, daemon: &str) -> Action {
        if self.lock().contains(daemon) {
            Action::Down
        } else {
            Action::Up
        }
    }

    /// Takes in `event`, once it was drawn (so that a stop's outcome is
    /// drawn as the stop's).
    pub(crate) fn record(&self, event: &RunEvent<'_>) {
        let mut stopping = self.lock();
        match event {
            RunEvent::Begin {
                action: Action::Down,
                daemons,
            } => stopping.extend(daemons.iter().cloned()),
            RunEvent::Stopped { daemon, .. }
            | RunEvent::NotRunning { daemon }
            | RunEvent::Failed { daemon, .. }
            | RunEvent::Skipped { daemon, .. } => {
                stopping.remove(*daemon);
            }
            RunEvent::Summary(_) => stopping.clear(),
            _ => {}
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashSet<String>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

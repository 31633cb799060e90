//! `is_running`, `pid` and `status`: what the pid file, the process and the
//! ping say right now, without taking the lock and without changing
//! anything.

use super::running::{self, PidCheck};
use super::state::StartedState;
use super::{DaemonController, DaemonState, Status, leftover, lock, ping_check, process};

impl DaemonController {
    /// True when the pid file is valid and names this daemon's live process.
    pub fn is_running(&self) -> bool {
        self.pid().is_some()
    }

    /// The daemon's pid when it is running.
    pub fn pid(&self) -> Option<u32> {
        match running::check(&self.spec) {
            Ok(PidCheck::Running { pid, .. }) => Some(pid),
            _ => None,
        }
    }

    /// State, pid and uptime, as `devup status` shows them. A ping that only
    /// makes sense during a start (`log`, `notify`) is not tried.
    pub fn status(&self) -> Status {
        let status = self.status_now();
        // A start in progress: its marker is there and its lock is held,
        // and the process, if there is one yet, is not recorded as started
        // (the state file is written at ready; a stop command holds the
        // marker and the lock too, but of a recorded daemon).
        let recorded = || {
            StartedState::read(&self.spec.state_file)
                .is_some_and(|state| Some(state.pid) == status.pid)
        };
        if leftover::pending(&self.spec) && lock::is_held(&self.spec.lock_file) && !recorded() {
            return Status {
                state: DaemonState::Starting,
                ..status
            };
        }
        status
    }

    fn status_now(&self) -> Status {
        match running::check(&self.spec) {
            Ok(PidCheck::Running { pid, start_ticks }) => Status {
                state: if self.responds(ping_check::CHECK_TIMEOUT) {
                    DaemonState::Running
                } else {
                    DaemonState::Unresponsive
                },
                pid: Some(pid),
                uptime: Some(process::age(start_ticks)),
            },
            Ok(PidCheck::Missing) => Status {
                state: DaemonState::Stopped,
                pid: None,
                uptime: None,
            },
            Ok(PidCheck::Stale { .. }) | Err(_) => Status {
                state: DaemonState::Stale,
                pid: None,
                uptime: None,
            },
        }
    }
}

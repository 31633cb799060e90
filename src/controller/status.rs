//! `is_running`, `pid` and `status`: what the pid file, the process and the
//! ping say right now, without taking the lock and without changing
//! anything.

use super::running::{self, PidCheck};
use super::{DaemonController, DaemonState, Status, ping_check, process};

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

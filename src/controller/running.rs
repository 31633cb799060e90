//! What "running" means (SPEC §3): the pid file holds a valid pid, its
//! process is alive (not a zombie), and it is the process the pid file was
//! written for. A pid is taken as reused, so stale, when devup's state file
//! says it started a process with this pid at another time, or, when devup
//! did not record this pid, when its process started after the pid file was
//! last written. Start times count clock ticks (10 ms), so the state file
//! also records the process's pidfd inode, which tells apart a process that
//! reused the pid within the same tick (see `process::identity`).

use std::time::Duration;

use super::pid_file::{self, PidFileContent};
use super::process;
use super::state::StartedState;
use super::{DaemonSpec, Event};
use crate::error::{Error, Result};

/// A process may have started this long after its pid file was written
/// (clock-tick rounding of the start time, file systems with coarse mtimes).
const START_TIME_SLACK: Duration = Duration::from_secs(1);

/// The verdict on a daemon's pid file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PidCheck {
    /// No pid file.
    Missing,
    /// A pid file that must not be trusted.
    Stale {
        /// The pid it named, when it named one.
        pid: Option<u32>,
        /// Why it is stale, for people.
        reason: String,
    },
    /// The daemon runs.
    Running {
        /// Its pid.
        pid: u32,
        /// Its start time in clock ticks since boot.
        start_ticks: u64,
    },
}

/// Checks the daemon's pid file, its process and the state file.
pub(crate) fn check(spec: &DaemonSpec) -> Result<PidCheck> {
    let content = pid_file::read(&spec.pid_file).map_err(|error| Error::PidFile {
        daemon: spec.name.clone(),
        path: spec.pid_file.clone(),
        reason: format!("cannot read it: {error}"),
    })?;
    let (pid, written) = match content {
        PidFileContent::Missing => return Ok(PidCheck::Missing),
        PidFileContent::Corrupt(reason) => return Ok(PidCheck::Stale { pid: None, reason }),
        PidFileContent::Pid { pid, written } => (pid, written),
    };
    let stale = |reason: String| {
        Ok(PidCheck::Stale {
            pid: Some(pid),
            reason,
        })
    };
    let Some(stat) = process::stat(pid).filter(|stat| stat.is_alive()) else {
        return stale(format!("process {pid} is not running"));
    };
    // What devup recorded when it started this pid, in this boot, is the
    // strongest evidence either way: the same start time proves identity
    // (even if the wall clock jumped since), another one proves reuse.
    let recorded = StartedState::read(&spec.state_file)
        .filter(|state| state.pid == pid && state.boot_id == process::boot_id());
    match recorded {
        Some(state)
            if state.start_ticks == stat.start_ticks
                && state.process_id.is_none_or(|recorded| {
                    process::identity(pid).is_none_or(|now| now == recorded)
                }) => {}
        Some(_) => {
            return stale(format!(
                "pid {pid} belongs to another process than the one devup started"
            ));
        }
        None if process::start_time(stat.start_ticks) > written + START_TIME_SLACK => {
            return stale(format!(
                "pid {pid} belongs to a process that started after the pid file was written"
            ));
        }
        None => {}
    }
    Ok(PidCheck::Running {
        pid,
        start_ticks: stat.start_ticks,
    })
}

/// Removes a stale pid file and the state file, and reports it.
pub(crate) fn remove_stale(
    spec: &DaemonSpec,
    reason: String,
    emit: impl FnOnce(Event),
) -> Result<()> {
    pid_file::remove(&spec.pid_file).map_err(|error| Error::PidFile {
        daemon: spec.name.clone(),
        path: spec.pid_file.clone(),
        reason: format!("cannot remove the stale pid file: {error}"),
    })?;
    let _ = StartedState::remove(&spec.state_file);
    emit(Event::StalePidFile {
        path: spec.pid_file.clone(),
        reason,
    });
    Ok(())
}

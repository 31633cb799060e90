//! What "running" means (SPEC §3): the pid file holds a valid pid, its
//! process is alive (not a zombie), this user may signal it, and it is the
//! process the pid file was written for. devup's state file decides first:
//! when the process it recorded is alive (same start time and pidfd
//! identity), that is the daemon, whatever the pid file says. Otherwise a
//! pid is taken as reused, so stale, when the state file recorded this pid
//! at another start time, or a process started after the one the state
//! records started before it, or (nothing recorded) its process started
//! after the pid file was last written. Start times count clock ticks
//! (10 ms), so the state file also records the process's pidfd inode,
//! which tells apart a process that reused the pid within the same tick
//! (see `process::identity`). A process of another user (EPERM to signal
//! 0) is never the daemon: devup could not stop it.
use std::time::Duration;

use super::handle::ProcessHandle;
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
///
/// When devup's state file names a live process that is the one devup
/// started (same start time, same pidfd identity), that state decides: the
/// daemon runs with that pid, whatever the pid file says (overwritten to
/// name another process, removed, corrupt, or read through a directory
/// replaced by a symlink). A pid file that disagrees with a live recorded
/// daemon is never trusted to signal anything.
pub(crate) fn check(spec: &DaemonSpec) -> Result<PidCheck> {
    inspect(spec).map(|inspection| inspection.check)
}

/// What one look at a daemon's pid file and state file found.
#[derive(Debug)]
pub(crate) struct Inspection {
    /// The verdict, as [`check`] gives it.
    pub check: PidCheck,
    /// When the state file decided that the daemon runs but its pid file
    /// is corrupt: why that pid file is not trusted. Such a file is stale
    /// all the same (SPEC §3), to be removed under the lock
    /// ([`check_removing_corrupt`]).
    pub corrupt: Option<String>,
    /// The state file as the check read it, for a caller that needs it too
    /// (one read instead of two).
    pub state: Option<StartedState>,
    /// A handle on the daemon the state file records, opened by the check
    /// to verify it, for a caller that signals it next (a stop).
    pub handle: Option<ProcessHandle>,
}

/// [`check`], with what else the look found.
pub(crate) fn inspect(spec: &DaemonSpec) -> Result<Inspection> {
    let content = pid_file::read(&spec.pid_file).map_err(|error| Error::PidFile {
        daemon: spec.name.clone(),
        path: spec.pid_file.clone(),
        reason: format!("cannot read it: {error}"),
    })?;
    let state = StartedState::read(&spec.state_file);
    let recorded = state
        .as_ref()
        .filter(|state| state.boot_id == process::boot_id());
    if let Some(recorded) = recorded
        && let Some(handle) = recorded_alive(recorded)
    {
        let start_ticks = handle.start_ticks();
        let corrupt = match content {
            PidFileContent::Corrupt(reason) => Some(reason),
            _ => None,
        };
        let check = PidCheck::Running {
            pid: recorded.pid,
            start_ticks,
        };
        return Ok(Inspection {
            check,
            corrupt,
            state,
            handle: Some(handle),
        });
    }
    let check = inspect_content(content, recorded)?;
    Ok(Inspection {
        check,
        corrupt: None,
        state,
        handle: None,
    })
}

/// The verdict on a pid file's `content` when the state file (`recorded`)
/// names no live daemon.
fn inspect_content(content: PidFileContent, recorded: Option<&StartedState>) -> Result<PidCheck> {
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
    if !process::can_signal(pid) {
        return stale(format!(
            "pid {pid} belongs to a process of another user, which devup cannot signal"
        ));
    }
    // What devup recorded when it started a process, in this boot, is the
    // strongest evidence: the recorded pid with another start time is a
    // reuse, and a process older than the one devup started cannot be the
    // daemon, whatever the pid file's age.
    match recorded {
        // The recorded process itself would have been taken above.
        Some(state) if state.pid == pid => {
            return stale(format!(
                "pid {pid} belongs to another process than the one devup started"
            ));
        }
        Some(state) if stat.start_ticks < state.start_ticks => {
            return stale(format!(
                "pid {pid} belongs to a process older than the one devup started (pid {})",
                state.pid
            ));
        }
        _ if process::start_time(stat.start_ticks) > written + START_TIME_SLACK => {
            return stale(format!(
                "pid {pid} belongs to a process that started after the pid file was written"
            ));
        }
        _ => {}
    }
    Ok(PidCheck::Running {
        pid,
        start_ticks: stat.start_ticks,
    })
}

/// A handle on the process `state` records, when that very process is
/// alive (its start time and identity the recorded ones) and this user may
/// signal it; `None` otherwise.
fn recorded_alive(state: &StartedState) -> Option<ProcessHandle> {
    // Alive with the recorded start time, checked after its pidfd was
    // opened: the pidfd is then that process's, and says its identity.
    let handle = ProcessHandle::open(state.pid, Some(state.start_ticks))?;
    let same = state
        .process_id
        .is_none_or(|recorded| handle.identity().is_none_or(|now| now == recorded));
    (same && process::can_signal(state.pid)).then_some(handle)
}

/// [`check`], under the lock: a corrupt pid file found next to the live
/// daemon the state file records is removed and reported first (the state
/// file, which names the daemon, stays, and so does the verdict it gave).
pub(crate) fn check_removing_corrupt(
    spec: &DaemonSpec,
    emit: impl FnOnce(Event),
) -> Result<PidCheck> {
    inspect_removing_corrupt(spec, emit).map(|inspection| inspection.check)
}

/// [`check_removing_corrupt`], with what else the look found.
pub(crate) fn inspect_removing_corrupt(
    spec: &DaemonSpec,
    emit: impl FnOnce(Event),
) -> Result<Inspection> {
    let mut inspection = inspect(spec)?;
    if let Some(reason) = inspection.corrupt.take() {
        pid_file::remove_pid_file(&spec.pid_file).map_err(|error| Error::PidFile {
            daemon: spec.name.clone(),
            path: spec.pid_file.clone(),
            reason: format!("cannot remove the corrupt pid file: {error}"),
        })?;
        emit(Event::StalePidFile {
            path: spec.pid_file.clone(),
            reason,
        });
    }
    Ok(inspection)
}

/// Removes a stale pid file and the state file, and reports it.
pub(crate) fn remove_stale(
    spec: &DaemonSpec,
    reason: String,
    emit: impl FnOnce(Event),
) -> Result<()> {
    pid_file::remove_pid_file(&spec.pid_file).map_err(|error| Error::PidFile {
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

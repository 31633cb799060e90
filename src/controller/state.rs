//! The state file: what devup itself started (pid, process start time, boot
//! id), so that a pid file naming a live process that is not the one devup
//! started is recognized as stale even when the pid file is older than the
//! process. Written at ready (temp file + rename, mode 0600), removed at
//! stop. A state file about another pid or another boot says nothing.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::pid_file;

/// What devup records about a daemon it started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StartedState {
    /// The daemon's pid.
    pub pid: u32,
    /// Its start time in clock ticks since boot (`/proc/PID/stat` field 22).
    pub start_ticks: u64,
    /// The boot the ticks count from.
    pub boot_id: String,
    /// The pidfd inode of the process (see `process::identity`): tells it
    /// from a process that reused its pid within the same clock tick.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_id: Option<u64>,
    /// Started by `devup exec` or a [`crate::Session`] (stopped by the last
    /// lease holder out), rather than by `devup`/`up`/`restart`; see
    /// `lease.rs`. Older state files lack it: persistent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ephemeral: bool,
}

impl StartedState {
    /// Reads the state file; `None` when it is missing or unreadable (a
    /// state file only ever adds doubt, so a bad one is ignored).
    pub(crate) fn read(path: &Path) -> Option<StartedState> {
        let text = std::fs::read(path).ok()?;
        if text.len() > 4096 {
            return None;
        }
        serde_json::from_slice(&text).ok()
    }

    /// Writes the state file atomically, mode 0600.
    pub(crate) fn write(&self, path: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        pid_file::write_atomically(path, &json, 0o600)
    }

    /// Records whether the daemon `pid` (the one this state file is about)
    /// is ephemeral; a state file about another pid is left alone. The
    /// caller holds the daemon's lock.
    pub(crate) fn set_ephemeral(path: &Path, pid: u32, ephemeral: bool) -> std::io::Result<()> {
        match StartedState::read(path) {
            Some(mut state) if state.pid == pid && state.ephemeral != ephemeral => {
                state.ephemeral = ephemeral;
                state.write(path)
            }
            _ => Ok(()),
        }
    }

    /// Removes the state file; a missing one is fine.
    pub(crate) fn remove(path: &Path) -> std::io::Result<()> {
        pid_file::remove(path)
    }
}

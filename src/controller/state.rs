//! The state file: what devup itself started (pid, process start time, boot
//! id), so that a pid file naming a live process that is not the one devup
//! started is recognized as stale even when the pid file is older than the
//! process. Written at ready (temp file + rename, mode 0600), removed at
//! stop, each time with its copy outside the project (`state_backup.rs`),
//! read when the state file is gone. A state file about another pid or
//! another boot says nothing.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{pid_file, state_backup};

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
}

impl StartedState {
    /// Reads the state file; `None` when it is missing or unreadable (a
    /// state file only ever adds doubt, so a bad one is ignored).
    pub(crate) fn read(path: &Path) -> Option<StartedState> {
        // A state file removed with `.devup` while its daemon runs: the
        // copy outside the project still knows it (state_backup.rs).
        let text = match std::fs::read(path) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                std::fs::read(state_backup::path(path)?).ok()?
            }
            read => read.ok()?,
        };
        if text.len() > 4096 {
            return None;
        }
        serde_json::from_slice(&text).ok()
    }

    /// Writes the state file atomically, mode 0600.
    pub(crate) fn write(&self, path: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        pid_file::write_atomically(path, &json, 0o600)?;
        if let Some(copy) = state_backup::path_to_write(path) {
            let _ = pid_file::write_atomically(&copy, &json, 0o600);
        }
        Ok(())
    }

    /// Removes the state file; a missing one is fine.
    pub(crate) fn remove(path: &Path) -> std::io::Result<()> {
        if let Some(copy) = state_backup::path(path) {
            let _ = pid_file::remove(&copy);
        }
        pid_file::remove(path)
    }
}

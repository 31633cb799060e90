//! The state file: what devup itself started (pid, process start time, boot
//! id), so that a pid file naming a live process that is not the one devup
//! started is recognized as stale even when the pid file is older than the
//! process. Written at ready (temp file + rename, mode 0600), removed at
//! stop, each time with its copy outside the project (`state_backup.rs`),
//! read when the state file is gone. A state file about another pid or
//! another boot says nothing.
//!
//! Since version 2 it also records the daemon's definition fingerprint (to
//! see what changed since) and its stop recipe (to stop it without the
//! manifest), and when it became ready (the start order). Fields are added
//! with `#[serde(default)]`, so older records still read; a record of a
//! newer version than this devup knows is not trusted at all.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Fingerprint, StopRecipe};
use super::{pid_file, state_backup};

/// The version of the state record this devup writes.
pub(crate) const STATE_VERSION: u32 = 2;

/// A state file larger than this is not devup's.
const MAX_STATE_LEN: usize = 1 << 20;

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
    /// [`STATE_VERSION`] when written; 0 for a record of devup before it.
    #[serde(default)]
    pub version: u32,
    /// The fingerprint of the definition it was started with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<Fingerprint>,
    /// How to stop it without the manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipe: Option<StopRecipe>,
    /// When it became ready, in milliseconds since the Unix epoch: the
    /// recorded start order.
    #[serde(default)]
    pub ready_at_ms: u64,
    /// Started by `devup exec` or a [`crate::Session`] (stopped by the last
    /// lease holder out), rather than by `devup`/`up`/`restart`; see
    /// `lease.rs`. Older state files lack it: persistent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ephemeral: bool,
}

impl StartedState {
    /// Reads the state file; `None` when it is missing, unreadable, or of
    /// a newer version (a state file only ever adds doubt, so a bad one is
    /// ignored).
    pub(crate) fn read(path: &Path) -> Option<StartedState> {
        StartedState::inspect(path).ok().flatten()
    }

    /// Reads the state file: `Ok(None)` when there is none, `Err` with the
    /// reason when it cannot be trusted (corrupt, too large, of a newer
    /// version). A state file removed with `.devup` while its daemon runs is
    /// read from its copy outside the project (state_backup.rs).
    pub(crate) fn inspect(path: &Path) -> Result<Option<StartedState>, String> {
        let text = match read_capped(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                match state_backup::path(path).map(|copy| read_capped(&copy)) {
                    Some(Ok(text)) => text,
                    _ => return Ok(None),
                }
            }
            Err(error) => return Err(format!("cannot read it: {error}")),
        };
        if text.len() > MAX_STATE_LEN {
            return Err("it is too large to be devup's".into());
        }
        let state: StartedState =
            serde_json::from_slice(&text).map_err(|error| format!("it is not devup's: {error}"))?;
        if state.version > STATE_VERSION {
            return Err(format!(
                "it is of version {}, newer than this devup's {STATE_VERSION}",
                state.version
            ));
        }
        Ok(Some(state))
    }

    /// Writes the state file atomically, mode 0600, then its copy: a second
    /// name of the same file where the copy's directory is on the same file
    /// system (no second file made), else a file of its own.
    pub(crate) fn write(&self, path: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        pid_file::write_reusing(path, &json, 0o600)?;
        if let Some(copy) = state_backup::path_to_write(path) {
            let _ = pid_file::link_or_write(path, &copy, &json, 0o600);
        }
        Ok(())
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

    /// Removes the state file (retired to its spare, see
    /// [`pid_file::retire`]); a missing one is fine.
    pub(crate) fn remove(path: &Path) -> std::io::Result<()> {
        if let Some(copy) = state_backup::path(path) {
            let _ = pid_file::remove(&copy);
        }
        pid_file::retire(path)
    }
}

/// The bytes of the file at `path`, at most one more than
/// [`MAX_STATE_LEN`] (enough to tell that it is too large), read to its
/// end without asking its size first, as `std::fs::read` does (one system
/// call more): a `down` reads each daemon's state file at least once, and
/// a `down` of many daemons counts each call.
fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(4096);
    std::fs::File::open(path)?
        .take(MAX_STATE_LEN as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

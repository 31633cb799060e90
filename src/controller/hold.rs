//! Locks the run layer holds across operations of several daemons, so that
//! commands racing on one manifest keep the dependency order
//! (docs/internals/races.md): a daemon's lock taken to check it under it, or
//! kept while a daemon it depends on stops; and its restart lock
//! (`lock_file` + `.restart`), which serializes whole restarts of it
//! without blocking its starts and stops by other commands.

use std::path::PathBuf;

use super::DaemonController;
use super::lock::LockGuard;
use super::running::{self, PidCheck};
use crate::error::Result;

/// A lock held until dropped.
pub(crate) struct HeldLock {
    _lock: LockGuard,
}

impl DaemonController {
    /// Whether the daemon runs once no start or stop of it is in progress:
    /// waits for its lock, checks, and lets the lock go.
    pub(crate) fn runs_when_settled(&self) -> Result<bool> {
        let _lock = self.lock()?;
        Ok(matches!(
            running::check(self.spec())?,
            PidCheck::Running { .. }
        ))
    }

    /// Takes the daemon's lock and keeps it while the guard lives: no start
    /// or stop of it can run meanwhile. Returns whether it runs.
    pub(crate) fn hold(&self) -> Result<(HeldLock, bool)> {
        let lock = self.lock()?;
        let runs = matches!(running::check(self.spec())?, PidCheck::Running { .. });
        Ok((HeldLock { _lock: lock }, runs))
    }

    /// Takes the daemon's restart lock, waiting for a restart of it by
    /// another command to end.
    pub(crate) fn hold_for_restart(&self) -> Result<HeldLock> {
        let mut path = self.spec().lock_file.clone().into_os_string();
        path.push(".restart");
        let lock = LockGuard::acquire(
            self.name(),
            &PathBuf::from(path),
            self.abort_signal(),
            |event| self.emit(event),
        )?;
        Ok(HeldLock { _lock: lock })
    }
}

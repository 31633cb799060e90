//! Leases: who is using a daemon right now. `devup exec` and a
//! [`crate::Session`] hold a *shared* `flock` on the daemon's lease file (its
//! lock file + `.lease`) for as long as they run; the kernel drops it when
//! the holder's file is closed, also when the process dies, so a lease can
//! never outlive its holder.
//!
//! The end of a lease decides "am I the last one out?" under the daemon's
//! (exclusive) start lock: drop the own shared lease, then try an exclusive,
//! non-blocking `flock` on a fresh descriptor of the lease file. It succeeds
//! only when nobody else holds a lease; it is then kept while the daemon is
//! stopped, so a newcomer (who takes its shared lease first, blocking, and
//! the start lock after) waits until the stop is over and then starts the
//! daemon again: it never finds a half-stopped daemon ready. The lock order
//! is lease, then start lock, for everyone who blocks; the last one out
//! holds the start lock and only *tries* the lease, so no two wait on each
//! other.
//!
//! This file owns the lease file and that decision; what is stopped, and in
//! which order, is the run layer's (`run/lease.rs`).

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::lock::{self, LockGuard};
use super::running::{self, PidCheck};
use super::state::StartedState;
use super::{DaemonController, DaemonSpec};
use crate::error::{Error, Result};

/// The longest sleep between two attempts to take a lease the last one out
/// holds exclusively while it stops the daemon.
const MAX_INTERVAL: Duration = Duration::from_millis(2);

/// A shared lease on one daemon: while it is held, no `exec` or session
/// ending elsewhere stops that daemon. Dropping it releases it without
/// stopping anything; [`DaemonController::release`] is how a holder ends it
/// (stopping an ephemeral daemon when it was the last lease).
#[derive(Debug)]
pub struct Lease {
    daemon: String,
    file: File,
}

impl Drop for Lease {
    fn drop(&mut self) {
        lock::unlock(&self.file);
    }
}

impl Lease {
    /// The daemon this lease is on.
    pub fn daemon(&self) -> &str {
        &self.daemon
    }
}

/// Held by the last one out while it stops an ephemeral daemon: the start
/// lock and the exclusive lease.
#[derive(Debug)]
pub(crate) struct LastOut {
    _lock: LockGuard,
    lease: File,
}

impl Drop for LastOut {
    fn drop(&mut self) {
        lock::unlock(&self.lease);
    }
}

/// The lease file of a daemon: its lock file + `.lease`.
pub(crate) fn path(spec: &DaemonSpec) -> PathBuf {
    let mut os = spec.lock_file.clone().into_os_string();
    os.push(".lease");
    PathBuf::from(os)
}

impl DaemonController {
    /// Takes a shared lease on the daemon, waiting while the last holder of
    /// an earlier lease is stopping it.
    pub fn lease(&self) -> Result<Lease> {
        let path = path(&self.spec);
        let file = lock::open(&path).map_err(|source| self.lease_error(&path, source))?;
        let mut interval = Duration::from_millis(1);
        loop {
            match file.try_lock_shared() {
                Ok(()) => {
                    return Ok(Lease {
                        daemon: self.spec.name.clone(),
                        file,
                    });
                }
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(source)) => return Err(self.lease_error(&path, source)),
            }
            if self.abort.is_aborted() {
                return Err(Error::Interrupted {
                    daemon: self.spec.name.clone(),
                });
            }
            std::thread::sleep(interval);
            interval = (interval * 2).min(MAX_INTERVAL);
        }
    }

    /// How many leases are held on the daemon now (by any process), as
    /// `/proc/locks` lists them.
    pub fn leases(&self) -> usize {
        let Ok(meta) = std::fs::metadata(path(&self.spec)) else {
            return 0;
        };
        use std::os::unix::fs::MetadataExt;
        let device = (
            nix::sys::stat::major(meta.dev()),
            nix::sys::stat::minor(meta.dev()),
        );
        std::fs::read_to_string("/proc/locks")
            .map(|locks| count_shared_flocks(&locks, device, meta.ino()))
            .unwrap_or(0)
    }

    /// True when the daemon runs and was started by `devup exec` or a
    /// session (and no plain `devup` made it persistent since).
    pub fn is_ephemeral(&self) -> bool {
        match running::check(&self.spec) {
            Ok(PidCheck::Running { pid, .. }) => StartedState::read(&self.spec.state_file)
                .is_some_and(|state| state.pid == pid && state.ephemeral),
            _ => false,
        }
    }

    /// Ends `lease`: when it was the last lease on the daemon and the daemon
    /// is ephemeral (started by [`DaemonController::up_ephemeral`]), stops
    /// it and returns the pid stopped; otherwise `None`. A newcomer taking a
    /// lease meanwhile waits until the stop is over.
    pub fn release(&self, lease: Lease) -> Result<Option<u32>> {
        match self.claim_last(lease)? {
            Some(last) => self.stop_last(last),
            None => Ok(None),
        }
    }

    /// Ends `lease`. When it was the last lease on the daemon and the
    /// daemon is ephemeral, returns the locks under which to stop it (with
    /// [`DaemonController::stop_last`]); otherwise releases everything and
    /// returns `None`.
    pub(crate) fn claim_last(&self, lease: Lease) -> Result<Option<LastOut>> {
        let lock = self.lock()?;
        drop(lease);
        let path = path(&self.spec);
        let file = lock::open(&path).map_err(|source| self.lease_error(&path, source))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(source)) => return Err(self.lease_error(&path, source)),
        }
        let last = LastOut {
            _lock: lock,
            lease: file,
        };
        Ok(self.is_ephemeral().then_some(last))
    }

    /// Stops the daemon under the locks [`DaemonController::claim_last`]
    /// returned; the pid stopped, `None` when it did not run.
    pub(crate) fn stop_last(&self, last: LastOut) -> Result<Option<u32>> {
        let stopped = self.stop_locked();
        drop(last);
        stopped
    }

    fn lease_error(&self, path: &Path, source: std::io::Error) -> Error {
        Error::Lock {
            daemon: self.spec.name.clone(),
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The shared `flock`s on `inode` of `device` (major, minor) in the text
/// of `/proc/locks` (lines like `1: FLOCK  ADVISORY  READ 4242
/// fe:00:10010647 0 EOF`; waiters, marked `->`, do not count). Those on
/// the inode number of another file system are not counted (a tmpfs, whose
/// inode numbers come from one counter, can have a file with the same
/// number as the lease file). On overlay file systems the device
/// `/proc/locks` names is the upper layer's, not `stat`'s: when no line
/// names `device`, the inode alone is compared.
fn count_shared_flocks(locks: &str, device: (u64, u64), inode: u64) -> usize {
    let shared = |line: &&str| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        !line.contains("->")
            && fields.len() >= 6
            && fields[1] == "FLOCK"
            && fields[3] == "READ"
            && fields[5].matches(':').count() == 2
    };
    let file = |line: &&str| {
        line.split_whitespace()
            .nth(5)
            .unwrap_or_default()
            .to_string()
    };
    let exact = format!("{:02x}:{:02x}:{inode}", device.0, device.1);
    let on_device = locks
        .lines()
        .filter(shared)
        .filter(|line| file(line) == exact)
        .count();
    if on_device > 0 {
        return on_device;
    }
    let suffix = format!(":{inode}");
    locks
        .lines()
        .filter(shared)
        .filter(|line| file(line).ends_with(&suffix))
        .count()
}

#[cfg(test)]
mod tests {
    use super::count_shared_flocks;

    #[test]
    fn counts_the_shared_flocks_on_the_inode_and_nothing_else() {
        let locks = "1: FLOCK  ADVISORY  READ 19736 fe:00:10010647 0 EOF\n\
                     1: -> FLOCK  ADVISORY  WRITE 19737 fe:00:10010647 0 EOF\n\
                     2: FLOCK  ADVISORY  READ 19736 fe:00:10010647 0 EOF\n\
                     3: FLOCK  ADVISORY  WRITE 19685 fe:00:10010647 0 EOF\n\
                     4: FLOCK  ADVISORY  READ 19657 fe:00:110010647 0 EOF\n\
                     5: POSIX  ADVISORY  READ 19657 fe:00:10010647 0 EOF\n\
                     6: FLOCK  ADVISORY  READ 19658 00:1a:10010647 0 EOF\n";
        // Line 6 is a file of another file system with the same number.
        assert_eq!(count_shared_flocks(locks, (0xfe, 0), 10010647), 2);
        // An overlay's lease file: /proc/locks names another device.
        assert_eq!(count_shared_flocks(locks, (0, 0x30), 10010647), 3);
    }
}

//! The lock that serializes starts and stops of one daemon across threads
//! and processes: an exclusive `flock` on the daemon's `lock_file`, held by a
//! guard that owns the locked file. The kernel drops the lock when the file
//! is closed, also when the process dies, so a killed devup leaves nothing to
//! clean up. This file owns only the lock, not what is done under it.

use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::Duration;

use super::{AbortSignal, Event};
use crate::error::{Error, Result};

/// The longest sleep between two attempts to take a busy lock.
const MAX_INTERVAL: Duration = Duration::from_millis(2);

/// Holds the daemon's lock until dropped.
#[derive(Debug)]
pub(crate) struct LockGuard {
    file: File,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        unlock(&self.file);
    }
}

/// Releases the flock on `file` now. Closing the file is not enough in a
/// process with threads: a child that another thread has just forked holds
/// a copy of the descriptor until it execs, and the lock lives as long as
/// any copy does; `LOCK_UN` ends it for every copy at once.
pub(crate) fn unlock(file: &File) {
    let _ = file.unlock();
}

/// True when someone holds the lock at `path` right now (a start or a
/// stop in progress). Taking it for the test is over in microseconds; a
/// missing or unopenable lock file is not held.
pub(crate) fn is_held(path: &Path) -> bool {
    let Ok(file) = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
    else {
        return false;
    };
    matches!(file.try_lock(), Err(TryLockError::WouldBlock))
}

impl LockGuard {
    /// Takes the lock, waiting for whoever holds it. `on_wait` is called once
    /// when the lock is busy. Waiting polls on a growing interval (1 ms to
    /// 2 ms, so the lock is taken at most 2 ms after it is released; a
    /// `try_lock` costs microseconds) so that `abort` can interrupt it.
    pub(crate) fn acquire(
        daemon: &str,
        path: &Path,
        abort: &AbortSignal,
        on_wait: impl FnOnce(Event),
    ) -> Result<LockGuard> {
        let lock_error = |source| Error::Lock {
            daemon: daemon.to_string(),
            path: path.to_path_buf(),
            source,
        };
        let file = open(path).map_err(lock_error)?;
        match file.try_lock() {
            Ok(()) => return Ok(LockGuard { file }),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(source)) => return Err(lock_error(source)),
        }
        on_wait(Event::WaitingForLock);
        super::while_waiting(|| {
            let mut interval = Duration::from_millis(1);
            loop {
                if abort.is_aborted() {
                    return Err(Error::Interrupted {
                        daemon: daemon.to_string(),
                    });
                }
                std::thread::sleep(interval);
                interval = (interval * 2).min(MAX_INTERVAL);
                match file.try_lock() {
                    Ok(()) => return Ok(()),
                    Err(TryLockError::WouldBlock) => {}
                    Err(TryLockError::Error(source)) => return Err(lock_error(source)),
                }
            }
        })?;
        Ok(LockGuard { file })
    }
}

/// Opens (creating it, mode 0600, and its directory) a file to `flock`: the
/// lock file, or the lease file next to it. A symlink planted at the path is
/// refused rather than followed (`O_NOFOLLOW`).
pub(crate) fn open(path: &Path) -> std::io::Result<File> {
    super::pid_file::open_in_dirs(
        path,
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW),
    )
    .or_else(|error| match error.raw_os_error() {
        // flock works on a read-only descriptor: an existing lock
        // file on a read-only directory or file system still locks.
        Some(libc::EROFS | libc::EACCES) => OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
            .map_err(|_| error),
        _ => Err(error),
    })
}

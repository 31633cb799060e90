//! Where a command's stdout and stderr go while devup waits for it: an
//! unnamed temp file (O_TMPFILE, or created and unlinked at once) for the
//! short commands devup runs itself (`before_start`, `stop`, a ping), so both
//! streams land in order, nothing blocks on a full pipe, and nothing is left
//! on disk; and for a start command whose daemon is not devup's child
//! (`daemonize: false`) a named file next to the state file, because the
//! daemon it forks keeps that stdout: an unlinked file would fill the disk
//! unseen. Also how a wait status is said to people.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::DaemonSpec;

/// The file that holds what the start command (and, after the start, the
/// daemon it forked, if it keeps its stdout) writes when the output does
/// not go to the log: the state file's name with `.output`
/// (`.devup/state/NAME.output`).
pub(crate) fn capture_path(spec: &DaemonSpec) -> PathBuf {
    spec.state_file.with_extension("output")
}

/// Opens the output file for this start: created (mode 0600, its directory
/// too) or emptied, appended to, readable for the error message, never
/// through a symlink planted at its path.
pub(crate) fn open_capture(path: &Path) -> std::io::Result<File> {
    let file = super::pid_file::open_in_dirs(
        path,
        OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK),
    )?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("it is not a regular file"));
    }
    file.set_len(0)?;
    // The start command gets it as stdout and stderr: blocking, as usual.
    nix::fcntl::fcntl(
        &file,
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_APPEND),
    )?;
    Ok(file)
}
use crate::error::ExitStatus;

/// Opens a new unnamed, readable and writable temp file.
pub(crate) fn unnamed_temp_file() -> std::io::Result<File> {
    let dir = std::env::temp_dir();
    let tmpfile = OpenOptions::new()
        .read(true)
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_TMPFILE)
        .open(&dir);
    if let Ok(file) = tmpfile {
        return Ok(file);
    }
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let path = dir.join(format!(
        "devup-output-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)?;
    std::fs::remove_file(&path)?;
    Ok(file)
}

/// "exited with status 3", "was killed by SIGKILL", from a raw wait status.
pub(crate) fn describe_wait_status(status: libc::c_int) -> String {
    ExitStatus::from_wait_status(status).to_string()
}

/// True for a wait status that means "exited 0".
pub(crate) fn is_success(status: libc::c_int) -> bool {
    libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0
}

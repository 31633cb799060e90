//! Where a command's stdout and stderr go while devup waits for it: an
//! unnamed temp file (O_TMPFILE, or created and unlinked at once), so both
//! streams land in order, nothing blocks on a full pipe, and nothing is left
//! on disk. Also how a wait status is said to people.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::sync::atomic::{AtomicU64, Ordering};

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

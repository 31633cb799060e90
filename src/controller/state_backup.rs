//! A copy of each state file outside the project, so that devup does not
//! lose track of a daemon it started when `.devup` is removed while the
//! daemon runs (`rm -rf .devup`, a `git clean -fdx`): without it `status`
//! said stopped, `devup` started a second instance, and `devdown` stopped
//! only one of them. The copy lives in a directory private to this user —
//! `$XDG_RUNTIME_DIR/devup/state`, else `/tmp/devup-UID/state` — named by a
//! hash of the state file's absolute path, and is written, read and
//! removed with the state file: written as a second hard link to it where
//! both are on one file system (removing `.devup` unlinks only the state
//! file's name; every write replaces both names with a new file, so the
//! two never differ), else as a file of its own. A copy is only evidence: like the state
//! file itself, it is trusted only for a live process with the recorded
//! start time and pidfd identity, which this user can signal
//! (`running.rs`). A directory that is not this user's own, or is open to
//! others, is not used.

use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// Where the copy of the state file at `state_file` lives, when its
/// private directory exists (to read or remove a copy). The directory is
/// checked once per process and base path (see [`VERIFIED`]).
pub(crate) fn path(state_file: &Path) -> Option<PathBuf> {
    let base = base();
    {
        let verified = VERIFIED.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((checked, dir)) = verified.as_ref()
            && *checked == base
        {
            return Some(dir.join(name(state_file)));
        }
    }
    Some(dir(&base, false)?.join(name(state_file)))
}

/// Where the copy of the state file at `state_file` goes, creating its
/// private directory when missing (to write a copy). The directory is
/// checked anew for every write.
pub(crate) fn path_to_write(state_file: &Path) -> Option<PathBuf> {
    Some(dir(&base(), true)?.join(name(state_file)))
}

/// The last private directory found to be this user's alone, with the base
/// it was found under, for reads and removals: a `down` of 400 daemons
/// checked it 400 times (three system calls each). Once this user's own
/// and closed to others, no one else can replace it; a copy read from it
/// is only evidence, checked against the process anyway.
static VERIFIED: Mutex<Option<(PathBuf, PathBuf)>> = Mutex::new(None);

fn name(state_file: &Path) -> String {
    format!("{:016x}.state", fnv1a(state_file))
}

/// Where the private directory of copies is: under `$XDG_RUNTIME_DIR`,
/// else in `/tmp`, named by the user.
fn base() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR") {
        Some(runtime) if Path::new(&runtime).is_absolute() => PathBuf::from(runtime).join("devup"),
        _ => PathBuf::from(format!(
            "/tmp/devup-{}",
            crate::sys::process::effective_uid()
        )),
    }
}

/// The private directory of copies under `base` (created 0700 when
/// `create` says so); `None` when it is missing or is not this user's
/// alone.
fn dir(base: &Path, create: bool) -> Option<PathBuf> {
    let uid = crate::sys::process::effective_uid();
    let dir = base.join("state");
    for level in [base, &dir] {
        // symlink_metadata: a symlink planted at the path is refused.
        let meta = match std::fs::symlink_metadata(level) {
            Err(error) if create && error.kind() == std::io::ErrorKind::NotFound => {
                let _ = std::fs::DirBuilder::new().mode(0o700).create(level);
                std::fs::symlink_metadata(level)
            }
            meta => meta,
        }
        .ok()?;
        if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o077 != 0 {
            return None;
        }
    }
    *VERIFIED.lock().unwrap_or_else(PoisonError::into_inner) =
        Some((base.to_path_buf(), dir.clone()));
    Some(dir)
}

/// FNV-1a, 64 bits, of the path's bytes: stable across devup versions and
/// builds (std's hasher is not promised to be).
fn fnv1a(path: &Path) -> u64 {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str()
        .as_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_named_by_the_path_and_live_in_a_private_directory() {
        let one = path_to_write(Path::new("/a/.devup/state/web.state"));
        let two = path_to_write(Path::new("/b/.devup/state/web.state"));
        if let (Some(one), Some(two)) = (one, two) {
            assert_ne!(one, two);
            let meta = std::fs::metadata(one.parent().unwrap()).unwrap();
            assert_eq!(meta.mode() & 0o777, 0o700);
        }
        assert_eq!(fnv1a(Path::new("")), 0xcbf2_9ce4_8422_2325);
    }
}

//! Reading and writing pid files, trusting nothing: a pid file is valid only
//! when it is a regular file holding a decimal integer above 1 and nothing
//! else but white space. Reading never blocks (a FIFO planted at the path is
//! refused) and never reads more than a few bytes. Whether the pid's process
//! is the daemon is decided in `running.rs`, not here.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The most bytes a pid file may hold; "4194304\n" and some white space fit.
const MAX_LEN: u64 = 64;

/// What a pid file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PidFileContent {
    /// There is no pid file.
    Missing,
    /// It is not a valid pid file; the reason says why.
    Corrupt(String),
    /// A valid pid, and when the file was last written.
    Pid { pid: u32, written: SystemTime },
}

/// Parses the text of a pid file: a decimal integer above 1, surrounded by
/// nothing but white space.
pub(crate) fn parse(text: &str) -> Result<u32, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("it is empty".into());
    }
    if !trimmed.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(format!("`{}` is not a pid", shorten(trimmed)));
    }
    // Real pids stay below 2^22 (pid_max); anything beyond i32 cannot be one.
    match trimmed.parse::<u32>() {
        Ok(pid) if pid > 1 && pid <= i32::MAX as u32 => Ok(pid),
        Ok(pid) => Err(format!("{pid} is not a daemon's pid")),
        Err(_) => Err(format!("`{}` is not a pid", shorten(trimmed))),
    }
}

fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(20).collect();
    if short.len() < text.len() {
        short.push_str("...");
    }
    short.escape_debug().to_string()
}

/// What the file system says of a pid file without opening it: which file
/// it is (device, inode), its size, and when it was last changed. Two equal
/// stamps mean the file was neither rewritten nor replaced in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    /// When the file was last written.
    pub(crate) fn modified(&self) -> SystemTime {
        let (secs, nanos) = self.mtime;
        let since_epoch = Duration::new(secs.max(0) as u64, nanos.clamp(0, 999_999_999) as u32);
        SystemTime::UNIX_EPOCH + since_epoch
    }
}

/// The stamp of the file at `path` (never followed through a symlink);
/// `None` when there is none.
pub(crate) fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    Some(Stamp {
        dev: meta.dev(),
        ino: meta.ino(),
        len: meta.len(),
        mtime: (meta.mtime(), meta.mtime_nsec()),
        ctime: (meta.ctime(), meta.ctime_nsec()),
    })
}

/// Reads and validates the pid file at `path`.
pub(crate) fn read(path: &Path) -> std::io::Result<PidFileContent> {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    // O_NOFOLLOW: a symlink planted at the path (to /run/sshd.pid, say) must
    // not make devup take another program's pid for the daemon's.
    let mut file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(path)
    {
        Ok(file) => file,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(PidFileContent::Missing),
        Err(error) if error.raw_os_error() == Some(libc::ELOOP) => {
            return Ok(PidFileContent::Corrupt(
                "it is a symbolic link, which devup does not follow".into(),
            ));
        }
        Err(error) => return Err(error),
    };
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Ok(PidFileContent::Corrupt("it is not a regular file".into()));
    }
    if metadata.len() > MAX_LEN {
        return Ok(PidFileContent::Corrupt(format!(
            "it holds {} bytes, too many for a pid",
            metadata.len()
        )));
    }
    // One read when it returns the size just asked (the common case); a
    // file that grew or shrank meanwhile is read on to its end.
    let mut buffer = [0u8; MAX_LEN as usize + 1];
    let read = read_some(&mut file, &mut buffer)?;
    let mut bytes = buffer[..read].to_vec();
    if read as u64 != metadata.len() && read < buffer.len() {
        file.take(MAX_LEN + 1 - read as u64)
            .read_to_end(&mut bytes)?;
    }
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Ok(PidFileContent::Corrupt("it is not text".into()));
    };
    Ok(match parse(text) {
        Ok(pid) => PidFileContent::Pid {
            pid,
            written: metadata.modified()?,
        },
        Err(reason) => PidFileContent::Corrupt(reason),
    })
}

/// One `read` into `buffer`, again when a signal interrupted it: what the
/// file gave. (Reading on to the end costs a second call, which finds
/// nothing for a small file read whole.)
fn read_some(file: &mut std::fs::File, buffer: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match file.read(buffer) {
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            read => return read,
        }
    }
}

/// Writes `pid` to `path` atomically (a temp file in the same directory,
/// then rename), mode 0644; a pid file of devup's own directory is written
/// through its spare ([`write_reusing`]). The caller holds the lock.
pub(crate) fn write(path: &Path, pid: u32) -> std::io::Result<()> {
    let contents = format!("{pid}\n");
    if in_devup_run_dir(path) {
        write_reusing(path, contents.as_bytes(), 0o644)
    } else {
        write_atomically(path, contents.as_bytes(), 0o644)
    }
}

/// Removes the pid file at `path` (a missing one is fine); one of devup's
/// own directory is retired to its spare instead ([`retire`]), so no file
/// of the user's is ever left beside it. The caller holds the lock.
pub(crate) fn remove_pid_file(path: &Path) -> std::io::Result<()> {
    if in_devup_run_dir(path) {
        retire(path)
    } else {
        remove(path)
    }
}

/// True for a pid file in devup's own `.devup/run` (the default place of
/// the pid file devup writes for a `daemonize: true` daemon).
fn in_devup_run_dir(path: &Path) -> bool {
    path.parent().is_some_and(|dir| dir.ends_with(".devup/run"))
}

/// Writes `contents` to `path` through a temp file and a rename, so readers
/// see the old file or the new one, never half of it. The parent directory
/// is created only when the temp file cannot be made without it: a run
/// writes many files into the same few directories.
pub(crate) fn write_atomically(path: &Path, contents: &[u8], mode: u32) -> std::io::Result<()> {
    let temp = temp_path(path);
    let result = (|| {
        let mut file = open_in_dirs(
            &temp,
            OpenOptions::new().write(true).create_new(true).mode(mode),
        )?;
        file.write_all(contents)?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Opens `path` with `options`, creating its parent directories first
/// when they are missing (tried only then: a run opens many files in the
/// same few directories).
pub(crate) fn open_in_dirs(path: &Path, options: &OpenOptions) -> std::io::Result<File> {
    match options.open(path) {
        Err(error) if error.kind() == ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                create_dirs(parent)?;
            }
            options.open(path)
        }
        result => result,
    }
}

/// Gives the file at `path` a second name, `copy` (replacing what is
/// there), without copying it: both name one inode, so a reader of either
/// sees the whole file, and removing one name leaves the other. Where the
/// two cannot share an inode (another file system), `contents` is written
/// to `copy` as [`write_atomically`] does.
pub(crate) fn link_or_write(
    path: &Path,
    copy: &Path,
    contents: &[u8],
    mode: u32,
) -> std::io::Result<()> {
    match std::fs::hard_link(path, copy) {
        Ok(()) => return Ok(()),
        Err(error) if error.kind() == ErrorKind::AlreadyExists => {
            let temp = temp_path(copy);
            let linked =
                std::fs::hard_link(path, &temp).and_then(|()| std::fs::rename(&temp, copy));
            if linked.is_ok() {
                return Ok(());
            }
            let _ = std::fs::remove_file(&temp);
        }
        Err(_) => {}
    }
    write_atomically(copy, contents, mode)
}

/// Creates `dir` and its missing parents with mode 0755 (before the
/// umask): never world-writable, even under `umask 000`. A directory that
/// is there is only looked up: `mkdir` of an existing one takes its
/// parent's lock, which concurrent starts in one directory queue on.
pub(crate) fn create_dirs(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(dir)
}

fn temp_path(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(format!(
        ".tmp.{}.{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    path.with_file_name(name)
}

/// Writes `contents` to `path` as [`write_atomically`] does, through the
/// spare that [`retire`] left beside it when there is one: the spare is
/// rewritten and renamed into place, so a start after a stop creates no
/// file. (On ext4, creating a file after many were deleted costs a scan
/// past each recently deleted inode: with hundreds of daemons started
/// after a stop, most of a start's time.) A reader that opened the file
/// before the stop and reads only after the next start's rewrite could
/// see that rewrite half done, and takes the file as corrupt, as it does
/// any file it cannot parse. The caller holds the lock of the daemon the
/// file belongs to, as every writer and remover of it does.
pub(crate) fn write_reusing(path: &Path, contents: &[u8], mode: u32) -> std::io::Result<()> {
    let spare = spare_path(path);
    let reused = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&spare)?;
        // Never written through: a spare that is another file's name too
        // (a hard link), or is not this user's, or is open to more than the
        // file's mode allows, is left alone and the file made anew.
        let meta = file.metadata()?;
        if !meta.is_file()
            || meta.nlink() != 1
            || meta.uid() != crate::sys::process::effective_uid()
            || meta.mode() & 0o7777 & !mode != 0
        {
            return Err(std::io::Error::other("the spare is not one to reuse"));
        }
        // Written over in place, then cut to its length: a file cut to
        // zero and written again is flushed to disk when closed (ext4's
        // auto_da_alloc), a block write per start.
        file.write_all(contents)?;
        if meta.len() > contents.len() as u64 {
            file.set_len(contents.len() as u64)?;
        }
        std::fs::rename(&spare, path)
    })();
    match reused {
        Ok(()) => Ok(()),
        Err(_) => write_atomically(path, contents, mode),
    }
}

/// Removes the file at `path` from view by renaming it to its spare, for
/// the next [`write_reusing`] of `path` (a missing file is fine). The
/// caller holds the lock, as for [`write_reusing`].
pub(crate) fn retire(path: &Path) -> std::io::Result<()> {
    match std::fs::rename(path, spare_path(path)) {
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(()),
        Err(_) => remove(path),
        Ok(()) => Ok(()),
    }
}

/// The spare of `path`: its name + `.spare`, in the same directory.
fn spare_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".spare");
    path.with_file_name(name)
}

/// Removes the file at `path`; a missing file is fine.
pub(crate) fn remove(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("devup-pid-file-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_retired_file_is_rewritten_in_its_spare_and_a_linked_spare_never_written_through() {
        let dir = scratch("spare");
        let path = dir.join("state").join("web.state");
        // No spare yet: a new file, with its directories.
        write_reusing(&path, b"one", 0o600).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let inode = std::fs::metadata(&path).unwrap().ino();
        retire(&path).unwrap();
        assert!(!path.exists());
        retire(&path).unwrap();
        // The spare is the next file: the same inode, rewritten whole.
        write_reusing(&path, b"second", 0o600).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        assert_eq!(std::fs::metadata(&path).unwrap().ino(), inode);
        // Shorter contents leave nothing of the longer ones behind.
        retire(&path).unwrap();
        write_reusing(&path, b"2", 0o600).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"2");
        assert_eq!(std::fs::metadata(&path).unwrap().ino(), inode);
        // A spare opened to others since is not reused.
        retire(&path).unwrap();
        std::fs::set_permissions(spare_path(&path), std::fs::Permissions::from_mode(0o666))
            .unwrap();
        write_reusing(&path, b"3", 0o600).unwrap();
        assert_ne!(std::fs::metadata(&path).unwrap().ino(), inode);
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // A spare that is another file's name too is not written through.
        retire(&path).unwrap();
        let other = dir.join("other");
        std::fs::hard_link(spare_path(&path), &other).unwrap();
        write_reusing(&path, b"third", 0o600).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"third");
        assert_eq!(std::fs::read(&other).unwrap(), b"3");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_a_pid_file_of_devups_own_directory_gets_a_spare() {
        let dir = scratch("own");
        let own = dir.join(".devup/run/web.pid");
        let users = dir.join("run/web.pid");
        for path in [&own, &users] {
            write(path, 42).unwrap();
            remove_pid_file(path).unwrap();
            assert!(!path.exists());
        }
        assert!(spare_path(&own).exists());
        assert!(!spare_path(&users).exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_copy_is_a_second_name_of_the_file_and_outlives_the_first() {
        let dir = scratch("link");
        let path = dir.join("web.state");
        let copy = dir.join("copy").join("web.state");
        std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
        for contents in ["first", "second"] {
            write_atomically(&path, contents.as_bytes(), 0o600).unwrap();
            link_or_write(&path, &copy, contents.as_bytes(), 0o600).unwrap();
            let (file, copied) = (
                std::fs::metadata(&path).unwrap(),
                std::fs::metadata(&copy).unwrap(),
            );
            assert_eq!((file.dev(), file.ino()), (copied.dev(), copied.ino()));
            assert_eq!(std::fs::read_to_string(&copy).unwrap(), contents);
        }
        std::fs::remove_file(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&copy).unwrap(), "second");
        let leftovers = std::fs::read_dir(copy.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "a temp name was left beside the copy");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn accepts_a_pid_with_white_space() {
        assert_eq!(parse("4242\n"), Ok(4242));
        assert_eq!(parse("  17 \t\n"), Ok(17));
    }

    #[test]
    fn refuses_everything_else() {
        for text in [
            "",
            " \n",
            "abc",
            "0",
            "1",
            "-1",
            "+5",
            "12abc",
            "1 2",
            "99999999999999999999",
            "4294967295",
            "0x10",
        ] {
            assert!(parse(text).is_err(), "{text:?} was accepted");
        }
    }
}

//! Log excerpts for error messages, and following a log during a start: the
//! lines appended to a file since an offset noted before the start (from 0
//! when the file shrank, as after a rotation), at most the last 30 in an
//! excerpt, and never more than the last 256 KiB read.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::error::LogExcerpt;

/// The most bytes read for one excerpt (its end).
const MAX_READ: u64 = 256 * 1024;

/// Opens a log for reading without ever blocking: a FIFO (or anything but a
/// regular file) planted at its path is refused.
fn open_regular(path: &Path) -> std::io::Result<File> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    Ok(file)
}

/// The size of the file at `path`, 0 when it does not exist.
pub(crate) fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|meta| meta.len()).unwrap_or(0)
}

/// The lines appended to `path` since `offset`.
pub(crate) fn log_since(path: &Path, offset: u64) -> LogExcerpt {
    let text = open_regular(path)
        .and_then(|file| read_tail(&file, offset))
        .unwrap_or_default();
    LogExcerpt::from_text(Some(path.to_path_buf()), &text)
}

/// Everything written to `file` (the start command's output).
pub(crate) fn output_of(file: &File) -> LogExcerpt {
    LogExcerpt::from_text(None, &read_tail(file, 0).unwrap_or_default())
}

fn read_tail(file: &File, offset: u64) -> std::io::Result<String> {
    let len = file.metadata()?.len();
    let offset = if len < offset { 0 } else { offset };
    let start = offset.max(len.saturating_sub(MAX_READ));
    let mut bytes = vec![0; (len - start) as usize];
    let mut filled = 0;
    while filled < bytes.len() {
        match file.read_at(&mut bytes[filled..], start + filled as u64)? {
            0 => break,
            read => filled += read,
        }
    }
    bytes.truncate(filled);
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Reads the complete lines appended to a log file, a few at a time.
#[derive(Debug)]
pub(crate) struct LogFollower {
    path: PathBuf,
    offset: u64,
    partial: Vec<u8>,
    /// The (device, inode) read last: another one means the log was
    /// rotated (moved away and created anew), to be read from its start.
    identity: Option<(u64, u64)>,
}

impl LogFollower {
    /// Follows `path` from `offset`.
    pub(crate) fn new(path: PathBuf, offset: u64) -> Self {
        let identity = std::fs::metadata(&path).ok().map(|meta| {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino())
        });
        LogFollower {
            path,
            offset,
            partial: Vec::new(),
            identity,
        }
    }

    /// The complete lines appended since the last call.
    pub(crate) fn new_lines(&mut self) -> Vec<String> {
        let Ok(mut file) = open_regular(&self.path) else {
            return Vec::new();
        };
        let Ok(meta) = file.metadata() else {
            return Vec::new();
        };
        let len = meta.len();
        let identity = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino())
        };
        let rotated = self.identity.is_some_and(|known| known != identity);
        self.identity = Some(identity);
        if len < self.offset || rotated {
            // Truncated or replaced: read the new file from its start.
            self.offset = 0;
            self.partial.clear();
        }
        if len == self.offset || file.seek(SeekFrom::Start(self.offset)).is_err() {
            return Vec::new();
        }
        let mut bytes = Vec::new();
        if file.take(MAX_READ).read_to_end(&mut bytes).is_err() {
            return Vec::new();
        }
        self.offset += bytes.len() as u64;
        self.partial.extend_from_slice(&bytes);
        let Some(end) = self.partial.iter().rposition(|byte| *byte == b'\n') else {
            return Vec::new();
        };
        let complete: Vec<u8> = self.partial.drain(..=end).collect();
        String::from_utf8_lossy(&complete)
            .lines()
            .map(str::to_string)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn follows_complete_lines_and_restarts_after_truncation() {
        let path = std::env::temp_dir().join(format!("devup-follow-{}", std::process::id()));
        std::fs::write(&path, "old line\n").unwrap();
        let mut follower = LogFollower::new(path.clone(), file_len(&path));
        assert!(follower.new_lines().is_empty());
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(b"one\ntw").unwrap();
        assert_eq!(follower.new_lines(), ["one"]);
        file.write_all(b"o\n").unwrap();
        assert_eq!(follower.new_lines(), ["two"]);
        std::fs::write(&path, "new\n").unwrap();
        assert_eq!(follower.new_lines(), ["new"]);
        assert_eq!(log_since(&path, 100).lines, ["new"]);
        std::fs::remove_file(&path).unwrap();
    }
}

//! Log excerpts for error messages, and following a log during a start: the
//! lines appended to a file since an offset noted before the start (from 0
//! when the file shrank, as after a rotation), at most the last 30 in an
//! excerpt, and never more than the last 256 KiB read. A followed log is
//! read to its end at each wake-up, a line at most 64 KiB kept.

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

/// What was written to `file` (the start command's output): its first and
/// last lines, read in bounded memory however long it grew (the lines in
/// between are counted, not kept).
pub(crate) fn output_of(file: &File) -> LogExcerpt {
    let len = file.metadata().map(|meta| meta.len()).unwrap_or(0);
    if len <= MAX_READ {
        return LogExcerpt::head_and_tail(None, &read_tail(file, 0).unwrap_or_default());
    }
    let head_text = read_range(file, 0, HEAD_READ);
    // Only complete lines: the head's last line may go on past HEAD_READ.
    let head_text = &head_text[..head_text.rfind('\n').map_or(0, |end| end + 1)];
    let tail_text = read_range(file, len - MAX_READ, MAX_READ);
    // The tail's first line started before it.
    let tail_text = tail_text.split_once('\n').map_or("", |(_, rest)| rest);
    let head: Vec<String> = head_text
        .lines()
        .take(LogExcerpt::HEAD_LINES)
        .map(str::to_string)
        .collect();
    let mut excerpt = LogExcerpt::from_text(None, tail_text);
    let kept = LogExcerpt::MAX_LINES - LogExcerpt::HEAD_LINES;
    let drop = excerpt.lines.len().saturating_sub(kept);
    excerpt.lines.drain(..drop);
    let total = count_lines(file, len);
    excerpt.omitted = total.saturating_sub(head.len() + excerpt.lines.len());
    excerpt.head = LogExcerpt::from_text(None, &head.join("\n")).lines;
    excerpt
}

/// How much of a long output's start is read for its first lines.
const HEAD_READ: u64 = 64 * 1024;

/// `len` bytes of `file` from `start`, as text.
fn read_range(file: &File, start: u64, len: u64) -> String {
    let mut bytes = vec![0; len as usize];
    let mut filled = 0;
    while filled < bytes.len() {
        match file.read_at(&mut bytes[filled..], start + filled as u64) {
            Ok(0) | Err(_) => break,
            Ok(read) => filled += read,
        }
    }
    bytes.truncate(filled);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The number of lines in the first `len` bytes of `file`, counted a chunk
/// at a time.
fn count_lines(file: &File, len: u64) -> usize {
    let mut buffer = vec![0u8; 256 * 1024];
    let (mut offset, mut lines, mut last) = (0u64, 0usize, b'\n');
    while offset < len {
        let want = buffer.len().min((len - offset) as usize);
        match file.read_at(&mut buffer[..want], offset) {
            Ok(0) | Err(_) => break,
            Ok(read) => {
                lines += buffer[..read].iter().filter(|byte| **byte == b'\n').count();
                last = buffer[read - 1];
                offset += read as u64;
            }
        }
    }
    lines + usize::from(last != b'\n')
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

/// How many bytes of the log are read at a time while following it.
const CHUNK: usize = 64 * 1024;

/// Reads the complete lines appended to a log file: at each call, all that
/// was appended up to the size seen at its start (in chunks, so a daemon
/// that wrote 64 MB before its ready line is read to that line at once, not
/// 256 KiB per wake-up), in bounded memory: a line longer than
/// [`LogExcerpt::MAX_LINE`] keeps its start and says how much was cut.
#[derive(Debug)]
pub(crate) struct LogFollower {
    path: PathBuf,
    offset: u64,
    /// The start of the line being read (at most `MAX_LINE` bytes).
    partial: Vec<u8>,
    /// How many bytes of that line were left out.
    cut: u64,
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
            cut: 0,
            identity,
        }
    }

    /// Calls `line` with each complete line appended since the last call,
    /// oldest first, until it returns true (then the rest is left for the
    /// next call).
    pub(crate) fn each_new_line(&mut self, line: &mut dyn FnMut(&str) -> bool) {
        let Ok(mut file) = open_regular(&self.path) else {
            return;
        };
        let Ok(meta) = file.metadata() else {
            return;
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
            self.cut = 0;
        }
        if len == self.offset || file.seek(SeekFrom::Start(self.offset)).is_err() {
            return;
        }
        let mut buffer = vec![0u8; CHUNK];
        while self.offset < len {
            let want = CHUNK.min((len - self.offset) as usize);
            let read = match file.read(&mut buffer[..want]) {
                Ok(0) | Err(_) => return,
                Ok(read) => read,
            };
            let mut consumed = 0;
            for piece in buffer[..read].split_inclusive(|byte| *byte == b'\n') {
                consumed += piece.len();
                let Some(body) = piece.strip_suffix(b"\n") else {
                    self.keep(piece);
                    continue;
                };
                self.keep(body);
                let text = self.take_line();
                if line(&text) {
                    self.offset += consumed as u64;
                    return;
                }
            }
            self.offset += read as u64;
        }
    }

    /// Adds `bytes` to the line being read, within its cap.
    fn keep(&mut self, bytes: &[u8]) {
        let room = LogExcerpt::MAX_LINE.saturating_sub(self.partial.len());
        let kept = bytes.len().min(room);
        self.partial.extend_from_slice(&bytes[..kept]);
        self.cut += (bytes.len() - kept) as u64;
    }

    /// The line read so far, as text, with a note when it was cut.
    fn take_line(&mut self) -> String {
        let bytes = self.partial.strip_suffix(b"\r").unwrap_or(&self.partial);
        let mut text = String::from_utf8_lossy(bytes).into_owned();
        if self.cut > 0 {
            text.push_str(&LogExcerpt::cut_note(self.cut));
        }
        self.partial.clear();
        self.cut = 0;
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn new_lines(follower: &mut LogFollower) -> Vec<String> {
        let mut lines = Vec::new();
        follower.each_new_line(&mut |line| {
            lines.push(line.to_string());
            false
        });
        lines
    }

    #[test]
    fn follows_complete_lines_and_restarts_after_truncation() {
        let path = std::env::temp_dir().join(format!("devup-follow-{}", std::process::id()));
        std::fs::write(&path, "old line\n").unwrap();
        let mut follower = LogFollower::new(path.clone(), file_len(&path));
        assert!(new_lines(&mut follower).is_empty());
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(b"one\ntw").unwrap();
        assert_eq!(new_lines(&mut follower), ["one"]);
        file.write_all(b"o\r\n").unwrap();
        assert_eq!(new_lines(&mut follower), ["two"]);
        std::fs::write(&path, "new\n").unwrap();
        assert_eq!(new_lines(&mut follower), ["new"]);
        assert_eq!(log_since(&path, 100).lines, ["new"]);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn reads_everything_appended_at_once_and_caps_a_long_line() {
        let path = std::env::temp_dir().join(format!("devup-follow-big-{}", std::process::id()));
        std::fs::write(&path, "").unwrap();
        let mut follower = LogFollower::new(path.clone(), 0);
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        // 8 MB of short lines, then a 3 MB line, then the ready line: all
        // of it in one call, the long line cut to its first 64 KiB.
        let short = "x".repeat(1023) + "\n";
        for _ in 0..8 * 1024 {
            file.write_all(short.as_bytes()).unwrap();
        }
        file.write_all(&vec![b'y'; 3 * 1024 * 1024]).unwrap();
        file.write_all(b"\nready\n").unwrap();
        let mut count = 0;
        let mut long = String::new();
        let mut last = String::new();
        follower.each_new_line(&mut |line| {
            count += 1;
            if line.starts_with('y') {
                long = line.to_string();
            }
            last = line.to_string();
            false
        });
        assert_eq!(count, 8 * 1024 + 2);
        assert_eq!(last, "ready");
        let kept = LogExcerpt::MAX_LINE;
        assert_eq!(
            long,
            "y".repeat(kept) + &LogExcerpt::cut_note((3 * 1024 * 1024 - kept) as u64)
        );
        assert!(
            follower.partial.capacity() <= 2 * kept,
            "the line buffer grew"
        );
        // Stopping early leaves the rest for the next call.
        file.write_all(b"a\nb\n").unwrap();
        let mut first = Vec::new();
        follower.each_new_line(&mut |line| {
            first.push(line.to_string());
            true
        });
        assert_eq!(first, ["a"]);
        assert_eq!(new_lines(&mut follower), ["b"]);
        std::fs::remove_file(&path).unwrap();
    }
}

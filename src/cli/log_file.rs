//! One log file that `devup logs` prints and follows: its last lines, then
//! what is appended, like `tail -F` (a truncated file is read again from
//! its start, a replaced one is reopened). With a prefix (`web   | `),
//! output goes out in whole lines, each prefixed, so lines of several
//! daemons never mix within a line.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// A log being printed.
#[derive(Debug)]
pub(super) struct LogFile {
    name: String,
    path: PathBuf,
    /// What starts each line; `None`: the bytes go out as they are.
    prefix: Option<String>,
    /// How far the file has been read.
    position: u64,
    /// The file read, to notice it being replaced.
    inode: Option<u64>,
    /// The start of a line whose newline has not been written yet.
    partial: Vec<u8>,
}

impl LogFile {
    pub(super) fn new(name: &str, path: PathBuf, prefix: Option<String>) -> Self {
        LogFile {
            name: name.to_string(),
            path,
            prefix,
            position: 0,
            inode: None,
            partial: Vec::new(),
        }
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the last `lines` lines; a missing file is noted on stderr
    /// (it is followed from its first byte once it appears).
    pub(super) fn tail(&mut self, lines: usize, out: &mut impl Write) -> io::Result<()> {
        let mut file = match File::open(&self.path) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                eprintln!("{}: no log yet at {}", self.name, self.path.display());
                return Ok(());
            }
            Err(error) => return Err(error),
        };
        self.inode = Some(file.metadata()?.ino());
        let start = super::tail::start_of_last_lines(&mut file, lines)?;
        self.read_from(&mut file, start, out)
    }

    /// Writes what was appended since the last call.
    pub(super) fn follow(&mut self, out: &mut impl Write) -> io::Result<()> {
        let Ok(meta) = std::fs::metadata(&self.path) else {
            return Ok(()); // rotated away; wait for the new file
        };
        if self.inode != Some(meta.ino()) || meta.len() < self.position {
            // Replaced or truncated: what is there now is all new.
            self.finish(out)?;
            self.inode = Some(meta.ino());
            self.position = 0;
        }
        if meta.len() == self.position {
            return Ok(());
        }
        match File::open(&self.path) {
            Ok(mut file) => self.read_from(&mut file, self.position, out),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// Ends a last line that has no newline (with one).
    pub(super) fn finish(&mut self, out: &mut impl Write) -> io::Result<()> {
        if self.partial.is_empty() {
            return Ok(());
        }
        let mut line = std::mem::take(&mut self.partial);
        line.push(b'\n');
        self.write_lines(&line, out)
    }

    fn read_from(&mut self, file: &mut File, start: u64, out: &mut impl Write) -> io::Result<()> {
        file.seek(SeekFrom::Start(start))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        self.position = start + bytes.len() as u64;
        match self.prefix {
            None => out.write_all(&bytes)?,
            Some(_) => {
                self.partial.extend_from_slice(&bytes);
                let complete = match self.partial.iter().rposition(|byte| *byte == b'\n') {
                    Some(at) => self.partial.drain(..=at).collect::<Vec<u8>>(),
                    None => Vec::new(),
                };
                self.write_lines(&complete, out)?;
            }
        }
        out.flush()
    }

    /// Writes `bytes` (whole lines), each line after the prefix.
    fn write_lines(&self, bytes: &[u8], out: &mut impl Write) -> io::Result<()> {
        let prefix = self.prefix.as_deref().unwrap_or("");
        for line in bytes.split_inclusive(|byte| *byte == b'\n') {
            out.write_all(prefix.as_bytes())?;
            out.write_all(line)?;
        }
        Ok(())
    }
}

/// The prefix of each daemon's lines when several are printed: the names
/// padded to one width and ` | `, coloured per daemon when `color`.
pub(super) fn prefixes(names: &[String], color: bool) -> Vec<String> {
    const COLORS: [&str; 6] = ["36", "33", "32", "35", "34", "31"];
    let width = names.iter().map(|name| name.chars().count()).max();
    let width = width.unwrap_or(0);
    names
        .iter()
        .enumerate()
        .map(|(index, name)| {
            if color {
                let code = COLORS[index % COLORS.len()];
                format!("\x1b[{code}m{name:<width$} |\x1b[0m ")
            } else {
                format!("{name:<width$} | ")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_padded_to_one_width() {
        let names = ["db".to_string(), "search".to_string()];
        assert_eq!(prefixes(&names, false), ["db     | ", "search | "]);
        assert_eq!(
            prefixes(&names, true),
            ["\x1b[36mdb     |\x1b[0m ", "\x1b[33msearch |\x1b[0m "]
        );
    }

    #[test]
    fn prefixed_output_goes_out_in_whole_lines() {
        let path = std::env::temp_dir().join(format!("devup-logfile-{}", std::process::id()));
        std::fs::write(&path, "one\ntw").unwrap();
        let mut log = LogFile::new("db", path.clone(), Some("db | ".into()));
        let mut out = Vec::new();
        log.tail(10, &mut out).unwrap();
        assert_eq!(String::from_utf8_lossy(&out), "db | one\n");
        std::fs::write(&path, "one\ntwo\nthree\n").unwrap();
        log.follow(&mut out).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out),
            "db | one\ndb | two\ndb | three\n"
        );
        std::fs::remove_file(&path).unwrap();
    }
}

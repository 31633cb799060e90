//! `devup logs NAME [-n N] [-f]`: the last N lines of a daemon's log file,
//! then, with `-f`, what is appended to it, like `tail -F`: a truncated
//! file is read again from its start, a replaced (rotated) one is reopened.
//! Following ends with SIGINT/SIGTERM/SIGHUP (exit 128 + the signal).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{CliError, Config, install_signals};
use crate::exit_code;

/// How often `-f` looks at the file.
const FOLLOW_INTERVAL: Duration = Duration::from_millis(100);

/// Prints the log of `name`.
pub fn run(config: &Config, name: &str, lines: usize, follow: bool) -> Result<u8, CliError> {
    let signals = if follow {
        Some(install_signals()?)
    } else {
        None
    };
    let path = log_file(config, name)?;
    let mut out = io::stdout().lock();
    let mut position = match File::open(&path) {
        Ok(mut file) => {
            let start = tail_start(&mut file, lines).map_err(|source| read_error(&path, source))?;
            match copy_from(&mut file, start, &mut out) {
                Ok(end) => end,
                Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {
                    return Ok(exit_code::SUCCESS);
                }
                Err(source) => return Err(read_error(&path, source)),
            }
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            eprintln!("{name}: no log yet at {}", path.display());
            0
        }
        Err(source) => return Err(read_error(&path, source)),
    };
    let Some(signals) = signals else {
        return Ok(exit_code::SUCCESS);
    };
    let mut inode = std::fs::metadata(&path).map(|meta| meta.ino()).ok();
    loop {
        if let Some(signal) = signals.wait_timeout(FOLLOW_INTERVAL) {
            return Ok(exit_code::from_signal(signal));
        }
        let Ok(meta) = std::fs::metadata(&path) else {
            continue; // rotated away; wait for the new file
        };
        if inode != Some(meta.ino()) || meta.len() < position {
            // Replaced or truncated: what is there now is all new.
            inode = Some(meta.ino());
            position = 0;
        }
        if meta.len() == position {
            continue;
        }
        let copied =
            File::open(&path).and_then(|mut file| copy_from(&mut file, position, &mut out));
        match copied {
            Ok(end) => position = end,
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {
                return Ok(exit_code::SUCCESS);
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(source) => return Err(read_error(&path, source)),
        }
    }
}

/// The daemon's log file, from the manifest.
fn log_file(config: &Config, name: &str) -> Result<PathBuf, CliError> {
    let project = config.load()?;
    project.plan.up_set(&[name.to_string()])?;
    let controller = match project.manifest.controller_builder(name) {
        Some(builder) => Some(
            builder
                .build()
                .map_err(|error| CliError::Invalid(error.to_string()))?,
        ),
        None => None,
    };
    controller
        .and_then(|controller| controller.spec().log_file.clone())
        .ok_or_else(|| {
            CliError::Invalid(format!(
                "{name}: no log_file in {} (set `log_file`, or `daemonize: true` for the default)",
                project.manifest.path.display()
            ))
        })
}

fn read_error(path: &Path, source: io::Error) -> CliError {
    CliError::Io {
        action: format!("reading the log file {}", path.display()),
        source,
    }
}

/// Copies `file` from `start` to its end into `out`; returns the end.
fn copy_from(file: &mut File, start: u64, out: &mut impl Write) -> io::Result<u64> {
    file.seek(SeekFrom::Start(start))?;
    let copied = io::copy(file, out)?;
    out.flush()?;
    Ok(start + copied)
}

/// Where the last `lines` lines of `file` begin, scanning back from its end
/// in blocks (a final line without its newline counts as a line).
fn tail_start(file: &mut File, lines: usize) -> io::Result<u64> {
    const BLOCK: u64 = 64 * 1024;
    let len = file.metadata()?.len();
    if lines == 0 || len == 0 {
        return Ok(len);
    }
    let mut buffer = vec![0; BLOCK as usize];
    // A newline as the very last byte ends the last line; it does not start one.
    let mut end = len;
    let mut last = [0u8];
    file.seek(SeekFrom::Start(len - 1))?;
    file.read_exact(&mut last)?;
    if last[0] == b'\n' {
        end -= 1;
    }
    let mut seen = 0;
    while end > 0 {
        let start = end.saturating_sub(BLOCK);
        let block = &mut buffer[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(block)?;
        for (at, byte) in block.iter().enumerate().rev() {
            if *byte == b'\n' {
                seen += 1;
                if seen == lines {
                    return Ok(start + at as u64 + 1);
                }
            }
        }
        end = start;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tail(text: &str, lines: usize) -> String {
        let path = std::env::temp_dir().join(format!(
            "devup-tail-{}-{}-{lines}",
            std::process::id(),
            text.len()
        ));
        std::fs::write(&path, text).unwrap();
        let mut file = File::open(&path).unwrap();
        let start = tail_start(&mut file, lines).unwrap();
        let mut out = Vec::new();
        copy_from(&mut file, start, &mut out).unwrap();
        std::fs::remove_file(&path).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn keeps_the_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc\n");
        assert_eq!(tail("a\nb\nc", 2), "b\nc");
        assert_eq!(tail("a\nb\nc\n", 5), "a\nb\nc\n");
        assert_eq!(tail("a\nb\nc\n", 0), "");
        assert_eq!(tail("", 3), "");
    }

    #[test]
    fn scans_back_over_several_blocks() {
        let text: String = (0..40_000).map(|i| format!("line {i}\n")).collect();
        assert_eq!(tail(&text, 3), "line 39997\nline 39998\nline 39999\n");
        assert_eq!(tail(&text, 40_000), text);
    }
}

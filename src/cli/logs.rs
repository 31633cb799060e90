//! `devup logs [NAME...] [-n N] [-f]`: the last N lines of each named
//! daemon's log file (every daemon with a log file when none are named),
//! then, with `-f`, what is appended to them, like `tail -F`, all of them
//! interleaved as they are written (`log_file.rs`). With more than one
//! daemon each line starts with its name padded to one width and ` | `,
//! coloured per daemon on a terminal (not with `NO_COLOR`). Following ends
//! with SIGINT/SIGTERM/SIGHUP (exit 128 + the signal).

use std::fs::File;
use std::io::{self, IsTerminal, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::log_file::{LogFile, prefixes};
use super::{CliError, Config, install_signals};
use crate::exit_code;

/// How often `-f` looks at the files.
const FOLLOW_INTERVAL: Duration = Duration::from_millis(100);

/// Prints the logs of `names` (all daemons with a log file when empty).
pub fn run(config: &Config, names: &[String], lines: usize, follow: bool) -> Result<u8, CliError> {
    let signals = if follow {
        Some(install_signals()?)
    } else {
        None
    };
    let logs =
        log_files(config, names).map_err(|error| follow_is_not_file(error, names, follow))?;
    let shown: Vec<String> = logs.iter().map(|(name, _)| name.clone()).collect();
    let prefixes = prefixes(&shown, color());
    let several = logs.len() > 1;
    let mut logs: Vec<LogFile> = logs
        .into_iter()
        .zip(prefixes)
        .map(|((name, path), prefix)| LogFile::new(&name, path, several.then_some(prefix)))
        .collect();
    let mut out = io::stdout().lock();
    for log in &mut logs {
        let printed = log.tail(lines, &mut out);
        if let Some(code) = ended(log, printed)? {
            return Ok(code);
        }
    }
    let Some(signals) = signals else {
        for log in &mut logs {
            let printed = log.finish(&mut out);
            if let Some(code) = ended(log, printed)? {
                return Ok(code);
            }
        }
        return Ok(exit_code::SUCCESS);
    };
    loop {
        if let Some(signal) = signals.wait_timeout(FOLLOW_INTERVAL) {
            return Ok(exit_code::from_signal(signal));
        }
        for log in &mut logs {
            let printed = log.follow(&mut out);
            if let Some(code) = ended(log, printed)? {
                return Ok(code);
            }
        }
    }
}

/// `Some(0)` when stdout was closed (`devup logs | head`), the error when
/// reading failed, `None` to go on.
/// `devup logs -f daemons.yaml` means `--file` in every other command:
/// when that name was not found, `error` becomes the hint.
fn follow_is_not_file(error: CliError, names: &[String], follow: bool) -> CliError {
    let manifest_like = names
        .iter()
        .find(|name| name.ends_with(".yaml") || name.ends_with(".yml"));
    match (follow, manifest_like, &error) {
        (true, Some(name), CliError::Manifest(_)) => CliError::Invalid(format!(
            "`{name}` is not a daemon: in `devup logs`, `-f` is --follow; \
             name the manifest with --file: `devup logs --file {name}`"
        )),
        _ => error,
    }
}

fn ended(log: &LogFile, printed: io::Result<()>) -> Result<Option<u8>, CliError> {
    match printed {
        Ok(()) => Ok(None),
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(Some(exit_code::SUCCESS)),
        Err(source) => Err(read_error(log.path(), source)),
    }
}

/// Colours for the prefixes: stdout is a terminal and `NO_COLOR` is unset.
fn color() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

/// The daemons to show and their log files, in the manifest's order: those
/// named (each must have a log file), or every daemon that has one.
fn log_files(config: &Config, names: &[String]) -> Result<Vec<(String, PathBuf)>, CliError> {
    let project = config.load()?;
    // Unknown names fail here, with the nearest known name.
    project.plan.up_set(names)?;
    let wanted: Vec<String> = if names.is_empty() {
        project.plan.names()
    } else {
        project
            .plan
            .names()
            .into_iter()
            .filter(|name| names.contains(name))
            .collect()
    };
    let mut logs = Vec::new();
    for name in wanted {
        let controller = match project.manifest.controller_builder(&name) {
            Some(builder) => Some(
                builder
                    .build()
                    .map_err(|error| CliError::Invalid(error.to_string()))?,
            ),
            None => None,
        };
        match controller.and_then(|controller| controller.spec().log_file.clone()) {
            Some(path) => logs.push((name, path)),
            None if names.is_empty() => {}
            None => {
                return Err(CliError::Invalid(format!(
                    "{name}: no log_file in {} (set `log_file`, or `daemonize: true` for the default)",
                    project.manifest.path.display()
                )));
            }
        }
    }
    if logs.is_empty() {
        return Err(CliError::Invalid(format!(
            "no daemon in {} has a log_file (set `log_file`, or `daemonize: true` for the default)",
            project.manifest.path.display()
        )));
    }
    Ok(logs)
}

fn read_error(path: &Path, source: io::Error) -> CliError {
    CliError::Io {
        action: format!("reading the log file {}", path.display()),
        source,
    }
}

/// Where the last `lines` lines of `file` begin, scanning back from its end
/// in blocks (a final line without its newline counts as a line).
pub(super) fn tail_start(file: &mut File, lines: usize) -> io::Result<u64> {
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
    use std::io::Write;

    /// Copies `file` from `start` to its end into `out`; returns the end.
    fn copy_from(file: &mut File, start: u64, out: &mut impl Write) -> io::Result<u64> {
        file.seek(SeekFrom::Start(start))?;
        let copied = io::copy(file, out)?;
        out.flush()?;
        Ok(start + copied)
    }

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

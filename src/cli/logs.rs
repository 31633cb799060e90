//! `devup logs [NAME...] [-n N] [-f]`: the last N lines of each named
//! daemon's log file (every daemon with a log file when none are named),
//! then, with `-f`, what is appended to them, like `tail -F`, all of them
//! interleaved as they are written (`log_file.rs`). With more than one
//! daemon each line starts with its name padded to one width and ` | `,
//! coloured per daemon on a terminal (not with `NO_COLOR`). Following ends
//! with SIGINT/SIGTERM/SIGHUP (exit 128 + the signal).

use std::io::{self, IsTerminal};
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

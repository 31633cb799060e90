//! The library's one error type. Every variant names the daemon it is about,
//! and its `Display` is a message a person can act on: the reason, then the
//! output of the start command and the lines the daemon appended to its log
//! during the failed start. Exit codes are chosen at the edge (the CLI), not
//! here.
//!
//! A leaf of the crate: the controller returns these errors, and the
//! manifest's own error ([`ManifestError`], in `manifest.rs` beside this
//! file) is one of them, so both live below every layer that uses them and
//! the imports point one way (controller → error, manifest → error). The
//! kinds of a failed start are in `start.rs`, of a failed task in `task.rs`.

pub mod manifest;
pub mod start;
pub mod task;

pub use manifest::{ManifestError, Problem};
pub use start::{ExitStatus, StartFailure, WaitingFor};
pub use task::TaskFailure;

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What a daemon or a start command wrote during one start: at most the last
/// [`LogExcerpt::MAX_LINES`] lines, with a count of those cut off before them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogExcerpt {
    /// Where the lines come from (the log file), or `None` for the output of
    /// the start command.
    pub path: Option<PathBuf>,
    /// The lines, oldest first, without their line terminators.
    pub lines: Vec<String>,
    /// How many lines came before `lines` (after `head`) and were left out.
    pub omitted: usize,
    /// The first lines, when the output was long (the start command's:
    /// what it said first is often why it failed); empty for a log.
    pub head: Vec<String>,
}

impl LogExcerpt {
    /// The most lines an excerpt keeps.
    pub const MAX_LINES: usize = 30;

    /// The most bytes of one line kept (in an excerpt, and when a log is
    /// followed during a start); the rest is cut, and the line says so.
    pub const MAX_LINE: usize = 64 * 1024;

    /// Keeps the last [`Self::MAX_LINES`] lines of `text`, each cut to
    /// [`Self::MAX_LINE`] bytes.
    pub fn from_text(path: Option<PathBuf>, text: &str) -> Self {
        let all: Vec<&str> = text.lines().collect();
        let omitted = all.len().saturating_sub(Self::MAX_LINES);
        LogExcerpt {
            path,
            lines: all[omitted..].iter().map(|line| Self::cap(line)).collect(),
            omitted,
            head: Vec::new(),
        }
    }

    /// The most lines of [`Self::head`] kept by [`Self::head_and_tail`].
    pub const HEAD_LINES: usize = 10;

    /// Keeps all of `text` when it has at most [`Self::MAX_LINES`] lines,
    /// else its first [`Self::HEAD_LINES`] and its last lines, up to
    /// [`Self::MAX_LINES`] in all.
    pub fn head_and_tail(path: Option<PathBuf>, text: &str) -> Self {
        let all: Vec<&str> = text.lines().collect();
        if all.len() <= Self::MAX_LINES {
            return Self::from_text(path, text);
        }
        let tail = Self::MAX_LINES - Self::HEAD_LINES;
        LogExcerpt {
            path,
            head: all[..Self::HEAD_LINES]
                .iter()
                .map(|l| Self::cap(l))
                .collect(),
            lines: all[all.len() - tail..]
                .iter()
                .map(|l| Self::cap(l))
                .collect(),
            omitted: all.len() - Self::MAX_LINES,
        }
    }

    /// `line`, cut to [`Self::MAX_LINE`] bytes (at a character boundary)
    /// with a note of how much was left out.
    fn cap(line: &str) -> String {
        if line.len() <= Self::MAX_LINE {
            return line.to_string();
        }
        let mut end = Self::MAX_LINE;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        format!(
            "{}{}",
            &line[..end],
            Self::cut_note((line.len() - end) as u64)
        )
    }

    /// " [line cut at 64 KiB: N more bytes not shown]".
    pub(crate) fn cut_note(cut: u64) -> String {
        format!(
            " [line cut at {} KiB: {cut} more bytes not shown]",
            Self::MAX_LINE / 1024
        )
    }

    /// True when there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.head.is_empty()
    }
}

/// Everything that can go wrong when controlling a daemon.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// `start` was called while the daemon runs.
    AlreadyStarted {
        /// The daemon's name.
        daemon: String,
        /// Its pid.
        pid: u32,
    },
    /// A start failed before the daemon was ready; nothing it spawned is
    /// left running.
    StartFailed {
        /// The daemon's name.
        daemon: String,
        /// Why, in a few words: "the start command exited with status 1"
        /// (`failure`'s text, kept for programs that read it as a string).
        reason: String,
        /// Why, as a value: which step failed and how.
        failure: StartFailure,
        /// What the start (or `before_start`) command printed.
        output: LogExcerpt,
        /// What the daemon appended to its log during this start.
        log: LogExcerpt,
    },
    /// A task failed: its command exited non-zero, was killed, or could not
    /// be run; nothing it spawned is left running.
    TaskFailed {
        /// The task's name.
        task: String,
        /// Why, as a value.
        failure: TaskFailure,
        /// What the task printed.
        output: LogExcerpt,
    },
    /// The daemon was not ready within `start_timeout`; the start was aborted
    /// and nothing it spawned is left running.
    StartTimeout {
        /// The daemon's name.
        daemon: String,
        /// The timeout that passed.
        timeout: Duration,
        /// What the daemon was still waiting for ("the ping to succeed"):
        /// `awaited`'s text, kept for programs that read it as a string.
        waiting_for: String,
        /// What the daemon was still waiting for, as a value.
        awaited: WaitingFor,
        /// What the start command printed.
        output: LogExcerpt,
        /// What the daemon appended to its log during this start.
        log: LogExcerpt,
    },
    /// The start was aborted because this process was interrupted (SIGINT,
    /// SIGTERM, SIGHUP); nothing it spawned is left running.
    Interrupted {
        /// The daemon's name.
        daemon: String,
    },
    /// The stop command failed, or the process could not be signalled.
    StopFailed {
        /// The daemon's name.
        daemon: String,
        /// Why.
        reason: String,
        /// What the stop command printed.
        output: LogExcerpt,
    },
    /// The daemon was still alive after `stop_timeout` and even after SIGKILL.
    StopTimeout {
        /// The daemon's name.
        daemon: String,
        /// Its pid.
        pid: u32,
        /// The timeout that passed.
        timeout: Duration,
    },
    /// `connect` could not connect, even after starting the daemon.
    Connect {
        /// The daemon's name.
        daemon: String,
        /// The last connection error.
        source: io::Error,
    },
    /// A pid file could not be read, written or removed.
    PidFile {
        /// The daemon's name.
        daemon: String,
        /// The pid file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The lock file could not be created or locked.
    Lock {
        /// The daemon's name.
        daemon: String,
        /// The lock file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Any other file or process operation that failed: creating a log
    /// directory, spawning the start command, writing the state file.
    Io {
        /// The daemon's name.
        daemon: String,
        /// What devup was doing: "creating the log directory /x/log".
        action: String,
        /// The underlying error.
        source: io::Error,
    },
    /// The daemon's configuration is invalid (a builder value that does not
    /// make sense: a bad regex, no start command, no pid file).
    Config {
        /// The daemon's name.
        daemon: String,
        /// The key at fault, as it is spelled in the manifest.
        key: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The manifest could not be loaded.
    Manifest(ManifestError),
}

impl Error {
    /// A [`Error::StartFailed`] of `daemon`, its `reason` the text of
    /// `failure`.
    pub fn start_failed(
        daemon: impl Into<String>,
        failure: StartFailure,
        output: LogExcerpt,
        log: LogExcerpt,
    ) -> Self {
        Error::StartFailed {
            daemon: daemon.into(),
            reason: failure.to_string(),
            failure,
            output,
            log,
        }
    }

    /// A [`Error::StartTimeout`] of `daemon`, its `waiting_for` the text of
    /// `awaited`.
    pub fn start_timeout(
        daemon: impl Into<String>,
        timeout: Duration,
        awaited: WaitingFor,
        output: LogExcerpt,
        log: LogExcerpt,
    ) -> Self {
        Error::StartTimeout {
            daemon: daemon.into(),
            timeout,
            waiting_for: awaited.to_string(),
            awaited,
            output,
            log,
        }
    }

    /// The name of the daemon this error is about, if any.
    pub fn daemon(&self) -> Option<&str> {
        match self {
            Error::AlreadyStarted { daemon, .. }
            | Error::StartFailed { daemon, .. }
            | Error::TaskFailed { task: daemon, .. }
            | Error::StartTimeout { daemon, .. }
            | Error::Interrupted { daemon }
            | Error::StopFailed { daemon, .. }
            | Error::StopTimeout { daemon, .. }
            | Error::Connect { daemon, .. }
            | Error::PidFile { daemon, .. }
            | Error::Lock { daemon, .. }
            | Error::Io { daemon, .. }
            | Error::Config { daemon, .. } => Some(daemon),
            Error::Manifest(_) => None,
        }
    }
}

fn write_excerpt(f: &mut fmt::Formatter<'_>, title: &str, excerpt: &LogExcerpt) -> fmt::Result {
    if excerpt.is_empty() {
        return Ok(());
    }
    match &excerpt.path {
        Some(path) => write!(f, "\n{title} ({}):", path.display())?,
        None => write!(f, "\n{title}:")?,
    }
    for line in &excerpt.head {
        write!(f, "\n  {}", escape_control(line))?;
    }
    if excerpt.omitted > 0 {
        let which = if excerpt.head.is_empty() {
            "earlier "
        } else {
            ""
        };
        write!(f, "\n  ... {} {which}lines not shown", excerpt.omitted)?;
    }
    for line in &excerpt.lines {
        write!(f, "\n  {}", escape_control(line))?;
    }
    Ok(())
}

/// `text` with its control characters written as escapes (`\x1b`, `\r`,
/// `\x07`, `\u{9b}`; a tab stays), so that a line from a daemon's log or
/// output, printed in a message, cannot move the cursor, retitle the
/// terminal or hide what comes before it. The log itself is left as it is.
pub(crate) fn escape_control(text: &str) -> std::borrow::Cow<'_, str> {
    let is_control = |c: char| c != '\t' && c.is_control();
    if !text.contains(is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\r' => escaped.push_str("\\r"),
            '\n' => escaped.push_str("\\n"),
            c if is_control(c) && c.is_ascii() => {
                escaped.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if is_control(c) => escaped.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => escaped.push(c),
        }
    }
    std::borrow::Cow::Owned(escaped)
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::AlreadyStarted { daemon, pid } => {
                write!(f, "{daemon}: already running (pid {pid})")
            }
            Error::StartFailed {
                daemon,
                reason,
                failure,
                output,
                log,
            } => {
                write!(f, "{daemon}: could not start: {}", escape_control(reason))?;
                write_excerpt(f, failure.output_label(), output)?;
                write_excerpt(f, "log during this start", log)
            }
            Error::TaskFailed {
                task,
                failure,
                output,
            } => {
                write!(
                    f,
                    "{task}: the task failed: {}",
                    escape_control(&failure.to_string())
                )?;
                write_excerpt(f, TaskFailure::OUTPUT_LABEL, output)
            }
            Error::StartTimeout {
                daemon,
                timeout,
                waiting_for,
                awaited,
                output,
                log,
            } => {
                write!(
                    f,
                    "{daemon}: not ready after {} (still waiting for {}); the start was aborted",
                    crate::human::format_duration(*timeout),
                    escape_control(waiting_for)
                )?;
                write_excerpt(f, awaited.output_label(), output)?;
                write_excerpt(f, "log during this start", log)
            }
            Error::Interrupted { daemon } => {
                write!(f, "{daemon}: start interrupted; the start was aborted")
            }
            Error::StopFailed {
                daemon,
                reason,
                output,
            } => {
                write!(f, "{daemon}: could not stop: {}", escape_control(reason))?;
                write_excerpt(f, "output of the stop command", output)
            }
            Error::StopTimeout {
                daemon,
                pid,
                timeout,
            } => write!(
                f,
                "{daemon}: pid {pid} still alive {} after the stop signal and SIGKILL",
                crate::human::format_duration(*timeout)
            ),
            Error::Connect { daemon, source } => {
                write!(f, "{daemon}: could not connect: {source}")
            }
            Error::PidFile {
                daemon,
                path,
                reason,
            } => write!(f, "{daemon}: pid file {}: {reason}", path.display()),
            Error::Lock {
                daemon,
                path,
                source,
            } => write!(f, "{daemon}: lock file {}: {source}", path.display()),
            Error::Io {
                daemon,
                action,
                source,
            } => write!(f, "{daemon}: {action}: {source}"),
            Error::Config {
                daemon,
                key,
                reason,
            } => write!(f, "{daemon}: {key}: {reason}"),
            Error::Manifest(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Connect { source, .. }
            | Error::Lock { source, .. }
            | Error::Io { source, .. } => Some(source),
            Error::Manifest(error) => Some(error),
            _ => None,
        }
    }
}

impl From<ManifestError> for Error {
    fn from(error: ManifestError) -> Self {
        Error::Manifest(error)
    }
}

//! Why a start failed and what a timed-out start was still waiting for, as
//! typed values: [`StartFailure`] (the kind of an [`Error::StartFailed`])
//! and [`WaitingFor`] (that of an [`Error::StartTimeout`]). Their
//! `Display` is the reason as people read it; which output an error shows
//! (the start command's, `before_start`'s, the ping command's) follows from
//! the kind, not from the words of the reason.
//!
//! [`Error::StartFailed`]: super::Error::StartFailed
//! [`Error::StartTimeout`]: super::Error::StartTimeout

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use crate::human::format_duration;

/// How a process ended, from its wait status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExitStatus {
    /// It exited with this status.
    Code(i32),
    /// It was killed by this signal.
    Signal(i32),
    /// Any other wait status (it should not happen for an ended process).
    Other(i32),
}

impl ExitStatus {
    /// The ending a raw `waitpid` status describes.
    pub fn from_wait_status(status: i32) -> Self {
        if libc::WIFEXITED(status) {
            ExitStatus::Code(libc::WEXITSTATUS(status))
        } else if libc::WIFSIGNALED(status) {
            ExitStatus::Signal(libc::WTERMSIG(status))
        } else {
            ExitStatus::Other(status)
        }
    }
}

/// "exited with status 1", "was killed by SIGKILL".
impl fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ExitStatus::Code(code) => write!(f, "exited with status {code}"),
            ExitStatus::Signal(signal) => match nix::sys::signal::Signal::try_from(signal) {
                Ok(signal) => write!(f, "was killed by {signal}"),
                Err(_) => write!(f, "was killed by signal {signal}"),
            },
            ExitStatus::Other(status) => write!(f, "ended with wait status {status}"),
        }
    }
}

/// Why a start failed before the daemon was ready.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StartFailure {
    /// The ping's address is held by a process that is not the daemon.
    AddressInUse {
        /// The address ("127.0.0.1:6379").
        address: String,
        /// Who holds it, as far as devup can tell.
        holder: String,
    },
    /// A `before_start` command failed.
    BeforeStart {
        /// The command, as written.
        step: String,
        /// How it ended.
        status: ExitStatus,
    },
    /// A `before_start` closure returned an error.
    BeforeStartFn {
        /// The closure's error, as text.
        error: String,
    },
    /// The start command could not be prepared ("command not found: x").
    Prepare {
        /// What went wrong.
        reason: String,
    },
    /// The start command could not be forked.
    Fork {
        /// The `errno` of the failure.
        errno: i32,
    },
    /// The start command's directory could not be entered.
    Chdir {
        /// The directory.
        dir: PathBuf,
        /// The `errno` of the failure.
        errno: i32,
    },
    /// The start command could not be executed.
    Exec {
        /// The program.
        program: String,
        /// The `errno` of the failure.
        errno: i32,
    },
    /// devup's start helper process died.
    HelperDied,
    /// devup could not write the pid file of a `daemonize: true` daemon.
    PidFileWrite {
        /// The pid file.
        path: PathBuf,
        /// What went wrong.
        error: String,
    },
    /// The pid file could not be checked (the message names it).
    PidCheck {
        /// The error, for people.
        message: String,
    },
    /// The start command failed (`daemonize: false`).
    StartCommand(ExitStatus),
    /// A `daemonize: true` daemon ended before it was ready.
    DaemonExited(ExitStatus),
    /// The daemon exited before it was ready: the one with `pid`, or, when
    /// `None`, every process of the start.
    DiedBeforeReady {
        /// The daemon's pid, when its pid file named it.
        pid: Option<u32>,
    },
    /// A log line matched `fail_when_log`.
    FailWhenLog {
        /// The regex, as written.
        pattern: String,
        /// The line (its control characters are escaped when shown).
        line: String,
    },
    /// The start command exited 0, but no valid pid file appeared, and the
    /// log (or, without one, the command's output) stopped growing.
    NoPidFile {
        /// The pid file.
        pid_file: PathBuf,
        /// The log watched, or `None` for the start command's output.
        log_file: Option<PathBuf>,
        /// How long it was quiet (`log_activity_timeout`).
        quiet_for: Duration,
    },
    /// A `command` ping could not be run at all (exit 127 or 126).
    PingFatal {
        /// The ping, as people read it.
        ping: String,
        /// Why.
        reason: String,
    },
    /// The daemon was ready, then exited while the daemons after it
    /// started.
    ExitedAfterReady,
    /// A dependency stopped running before this daemon started.
    DependencyStopped {
        /// The dependency's name.
        dependency: String,
    },
}

impl StartFailure {
    /// The title of the output an error of this kind carries.
    pub fn output_label(&self) -> &'static str {
        match self {
            StartFailure::BeforeStart { .. } => "output of before_start",
            StartFailure::PingFatal { .. } => "output of the ping command",
            _ => "output of the start command",
        }
    }
}

fn os_error(errno: i32) -> io::Error {
    io::Error::from_raw_os_error(errno)
}

impl fmt::Display for StartFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartFailure::AddressInUse { address, holder } => {
                write!(
                    f,
                    "{address} is already in use by another process: {holder}"
                )
            }
            StartFailure::BeforeStart { step, status } => {
                write!(f, "before_start `{step}` {status}")
            }
            StartFailure::BeforeStartFn { error } => {
                write!(f, "the before_start closure failed: {error}")
            }
            StartFailure::Prepare { reason } | StartFailure::PidCheck { message: reason } => {
                f.write_str(reason)
            }
            StartFailure::Fork { errno } => {
                write!(f, "cannot fork the start command: {}", os_error(*errno))
            }
            StartFailure::Chdir { dir, errno } => write!(
                f,
                "cannot change to the directory {}: {}",
                dir.display(),
                os_error(*errno)
            ),
            StartFailure::Exec { program, errno } => {
                write!(f, "cannot run `{program}`: {}", os_error(*errno))
            }
            StartFailure::HelperDied => f.write_str("devup's start helper process died"),
            StartFailure::PidFileWrite { path, error } => {
                write!(f, "cannot write the pid file {}: {error}", path.display())
            }
            StartFailure::StartCommand(status) => write!(f, "the start command {status}"),
            StartFailure::DaemonExited(status) => {
                write!(f, "the daemon {status} before it was ready")
            }
            StartFailure::DiedBeforeReady { pid: Some(pid) } => {
                write!(f, "the daemon (pid {pid}) exited before it was ready")
            }
            StartFailure::DiedBeforeReady { pid: None } => {
                f.write_str("the daemon exited before it was ready")
            }
            StartFailure::FailWhenLog { pattern, line } => write!(
                f,
                "a log line matches fail_when_log /{pattern}/: {}",
                super::escape_control(line)
            ),
            StartFailure::NoPidFile {
                pid_file,
                log_file,
                quiet_for,
            } => {
                let what = match log_file {
                    Some(path) => format!("the log {}", path.display()),
                    None => "its output".to_string(),
                };
                write!(
                    f,
                    "the start command exited 0, but no valid pid file appeared at {} and {what} has not grown for {}",
                    pid_file.display(),
                    format_duration(*quiet_for)
                )
            }
            StartFailure::PingFatal { ping, reason } => write!(f, "the ping ({ping}) {reason}"),
            StartFailure::ExitedAfterReady => {
                f.write_str("it exited after it was ready, while the daemons after it started")
            }
            StartFailure::DependencyStopped { dependency } => write!(
                f,
                "its dependency `{dependency}` is not running any more (stopped meanwhile, by another devup?)"
            ),
        }
    }
}

/// What a start that timed out was still waiting for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitingFor {
    /// A `before_start` command to finish.
    BeforeStart {
        /// The command, as written.
        step: String,
    },
    /// A valid pid file.
    PidFile {
        /// The pid file.
        path: PathBuf,
        /// The start command still runs in the foreground
        /// (`daemonize: false`), a hint that it should be `daemonize: true`.
        foreground: bool,
    },
    /// The ping to succeed.
    Ping {
        /// The ping, as people read it.
        ping: String,
        /// Why its last attempt failed, when one was made.
        last_attempt: Option<String>,
    },
    /// The daemon to be ready (no ping: its process alive).
    Ready,
    /// A task to finish.
    Task,
    /// A daemon started by another process to answer its ping.
    OtherStart {
        /// Its pid.
        pid: u32,
    },
}

impl WaitingFor {
    /// The title of the output a timeout of this kind carries: the
    /// before_start step's while one ran, else the start command's (also
    /// while the ping was awaited: the ping's own output is in the reason's
    /// last attempt).
    pub fn output_label(&self) -> &'static str {
        match self {
            WaitingFor::BeforeStart { .. } => "output of before_start",
            _ => "output of the start command",
        }
    }
}

impl fmt::Display for WaitingFor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitingFor::BeforeStart { step } => write!(f, "before_start `{step}`"),
            WaitingFor::PidFile { path, foreground } => {
                write!(f, "a valid pid file at {}", path.display())?;
                if *foreground {
                    f.write_str(
                        "; the start command is still running in the foreground: \
                         if it does not daemonize itself, set `daemonize: true`",
                    )?;
                }
                Ok(())
            }
            WaitingFor::Ping {
                ping,
                last_attempt: Some(last),
            } => write!(f, "the ping ({ping}) to succeed; its last attempt: {last}"),
            WaitingFor::Ping {
                ping,
                last_attempt: None,
            } => write!(f, "the ping ({ping}) to succeed"),
            WaitingFor::Ready => f.write_str("the daemon to be ready"),
            WaitingFor::Task => f.write_str("the task to finish"),
            WaitingFor::OtherStart { pid } => {
                write!(
                    f,
                    "pid {pid}, started by another process, to answer its ping"
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_output_title_follows_from_the_kind() {
        let before = StartFailure::BeforeStart {
            step: "make".into(),
            status: ExitStatus::Code(2),
        };
        assert_eq!(
            before.to_string(),
            "before_start `make` exited with status 2"
        );
        assert_eq!(before.output_label(), "output of before_start");
        let ping = StartFailure::PingFatal {
            ping: "command `redis-klient`".into(),
            reason: "exited with status 127".into(),
        };
        assert_eq!(ping.output_label(), "output of the ping command");
        let start = StartFailure::StartCommand(ExitStatus::Signal(libc::SIGKILL));
        assert_eq!(start.to_string(), "the start command was killed by SIGKILL");
        assert_eq!(start.output_label(), "output of the start command");
    }

    #[test]
    fn what_a_timeout_waited_for_reads_as_before() {
        let pid_file = WaitingFor::PidFile {
            path: "/p/x.pid".into(),
            foreground: true,
        };
        assert_eq!(
            pid_file.to_string(),
            "a valid pid file at /p/x.pid; the start command is still running in the \
             foreground: if it does not daemonize itself, set `daemonize: true`"
        );
        let before = WaitingFor::BeforeStart {
            step: "sleep 9".into(),
        };
        assert_eq!(before.to_string(), "before_start `sleep 9`");
        assert_eq!(before.output_label(), "output of before_start");
        assert_eq!(
            WaitingFor::OtherStart { pid: 7 }.output_label(),
            "output of the start command"
        );
    }

    #[test]
    fn a_wait_status_reads_as_an_exit_or_a_signal() {
        assert_eq!(ExitStatus::from_wait_status(3 << 8), ExitStatus::Code(3));
        assert_eq!(ExitStatus::from_wait_status(9), ExitStatus::Signal(9));
        assert_eq!(
            ExitStatus::Signal(200).to_string(),
            "was killed by signal 200"
        );
    }
}

//! Running a short command of a daemon (`before_start`, `stop`; a `command`
//! ping only borrows [`command_for`], see `ping_check.rs`) and waiting for it with a timeout: the daemon's `dir` and `env`,
//! stdin from /dev/null, stdout and stderr captured in order (or discarded),
//! in its own process group so that a command past its timeout is killed
//! with everything it started.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::handle::ProcessHandle;
use super::output_file::unnamed_temp_file;
use super::{AbortSignal, CommandLine, DaemonSpec, excerpt};
use crate::error::LogExcerpt;

/// How a command run ended.
#[derive(Debug)]
pub(crate) enum RunEnd {
    /// It exited; the raw wait status.
    Exited(libc::c_int),
    /// It was still running at the timeout and was killed.
    TimedOut,
    /// The abort signal fired; it was killed.
    Aborted,
}

/// A finished command run.
#[derive(Debug)]
pub(crate) struct CommandRun {
    /// How it ended.
    pub end: RunEnd,
    /// What it printed (empty when not captured).
    pub output: LogExcerpt,
}

/// A `Command` for `command` with the daemon's directory and environment.
pub(crate) fn command_for(spec: &DaemonSpec, command: &CommandLine) -> Command {
    let argv = command.argv();
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .current_dir(&spec.dir)
        .envs(&spec.env)
        .env_remove("NOTIFY_SOCKET")
        .stdin(Stdio::null());
    cmd
}

/// Runs `command`, with `extra_env` added to its environment, to its end,
/// or kills its process group after `timeout` or when `abort` fires.
pub(crate) fn run_with_env(
    spec: &DaemonSpec,
    command: &CommandLine,
    timeout: Duration,
    abort: Option<&AbortSignal>,
    capture: bool,
    extra_env: &[(String, String)],
) -> std::io::Result<CommandRun> {
    let mut cmd = command_for(spec, command);
    cmd.envs(extra_env.iter().map(|(key, value)| (key, value)));
    let output = if capture {
        let file = unnamed_temp_file()?;
        cmd.stdout(file.try_clone()?).stderr(file.try_clone()?);
        Some(file)
    } else {
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        None
    };
    cmd.process_group(0);
    let mut child = cmd.spawn()?;
    let deadline = super::deadline::after(timeout);
    let handle = ProcessHandle::open(child.id(), None);
    let end = loop {
        if let Some(status) = child.try_wait()? {
            break RunEnd::Exited(status.into_raw());
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let aborted = abort.is_some_and(AbortSignal::is_aborted);
        if left.is_zero() || aborted {
            // The child is not reaped yet, so its pid (= its group id) is
            // still ours: the group cannot be someone else's.
            let _ = crate::sys::signal::killpg(child.id(), libc::SIGKILL);
            let _ = child.wait();
            break if aborted {
                RunEnd::Aborted
            } else {
                RunEnd::TimedOut
            };
        }
        let slice = left.min(Duration::from_millis(50));
        match &handle {
            Some(handle) => {
                handle.wait_gone(slice);
            }
            None => std::thread::sleep(slice.min(Duration::from_millis(5))),
        }
    };
    Ok(CommandRun {
        end,
        output: output
            .map(|file| excerpt::output_of(&file))
            .unwrap_or_default(),
    })
}

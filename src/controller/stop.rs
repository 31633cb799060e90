//! One stop, under the daemon's lock: a daemon that does not run is a
//! success (a stale pid file is removed); otherwise the stop command runs, or
//! the stop signal goes to the daemon (to its whole process group for
//! `daemonize: true`), and the stop returns when the process (for
//! `daemonize: true`, its whole process group) is gone,
//! SIGKILLing it after `stop_timeout`. The pid file and the state file are
//! removed. Identity is re-checked through a pidfd before every signal.

use std::time::{Duration, Instant};

use super::handle::ProcessHandle;
use super::output_file::{describe_wait_status, is_success};
use super::run_command::{self, RunEnd};
use super::running::{self, PidCheck};
use super::state::StartedState;
use super::{DaemonController, Event, group_scan, leftover, pid_file, process};
use crate::error::{Error, LogExcerpt, Result};

/// How long a process may take to vanish after SIGKILL.
const AFTER_KILL: Duration = Duration::from_secs(5);

impl DaemonController {
    /// Stops the daemon; the caller holds the lock.
    pub(crate) fn stop_locked(&self) -> Result<Option<u32>> {
        let spec = self.spec();
        let inspection = running::inspect_removing_corrupt(spec, |event| self.emit(event))?;
        let (mut check, mut checked) = (inspection.check, inspection.handle);
        // What a devup killed mid-start or mid-stop left goes too; a daemon
        // that got as far as its pid file, and what it forked, are stopped
        // below, as any daemon.
        if leftover::pending(spec) {
            // The daemon and its descendants (found anew at each scan).
            let keep: Vec<u32> = match check {
                PidCheck::Running { pid, .. } => vec![pid],
                _ => Vec::new(),
            };
            // Checked again only when the cleaning ended a process.
            if !leftover::clean(spec, spec.stop_timeout, &keep).is_empty() {
                let inspection = running::inspect(spec)?;
                (check, checked) = (inspection.check, inspection.handle);
            }
        }
        let (pid, start_ticks) = match check {
            PidCheck::Running { pid, start_ticks } => (pid, start_ticks),
            PidCheck::Stale { reason, .. } => {
                running::remove_stale(spec, reason, |event| self.emit(event))?;
                self.emit(Event::NotRunning);
                return Ok(None);
            }
            PidCheck::Missing => {
                let _ = StartedState::remove(&spec.state_file);
                self.emit(Event::NotRunning);
                return Ok(None);
            }
        };
        // The check's own handle on the daemon when it made one (its pidfd
        // is that process's for good), else one opened now.
        let handle = match checked {
            Some(handle) if handle.pid() == pid && handle.start_ticks() == start_ticks => {
                Some(handle).filter(ProcessHandle::still_running)
            }
            _ => ProcessHandle::open(pid, Some(start_ticks)),
        };
        let Some(handle) = handle else {
            // It exited between the check and now.
            self.remove_files()?;
            self.emit(Event::NotRunning);
            return Ok(None);
        };
        self.emit(Event::Stopping { pid });
        let started = Instant::now();
        let stop_failed = |reason: String, output: LogExcerpt| Error::StopFailed {
            daemon: spec.name.clone(),
            reason,
            output,
        };
        let mut command_failed = None;
        match &spec.stop {
            Some(command) => {
                // A token, as for a start: a devdown killed while this runs
                // leaves it to the next stop or start to end (leftover.rs).
                let token = leftover::new_token();
                let _ = leftover::mark(spec, &token);
                let token_env = [(leftover::TOKEN_VAR.to_string(), token)];
                let run = super::while_waiting(|| {
                    run_command::run_with_env(
                        spec,
                        command,
                        spec.stop_timeout,
                        None,
                        true,
                        &token_env,
                    )
                });
                leftover::unmark(spec);
                let run = run.map_err(|error| {
                    stop_failed(
                        format!("cannot run the stop command: {error}"),
                        LogExcerpt::default(),
                    )
                })?;
                if let RunEnd::Exited(status) = run.end
                    && !is_success(status)
                    && handle.is_alive()
                {
                    // Not the end of the stop: the daemon still gets what is
                    // left of stop_timeout, then SIGKILL, and the failure is
                    // reported once it is gone.
                    command_failed = Some(stop_failed(
                        format!(
                            "the stop command `{command}` {}",
                            describe_wait_status(status)
                        ),
                        run.output,
                    ));
                }
            }
            None => {
                let signal = spec.stop_signal.to_nix() as libc::c_int;
                self.send(&handle, signal).map_err(|error| {
                    stop_failed(
                        format!("cannot send {} to pid {pid}: {error}", spec.stop_signal),
                        LogExcerpt::default(),
                    )
                })?;
            }
        }
        super::while_waiting(|| {
            let left = spec.stop_timeout.saturating_sub(started.elapsed());
            if !handle.wait_gone(left) {
                self.emit(Event::Killing { pid });
                let _ = self.send(&handle, libc::SIGKILL);
                if !handle.wait_gone(AFTER_KILL) {
                    return Err(Error::StopTimeout {
                        daemon: spec.name.clone(),
                        pid,
                        timeout: spec.stop_timeout,
                    });
                }
            }
            if spec.daemonize {
                self.wait_for_group(pid, super::deadline::add(started, spec.stop_timeout));
            }
            Ok(())
        })?;
        self.remove_files()?;
        if let Some(error) = command_failed {
            return Err(error);
        }
        self.emit(Event::Stopped {
            elapsed: started.elapsed(),
        });
        Ok(Some(pid))
    }

    /// Signals the daemon, or its process group for `daemonize: true`.
    fn send(&self, handle: &ProcessHandle, signal: libc::c_int) -> std::io::Result<()> {
        if self.spec().daemonize {
            handle.signal_group(signal)
        } else {
            handle.signal(signal)
        }
    }

    /// After the leader of a `daemonize: true` daemon is gone: waits until
    /// the rest of its process group is gone too, SIGKILLing what is left at
    /// `deadline`. The group id cannot be reused while the group has
    /// members, so its members are the daemon's.
    fn wait_for_group(&self, pgid: u32, deadline: Instant) {
        let mut interval = Duration::from_millis(1);
        let mut killed = false;
        loop {
            // Usually the group went with its leader: one kill(-pgid, 0)
            // says so. Otherwise scan /proc, where zombies count as gone
            // (they run no code; init reaps them when it gets to it).
            let asked = Instant::now();
            if !process::group_exists(pgid) {
                return;
            }
            let members = group_scan::live_members(pgid, asked);
            if members.is_empty() {
                return;
            }
            let now = Instant::now();
            if now >= deadline && !killed {
                killed = true;
                for member in members {
                    if let Some(handle) = ProcessHandle::open(member, None)
                        && process::stat(member).is_some_and(|stat| stat.pgid == pgid)
                    {
                        let _ = handle.signal(libc::SIGKILL);
                    }
                }
            } else if now >= super::deadline::add(deadline, AFTER_KILL) {
                return;
            }
            std::thread::sleep(interval);
            interval = (interval * 2).min(Duration::from_millis(20));
        }
    }

    fn remove_files(&self) -> Result<()> {
        let spec = self.spec();
        let _ = StartedState::remove(&spec.state_file);
        pid_file::remove_pid_file(&spec.pid_file).map_err(|error| Error::PidFile {
            daemon: spec.name.clone(),
            path: spec.pid_file.clone(),
            reason: format!("cannot remove it: {error}"),
        })
    }
}

//! The readiness loop of one start: from spawning the start command until
//! the daemon is ready (pid file valid, process alive, ping succeeds) or the
//! start has failed. It wakes on what can change the answer (a report from
//! the start tree, a file written in the pid file's or log's directory, a
//! notify datagram) and otherwise polls the ping on a short, growing
//! interval (1 ms doubling to 50 ms), so readiness is noticed within a few
//! milliseconds while a slow daemon costs almost no CPU. It decides; it does
//! not clean up (`start.rs` does).

use std::fs::File;
use std::time::{Duration, Instant};

use regex::Regex;

use super::excerpt::{self, LogFollower};
use super::file_watch::FileWatch;
use super::notify::NotifySocket;
use super::output_file::{describe_wait_status, is_success};
use super::running::{self, PidCheck};
use super::start_tree::{Report, StartTree};
use super::{AbortSignal, DaemonSpec, Event, Ping, format_duration, pid_file, ping_check};

/// How a start's wait ended.
#[derive(Debug)]
pub(crate) enum WaitEnd {
    /// The daemon is ready.
    Ready { pid: u32, start_ticks: u64 },
    /// The start failed; the reason, for people.
    Failed(String),
    /// `start_timeout` passed; what was still awaited.
    TimedOut(String),
    /// The abort signal fired.
    Aborted,
}

/// Everything the loop watches.
pub(crate) struct StartWait<'a> {
    /// The daemon.
    pub spec: &'a DaemonSpec,
    /// Where events go.
    pub emit: &'a dyn Fn(Event),
    /// Aborts the wait.
    pub abort: &'a AbortSignal,
    /// The start tree's reports.
    pub tree: &'a mut StartTree,
    /// The start command's output (for the log activity rule without a log).
    pub output: &'a File,
    /// The log file's size before the start.
    pub log_offset: u64,
    /// The notify socket of a `notify` ping.
    pub notify: Option<&'a NotifySocket>,
    /// When the start command was spawned.
    pub started: Instant,
}

const MAX_INTERVAL: Duration = Duration::from_millis(50);

/// How long a ready daemon's start command may still run before devup stops
/// waiting for its exit status (see `settle_command_exit`).
const COMMAND_EXIT_GRACE: Duration = Duration::from_secs(1);

/// What the start tree has reported so far.
#[derive(Debug, Default)]
struct Progress {
    /// The start command's pid, once spawned.
    command_pid: Option<u32>,
    /// When the start command exited 0 (`daemonize: false`).
    command_exited_at: Option<Instant>,
    /// No process of the start is left.
    all_gone: bool,
}

impl StartWait<'_> {
    /// Waits until the daemon is ready or the start has failed.
    pub(crate) fn run(mut self) -> WaitEnd {
        let spec = self.spec;
        let deadline = self.started + spec.start_timeout;
        let watch = FileWatch::new(
            &[Some(spec.pid_file.as_path()), spec.log_file.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>(),
        );
        let mut log = spec
            .log_file
            .clone()
            .map(|path| LogFollower::new(path, self.log_offset));
        let log_ping = match &spec.ping {
            Some(Ping::Log(regex)) => Regex::new(regex).ok(),
            _ => None,
        };
        let min_interval = match spec.ping {
            Some(Ping::Command(_)) => Duration::from_millis(10),
            _ => Duration::from_millis(1),
        };
        let mut interval = min_interval;
        let mut progress = Progress::default();
        let mut log_matched = false;
        let mut notified = false;
        let mut told_pid_file = false;
        let mut told_ping = false;
        let mut seen_pid = None;
        let mut activity = (self.activity_size(), Instant::now());
        loop {
            if let Some(end) = self.take_reports(&mut progress) {
                return end;
            }
            if let Some(log) = &mut log {
                for line in log.new_lines() {
                    if let Some(fail) = &spec.fail_when_log
                        && fail.is_match(&line)
                    {
                        return WaitEnd::Failed(format!(
                            "a log line matches fail_when_log /{fail}/: {line}"
                        ));
                    }
                    if log_ping.as_ref().is_some_and(|regex| regex.is_match(&line)) {
                        log_matched = true;
                    }
                }
            }
            if let Some(notify) = self.notify {
                notified |= notify.received_ready();
            }
            if self.abort.is_aborted() {
                return WaitEnd::Aborted;
            }
            let now = Instant::now();
            let check = match running::check(spec) {
                Ok(check) => check,
                Err(error) => return WaitEnd::Failed(error.to_string()),
            };
            let waiting_for = if let PidCheck::Running { pid, start_ticks } = check {
                seen_pid = Some(pid);
                if !told_ping && spec.ping.is_some() {
                    told_ping = true;
                    interval = min_interval;
                    (self.emit)(Event::WaitingForPing { pid });
                }
                let ready = match &spec.ping {
                    None => true,
                    Some(Ping::Log(_)) => log_matched,
                    Some(Ping::Notify) => notified,
                    Some(ping) => {
                        ping_check::attempt(spec, ping, deadline.saturating_duration_since(now))
                    }
                };
                if ready {
                    // The start command may have failed just before the
                    // daemon became ready: its exit must not be missed.
                    if let Some(end) = self.settle_command_exit(&mut progress) {
                        return end;
                    }
                    return WaitEnd::Ready { pid, start_ticks };
                }
                match &spec.ping {
                    Some(ping) => format!("the ping ({ping}) to succeed"),
                    None => "the daemon to be ready".to_string(),
                }
            } else {
                if progress.all_gone {
                    return WaitEnd::Failed("the daemon exited before it was ready".into());
                }
                if let (Some(seen), PidCheck::Stale { pid: Some(now), .. }) = (seen_pid, &check)
                    && seen == *now
                {
                    return WaitEnd::Failed(format!(
                        "the daemon (pid {seen}) exited before it was ready"
                    ));
                }
                if !told_pid_file && !spec.daemonize {
                    told_pid_file = true;
                    (self.emit)(Event::WaitingForPidFile);
                }
                if let Some(exited_at) = progress.command_exited_at {
                    let size = self.activity_size();
                    if size != activity.0 {
                        activity = (size, now);
                    }
                    let quiet_since = activity.1.max(exited_at);
                    if now.duration_since(quiet_since) >= spec.log_activity_timeout {
                        let what = match &spec.log_file {
                            Some(path) => format!("the log {}", path.display()),
                            None => "its output".to_string(),
                        };
                        return WaitEnd::Failed(format!(
                            "the start command exited 0, but no valid pid file appeared at {} and {what} has not grown for {}",
                            spec.pid_file.display(),
                            format_duration(spec.log_activity_timeout)
                        ));
                    }
                }
                format!("a valid pid file at {}", spec.pid_file.display())
            };
            if now >= deadline {
                return WaitEnd::TimedOut(waiting_for);
            }
            let woken = self.sleep(&watch, interval.min(deadline - now));
            interval = if woken {
                min_interval
            } else {
                (interval * 2).min(MAX_INTERVAL)
            };
        }
    }

    /// Takes the start tree's new reports into `progress`; `Some` when one
    /// of them ends the start.
    fn take_reports(&mut self, progress: &mut Progress) -> Option<WaitEnd> {
        let spec = self.spec;
        for report in self.tree.read_reports() {
            match report {
                Report::Spawned(pid) => {
                    progress.command_pid = Some(pid);
                    (self.emit)(Event::Spawned { pid });
                    if spec.daemonize
                        && let Err(error) = pid_file::write(&spec.pid_file, pid)
                    {
                        return Some(WaitEnd::Failed(format!(
                            "cannot write the pid file {}: {error}",
                            spec.pid_file.display()
                        )));
                    }
                }
                Report::ExecFailed { errno, in_chdir } => {
                    let error = std::io::Error::from_raw_os_error(errno);
                    return Some(WaitEnd::Failed(if in_chdir {
                        format!(
                            "cannot change to the directory {}: {error}",
                            spec.dir.display()
                        )
                    } else {
                        format!("cannot run `{}`: {error}", spec.start.argv()[0])
                    }));
                }
                Report::ForkFailed(errno) => {
                    let error = std::io::Error::from_raw_os_error(errno);
                    return Some(WaitEnd::Failed(format!(
                        "cannot fork the start command: {error}"
                    )));
                }
                Report::Exited { pid, status } if Some(pid) == progress.command_pid => {
                    if spec.daemonize {
                        return Some(WaitEnd::Failed(format!(
                            "the daemon {} before it was ready",
                            describe_wait_status(status)
                        )));
                    }
                    if !is_success(status) {
                        return Some(WaitEnd::Failed(format!(
                            "the start command {}",
                            describe_wait_status(status)
                        )));
                    }
                    progress.command_exited_at = Some(Instant::now());
                }
                Report::Exited { .. } => {}
                Report::AllGone => progress.all_gone = true,
                Report::HelperDied => {
                    return Some(WaitEnd::Failed("devup's start helper process died".into()));
                }
            }
        }
        None
    }

    /// Before declaring ready (`daemonize: false`): a start command that
    /// still runs is given up to `COMMAND_EXIT_GRACE` to exit, so that one
    /// that fails just after its daemon became ready (it forked, the daemon
    /// was quick, then the command exited 1) fails the start. A command that
    /// still runs after that is taken to stay in the foreground on purpose.
    fn settle_command_exit(&mut self, progress: &mut Progress) -> Option<WaitEnd> {
        let deadline = Instant::now() + COMMAND_EXIT_GRACE;
        loop {
            if let Some(end) = self.take_reports(progress) {
                return Some(end);
            }
            if self.spec.daemonize
                || progress.command_pid.is_none()
                || progress.command_exited_at.is_some()
                || Instant::now() >= deadline
            {
                return None;
            }
            let mut poll = libc::pollfd {
                fd: self.tree.fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one pollfd that lives across the call.
            unsafe { libc::poll(&mut poll, 1, 10) };
        }
    }

    /// The size of what the log activity rule watches: the log file, or the
    /// start command's output when there is no log file.
    fn activity_size(&self) -> u64 {
        match &self.spec.log_file {
            Some(path) => excerpt::file_len(path),
            None => self.output.metadata().map(|meta| meta.len()).unwrap_or(0),
        }
    }

    /// Sleeps up to `timeout`; true when woken by a report, a file event or
    /// a notify datagram.
    fn sleep(&self, watch: &FileWatch, timeout: Duration) -> bool {
        let mut fds = Vec::with_capacity(3);
        if !self.tree.is_closed() {
            fds.push(self.tree.fd());
        }
        fds.extend(watch.fd());
        fds.extend(self.notify.map(NotifySocket::fd));
        let mut polls: Vec<libc::pollfd> = fds
            .into_iter()
            .map(|fd| libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        let millis = timeout.as_millis().clamp(1, i32::MAX as u128) as libc::c_int;
        // SAFETY: a vector of pollfds that lives across the call.
        let ready = unsafe { libc::poll(polls.as_mut_ptr(), polls.len() as libc::nfds_t, millis) };
        let file_event = watch.drain();
        ready > 0 || file_event
    }
}

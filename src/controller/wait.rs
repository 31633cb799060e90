//! The readiness loop of one start: from spawning the start command until
//! the daemon is ready (pid file valid, process alive, ping succeeds) or the
//! start has failed. It wakes on what can change the answer (a report from
//! the start tree, a file written in the pid file's or log's directory, a
//! notify datagram) and otherwise polls the ping on a short, growing
//! interval (1 ms doubling, up to a hundredth of the time the start has
//! taken so far, a fiftieth after 0.5 s, 100 ms after 2.5 s), so readiness
//! is noticed within a few milliseconds while a slow daemon costs little
//! CPU. A wake-up re-runs the cheap checks (reports, log lines, pid file)
//! at once, but the ping keeps its own schedule, reset only by a new pid:
//! a daemon that logs every request would otherwise be pinged once per log
//! line it writes. A `command` ping in flight is killed when a report ends
//! the start. It decides; it does not clean up (`start.rs` does).

use std::fs::File;
use std::time::{Duration, Instant};

use regex::Regex;

use super::excerpt::{self, LogFollower};
use super::file_watch::FileWatch;
use super::notify::NotifySocket;
use super::output_file::is_success;
use super::process;
use super::running::{self, PidCheck};
use super::start_tree::{Report, StartTree};
use super::{AbortSignal, CommandLine, DaemonSpec, Event, Ping, pid_file, ping_check};
use crate::error::{ExitStatus, StartFailure, WaitingFor};

/// How a start's wait ended.
#[derive(Debug)]
pub(crate) enum WaitEnd {
    /// The daemon is ready.
    Ready { pid: u32, start_ticks: u64 },
    /// The start failed.
    Failed(StartFailure),
    /// A `command` ping could not be run (exit 127 or 126): the start
    /// failed at once; why (a [`StartFailure::PingFatal`]) and the ping's
    /// last output lines.
    PingFatal(StartFailure, Vec<String>),
    /// `start_timeout` passed; what was still awaited.
    TimedOut(WaitingFor),
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

/// Until then, the sleep between two polls is at most a hundredth of the
/// time the start has taken so far: readiness is noticed at most 1 % late.
const YOUNG: Duration = Duration::from_millis(500);
/// Until then, a fiftieth (10 ms to 50 ms).
const GROWN: Duration = Duration::from_millis(2500);
/// After that, one poll per `SLOW_INTERVAL`: a daemon that takes seconds
/// is noticed at most 100 ms late, and a 10 s wait costs under 50 ms of CPU
/// (each TCP ping attempt costs about 0.1 ms of it).
const SLOW_INTERVAL: Duration = Duration::from_millis(100);

/// The longest sleep between two polls after `elapsed` of the start (never
/// below `min_interval`): 1 ms in the first 50 ms, then 2 ms, growing with
/// `elapsed` as above. Chosen by measurement (README, Performance): a
/// 300 ms daemon is noticed 1.5 ms late on average, and a 10 s wait takes
/// about 380 polls.
pub(crate) fn max_interval(elapsed: Duration, min_interval: Duration) -> Duration {
    let cap = if elapsed < Duration::from_millis(50) {
        Duration::from_millis(1)
    } else if elapsed < YOUNG {
        (elapsed / 100).max(Duration::from_millis(2))
    } else if elapsed < GROWN {
        elapsed / 50
    } else {
        SLOW_INTERVAL
    };
    cap.max(min_interval)
}

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
        let deadline = super::deadline::add(self.started, spec.start_timeout);
        // Only a `log` ping and `fail_when_log` read the log during the
        // wait; only a pid file the daemon writes itself (`daemonize:
        // false`) is worth a wake-up when it appears. For `daemonize: true`
        // devup writes the pid file and the start tree reports the daemon's
        // death, so nothing is watched (see `file_watch.rs` for the cost).
        let follow_log = matches!(spec.ping, Some(Ping::Log(_))) || spec.fail_when_log.is_some();
        let log_path = spec.log_file.as_deref().filter(|_| follow_log);
        let mut watch = FileWatch::new(
            &[
                (!spec.daemonize).then_some(spec.pid_file.as_path()),
                log_path,
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>(),
        );
        let mut log = log_path.map(|path| LogFollower::new(path.to_path_buf(), self.log_offset));
        let log_ping = match &spec.ping {
            Some(Ping::Log(regex)) => Regex::new(regex).ok(),
            _ => None,
        };
        let min_interval = match spec.ping {
            Some(Ping::Command(_)) => Duration::from_millis(10),
            _ => Duration::from_millis(1),
        };
        let mut interval = min_interval;
        // The ping's own schedule, apart from `interval`: a wake-up (a log
        // line, a report) re-runs the cheap checks above the ping, but only
        // a new pid resets when the next attempt is due. Otherwise a daemon
        // that logs each request it serves would wake the loop with every
        // ping and be pinged again at once, thousands of times a second.
        let mut ping_interval = min_interval;
        let mut next_ping = Instant::now();
        let mut progress = Progress::default();
        let mut log_matched = false;
        let mut notified = false;
        let mut told_pid_file = false;
        let mut told_ping = false;
        let mut seen_pid = None;
        // Why the last ping attempt failed, for the timeout's message.
        let mut last_miss: Option<ping_check::Miss> = None;
        // For `daemonize: true` the daemon is the start tree's own child: it
        // stays the process its pid names until the tree reports its exit,
        // so once it is seen running, only the ping is left to try.
        let mut running_child: Option<PidCheck> = None;
        let mut activity = (self.activity_size(), Instant::now());
        loop {
            if let Some(end) = self.take_reports(&mut progress) {
                return end;
            }
            if let Some(log) = &mut log {
                let mut failed = None;
                log.each_new_line(&mut |line| {
                    if let Some(fail) = &spec.fail_when_log
                        && fail.is_match(line)
                    {
                        failed = Some(WaitEnd::Failed(StartFailure::FailWhenLog {
                            pattern: fail.to_string(),
                            line: line.to_string(),
                        }));
                        return true;
                    }
                    if log_ping.as_ref().is_some_and(|regex| regex.is_match(line)) {
                        log_matched = true;
                    }
                    false
                });
                if let Some(end) = failed {
                    return end;
                }
            }
            if let Some(notify) = self.notify {
                notified |= notify.received_ready();
            }
            if self.abort.is_aborted() {
                return WaitEnd::Aborted;
            }
            let now = Instant::now();
            // When the next ping attempt is due, while one is awaited.
            let mut ping_due = None;
            let check = match &running_child {
                Some(check) => check.clone(),
                None => match running::check(spec) {
                    Ok(check) => check,
                    Err(error) => {
                        return WaitEnd::Failed(StartFailure::PidCheck {
                            message: error.to_string(),
                        });
                    }
                },
            };
            let waiting_for = if let PidCheck::Running { pid, start_ticks } = check {
                if seen_pid.is_none() {
                    if spec.daemonize {
                        running_child = Some(check.clone());
                    }
                    if log.is_none() {
                        // The pid file is there: its watch has done its job.
                        watch = FileWatch::new(&[]);
                    }
                }
                if seen_pid != Some(pid) {
                    // A pid file appeared or now names another process:
                    // ping it at once, then on the growing schedule.
                    ping_interval = min_interval;
                    next_ping = now;
                }
                seen_pid = Some(pid);
                if !told_ping && spec.ping.is_some() {
                    told_ping = true;
                    (self.emit)(Event::WaitingForPing { pid });
                }
                let ready = match &spec.ping {
                    None => true,
                    Some(Ping::Log(_)) => log_matched,
                    Some(Ping::Notify) => notified,
                    Some(_) if now < next_ping => false,
                    Some(ping) => {
                        let budget = deadline.saturating_duration_since(now);
                        let attempt = match ping {
                            Ping::Command(command) => {
                                match self.command_ping(command, budget, &mut progress) {
                                    Ok(attempt) => attempt,
                                    Err(end) => return end,
                                }
                            }
                            _ => {
                                ping_check::attempt(spec, ping, budget, &|| self.abort.is_aborted())
                            }
                        };
                        let ready = match attempt {
                            Ok(()) => true,
                            Err(miss) if miss.fatal => {
                                return WaitEnd::PingFatal(
                                    StartFailure::PingFatal {
                                        ping: ping.to_string(),
                                        reason: miss.reason,
                                    },
                                    miss.output,
                                );
                            }
                            Err(miss) => {
                                // An attempt that ran into the start's own
                                // deadline was cut short by it, not answered
                                // by the daemon: the previous attempt's
                                // reason says more.
                                let cut_short = Instant::now() >= deadline;
                                if !cut_short || last_miss.is_none() {
                                    last_miss = Some(miss);
                                }
                                false
                            }
                        };
                        ping_interval = (ping_interval * 2)
                            .min(max_interval(self.started.elapsed(), min_interval));
                        next_ping = super::deadline::after(ping_interval);
                        ready
                    }
                };
                if !matches!(spec.ping, None | Some(Ping::Log(_) | Ping::Notify)) {
                    ping_due = Some(next_ping);
                }
                if ready {
                    // The start command may have failed just before the
                    // daemon became ready: its exit must not be missed.
                    if let Some(end) = self.settle_command_exit(&mut progress) {
                        return end;
                    }
                    if spec.daemonize
                        && let Some(end) = self.confirm_alive(pid, &mut progress, deadline)
                    {
                        return end;
                    }
                    return WaitEnd::Ready { pid, start_ticks };
                }
                match &spec.ping {
                    Some(ping) => WaitingFor::Ping {
                        ping: ping.to_string(),
                        last_attempt: last_miss.as_ref().map(ping_check::Miss::summary),
                    },
                    None => WaitingFor::Ready,
                }
            } else {
                if progress.all_gone {
                    return WaitEnd::Failed(StartFailure::DiedBeforeReady { pid: None });
                }
                if let (Some(seen), PidCheck::Stale { pid: Some(now), .. }) = (seen_pid, &check)
                    && seen == *now
                {
                    return WaitEnd::Failed(StartFailure::DiedBeforeReady { pid: Some(seen) });
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
                        return WaitEnd::Failed(StartFailure::NoPidFile {
                            pid_file: spec.pid_file.clone(),
                            log_file: spec.log_file.clone(),
                            quiet_for: spec.log_activity_timeout,
                        });
                    }
                }
                WaitingFor::PidFile {
                    path: spec.pid_file.clone(),
                    // A foreground server started without `daemonize: true`.
                    foreground: !spec.daemonize && progress.command_exited_at.is_none(),
                }
            };
            // A ping attempt may have taken a while: the time is taken anew.
            let now = Instant::now();
            if now >= deadline {
                return WaitEnd::TimedOut(waiting_for);
            }
            let nap = match ping_due {
                Some(due) => due.saturating_duration_since(now),
                None => interval,
            };
            let woken = self.sleep(&watch, nap.min(deadline - now));
            interval = if woken {
                min_interval
            } else {
                (interval * 2).min(max_interval(self.started.elapsed(), min_interval))
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
                        return Some(WaitEnd::Failed(StartFailure::PidFileWrite {
                            path: spec.pid_file.clone(),
                            error: error.to_string(),
                        }));
                    }
                }
                Report::ExecFailed { errno, in_chdir } => {
                    return Some(WaitEnd::Failed(if in_chdir {
                        StartFailure::Chdir {
                            dir: spec.dir.clone(),
                            errno,
                        }
                    } else {
                        StartFailure::Exec {
                            program: spec.start.argv()[0].clone(),
                            errno,
                        }
                    }));
                }
                Report::ForkFailed(errno) => {
                    return Some(WaitEnd::Failed(StartFailure::Fork { errno }));
                }
                Report::Exited { pid, status } if Some(pid) == progress.command_pid => {
                    if spec.daemonize {
                        return Some(WaitEnd::Failed(StartFailure::DaemonExited(
                            ExitStatus::from_wait_status(status),
                        )));
                    }
                    if !is_success(status) {
                        return Some(WaitEnd::Failed(StartFailure::StartCommand(
                            ExitStatus::from_wait_status(status),
                        )));
                    }
                    progress.command_exited_at = Some(Instant::now());
                }
                Report::Exited { .. } => {}
                Report::AllGone => progress.all_gone = true,
                Report::HelperDied => {
                    return Some(WaitEnd::Failed(StartFailure::HelperDied));
                }
            }
        }
        None
    }

    /// One attempt of a `command` ping, cut short (the command killed) when
    /// a report ends the start, no process of the start is left, or the
    /// abort signal fires; `Err` holds the end a report brought.
    fn command_ping(
        &mut self,
        command: &CommandLine,
        budget: Duration,
        progress: &mut Progress,
    ) -> Result<ping_check::Attempt, WaitEnd> {
        let spec = self.spec;
        let wake = (!self.tree.is_closed()).then(|| self.tree.fd());
        let mut end = None;
        let attempt = ping_check::command(spec, command, budget, wake, || {
            end = self.take_reports(progress);
            end.is_some() || progress.all_gone || self.abort.is_aborted()
        });
        match end {
            Some(end) => Err(end),
            None => Ok(attempt),
        }
    }

    /// Before declaring ready (`daemonize: false`): a start command that
    /// still runs is given up to `COMMAND_EXIT_GRACE` to exit, so that one
    /// that fails just after its daemon became ready (it forked, the daemon
    /// was quick, then the command exited 1) fails the start. A command that
    /// still runs after that is taken to stay in the foreground on purpose.
    fn settle_command_exit(&mut self, progress: &mut Progress) -> Option<WaitEnd> {
        let deadline = super::deadline::after(COMMAND_EXIT_GRACE);
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

    /// Before declaring a `daemonize: true` daemon ready (without a ping,
    /// "ready" is "executed and alive", seen once): its exit must not have
    /// been missed. The reports are drained; a daemon that is a zombie or
    /// gone has exited, and the start helper, which reaps it, reports its
    /// status at once, so the wait for that report is short and the status
    /// names the failure. No fixed delay: a daemon still alive now is ready.
    fn confirm_alive(
        &mut self,
        pid: u32,
        progress: &mut Progress,
        deadline: Instant,
    ) -> Option<WaitEnd> {
        loop {
            if let Some(end) = self.take_reports(progress) {
                return Some(end);
            }
            if process::stat(pid).is_some_and(|stat| stat.is_alive()) {
                return None;
            }
            if self.tree.is_closed() || Instant::now() >= deadline {
                return Some(WaitEnd::Failed(StartFailure::DiedBeforeReady {
                    pid: Some(pid),
                }));
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
        // Rounded up: poll counts whole milliseconds, and a nap rounded down
        // wakes just before the ping is due, to find nothing to do and nap
        // again (one wasted wake-up per ping, measured as ~15 ms of CPU over
        // a 10 s start).
        let millis = timeout
            .as_nanos()
            .div_ceil(1_000_000)
            .clamp(1, i32::MAX as u128) as libc::c_int;
        // SAFETY: a vector of pollfds that lives across the call.
        let ready = unsafe { libc::poll(polls.as_mut_ptr(), polls.len() as libc::nfds_t, millis) };
        let file_event = watch.drain();
        ready > 0 || file_event
    }
}

//! The readiness loop of one start: from spawning the start command until
//! the daemon is ready (pid file valid, process alive, ping succeeds) or the
//! start has failed. It wakes on what can change the answer (a report from
//! the start tree, a file written in the pid file's or log's directory, a
//! notify datagram) and otherwise polls the ping on a short, growing
//! interval (1 ms doubling, up to a two-hundredth of the time the start
//! has taken so far, a fiftieth after 0.5 s, 100 ms after 2.5 s), so readiness
//! is noticed within a few milliseconds while a slow daemon costs little
//! CPU. A wake-up re-runs the cheap checks (reports, log lines, pid file)
//! at once, reading only the sources that woke it ([`Wakes`]), but the
//! ping keeps its own schedule, reset only by a new pid (or the start
//! command's exit):
//! a daemon that logs every request would otherwise be pinged once per log
//! line it writes. A `command` ping in flight is killed when a report ends
//! the start. It decides; it does not clean up (`start.rs` does).
//!
//! A small state machine: each turn reads the wake-up sources that woke it
//! (the start tree's reports, the log's new lines, the notify socket, the
//! abort signal), checks the pid file (or takes the last check again, see
//! `seen_pid.rs`) and advances the [`Phase`] it finds
//! (waiting for the pid file, then for the ping) or ends with a
//! [`WaitEnd`]; then it sleeps on its [`Schedule`] until a source wakes it.
//! What a ping needs while awaited is asked of the ping (`readiness.rs`);
//! `daemonize` is read once, as a [`Launch`].

use std::fs::File;
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use regex::Regex;

use super::excerpt::{self, LogFollower};
use super::file_watch::FileWatch;
use super::notify::NotifySocket;
use super::output_file::is_success;
use super::process;
use super::running::{self, PidCheck};
use super::seen_pid::SeenPid;
use super::start_tree::{Report, StartTree};
use super::wake::{Wake, Wakes};
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

/// Until then, the sleep between two polls is at most a two-hundredth of
/// the time the start has taken so far: readiness is noticed at most 0.5 %
/// late.
const YOUNG: Duration = Duration::from_millis(500);
/// Until then, a fiftieth (10 ms to 50 ms).
const GROWN: Duration = Duration::from_millis(2500);
/// After that, one poll per `SLOW_INTERVAL`: a daemon that takes seconds
/// is noticed at most 100 ms late, and a 10 s wait costs under 50 ms of CPU
/// (a refused TCP ping attempt is a question to the kernel's socket table,
/// `listen_probe.rs`, and the loop's sleep).
const SLOW_INTERVAL: Duration = Duration::from_millis(100);

/// The longest sleep between two polls after `elapsed` of the start (never
/// below `min_interval`): 1 ms until 200 ms, then growing with `elapsed`
/// as above. Chosen by measurement (docs/ARCHITECTURE.md, "Why the wait
/// loop polls as it does"): a 300 ms daemon is noticed about 0.75 ms late
/// on average, and a 10 s wait takes about 540 polls.
pub(crate) fn max_interval(elapsed: Duration, min_interval: Duration) -> Duration {
    let cap = if elapsed < Duration::from_millis(50) {
        Duration::from_millis(1)
    } else if elapsed < YOUNG {
        (elapsed / 200).max(Duration::from_millis(1))
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

/// How the daemon comes to be, decided once from `daemonize`: the one
/// place the wait looks at that key (`settle_command_exit` aside).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Launch {
    /// `daemonize: true`: the start command is the daemon, the start tree's
    /// own child. devup writes its pid file, the tree reports its exit, and
    /// it stays the process its pid names until then.
    Supervised,
    /// `daemonize: false`: the start command forks the daemon, which writes
    /// its own pid file; the command's exit is a step of the start.
    Forking,
}

impl Launch {
    fn of(spec: &DaemonSpec) -> Self {
        if spec.daemonize {
            Launch::Supervised
        } else {
            Launch::Forking
        }
    }

    /// True when the daemon writes the pid file (worth a wake-up when it
    /// appears, and worth telling that devup waits for it).
    fn daemon_writes_pid_file(self) -> bool {
        self == Launch::Forking
    }
}

/// Where a start's wait is. It begins (after `before_start`, in `start.rs`,
/// and the spawn) waiting for the pid file, moves on to the ping when the
/// pid file names a live process, and ends ready or failed ([`WaitEnd`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No pid file has named a live process yet.
    PidFile,
    /// The pid file named this live process (the latest one it named);
    /// its ping is awaited. A pid file that disappears again sends the
    /// wait back to the pid file, still remembering the pid.
    Ping { pid: u32, start_ticks: u64 },
}

/// When the loop wakes on its own: the poll `interval` (reset by a
/// wake-up) and the ping's own schedule, apart from it. A wake-up (a log
/// line, a report) re-runs the cheap checks above the ping, but only a new
/// pid resets when the next attempt is due. Otherwise a daemon that logs
/// each request it serves would wake the loop with every ping and be
/// pinged again at once, thousands of times a second.
struct Schedule {
    min_interval: Duration,
    interval: Duration,
    ping_interval: Duration,
    next_ping: Instant,
}

impl Schedule {
    fn new(min_interval: Duration) -> Self {
        Schedule {
            min_interval,
            interval: min_interval,
            ping_interval: min_interval,
            next_ping: Instant::now(),
        }
    }

    /// A pid file appeared or now names another process: ping it at once,
    /// then on the growing schedule.
    fn ping_now(&mut self, now: Instant) {
        self.ping_interval = self.min_interval;
        self.next_ping = now;
    }

    /// An attempt was made: the next one is due after a longer interval.
    fn attempted(&mut self, elapsed: Duration) {
        self.ping_interval = (self.ping_interval * 2).min(max_interval(elapsed, self.min_interval));
        self.next_ping = super::deadline::after(self.ping_interval);
    }

    /// How long to sleep: until the ping is due, while one is awaited, else
    /// the poll interval.
    fn nap(&self, ping_due: Option<Instant>, now: Instant) -> Duration {
        match ping_due {
            Some(due) => due.saturating_duration_since(now),
            None => self.interval,
        }
    }

    /// After a sleep: a wake-up polls again soon, a timeout less soon.
    fn slept(&mut self, wakes: Wakes, elapsed: Duration) {
        self.interval = if wakes.woken_early() {
            self.min_interval
        } else {
            (self.interval * 2).min(max_interval(elapsed, self.min_interval))
        };
    }
}

/// What the wait keeps from turn to turn.
struct WaitState {
    launch: Launch,
    phase: Phase,
    schedule: Schedule,
    /// The pid file's and log's directories, while worth a wake-up.
    watch: FileWatch,
    /// The log's new lines, when a `log` ping or `fail_when_log` reads them.
    log: Option<LogFollower>,
    /// True when a file event in the log's directory is sure to wake the
    /// loop, so the log is read only after one (else at every turn).
    log_watched: bool,
    /// The last full check of a pid file the daemon writes itself, while a
    /// turn may take it again (`seen_pid.rs`).
    seen: Option<SeenPid>,
    /// The regex of a `log` ping.
    log_ping: Option<Regex>,
    progress: Progress,
    /// A ping that is told rather than tried (`log`, `notify`) was told.
    told_ready: bool,
    told_pid_file: bool,
    told_ping: bool,
    /// Why the last ping attempt failed, for the timeout's message.
    last_miss: Option<ping_check::Miss>,
    /// The size of what the log activity rule watches, and since when.
    activity: (u64, Instant),
}

/// What a turn left to wait for: the timeout's reason, and when the ping
/// is due next (while one is awaited).
struct Pending {
    waiting_for: WaitingFor,
    ping_due: Option<Instant>,
}

impl StartWait<'_> {
    /// Waits until the daemon is ready or the start has failed: turns of
    /// reading the wake-up sources and checking, each followed by a sleep
    /// until a source wakes the loop or the schedule is due.
    pub(crate) fn run(mut self) -> WaitEnd {
        let deadline = super::deadline::add(self.started, self.spec.start_timeout);
        let mut state = self.initial_state();
        // The first turn reads every source; later ones what woke them.
        let mut wakes = Wakes::ALL;
        loop {
            let pending = match self.turn(&mut state, wakes, deadline) {
                Ok(pending) => pending,
                Err(end) => return end,
            };
            // A ping attempt may have taken a while: the time is taken anew.
            let now = Instant::now();
            if now >= deadline {
                return WaitEnd::TimedOut(pending.waiting_for);
            }
            let nap = state.schedule.nap(pending.ping_due, now);
            wakes = self.sleep(&state.watch, nap.min(deadline - now));
            state.schedule.slept(wakes, self.started.elapsed());
        }
    }

    fn initial_state(&self) -> WaitState {
        let spec = self.spec;
        let launch = Launch::of(spec);
        let ping = spec.ping.as_ref();
        // Only a `log` ping and `fail_when_log` read the log during the
        // wait; only a pid file the daemon writes itself (`daemonize:
        // false`) is worth a wake-up when it appears. For `daemonize: true`
        // devup writes the pid file and the start tree reports the daemon's
        // death, so nothing is watched (see `file_watch.rs` for the cost).
        let follow_log = ping.is_some_and(Ping::watches_log) || spec.fail_when_log.is_some();
        let log_path = spec.log_file.as_deref().filter(|_| follow_log);
        let watch = FileWatch::new(
            &[
                launch
                    .daemon_writes_pid_file()
                    .then_some(spec.pid_file.as_path()),
                log_path,
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>(),
        );
        let log = log_path.map(|path| LogFollower::new(path.to_path_buf(), self.log_offset));
        let log_watched = log.is_some() && watch.watches_all();
        let min_interval = ping.map_or(Ping::MIN_INTERVAL, Ping::min_interval);
        WaitState {
            launch,
            phase: Phase::PidFile,
            schedule: Schedule::new(min_interval),
            watch,
            log,
            log_watched,
            seen: None,
            log_ping: ping.and_then(Ping::log_regex),
            progress: Progress::default(),
            told_ready: false,
            told_pid_file: false,
            told_ping: false,
            last_miss: None,
            activity: (self.activity_size(), Instant::now()),
        }
    }

    /// One turn: the wake-up sources that woke it are read, the pid file
    /// checked, and the phase it finds is advanced.
    fn turn(
        &mut self,
        state: &mut WaitState,
        wakes: Wakes,
        deadline: Instant,
    ) -> Result<Pending, WaitEnd> {
        self.read_sources(state, wakes)?;
        let now = Instant::now();
        // The start command's own report comes first: until it is in, the
        // pid file is not looked at, so that "spawned" is always said before
        // what is waited for, and the daemon's pid is told apart from the
        // command's (a command that backgrounds the daemon and writes its
        // pid file may do so before its report is read).
        if state.progress.command_pid.is_none()
            && !state.progress.all_gone
            && !self.tree.is_closed()
        {
            return Ok(Pending {
                waiting_for: WaitingFor::PidFile {
                    path: self.spec.pid_file.clone(),
                    foreground: false,
                },
                ping_due: None,
            });
        }
        match self.check(state, wakes)? {
            PidCheck::Running { pid, start_ticks } => {
                self.await_ping(state, pid, start_ticks, now, deadline)
            }
            check => self.await_pid_file(state, &check, now),
        }
    }

    /// The wake-up sources that woke this turn, in order: the start tree's
    /// reports, the log's new lines (at every turn when no file event is
    /// sure to say there are some), the notify socket's datagram, the abort
    /// signal. (The timer is the sleep's timeout; the pid file is looked at
    /// in every turn, see `check`.)
    fn read_sources(&mut self, state: &mut WaitState, wakes: Wakes) -> Result<(), WaitEnd> {
        if wakes.has(Wake::Report) {
            self.read_reports(state)?;
        }
        if wakes.has(Wake::FileEvent) || !state.log_watched {
            self.read_log(state)?;
        }
        if wakes.has(Wake::Notify)
            && let Some(notify) = self.notify
        {
            state.told_ready |= notify.received_ready();
        }
        if wakes.has(Wake::Abort) && self.abort.is_aborted() {
            return Err(WaitEnd::Aborted);
        }
        Ok(())
    }

    /// The start tree's new reports. A start command that exits 0 while
    /// the ping is awaited is an event too: many classic daemons exit their
    /// foreground process only once they serve, so the ping is tried at
    /// once rather than at its next turn.
    fn read_reports(&mut self, state: &mut WaitState) -> Result<(), WaitEnd> {
        let had_exited = state.progress.command_exited_at.is_some();
        if let Some(end) = self.take_reports(&mut state.progress) {
            return Err(end);
        }
        if !had_exited
            && state.progress.command_exited_at.is_some()
            && matches!(state.phase, Phase::Ping { .. })
        {
            state.schedule.ping_now(Instant::now());
        }
        Ok(())
    }

    /// The log's new lines: `fail_when_log` and a `log` ping.
    fn read_log(&mut self, state: &mut WaitState) -> Result<(), WaitEnd> {
        if let Some(log) = &mut state.log {
            let fail_when_log = self.spec.fail_when_log.as_ref();
            let log_ping = state.log_ping.as_ref();
            let mut failed = None;
            let mut matched = false;
            log.each_new_line(&mut |line| {
                if let Some(fail) = fail_when_log
                    && fail.is_match(line)
                {
                    failed = Some(StartFailure::FailWhenLog {
                        pattern: fail.to_string(),
                        line: line.to_string(),
                    });
                    return true;
                }
                matched |= log_ping.is_some_and(|regex| regex.is_match(line));
                false
            });
            if let Some(failure) = failed {
                return Err(WaitEnd::Failed(failure));
            }
            state.told_ready |= matched;
        }
        Ok(())
    }

    /// What the pid file says now. A supervised daemon seen running stays
    /// the process its pid names until the start tree reports its exit, so
    /// once seen, it is not checked again: only the ping is left to try.
    /// A daemon that writes its own pid file is taken again from the last
    /// full check while `seen_pid.rs` allows it and no report came in.
    fn check(&self, state: &mut WaitState, wakes: Wakes) -> Result<PidCheck, WaitEnd> {
        if let (Launch::Supervised, Phase::Ping { pid, start_ticks }) = (state.launch, state.phase)
        {
            return Ok(PidCheck::Running { pid, start_ticks });
        }
        if !wakes.has(Wake::Report)
            && let Some((pid, start_ticks)) =
                state.seen.and_then(|seen| seen.again(&self.spec.pid_file))
        {
            return Ok(PidCheck::Running { pid, start_ticks });
        }
        self.check_in_full(state)
    }

    /// `running::check`, remembering a daemon found running (`seen_pid.rs`).
    fn check_in_full(&self, state: &mut WaitState) -> Result<PidCheck, WaitEnd> {
        let stamp = super::pid_file::stamp(&self.spec.pid_file);
        let check = running::check(self.spec).map_err(|error| {
            WaitEnd::Failed(StartFailure::PidCheck {
                message: error.to_string(),
            })
        })?;
        state.seen = match check {
            PidCheck::Running { pid, start_ticks } if state.launch == Launch::Forking => {
                SeenPid::remember(stamp, pid, start_ticks, self.tree.helper())
            }
            _ => None,
        };
        Ok(check)
    }

    /// The phase `Ping`: the pid file names the live process `pid`.
    fn await_ping(
        &mut self,
        state: &mut WaitState,
        pid: u32,
        start_ticks: u64,
        now: Instant,
        deadline: Instant,
    ) -> Result<Pending, WaitEnd> {
        let spec = self.spec;
        let seen = match state.phase {
            Phase::PidFile => None,
            Phase::Ping { pid, .. } => Some(pid),
        };
        if seen.is_none() && state.log.is_none() {
            // The pid file is there: its watch has done its job.
            state.watch = FileWatch::new(&[]);
        }
        if seen != Some(pid) {
            state.schedule.ping_now(now);
        }
        state.phase = Phase::Ping { pid, start_ticks };
        if !state.told_ping && spec.ping.is_some() {
            state.told_ping = true;
            (self.emit)(Event::WaitingForPing { pid });
        }
        let ready = match &spec.ping {
            None => true,
            Some(ping) if !ping.is_probe() => state.told_ready,
            Some(_) if now < state.schedule.next_ping => false,
            Some(ping) => self.attempt(state, ping, now, deadline)?,
        };
        let ping_due = spec
            .ping
            .as_ref()
            .is_some_and(Ping::is_probe)
            .then_some(state.schedule.next_ping);
        if ready {
            // The start command may have failed just before the daemon
            // became ready: its exit must not be missed.
            if let Some(end) = self.settle_command_exit(&mut state.progress) {
                return Err(end);
            }
            if state.launch == Launch::Supervised
                && let Some(end) = self.confirm_alive(pid, &mut state.progress, deadline)
            {
                return Err(end);
            }
            return Err(WaitEnd::Ready { pid, start_ticks });
        }
        let waiting_for = match &spec.ping {
            Some(ping) => WaitingFor::Ping {
                ping: ping.to_string(),
                last_attempt: state.last_miss.as_ref().map(ping_check::Miss::summary),
            },
            None => WaitingFor::Ready,
        };
        Ok(Pending {
            waiting_for,
            ping_due,
        })
    }

    /// One attempt of a ping that is tried (a probe); true when it answered.
    fn attempt(
        &mut self,
        state: &mut WaitState,
        ping: &Ping,
        now: Instant,
        deadline: Instant,
    ) -> Result<bool, WaitEnd> {
        let budget = deadline.saturating_duration_since(now);
        let attempt = match ping {
            Ping::Command(command) => self.command_ping(command, budget, &mut state.progress)?,
            _ => ping_check::attempt(self.spec, ping, budget, &|| self.abort.is_aborted()),
        };
        let ready = match attempt {
            Ok(()) => true,
            Err(miss) if miss.fatal => {
                return Err(WaitEnd::PingFatal(
                    StartFailure::PingFatal {
                        ping: ping.to_string(),
                        reason: miss.reason,
                    },
                    miss.output,
                ));
            }
            // An attempt cut short by the start's own deadline says less
            // than the last whole one.
            Err(_) if Instant::now() >= deadline && state.last_miss.is_some() => false,
            Err(miss) => {
                state.last_miss = Some(miss);
                false
            }
        };
        state.schedule.attempted(self.started.elapsed());
        Ok(ready)
    }

    /// The phase `PidFile` (or back to it): no pid file names a live
    /// process.
    fn await_pid_file(
        &mut self,
        state: &mut WaitState,
        check: &PidCheck,
        now: Instant,
    ) -> Result<Pending, WaitEnd> {
        let spec = self.spec;
        if state.progress.all_gone {
            return Err(WaitEnd::Failed(StartFailure::DiedBeforeReady { pid: None }));
        }
        if let (Phase::Ping { pid: seen, .. }, PidCheck::Stale { pid: Some(now), .. }) =
            (state.phase, check)
            && seen == *now
        {
            return Err(WaitEnd::Failed(StartFailure::DiedBeforeReady {
                pid: Some(seen),
            }));
        }
        if !state.told_pid_file && state.launch.daemon_writes_pid_file() {
            state.told_pid_file = true;
            (self.emit)(Event::WaitingForPidFile);
        }
        if let Some(exited_at) = state.progress.command_exited_at {
            let size = self.activity_size();
            if size != state.activity.0 {
                state.activity = (size, now);
            }
            let quiet_since = state.activity.1.max(exited_at);
            if now.duration_since(quiet_since) >= spec.log_activity_timeout {
                return Err(WaitEnd::Failed(StartFailure::NoPidFile {
                    pid_file: spec.pid_file.clone(),
                    log_file: spec.log_file.clone(),
                    quiet_for: spec.log_activity_timeout,
                }));
            }
        }
        Ok(Pending {
            waiting_for: WaitingFor::PidFile {
                path: spec.pid_file.clone(),
                // A foreground server started without `daemonize: true`.
                foreground: state.launch == Launch::Forking
                    && state.progress.command_exited_at.is_none(),
            },
            ping_due: None,
        })
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
                    if Launch::of(spec) == Launch::Supervised
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
                    if Launch::of(spec) == Launch::Supervised {
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
            crate::sys::poll::readable(&[self.tree.fd()], 10);
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
            crate::sys::poll::readable(&[self.tree.fd()], 10);
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

    /// Sleeps up to `timeout` on the report pipe, the file watch and the
    /// notify socket; what woke it (`wake::sleep`). File events are drained
    /// only when there are some.
    fn sleep(&self, watch: &FileWatch, timeout: Duration) -> Wakes {
        let sources: Vec<(RawFd, Wake)> = [
            (!self.tree.is_closed()).then(|| (self.tree.fd(), Wake::Report)),
            watch.fd().map(|fd| (fd, Wake::FileEvent)),
            self.notify.map(|notify| (notify.fd(), Wake::Notify)),
        ]
        .into_iter()
        .flatten()
        .collect();
        let wakes = super::wake::sleep(&sources, self.abort, timeout);
        if wakes.has(Wake::FileEvent) {
            watch.drain();
        }
        wakes
    }
}

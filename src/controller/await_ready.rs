//! `wait_ready`: waiting for a daemon that someone else starts (another
//! `devup`, a service manager, a person) until it is running and its ping
//! answers, without taking its lock and without changing anything: no
//! start, no stale pid file removed. It polls on the start wait's schedule
//! (`wait.rs`): the first attempts 1 ms apart, growing with the time waited
//! so far, 100 ms apart after 2.5 s.
//!
//! A `log` ping, which during a start watches the lines appended by that
//! start, is answered here by any line of the log that matches: from
//! outside, there is no start to tell this run's lines from an earlier
//! run's. A `notify` ping cannot be observed from outside (the datagram
//! goes to whoever started the daemon), so a running process counts as
//! ready, as in `status`.

use std::fmt;
use std::time::{Duration, Instant};

use super::excerpt::LogFollower;
use super::running::{self, PidCheck};
use super::wait::max_interval;
use super::{DaemonController, Ping, ping_check};

/// Why a daemon was not ready when [`DaemonController::wait_ready`] gave up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotReady {
    /// No live process of the daemon: the pid file is missing, corrupt or
    /// names a dead or reused pid.
    NotRunning {
        /// What the pid file check found, for people.
        reason: String,
    },
    /// The process runs but its ping has not answered.
    NoAnswer {
        /// The daemon's pid.
        pid: u32,
        /// The ping, as people read it (`tcp 127.0.0.1:6379`).
        ping: String,
        /// Why its last attempt failed (`connection refused`, `exited with
        /// status 1: ...`), when an attempt was made.
        last_attempt: Option<String>,
    },
}

impl fmt::Display for NotReady {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotReady::NotRunning { reason } => write!(f, "not running ({reason})"),
            NotReady::NoAnswer {
                pid,
                ping,
                last_attempt,
            } => {
                write!(
                    f,
                    "running (pid {pid}), but its ping ({ping}) does not answer"
                )?;
                match last_attempt {
                    Some(reason) => write!(f, "; its last attempt: {reason}"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl DaemonController {
    /// Waits up to `timeout` until the daemon is running and its ping
    /// answers; returns its pid, or what was still missing at the timeout.
    /// Takes no lock and changes nothing.
    pub fn wait_ready(&self, timeout: Duration) -> Result<u32, NotReady> {
        let spec = &self.spec;
        let began = Instant::now();
        let deadline = began + timeout;
        let min_interval = spec
            .ping
            .as_ref()
            .map_or(Ping::MIN_INTERVAL, Ping::min_interval);
        let mut interval = min_interval;
        let log_ping = match (&spec.ping, &spec.log_file) {
            (Some(Ping::Log(regex)), Some(path)) => {
                Some((regex, LogFollower::new(path.clone(), 0)))
            }
            _ => None,
        };
        let mut log_ping = log_ping;
        let mut log_matched = false;
        let mut last_attempt: Option<String> = None;
        loop {
            let now = Instant::now();
            let missing = match running::check(spec) {
                Ok(PidCheck::Running { pid, .. }) => {
                    let answers = match &spec.ping {
                        None | Some(Ping::Notify) => true,
                        Some(Ping::Log(_)) => {
                            if let Some((regex, follower)) = &mut log_ping {
                                follower.each_new_line(&mut |line| {
                                    log_matched |= regex.is_match(line);
                                    log_matched
                                });
                            }
                            log_matched
                        }
                        Some(ping) => match ping_check::attempt(
                            spec,
                            ping,
                            deadline.saturating_duration_since(now),
                            &|| false,
                        ) {
                            Ok(()) => true,
                            Err(miss) => {
                                // An attempt cut short by this wait's own
                                // deadline says less than the one before.
                                if Instant::now() < deadline || last_attempt.is_none() {
                                    last_attempt = Some(miss.summary());
                                }
                                false
                            }
                        },
                    };
                    if answers {
                        return Ok(pid);
                    }
                    NotReady::NoAnswer {
                        pid,
                        ping: spec
                            .ping
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default(),
                        last_attempt: last_attempt.clone(),
                    }
                }
                Ok(PidCheck::Missing) => NotReady::NotRunning {
                    reason: format!("no pid file at {}", spec.pid_file.display()),
                },
                Ok(PidCheck::Stale { reason, .. }) => NotReady::NotRunning {
                    reason: format!("stale pid file {}: {reason}", spec.pid_file.display()),
                },
                Err(error) => NotReady::NotRunning {
                    reason: error.to_string(),
                },
            };
            let now = Instant::now();
            if now >= deadline {
                return Err(missing);
            }
            std::thread::sleep(interval.min(deadline - now));
            interval = (interval * 2).min(max_interval(began.elapsed(), min_interval));
        }
    }
}

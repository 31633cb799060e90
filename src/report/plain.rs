//! Plain lines for pipes, CI logs and dumb terminals: one line per change
//! of a daemon's state, `redis: ready in 212ms (pid 4242)`, never an escape
//! code. Lines come in the order things happened to the daemon: `starting`
//! only once a start really begins (an already-running daemon says just
//! that), `waiting for pid file` only after `spawned (pid N)`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use super::Reporter;
use super::failures::Failures;
use super::output::{Clock, Output, system_clock};
use super::phrase;
use super::stopping::Stopping;
use super::timeline::Timeline;
use crate::controller::Event;
use crate::run::{Action, RunEvent};

/// Writes one plain line per state change.
#[derive(Debug)]
pub struct PlainReporter {
    out: Output,
    timeline: Timeline,
    state: Mutex<State>,
    failures: Failures,
    stopping: Stopping,
}

/// What has been seen but not printed yet.
#[derive(Debug)]
struct State {
    /// Daemons whose turn came but whose `starting` line waits for the
    /// first sign that a start really begins.
    unstarted: HashSet<String>,
    /// Daemons whose `waiting for pid file` came before `spawned`.
    pid_file_held: HashSet<String>,
}

impl PlainReporter {
    /// A reporter writing to stderr.
    pub fn new() -> Self {
        Self::to(Output::stderr(), system_clock())
    }

    /// A reporter writing to `out`, timing with `clock`.
    pub fn to(out: Output, clock: Arc<dyn Clock>) -> Self {
        PlainReporter {
            out,
            timeline: Timeline::new(clock),
            state: Mutex::new(State {
                unstarted: HashSet::new(),
                pid_file_held: HashSet::new(),
            }),
            failures: Failures::default(),
            stopping: Stopping::default(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The lines `event` calls for, in order.
    fn lines(&self, event: &RunEvent<'_>) -> Vec<String> {
        let mut state = self.state();
        let say = |daemon: &str, text: &str| format!("{daemon}: {text}");
        match event {
            RunEvent::Begin { .. } => vec![],
            RunEvent::Waiting {
                daemon,
                waiting_for,
            } => vec![say(
                daemon,
                &format!("waiting for {}", waiting_for.join(", ")),
            )],
            // A stop says "stopping (pid N)" when it signals; a daemon that
            // is not running gets its own line.
            RunEvent::Begun { daemon } if self.stopping.action_of(daemon) == Action::Down => {
                vec![]
            }
            RunEvent::Begun { daemon } => {
                state.unstarted.insert(daemon.to_string());
                vec![]
            }
            RunEvent::Controller { daemon, event } => {
                let command_pid = self.timeline.command_pid(daemon);
                let Some(phase) = phrase::phase(event, command_pid) else {
                    return vec![];
                };
                // Waiting for the lock or finding a stale pid file happens
                // before `up` knows whether a start is needed at all.
                let begins = !matches!(event, Event::WaitingForLock | Event::StalePidFile { .. });
                let mut lines = Vec::new();
                if begins && state.unstarted.remove(*daemon) {
                    lines.push(say(daemon, phrase::begun(Action::Up)));
                }
                match event {
                    Event::WaitingForPidFile if command_pid.is_none() => {
                        state.pid_file_held.insert(daemon.to_string());
                    }
                    Event::Spawned { .. } => {
                        lines.push(say(daemon, &phase));
                        if state.pid_file_held.remove(*daemon) {
                            let held = phrase::phase(&Event::WaitingForPidFile, command_pid);
                            lines.extend(held.map(|held| say(daemon, &held)));
                        }
                    }
                    _ => lines.push(say(daemon, &phase)),
                }
                lines
            }
            RunEvent::Ready {
                daemon,
                pid,
                elapsed,
            } => {
                let mut lines = self.flush(&mut state, daemon);
                let took = self.timeline.took(daemon, *elapsed);
                lines.push(say(daemon, &phrase::ready(*pid, took)));
                lines
            }
            RunEvent::AlreadyRunning { daemon, pid } => {
                state.unstarted.remove(*daemon);
                vec![say(daemon, &phrase::already_running(*pid))]
            }
            RunEvent::Stopped {
                daemon,
                pid,
                elapsed,
            } => vec![say(daemon, &phrase::stopped(*pid, *elapsed))],
            RunEvent::NotRunning { daemon } => vec![say(daemon, phrase::NOT_RUNNING)],
            RunEvent::TaskDone { daemon, elapsed } => {
                let mut lines = self.flush(&mut state, daemon);
                lines.push(say(daemon, &phrase::task_ran(*elapsed)));
                lines
            }
            RunEvent::TaskUpToDate { daemon } => {
                state.unstarted.remove(*daemon);
                vec![say(daemon, phrase::UP_TO_DATE)]
            }
            RunEvent::Failed {
                daemon, elapsed, ..
            } => {
                let mut lines = self.flush(&mut state, daemon);
                lines.push(say(daemon, &phrase::failed(*elapsed)));
                lines
            }
            RunEvent::Skipped { daemon, cause } => vec![say(daemon, &phrase::skipped(cause))],
            RunEvent::Summary(summary) => vec![self.failures.after(&phrase::summary(summary))],
            other => phrase::notice(other).into_iter().collect(),
        }
    }

    /// The `starting` line a daemon still owes before its final line; the
    /// held `waiting for pid file` line is dropped.
    fn flush(&self, state: &mut State, daemon: &str) -> Vec<String> {
        state.pid_file_held.remove(daemon);
        if state.unstarted.remove(daemon) {
            vec![format!("{daemon}: {}", phrase::begun(Action::Up))]
        } else {
            vec![]
        }
    }
}

impl Default for PlainReporter {
    fn default() -> Self {
        Self::new()
    }
}

impl Reporter for PlainReporter {
    fn report(&self, event: &RunEvent<'_>) {
        self.failures.collect(event);
        self.timeline.record(event);
        for line in self.lines(event) {
            self.out.line(&line);
        }
        self.stopping.record(event);
    }
}

//! What `up` and `down` tell the reporter: the plan of the run, each
//! controller [`Event`] wrapped with its daemon's name, the outcome of each
//! daemon, and a summary at the end. `run` never prints; a
//! [`Reporter`] (implemented in `crate::report`) draws these.

use std::time::Duration;

use crate::controller::Event;
use crate::error::Error;

use super::outcome::Skip;

/// Which way a run goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Starting daemons.
    Up,
    /// Stopping daemons.
    Down,
}

/// One thing that happened during `up` or `down`.
#[derive(Debug)]
#[non_exhaustive]
pub enum RunEvent<'a> {
    /// A run begins, over these daemons, in start (or stop) order.
    Begin {
        /// Up or down.
        action: Action,
        /// The daemons, in the order they are listed.
        daemons: &'a [String],
    },
    /// The daemon waits for others (its dependencies for `up`, its
    /// dependents for `down`) before its turn.
    Waiting {
        /// The daemon.
        daemon: &'a str,
        /// Those it waits for.
        waiting_for: &'a [String],
    },
    /// The daemon's turn came: its start (or stop) begins now.
    Begun {
        /// The daemon.
        daemon: &'a str,
    },
    /// A step the daemon's controller reported.
    Controller {
        /// The daemon.
        daemon: &'a str,
        /// The step.
        event: &'a Event,
    },
    /// `up`: the daemon is ready; this call started it.
    Ready {
        /// The daemon.
        daemon: &'a str,
        /// Its pid.
        pid: u32,
        /// From spawning its start command to ready.
        elapsed: Duration,
    },
    /// `up`: the daemon was running already and left alone.
    AlreadyRunning {
        /// The daemon.
        daemon: &'a str,
        /// Its pid.
        pid: u32,
    },
    /// `down`: the daemon was stopped.
    Stopped {
        /// The daemon.
        daemon: &'a str,
        /// The pid that was stopped.
        pid: u32,
        /// From the stop to the process being gone.
        elapsed: Duration,
    },
    /// `down`: the daemon was not running.
    NotRunning {
        /// The daemon.
        daemon: &'a str,
    },
    /// The daemon's start or stop failed.
    Failed {
        /// The daemon.
        daemon: &'a str,
        /// The controller's error, with the reason and the log excerpt.
        error: &'a Error,
        /// From the daemon's turn to the failure.
        elapsed: Duration,
    },
    /// The daemon was not started (or stopped).
    Skipped {
        /// The daemon.
        daemon: &'a str,
        /// Why.
        cause: &'a Skip,
    },
    /// `up`: the daemon, reported ready (or already running) before, does
    /// not run any more at the end of the run: it exited while the daemons
    /// after it started. Not a second outcome (its `Ready` was the one):
    /// the run counts it as failed and says why.
    ExitedAfterReady {
        /// The daemon.
        daemon: &'a str,
        /// The pid it was ready with.
        pid: u32,
        /// The failure the run counts, with the reason.
        error: &'a Error,
    },
    /// The run is over.
    Summary(&'a Summary),
    /// `up`: the running daemon's recorded definition differs from the
    /// manifest's (SPEC §6); it is restarted unless `--no-restart`.
    Changed {
        /// The daemon.
        daemon: &'a str,
        /// The keys that changed, in name order (`env`, `start`).
        keys: &'a [String],
        /// True when it is restarted, false with `--no-restart`.
        restarting: bool,
    },
    /// `up`: the task ran and exited 0.
    TaskDone {
        /// The task.
        daemon: &'a str,
        /// From spawning it to its exit.
        elapsed: Duration,
    },
    /// `up`: the task had succeeded before with the same definition; it
    /// was not run.
    TaskUpToDate {
        /// The task.
        daemon: &'a str,
    },
    /// A daemon devup started from this manifest's directory, no longer in
    /// the manifest, still runs (SPEC §6).
    Orphan {
        /// Its name.
        daemon: &'a str,
        /// Its pid.
        pid: u32,
        /// True when this run stops it.
        removing: bool,
    },
    /// Something a person should know that is not about one daemon's state:
    /// a manifest that cannot be loaded while stopping, a state file that
    /// is not trusted.
    Warning {
        /// The whole message.
        message: &'a str,
    },
}

/// Counts of a finished run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Up or down.
    pub action: Action,
    /// `up`: daemons started by this run.
    pub ready: usize,
    /// `up`: daemons running before.
    pub already_running: usize,
    /// `up`: daemons this run stopped and started again (a converge after
    /// `git pull`); not counted in `ready`.
    pub restarted: usize,
    /// `up`: tasks that ran (and exited 0).
    pub tasks_ran: usize,
    /// `up`: tasks up to date, not run.
    pub tasks_up_to_date: usize,
    /// `down`: stopped by this run; `up`: the orphans it stopped
    /// (`--remove-orphans`, SPEC §6).
    pub stopped: usize,
    /// `down`: not running before.
    pub not_running: usize,
    /// Failed to start or stop.
    pub failed: usize,
    /// Skipped.
    pub skipped: usize,
    /// How long the run took.
    pub elapsed: Duration,
}

impl Summary {
    /// True when nothing failed and nothing was skipped.
    pub fn success(&self) -> bool {
        self.failed == 0 && self.skipped == 0
    }
}

/// Receives everything that happens during `up` and `down`. Called from
/// several threads at once. `run` defines it and `report` implements it, so
/// the dependency points one way: report → run.
pub trait Reporter: Send + Sync {
    /// One event.
    fn report(&self, event: &RunEvent<'_>);
}

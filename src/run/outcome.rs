//! What `up` and `down` did, daemon by daemon: the values the command line
//! turns into an exit code and `exec` into the list of daemons to stop.

use std::fmt;
use std::time::Duration;

use crate::controller::Started;
use crate::error::Error;

/// Why a daemon was not started or stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// `up`: a daemon it depends on (named; the first one that failed, not
    /// the skipped ones between) failed to start.
    DependencyFailed(String),
    /// `down`: a daemon that depends on it failed to stop, so it is left
    /// running under it.
    DependentFailed(String),
    /// devup was interrupted before its turn came.
    Interrupted,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::DependencyFailed(name) => write!(f, "{name} failed"),
            Skip::DependentFailed(name) => write!(f, "{name} failed to stop"),
            Skip::Interrupted => f.write_str("interrupted"),
        }
    }
}

/// What `up` did with one daemon.
#[derive(Debug)]
// One per daemon of a run, built once: the error's size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum UpResult {
    /// This call started it.
    Started(Started),
    /// It was running already and left alone.
    AlreadyRunning {
        /// Its pid.
        pid: u32,
    },
    /// A task that ran and exited 0.
    TaskRan {
        /// From spawning it to its exit.
        elapsed: Duration,
    },
    /// A task that was up to date, not run.
    TaskUpToDate,
    /// Its start failed (or was interrupted); nothing of it is left running.
    Failed(Error),
    /// It was not started.
    Skipped(Skip),
}

impl UpResult {
    /// True when the daemon is ready (started now or before).
    pub fn is_ready(&self) -> bool {
        matches!(
            self,
            UpResult::Started(_)
                | UpResult::AlreadyRunning { .. }
                | UpResult::TaskRan { .. }
                | UpResult::TaskUpToDate
        )
    }
}

/// What `down` did with one daemon.
#[derive(Debug)]
// One per daemon of a run, built once: the error's size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum DownResult {
    /// It was stopped.
    Stopped {
        /// The pid that was stopped.
        pid: u32,
        /// From the stop to the process being gone.
        elapsed: Duration,
    },
    /// It was not running.
    NotRunning,
    /// Its stop failed.
    Failed(Error),
    /// It was not stopped.
    Skipped(Skip),
}

impl DownResult {
    /// True when the daemon is not running any more (or was not).
    pub fn is_stopped(&self) -> bool {
        matches!(self, DownResult::Stopped { .. } | DownResult::NotRunning)
    }
}

/// The outcome of [`crate::run::up`]: one entry per daemon, in start order.
#[derive(Debug, Default)]
pub struct UpReport {
    /// Each daemon's name and outcome.
    pub daemons: Vec<(String, UpResult)>,
    /// How long the whole `up` took.
    pub elapsed: Duration,
}

impl UpReport {
    /// True when every daemon is ready.
    pub fn success(&self) -> bool {
        self.daemons.iter().all(|(_, result)| result.is_ready())
    }

    /// The daemons this call started (not those already running), in start
    /// order: what `exec` stops afterwards.
    pub fn started(&self) -> Vec<String> {
        self.daemons
            .iter()
            .filter(|(_, result)| matches!(result, UpResult::Started(_)))
            .map(|(name, _)| name.clone())
            .collect()
    }
}

/// The outcome of [`crate::run::down`]: one entry per daemon, in stop order.
#[derive(Debug, Default)]
pub struct DownReport {
    /// Each daemon's name and outcome.
    pub daemons: Vec<(String, DownResult)>,
    /// How long the whole `down` took.
    pub elapsed: Duration,
}

impl DownReport {
    /// True when every daemon is stopped.
    pub fn success(&self) -> bool {
        self.daemons.iter().all(|(_, result)| result.is_stopped())
    }

    /// The daemons this call stopped (those not running are left out).
    pub fn stopped(&self) -> Vec<String> {
        self.daemons
            .iter()
            .filter(|(_, result)| matches!(result, DownResult::Stopped { .. }))
            .map(|(name, _)| name.clone())
            .collect()
    }
}

//! What a controller reports while it works. The controller never prints;
//! it hands these to the observer given to its builder, and reporters draw
//! them.

use std::path::PathBuf;
use std::time::Duration;

/// One step of a start or a stop.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Waiting for another process that holds the daemon's lock.
    WaitingForLock,
    /// A pid file that was not trusted was removed.
    StalePidFile {
        /// The pid file.
        path: PathBuf,
        /// Why it was stale: "process 4242 is not running".
        reason: String,
    },
    /// A `before_start` command (or closure) is running.
    BeforeStart {
        /// The command, as written.
        command: String,
    },
    /// The start command was spawned.
    Spawned {
        /// The start command's pid.
        pid: u32,
    },
    /// Waiting for the daemon to write a valid pid file.
    WaitingForPidFile,
    /// The pid file is valid; waiting for the ping to succeed.
    WaitingForPing {
        /// The daemon's pid.
        pid: u32,
    },
    /// The daemon is ready.
    Ready {
        /// Its pid.
        pid: u32,
        /// From spawning the start command to ready.
        elapsed: Duration,
    },
    /// The daemon was already running and ready; nothing was started.
    AlreadyRunning {
        /// Its pid.
        pid: u32,
    },
    /// A failed or timed-out start is being cleaned up.
    Aborting {
        /// Why.
        reason: String,
    },
    /// The stop signal or stop command was sent.
    Stopping {
        /// The daemon's pid.
        pid: u32,
    },
    /// `stop_timeout` passed; SIGKILL was sent.
    Killing {
        /// The daemon's pid.
        pid: u32,
    },
    /// The daemon is gone.
    Stopped {
        /// From the stop signal to the process being gone.
        elapsed: Duration,
    },
    /// The daemon was not running; nothing was stopped.
    NotRunning,
}

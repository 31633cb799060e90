//! ONE daemon, robustly: the start lock, pid files that are never trusted
//! blindly, spawning, readiness, log excerpts and stopping. This module owns
//! every guarantee of SPEC §3; it knows nothing of manifests, graphs or
//! terminals, and it never prints: progress goes to the observer as
//! [`Event`]s.
//!
//! Files: `builder.rs` (configuration), `checks.rs` (the rules a daemon's
//! values follow, shared with the manifest), `dotenv.rs` (reading
//! `env_file`s), `command.rs`, `ping.rs`,
//! `signal.rs`, `event.rs` (public values), `deadline.rs` (deadlines that
//! cannot overflow, and the longest timeout); the machinery lives in the
//! other files of this folder, one concept each: `lock.rs` (the lock),
//! `pid_file.rs`, `process.rs` (`/proc`), `state.rs` (what devup started) and
//! `state_backup.rs` (its copy outside the project),
//! `running.rs` (what "running" means), `handle.rs` (signalling one process),
//! `spawn.rs` and `start_tree.rs` (the start command inside its own reaper),
//! `wait.rs` (the readiness loop), `waiting.rs` (long waits told to the
//! scheduler), `http_url.rs` (an `http` ping's URL),
//! `ping_check.rs`, `dial.rs` (every
//! connection to a daemon's address), `port_holder.rs` (who holds an
//! address), `notify.rs`, `file_watch.rs`, `lease.rs` (leases: who uses
//! the daemon), `excerpt.rs`, `output_file.rs`, `run_command.rs`,
//! `start.rs` (with `settle.rs`, the last look before ready), `up.rs`, `stop.rs` (with `group_scan.rs`), `status.rs`, `await_ready.rs` (waiting
//! for a daemon someone else starts) and `connect.rs` (the operations),
//! `hold.rs` (locks the run layer keeps across them).

mod await_ready;
mod builder;
pub(crate) mod checks;
mod command;
mod connect;
mod deadline;
pub mod defaults;
mod definition;
pub(crate) mod dial;
pub(crate) mod dotenv;
mod event;
mod excerpt;
mod file_watch;
mod group_scan;
mod handle;
mod hold;
mod http_url;
mod lease;
mod leftover;
mod listen_probe;
mod lock;
mod notify;
mod output_file;
mod pid_file;
mod ping;
pub(crate) mod ping_check;
mod port_holder;
mod process;
mod readiness;
mod reaper;
mod recipe;
mod run_command;
mod running;
mod seen_pid;
mod settle;
mod signal;
mod spawn;
mod start;
mod start_tree;
mod state;
mod state_backup;
mod status;
mod stop;
mod task;
mod up;
mod wait;
mod waiting;
mod wake;

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

pub use await_ready::NotReady;
pub use builder::{BeforeStart, BeforeStartFn, DaemonControllerBuilder, DaemonSpec, Observer};
pub use command::CommandLine;
pub use deadline::MAX_DURATION;
pub use definition::{DEFINITION_VERSION, Fingerprint};
pub use event::Event;
pub use http_url::HttpUrl;
pub use lease::Lease;
pub use ping::{InvalidPing, Ping};
pub use recipe::{Recorded, StopRecipe};
pub use signal::Signal;
pub use task::{TASK_KILL_GRACE, TaskOutcome, TaskSpec};
pub(crate) use waiting::{WaitHook, while_waiting, with_hook as with_wait_hook};

pub use crate::human::format_duration;

use crate::error::Result;
use lock::LockGuard;

/// Controls one daemon. Cheap to share between threads (`&self` methods);
/// starts and stops of the same daemon are serialized across threads and
/// processes by its lock file.
pub struct DaemonController {
    spec: DaemonSpec,
    observer: Option<Observer>,
    abort: AbortSignal,
}

/// What a successful `start` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Started {
    /// The daemon's pid.
    pub pid: u32,
    /// From spawning the start command to ready.
    pub elapsed: Duration,
}

/// What [`DaemonController::up`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpOutcome {
    /// This call started the daemon.
    Started(Started),
    /// The daemon was already running and ready; it was left alone.
    AlreadyRunning {
        /// Its pid.
        pid: u32,
    },
}

/// The state `status` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DaemonState {
    /// Pid file valid, process alive, ping succeeds.
    Running,
    /// A start is in progress (its lock is held by a start).
    Starting,
    /// Pid file valid, process alive, but the ping fails.
    Unresponsive,
    /// No pid file.
    Stopped,
    /// A pid file that is corrupt, or names a dead or reused pid.
    Stale,
}

impl DaemonState {
    /// The name `status --json` uses: "running", "unresponsive", ...
    pub fn as_str(self) -> &'static str {
        match self {
            DaemonState::Running => "running",
            DaemonState::Starting => "starting",
            DaemonState::Unresponsive => "unresponsive",
            DaemonState::Stopped => "stopped",
            DaemonState::Stale => "stale",
        }
    }
}

/// A daemon's state, pid and uptime, as `devup status` shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The state.
    pub state: DaemonState,
    /// The pid, when the process is alive.
    pub pid: Option<u32>,
    /// How long the process has been alive.
    pub uptime: Option<Duration>,
}

/// Aborts starts in progress from another thread (a Ctrl-C handler): the
/// first [`AbortSignal::abort`] aborts them as a start timeout would (SIGTERM,
/// then SIGKILL after `start_abort_timeout`), [`AbortSignal::kill`] sends
/// SIGKILL at once. Clones share the flag.
#[derive(Clone, Default, Debug)]
pub struct AbortSignal(Arc<AtomicU8>);

impl AbortSignal {
    /// A signal that has not fired.
    pub fn new() -> Self {
        Self::default()
    }

    /// Abort starts in progress gracefully.
    pub fn abort(&self) {
        let _ = self
            .0
            .compare_exchange(0, 1, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// Abort starts in progress with SIGKILL, at once.
    pub fn kill(&self) {
        self.0.store(2, Ordering::SeqCst);
    }

    /// True once `abort` or `kill` was called.
    pub fn is_aborted(&self) -> bool {
        self.0.load(Ordering::SeqCst) >= 1
    }

    /// True once `kill` was called.
    pub fn is_killed(&self) -> bool {
        self.0.load(Ordering::SeqCst) >= 2
    }
}

impl DaemonController {
    /// Starts describing a daemon called `name` (used in every message).
    pub fn builder(name: impl Into<String>) -> DaemonControllerBuilder {
        DaemonControllerBuilder::new(name)
    }

    pub(crate) fn from_parts(
        spec: DaemonSpec,
        observer: Option<Observer>,
        abort: AbortSignal,
    ) -> Self {
        DaemonController {
            spec,
            observer,
            abort,
        }
    }

    /// The validated configuration.
    pub fn spec(&self) -> &DaemonSpec {
        &self.spec
    }

    /// The daemon's name.
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    pub(crate) fn emit(&self, event: Event) {
        if let Some(observer) = &self.observer {
            observer(&event);
        }
    }

    pub(crate) fn abort_signal(&self) -> &AbortSignal {
        &self.abort
    }

    /// Takes the daemon's lock (reporting when it has to wait for it).
    fn lock(&self) -> Result<LockGuard> {
        LockGuard::acquire(
            &self.spec.name,
            &self.spec.lock_file,
            &self.abort,
            |event| self.emit(event),
        )
    }

    /// Starts the daemon and returns when it is ready. Fails with
    /// [`crate::Error::AlreadyStarted`] when it runs.
    pub fn start(&self) -> Result<Started> {
        let _lock = self.lock()?;
        self.start_locked()
    }

    /// Stops the daemon and returns when its process is gone; a daemon not
    /// running is a success (`Ok(None)`); otherwise the pid that was stopped.
    pub fn stop(&self) -> Result<Option<u32>> {
        let _lock = self.lock()?;
        self.stop_locked()
    }

    /// [`DaemonController::stop`], unless `keep`, asked under the lock,
    /// says the daemon is to be left as it is (another process did the
    /// work meanwhile): then `Ok(None)` and nothing is touched.
    pub fn stop_unless(&self, keep: impl FnOnce() -> bool) -> Result<Option<u32>> {
        let _lock = self.lock()?;
        if keep() {
            return Ok(None);
        }
        self.stop_locked()
    }

    /// Stops the daemon if it runs, then starts it, under one lock.
    pub fn restart(&self) -> Result<Started> {
        let _lock = self.lock()?;
        self.stop_locked()?;
        self.start_locked()
    }
}

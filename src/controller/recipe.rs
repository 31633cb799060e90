//! The stop recipe: what a state file records so that a daemon can be found
//! and stopped without its manifest (a broken manifest, a daemon removed
//! from it, a `pid_file` that moved). A controller rebuilt from it goes
//! through every check of a normal stop: the lock, the pid file, the
//! recorded identity (pid, start time, boot, pidfd inode) before any signal.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::state::StartedState;
use super::{CommandLine, DaemonController, DaemonControllerBuilder, DaemonSpec, Signal};

/// How to stop a daemon that devup started, recorded at its start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopRecipe {
    /// The start command (kept so a rebuilt controller is complete; a
    /// recipe is only ever used to stop).
    pub start: CommandLine,
    /// Whether devup detached it (then the stop signal goes to its group).
    pub daemonize: bool,
    /// Its pid file.
    pub pid_file: PathBuf,
    /// Its lock file.
    pub lock_file: PathBuf,
    /// Its log file.
    #[serde(default)]
    pub log_file: Option<PathBuf>,
    /// The stop command.
    #[serde(default)]
    pub stop: Option<CommandLine>,
    /// The stop signal's name (`TERM`).
    pub stop_signal: String,
    /// `stop_timeout` in milliseconds.
    pub stop_timeout_ms: u64,
    /// The working directory of the stop command.
    pub dir: PathBuf,
    /// The environment of the stop command.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// The daemons it depended on when it started (the stop order without
    /// a manifest).
    #[serde(default)]
    pub depends_on: Vec<String>,
}

impl StopRecipe {
    /// The recipe of `spec`.
    pub(crate) fn of(spec: &DaemonSpec) -> StopRecipe {
        StopRecipe {
            start: spec.start.clone(),
            daemonize: spec.daemonize,
            pid_file: spec.pid_file.clone(),
            lock_file: spec.lock_file.clone(),
            log_file: spec.log_file.clone(),
            stop: spec.stop.clone(),
            stop_signal: spec.stop_signal.name().to_string(),
            stop_timeout_ms: u64::try_from(spec.stop_timeout.as_millis()).unwrap_or(u64::MAX),
            dir: spec.dir.clone(),
            env: spec.env.clone(),
            depends_on: spec.depends_on.clone(),
        }
    }
}

/// What a state file says about a daemon devup started.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The daemon's name (the state file's name without `.state`).
    pub name: String,
    /// The state file.
    pub state_file: PathBuf,
    /// The pid it recorded.
    pub pid: u32,
    /// The definition it was started with, when recorded.
    pub definition: Option<super::Fingerprint>,
    /// How to stop it, when recorded.
    pub recipe: Option<StopRecipe>,
    /// When it became ready (ms since the epoch).
    pub ready_at_ms: u64,
}

impl Recorded {
    /// The node it makes in a plan of recorded daemons: its name and what
    /// its recipe says it depends on (nothing without a recipe).
    pub fn node(&self) -> (String, Vec<String>) {
        let dependencies = self
            .recipe
            .as_ref()
            .map(|recipe| recipe.depends_on.clone())
            .unwrap_or_default();
        (self.name.clone(), dependencies)
    }

    /// Reads the record at `state_file` for the daemon `name`: `Ok(None)`
    /// when there is none, `Err` with the reason when it cannot be trusted.
    pub fn read(name: &str, state_file: &Path) -> Result<Option<Recorded>, String> {
        Ok(StartedState::inspect(state_file)?.map(|state| Recorded {
            name: name.to_string(),
            state_file: state_file.to_path_buf(),
            pid: state.pid,
            definition: state.definition,
            recipe: state.recipe,
            ready_at_ms: state.ready_at_ms,
        }))
    }

    /// A controller that stops the recorded daemon as recorded; `None`
    /// without a recipe (a record of an older devup) or with a stop signal
    /// this devup does not know.
    pub fn controller_builder(&self) -> Option<DaemonControllerBuilder> {
        let recipe = self.recipe.as_ref()?;
        let signal: Signal = recipe.stop_signal.parse().ok()?;
        let mut builder = DaemonController::builder(self.name.clone())
            .start_command(recipe.start.clone())
            .daemonize(recipe.daemonize)
            .pid_file(&recipe.pid_file)
            .lock_file(&recipe.lock_file)
            .state_file(&self.state_file)
            .stop_signal(signal)
            .stop_timeout(Duration::from_millis(recipe.stop_timeout_ms))
            .depends_on(recipe.depends_on.clone())
            .dir(&recipe.dir)
            .envs(recipe.env.clone());
        if let Some(log_file) = &recipe.log_file {
            builder = builder.log_file(log_file);
        }
        if let Some(stop) = &recipe.stop {
            builder = builder.stop_command(stop.clone());
        }
        Some(builder)
    }
}

//! One task of a loaded manifest, fully resolved: every path absolute
//! against the manifest's directory, its environment merged (lowest first:
//! the top-level `env_file`, the top-level `env`, its `env_file`, its
//! `env`), and where its last success is recorded
//! (`.devup/state/NAME.task`, locked by `NAME.task.lock`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::env_file::EnvFiles;
use super::raw::{RawCommand, RawEnv, RawTasks};
use crate::controller::{CommandLine, TaskSpec};

/// The default `timeout` of a task.
pub const DEFAULT_TASK_TIMEOUT: Duration = Duration::from_secs(600);

/// One task of a manifest.
#[derive(Debug, Clone)]
pub struct TaskEntry {
    /// Its name (its key under `tasks:`).
    pub name: String,
    /// The daemons and tasks that must be ready (or done) first.
    pub depends_on: Vec<String>,
    /// Its command.
    pub run: CommandLine,
    /// Its working directory.
    pub dir: PathBuf,
    /// Its environment.
    pub env: BTreeMap<String, String>,
    /// `inputs`: paths or globs, absolute.
    pub inputs: Vec<PathBuf>,
    /// `timeout`.
    pub timeout: Duration,
    /// Where its last success is recorded.
    pub record_file: PathBuf,
    /// The lock that serializes its runs.
    pub lock_file: PathBuf,
}

impl TaskEntry {
    /// What the controller needs to run it.
    pub fn spec(&self) -> TaskSpec {
        TaskSpec {
            name: self.name.clone(),
            run: self.run.clone(),
            dir: self.dir.clone(),
            env: self.env.clone(),
            inputs: self.inputs.clone(),
            timeout: self.timeout,
            record_file: self.record_file.clone(),
            lock_file: self.lock_file.clone(),
        }
    }
}

/// Resolves the tasks of a valid manifest whose directory is `dir`.
pub(crate) fn resolve(
    tasks: RawTasks,
    top_env: &RawEnv,
    env_files: &EnvFiles,
    dir: &Path,
) -> Vec<TaskEntry> {
    let state = dir.join(".devup").join("state");
    tasks
        .0
        .into_iter()
        .map(|(name, task)| {
            let mut env = env_files.top.clone();
            env.extend(top_env.0.iter().map(|(k, v)| (k.clone(), v.0.clone())));
            if let Some(vars) = env_files.tasks.get(&name) {
                env.extend(vars.clone());
            }
            if let Some(own) = &task.env {
                env.extend(own.0.iter().map(|(k, v)| (k.clone(), v.0.clone())));
            }
            TaskEntry {
                run: match task.run {
                    RawCommand::Shell(script) => CommandLine::Shell(script),
                    RawCommand::Argv(argv) => CommandLine::Argv(argv),
                },
                dir: task
                    .dir
                    .as_deref()
                    .map_or_else(|| dir.to_path_buf(), |path| dir.join(path)),
                env,
                inputs: task
                    .inputs
                    .unwrap_or_default()
                    .iter()
                    .map(|pattern| dir.join(pattern))
                    .collect(),
                timeout: task
                    .timeout
                    .map_or(DEFAULT_TASK_TIMEOUT, |timeout| timeout.0),
                record_file: state.join(format!("{name}.task")),
                lock_file: state.join(format!("{name}.task.lock")),
                depends_on: task.depends_on,
                name,
            }
        })
        .collect()
}

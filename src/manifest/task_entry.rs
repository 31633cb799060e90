//! One task of a loaded manifest, resolved once into the controller's
//! [`TaskSpec`]: every path absolute against the manifest's directory, its
//! environment merged (lowest first: the top-level `env_file`, the
//! top-level `env`, its `env_file`, its `env`), and where its last success
//! is recorded (`.devup/state/NAME.task`, locked by `NAME.task.lock`; see
//! [`defaults`]).

use std::path::Path;
use std::time::Duration;

use super::env_file::EnvFiles;
use super::raw::{RawCommand, RawEnv, RawTasks};
use crate::controller::{CommandLine, TaskSpec, defaults};

/// The default `timeout` of a task (see [`defaults::TASK_TIMEOUT`]).
pub const DEFAULT_TASK_TIMEOUT: Duration = defaults::TASK_TIMEOUT;

/// One task of a manifest: the controller's [`TaskSpec`], resolved.
pub type TaskEntry = TaskSpec;

/// Resolves the tasks of a valid manifest whose directory is `dir`.
pub(crate) fn resolve(
    tasks: RawTasks,
    top_env: &RawEnv,
    env_files: &EnvFiles,
    dir: &Path,
) -> Vec<TaskEntry> {
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
            TaskSpec {
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
                record_file: defaults::task_record_file(dir, &name),
                lock_file: defaults::task_lock_file(dir, &name),
                depends_on: task.depends_on,
                name,
            }
        })
        .collect()
}

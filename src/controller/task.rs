//! A task (SPEC §2 "Tasks"): a one-shot command that runs to completion,
//! under its own lock, inside a start tree (`spawn.rs`), so that past its
//! `timeout`, or when interrupted, its whole process tree gets SIGTERM, then
//! SIGKILL after 10 s, as an aborted start's does; and whatever it left
//! running when it exited is ended the same way. A success is recorded with
//! the fingerprint of the task's definition (`run`, `dir`, environment,
//! `inputs`) in `.devup/state/NAME.task`; the task runs again only when that
//! record is missing, of another version, or differs, or when forced.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::lock::LockGuard;
use super::output_file::{is_success, unnamed_temp_file};
use super::spawn::PreparedStart;
use super::start_tree::Report;
use super::{
    AbortSignal, CommandLine, DaemonController, DaemonSpec, Fingerprint, excerpt, leftover,
    pid_file,
};
use crate::error::{Error, ExitStatus, LogExcerpt, Result, TaskFailure, WaitingFor};

/// After SIGTERM to a task past its timeout, how long before SIGKILL.
pub const TASK_KILL_GRACE: Duration = Duration::from_secs(10);

/// The version of the task record this devup writes.
const TASK_RECORD_VERSION: u32 = 1;

/// Everything needed to run one task, resolved: what a manifest's task
/// becomes (there it is called [`crate::manifest::TaskEntry`]). It
/// serializes (serde), with durations as `{secs, nanos}`.
#[derive(Debug, Clone, Serialize)]
pub struct TaskSpec {
    /// The task's name, used in every message.
    pub name: String,
    /// The daemons and tasks that must be ready (or done) first (used by
    /// the plan, not by the controller).
    pub depends_on: Vec<String>,
    /// The command.
    pub run: CommandLine,
    /// Its working directory (absolute).
    pub dir: PathBuf,
    /// The environment added for it.
    pub env: std::collections::BTreeMap<String, String>,
    /// Files (paths or globs, absolute) that are part of its definition.
    pub inputs: Vec<PathBuf>,
    /// Past this it is killed and has failed.
    pub timeout: Duration,
    /// Where its last success is recorded.
    pub record_file: PathBuf,
    /// The lock that serializes runs of it.
    pub lock_file: PathBuf,
}

/// What a task run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskOutcome {
    /// It ran and exited 0, in this long.
    Ran {
        /// From spawning it to its exit.
        elapsed: Duration,
    },
    /// It had succeeded before with the same definition; it was not run.
    UpToDate,
}

/// The record of a task's last success.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TaskRecord {
    version: u32,
    definition: Fingerprint,
    #[serde(default)]
    succeeded_at_ms: u64,
}

impl TaskSpec {
    /// The spec as a daemon's, for the start-tree machinery and the
    /// fingerprint (the daemon-only keys stay at fixed values).
    fn as_daemon(&self) -> Result<DaemonSpec> {
        let mut state = self.record_file.clone().into_os_string();
        state.push(".run");
        Ok(DaemonController::builder(self.name.clone())
            .start_command(self.run.clone())
            .pid_file(PathBuf::from(state.clone()))
            .state_file(PathBuf::from(state))
            .lock_file(&self.lock_file)
            .dir(&self.dir)
            .envs(self.env.clone())
            .inputs(self.inputs.clone())
            .build()?
            .spec()
            .clone())
    }

    /// The keys of its definition that changed since its last success:
    /// `None` when it never succeeded here (or the record is unreadable or
    /// of another version), else the changed keys (empty: up to date).
    pub fn changed_keys(&self) -> Result<Option<Vec<String>>> {
        let current = Fingerprint::of(&self.as_daemon()?);
        // A task's command is its `run`, hashed as a daemon's `start`.
        let task_key = |key: String| if key == "start" { "run".into() } else { key };
        Ok(read_record(&self.record_file)
            .and_then(|record| record.definition.changed_keys(&current))
            .map(|keys| keys.into_iter().map(task_key).collect()))
    }

    /// Runs the task unless it is up to date (always when `force`); under
    /// its lock, so concurrent devups run it once. Fails with the reason and
    /// its output when it exits non-zero, is killed, or passes `timeout`.
    pub fn run(&self, force: bool, abort: &AbortSignal) -> Result<TaskOutcome> {
        let spec = self.as_daemon()?;
        let _lock = LockGuard::acquire(&self.name, &self.lock_file, abort, |_| {})?;
        let definition = Fingerprint::of(&spec);
        let up_to_date = read_record(&self.record_file)
            .and_then(|record| record.definition.changed_keys(&definition))
            .is_some_and(|keys| keys.is_empty());
        if up_to_date && !force {
            return Ok(TaskOutcome::UpToDate);
        }
        let io_error = |action: String, source: std::io::Error| Error::Io {
            daemon: self.name.clone(),
            action,
            source,
        };
        let failed = |failure: TaskFailure, output: LogExcerpt| Error::TaskFailed {
            task: self.name.clone(),
            failure,
            output,
        };
        // A changed or forced task is not up to date until it succeeds.
        let _ = pid_file::remove(&self.record_file);
        if let Some(parent) = self.record_file.parent() {
            pid_file::create_dirs(parent)
                .map_err(|e| io_error(format!("creating {}", parent.display()), e))?;
        }
        // A devup killed while the task runs leaves it to the next run to
        // end (leftover.rs), as for a start.
        leftover::clean(&spec, TASK_KILL_GRACE, &[]);
        let token = leftover::new_token();
        leftover::mark(&spec, &token)
            .map_err(|e| io_error("writing the task's run marker".into(), e))?;
        let result =
            super::while_waiting(|| self.run_tree(&spec, &token, abort, &io_error, &failed));
        leftover::unmark(&spec);
        let elapsed = result?;
        let record = TaskRecord {
            version: TASK_RECORD_VERSION,
            definition,
            succeeded_at_ms: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |since| {
                    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
                }),
        };
        let json = serde_json::to_vec(&record).map_err(std::io::Error::other);
        json.and_then(|json| pid_file::write_atomically(&self.record_file, &json, 0o600))
            .map_err(|e| {
                io_error(
                    format!("writing the task record {}", self.record_file.display()),
                    e,
                )
            })?;
        Ok(TaskOutcome::Ran { elapsed })
    }

    /// Spawns the task in a start tree and waits for its end; `Ok` with the
    /// time it took when it exited 0.
    fn run_tree(
        &self,
        spec: &DaemonSpec,
        token: &str,
        abort: &AbortSignal,
        io_error: &dyn Fn(String, std::io::Error) -> Error,
        failed: &dyn Fn(TaskFailure, LogExcerpt) -> Error,
    ) -> Result<Duration> {
        let output = unnamed_temp_file().map_err(|e| io_error("creating a temp file".into(), e))?;
        let token_env = [(leftover::TOKEN_VAR.to_string(), token.to_string())];
        let prepared = PreparedStart::new(spec, &token_env, &output)
            .map_err(|reason| failed(TaskFailure::NotRun(reason), LogExcerpt::default()))?;
        let started = Instant::now();
        let mut tree = prepared
            .spawn()
            .map_err(|e| io_error("forking the task".into(), e))?;
        let deadline = started + self.timeout;
        let mut command_pid = None;
        let end: std::result::Result<(), TaskFailure> = 'wait: loop {
            for report in tree.read_reports() {
                match report {
                    Report::Spawned(pid) => command_pid = Some(pid),
                    Report::Exited { pid, status } if Some(pid) == command_pid => {
                        break 'wait if is_success(status) {
                            Ok(())
                        } else {
                            Err(TaskFailure::Exited(ExitStatus::from_wait_status(status)))
                        };
                    }
                    Report::Exited { .. } => {}
                    Report::AllGone => break 'wait Err(TaskFailure::NoExitStatus),
                    Report::ExecFailed { errno, in_chdir } => {
                        let error = std::io::Error::from_raw_os_error(errno);
                        break 'wait Err(TaskFailure::NotRun(if in_chdir {
                            format!(
                                "cannot change to the directory {}: {error}",
                                self.dir.display()
                            )
                        } else {
                            format!("cannot run `{}`: {error}", self.run.argv()[0])
                        }));
                    }
                    Report::ForkFailed(errno) => {
                        let error = std::io::Error::from_raw_os_error(errno);
                        break 'wait Err(TaskFailure::NotRun(format!(
                            "cannot fork its command: {error}"
                        )));
                    }
                    Report::HelperDied => {
                        break 'wait Err(TaskFailure::NotRun(
                            "devup's start helper process died".into(),
                        ));
                    }
                }
            }
            if abort.is_aborted() {
                tree.kill_all(TASK_KILL_GRACE, abort);
                return Err(Error::Interrupted {
                    daemon: self.name.clone(),
                });
            }
            let now = Instant::now();
            if now >= deadline {
                tree.kill_all(TASK_KILL_GRACE, abort);
                return Err(Error::start_timeout(
                    self.name.clone(),
                    self.timeout,
                    WaitingFor::Task,
                    excerpt::output_of(&output),
                    LogExcerpt::default(),
                ));
            }
            let nap = (deadline - now).min(Duration::from_millis(50));
            crate::sys::poll::readable(&[tree.fd()], nap.as_millis().max(1) as i32);
        };
        let elapsed = started.elapsed();
        // What the task left running goes with it.
        tree.kill_all(TASK_KILL_GRACE, abort);
        match end {
            Ok(()) => Ok(elapsed),
            Err(failure) => Err(failed(failure, excerpt::output_of(&output))),
        }
    }
}

fn read_record(path: &std::path::Path) -> Option<TaskRecord> {
    let text = std::fs::read(path).ok()?;
    let record: TaskRecord = serde_json::from_slice(&text).ok()?;
    (record.version == TASK_RECORD_VERSION).then_some(record)
}

//! Every per-daemon default, in one place: the builder, the manifest's
//! resolution, the systemd export and the JSON Schema all read these. That
//! includes where files go when no key names them: a manifest's daemon
//! keeps its state under the manifest's `.devup/state/`, a controller built
//! by hand beside its pid file (both places are where running
//! installations have their files, so neither may move).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Signal;

/// `start_timeout`: from spawning `start` to ready.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);
/// `start_abort_timeout`: after SIGTERM to an aborted start, before SIGKILL.
pub const START_ABORT_TIMEOUT: Duration = Duration::from_secs(10);
/// `stop_timeout`: from the stop signal or command to the process being gone.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// `log_activity_timeout`: see the manifest's key of that name.
pub const LOG_ACTIVITY_TIMEOUT: Duration = Duration::from_secs(10);

/// A task's `timeout`.
pub const TASK_TIMEOUT: Duration = Duration::from_secs(600);

/// `stop_signal`.
pub const STOP_SIGNAL: Signal = Signal::Term;

/// `pid_file` with `daemonize: true`: `.devup/run/NAME.pid` under `base`
/// (the manifest's directory, or a hand-built controller's `dir`).
pub fn pid_file(base: &Path, name: &str) -> PathBuf {
    base.join(".devup/run").join(format!("{name}.pid"))
}

/// `log_file` with `daemonize: true`: `.devup/log/NAME.log` under `base`.
pub fn log_file(base: &Path, name: &str) -> PathBuf {
    base.join(".devup/log").join(format!("{name}.log"))
}

/// `lock_file`: the pid file + `.lock`.
pub fn lock_file(pid_file: &Path) -> PathBuf {
    with_suffix(pid_file, ".lock")
}

/// The state file of a controller built by hand: the pid file + `.state`.
pub fn state_file(pid_file: &Path) -> PathBuf {
    with_suffix(pid_file, ".state")
}

/// The state file of a manifest's daemon: `.devup/state/NAME.state` under
/// the manifest's directory.
pub fn manifest_state_file(manifest_dir: &Path, name: &str) -> PathBuf {
    manifest_dir
        .join(".devup/state")
        .join(format!("{name}.state"))
}

/// Where a manifest's task records its last success:
/// `.devup/state/NAME.task` under the manifest's directory.
pub fn task_record_file(manifest_dir: &Path, name: &str) -> PathBuf {
    manifest_dir
        .join(".devup/state")
        .join(format!("{name}.task"))
}

/// The lock that serializes a task's runs: its record file + `.lock`.
pub fn task_lock_file(manifest_dir: &Path, name: &str) -> PathBuf {
    with_suffix(&task_record_file(manifest_dir, name), ".lock")
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut os = path.as_os_str().to_owned();
    os.push(suffix);
    PathBuf::from(os)
}

/// The defaults as the manifest writes them (for the JSON Schema).
pub mod text {
    /// [`super::START_TIMEOUT`].
    pub const START_TIMEOUT: &str = "30s";
    /// [`super::START_ABORT_TIMEOUT`].
    pub const START_ABORT_TIMEOUT: &str = "10s";
    /// [`super::STOP_TIMEOUT`].
    pub const STOP_TIMEOUT: &str = "30s";
    /// [`super::LOG_ACTIVITY_TIMEOUT`].
    pub const LOG_ACTIVITY_TIMEOUT: &str = "10s";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_defaults_are_the_durations() {
        let parse = |text: &str| Duration::from_secs(text.trim_end_matches('s').parse().unwrap());
        assert_eq!(parse(text::START_TIMEOUT), START_TIMEOUT);
        assert_eq!(parse(text::START_ABORT_TIMEOUT), START_ABORT_TIMEOUT);
        assert_eq!(parse(text::STOP_TIMEOUT), STOP_TIMEOUT);
        assert_eq!(parse(text::LOG_ACTIVITY_TIMEOUT), LOG_ACTIVITY_TIMEOUT);
    }

    #[test]
    fn default_files_are_where_installations_have_them() {
        let base = Path::new("/app");
        assert_eq!(pid_file(base, "db"), Path::new("/app/.devup/run/db.pid"));
        assert_eq!(log_file(base, "db"), Path::new("/app/.devup/log/db.log"));
        assert_eq!(
            manifest_state_file(base, "db"),
            Path::new("/app/.devup/state/db.state")
        );
        let pid = Path::new("/run/db.pid");
        assert_eq!(lock_file(pid), Path::new("/run/db.pid.lock"));
        assert_eq!(state_file(pid), Path::new("/run/db.pid.state"));
        assert_eq!(
            task_record_file(base, "assets"),
            Path::new("/app/.devup/state/assets.task")
        );
        assert_eq!(
            task_lock_file(base, "assets"),
            Path::new("/app/.devup/state/assets.task.lock")
        );
    }
}

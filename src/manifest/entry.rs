//! One daemon of a loaded manifest, fully resolved: `defaults:` merged
//! under it, the top-level `env` under its own, every path made absolute
//! against the manifest's directory, and the `daemonize: true` defaults
//! (`.devup/run/NAME.pid`, `.devup/log/NAME.log`) and the state file
//! (`.devup/state/NAME.state`) placed under that directory too. It also
//! turns an entry into a [`DaemonControllerBuilder`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::env_file::EnvFiles;
use super::raw::{RawCommand, RawDaemon, RawManifest, RawPing};
use crate::controller::{
    CommandLine, DaemonController, DaemonControllerBuilder, Ping, Signal, defaults,
};

/// One daemon of a manifest: its name, what it depends on, and everything
/// needed to build its controller, with defaults applied and every path
/// absolute.
#[derive(Debug, Clone)]
pub struct DaemonEntry {
    /// The daemon's name (its key under `daemons:`).
    pub name: String,
    /// Names of the daemons that must be ready first.
    pub depends_on: Vec<String>,
    /// The start command.
    pub start: CommandLine,
    /// Whether devup detaches the start command itself.
    pub daemonize: bool,
    /// The pid file.
    pub pid_file: PathBuf,
    /// The log file, if any (always one when `daemonize` is true).
    pub log_file: Option<PathBuf>,
    /// The lock file (default: `pid_file` + `.lock`).
    pub lock_file: PathBuf,
    /// Where devup records what it started: `.devup/state/NAME.state` under
    /// the manifest's directory.
    pub state_file: PathBuf,
    /// Commands run in order before `start`.
    pub before_start: Vec<CommandLine>,
    /// The stop command, if any.
    pub stop: Option<CommandLine>,
    /// The stop signal.
    pub stop_signal: Signal,
    /// How to tell it is ready, if any.
    pub ping: Option<Ping>,
    /// The `fail_when_log` regex, if any (valid).
    pub fail_when_log: Option<String>,
    /// The working directory of its commands.
    pub dir: PathBuf,
    /// Its environment: the top-level `env_file` and `env`, its
    /// `env_file`, `defaults.env`, then its own `env`.
    pub env: BTreeMap<String, String>,
    /// `start_timeout`.
    pub start_timeout: Duration,
    /// `start_abort_timeout`.
    pub start_abort_timeout: Duration,
    /// `stop_timeout`.
    pub stop_timeout: Duration,
    /// `log_activity_timeout`.
    pub log_activity_timeout: Duration,
    /// `inputs`: paths or globs, absolute.
    pub inputs: Vec<PathBuf>,
}

impl DaemonEntry {
    /// A builder for this daemon's controller with every key applied.
    pub fn controller_builder(&self) -> DaemonControllerBuilder {
        let mut builder = DaemonController::builder(self.name.clone())
            .start_command(self.start.clone())
            .daemonize(self.daemonize)
            .pid_file(&self.pid_file)
            .lock_file(&self.lock_file)
            .state_file(&self.state_file)
            .stop_signal(self.stop_signal)
            .depends_on(self.depends_on.clone())
            .dir(&self.dir)
            .envs(self.env.clone())
            .start_timeout(self.start_timeout)
            .start_abort_timeout(self.start_abort_timeout)
            .stop_timeout(self.stop_timeout)
            .log_activity_timeout(self.log_activity_timeout)
            .inputs(self.inputs.clone());
        if let Some(log_file) = &self.log_file {
            builder = builder.log_file(log_file);
        }
        for command in &self.before_start {
            builder = builder.before_start(command.clone());
        }
        if let Some(stop) = &self.stop {
            builder = builder.stop_command(stop.clone());
        }
        if let Some(ping) = &self.ping {
            builder = builder.ping(ping.clone());
        }
        if let Some(regex) = &self.fail_when_log {
            builder = builder.fail_when_log(regex.clone());
        }
        builder
    }
}

/// Resolves every daemon of a valid `raw` manifest whose directory is `dir`
/// (absolute), with the variables of its `env_file`s. A daemon's
/// environment, lowest first: the top-level `env_file`, the top-level
/// `env`, its `env_file`, `defaults.env`, its own `env`.
pub(crate) fn resolve(raw: RawManifest, dir: &Path, env_files: &EnvFiles) -> Vec<DaemonEntry> {
    let defaults = raw.defaults.unwrap_or_default();
    let top_env = raw.env.unwrap_or_default();
    let no_vars = BTreeMap::new();
    raw.daemons
        .0
        .into_iter()
        .map(|(name, mut daemon)| {
            let mut env: BTreeMap<String, String> = env_files.top.clone();
            let scalars = |source: &super::raw::RawEnv| {
                source
                    .0
                    .iter()
                    .map(|(k, v)| (k.clone(), v.0.clone()))
                    .collect::<Vec<_>>()
            };
            env.extend(scalars(&top_env));
            env.extend(env_files.daemons.get(&name).unwrap_or(&no_vars).clone());
            for source in [defaults.env.as_ref(), daemon.env.as_ref()]
                .into_iter()
                .flatten()
            {
                env.extend(scalars(source));
            }
            daemon.merge_defaults(&defaults);
            entry(name, daemon, env, dir)
        })
        .collect()
}

fn entry(
    name: String,
    daemon: RawDaemon,
    env: BTreeMap<String, String>,
    dir: &Path,
) -> DaemonEntry {
    let resolve = |path: &str| dir.join(path);
    let devup_dir = dir.join(".devup");
    let daemonize = daemon.daemonize.unwrap_or(false);
    let pid_file = match &daemon.pid_file {
        Some(path) => resolve(path),
        // Validation guarantees a pid file when daemonize is false.
        None => devup_dir.join("run").join(format!("{name}.pid")),
    };
    let log_file = match (&daemon.log_file, daemonize) {
        (Some(path), _) => Some(resolve(path)),
        (None, true) => Some(devup_dir.join("log").join(format!("{name}.log"))),
        (None, false) => None,
    };
    let lock_file = match &daemon.lock_file {
        Some(path) => resolve(path),
        None => {
            let mut os = pid_file.clone().into_os_string();
            os.push(".lock");
            PathBuf::from(os)
        }
    };
    let ping = daemon.ping.map(|ping| match ping {
        RawPing::Tcp(address) => Ping::tcp(address),
        RawPing::Unix(path) => Ping::unix(resolve(&path)),
        RawPing::Http(url) => Ping::http(url),
        RawPing::Command(command) => Ping::command(command_line(command)),
        RawPing::Log(regex) => Ping::log(regex),
        RawPing::Notify(_) => Ping::notify(),
    });
    let or = |duration: Option<super::duration::RawDuration>, default: Duration| {
        duration.map_or(default, |duration| duration.0)
    };
    DaemonEntry {
        state_file: devup_dir.join("state").join(format!("{name}.state")),
        start: command_line(daemon.start),
        daemonize,
        pid_file,
        log_file,
        lock_file,
        before_start: daemon
            .before_start
            .map(|commands| commands.0.into_iter().map(command_line).collect())
            .unwrap_or_default(),
        stop: daemon.stop.map(command_line),
        stop_signal: daemon.stop_signal.map_or(Signal::Term, |signal| signal.0),
        ping,
        fail_when_log: daemon.fail_when_log,
        dir: daemon
            .dir
            .as_deref()
            .map_or_else(|| dir.to_path_buf(), resolve),
        env,
        start_timeout: or(daemon.start_timeout, defaults::START_TIMEOUT),
        start_abort_timeout: or(daemon.start_abort_timeout, defaults::START_ABORT_TIMEOUT),
        stop_timeout: or(daemon.stop_timeout, defaults::STOP_TIMEOUT),
        log_activity_timeout: or(daemon.log_activity_timeout, defaults::LOG_ACTIVITY_TIMEOUT),
        inputs: daemon
            .inputs
            .unwrap_or_default()
            .iter()
            .map(|pattern| resolve(pattern))
            .collect(),
        depends_on: daemon.depends_on,
        name,
    }
}

fn command_line(command: RawCommand) -> CommandLine {
    match command {
        RawCommand::Shell(script) => CommandLine::Shell(script),
        RawCommand::Argv(argv) => CommandLine::Argv(argv),
    }
}

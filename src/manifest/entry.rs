//! One daemon of a loaded manifest, resolved once into the controller's
//! [`DaemonSpec`]: `defaults:` merged under it, the top-level `env` under
//! its own, every path made absolute against the manifest's directory, the
//! `daemonize: true` files and the state file placed under that directory
//! (see [`crate::controller::defaults`]); its ping's URL or regex and its
//! `fail_when_log` arrive parsed from validation and are moved in as they
//! are.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use super::env_file::EnvFiles;
use super::raw::{RawCommand, RawDaemon, RawManifest, RawPing};
use crate::controller::{BeforeStart, CommandLine, DaemonSpec, Ping, defaults};

/// One daemon of a manifest: the controller's [`DaemonSpec`], with its
/// name, what it depends on, defaults applied and every path absolute.
/// [`DaemonSpec::controller_builder`] turns it into a builder.
pub type DaemonEntry = DaemonSpec;

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

fn entry(name: String, daemon: RawDaemon, env: BTreeMap<String, String>, dir: &Path) -> DaemonSpec {
    let resolve = |path: &str| dir.join(path);
    let daemonize = daemon.daemonize.unwrap_or(false);
    let pid_file = match &daemon.pid_file {
        Some(path) => resolve(path),
        // Validation guarantees a pid file when daemonize is false.
        None => defaults::pid_file(dir, &name),
    };
    let log_file = match (&daemon.log_file, daemonize) {
        (Some(path), _) => Some(resolve(path)),
        (None, true) => Some(defaults::log_file(dir, &name)),
        (None, false) => None,
    };
    let lock_file = match &daemon.lock_file {
        Some(path) => resolve(path),
        None => defaults::lock_file(&pid_file),
    };
    let ping = daemon.ping.map(|ping| match ping {
        RawPing::Tcp(address) => Ping::Tcp(address),
        RawPing::Unix(path) => Ping::Unix(resolve(&path)),
        RawPing::Http(url) => Ping::Http(url),
        RawPing::Command(command) => Ping::Command(command_line(command)),
        RawPing::Log(regex) => Ping::Log(regex.0),
        RawPing::Notify(_) => Ping::Notify,
    });
    let or = |duration: Option<super::duration::RawDuration>, default: Duration| {
        duration.map_or(default, |duration| duration.0)
    };
    DaemonSpec {
        state_file: defaults::manifest_state_file(dir, &name),
        start: command_line(daemon.start),
        daemonize,
        pid_file,
        log_file,
        lock_file,
        before_start: daemon
            .before_start
            .map(|commands| {
                commands
                    .0
                    .into_iter()
                    .map(|command| BeforeStart::Command(command_line(command)))
                    .collect()
            })
            .unwrap_or_default(),
        stop: daemon.stop.map(command_line),
        stop_signal: daemon
            .stop_signal
            .map_or(defaults::STOP_SIGNAL, |signal| signal.0),
        ping,
        fail_when_log: daemon.fail_when_log.map(|regex| regex.0),
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

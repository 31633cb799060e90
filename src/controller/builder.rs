//! `DaemonControllerBuilder`: one method per per-daemon manifest key, plus
//! closures where a program wants code instead of a command. `build()`
//! validates and resolves paths, so a built controller is always coherent.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use regex::Regex;

use super::{
    AbortSignal, CommandLine, DaemonController, Event, Ping, Signal, checks, defaults, dotenv,
};
use crate::error::{Error, Result};

/// A `before_start` closure.
pub type BeforeStartFn = Arc<dyn Fn() -> std::io::Result<()> + Send + Sync>;

/// Receives the controller's [`Event`]s.
pub type Observer = Arc<dyn Fn(&Event) + Send + Sync>;

/// One `before_start` step.
#[derive(Clone)]
pub enum BeforeStart {
    /// A command, run with the daemon's `dir` and `env`.
    Command(CommandLine),
    /// A closure, run in the calling process.
    Fn(BeforeStartFn),
}

impl BeforeStart {
    /// The command of a `Command` step; `None` for a closure.
    pub fn command(&self) -> Option<&CommandLine> {
        match self {
            BeforeStart::Command(command) => Some(command),
            BeforeStart::Fn(_) => None,
        }
    }
}

/// A command as its [`CommandLine`]; a closure, which has no content to
/// write, as `"closure"` (as the fingerprint counts it).
impl serde::Serialize for BeforeStart {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        match self {
            BeforeStart::Command(command) => command.serialize(serializer),
            BeforeStart::Fn(_) => serializer.serialize_str("closure"),
        }
    }
}

impl fmt::Debug for BeforeStart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BeforeStart::Command(command) => write!(f, "Command({command})"),
            BeforeStart::Fn(_) => f.write_str("Fn(..)"),
        }
    }
}

/// The complete, validated description of one daemon, with every value
/// parsed and every path absolute: what `build()` makes, and what a
/// manifest resolves each daemon into (there it is called
/// [`crate::manifest::DaemonEntry`]). It serializes (serde): keys as the
/// manifest names them, commands as `{"Shell": ..}`/`{"Argv": [..]}` (the
/// fingerprint's form), durations as `{secs, nanos}`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DaemonSpec {
    /// The daemon's name, used in every message.
    pub name: String,
    /// The start command.
    pub start: CommandLine,
    /// Whether devup detaches the start command itself (see the manifest's
    /// `daemonize`).
    pub daemonize: bool,
    /// The pid file.
    pub pid_file: PathBuf,
    /// The log file, if any.
    pub log_file: Option<PathBuf>,
    /// The lock file (default: `pid_file` + `.lock`).
    pub lock_file: PathBuf,
    /// Where devup records the pid and start time of what it started
    /// (default: `pid_file` + `.state`; for a manifest's daemon,
    /// `.devup/state/NAME.state`; see [`defaults`]).
    pub state_file: PathBuf,
    /// Run in order, under the lock, just before `start`.
    pub before_start: Vec<BeforeStart>,
    /// The stop command; without it, `stop_signal` is sent.
    pub stop: Option<CommandLine>,
    /// The stop signal.
    pub stop_signal: Signal,
    /// How to tell the daemon is ready.
    pub ping: Option<Ping>,
    /// A log line matching this fails the start at once.
    #[serde(serialize_with = "regex_text")]
    pub fail_when_log: Option<regex::Regex>,
    /// Names of daemons that must be ready first (used by the plan, not by
    /// the controller).
    pub depends_on: Vec<String>,
    /// Working directory of every command.
    pub dir: PathBuf,
    /// Environment added to every command.
    pub env: BTreeMap<String, String>,
    /// From spawning `start` to ready.
    pub start_timeout: Duration,
    /// After SIGTERM to an aborted start, how long before SIGKILL.
    pub start_abort_timeout: Duration,
    /// From the stop signal/command to the process being gone.
    pub stop_timeout: Duration,
    /// See the manifest's `log_activity_timeout`.
    pub log_activity_timeout: Duration,
    /// Files (paths or globs, absolute) whose contents are part of the
    /// daemon's definition (see [`super::Fingerprint`]).
    pub inputs: Vec<PathBuf>,
}

impl DaemonSpec {
    /// A builder holding every value of this spec, for a caller to add an
    /// observer and an abort signal (or change a key) and build. The
    /// values are already parsed and the paths absolute, so `build()`
    /// only checks them again.
    pub fn controller_builder(&self) -> DaemonControllerBuilder {
        let spec = self.clone();
        DaemonControllerBuilder {
            name: spec.name,
            start: Some(spec.start),
            daemonize: spec.daemonize,
            pid_file: Some(spec.pid_file),
            log_file: spec.log_file,
            lock_file: Some(spec.lock_file),
            state_file: Some(spec.state_file),
            before_start: spec.before_start,
            stop: spec.stop,
            stop_signal: spec.stop_signal,
            ping: spec.ping,
            fail_when_log: spec.fail_when_log.map(Ok),
            depends_on: spec.depends_on,
            dir: Some(spec.dir),
            env: spec.env,
            env_files: Vec::new(),
            start_timeout: spec.start_timeout,
            start_abort_timeout: spec.start_abort_timeout,
            stop_timeout: spec.stop_timeout,
            log_activity_timeout: spec.log_activity_timeout,
            inputs: spec.inputs,
            observer: None,
            abort: None,
        }
    }
}

/// Builds a [`DaemonController`]; see [`DaemonController::builder`].
#[must_use]
pub struct DaemonControllerBuilder {
    name: String,
    start: Option<CommandLine>,
    daemonize: bool,
    pid_file: Option<PathBuf>,
    log_file: Option<PathBuf>,
    lock_file: Option<PathBuf>,
    state_file: Option<PathBuf>,
    before_start: Vec<BeforeStart>,
    stop: Option<CommandLine>,
    stop_signal: Signal,
    ping: Option<Ping>,
    /// Compiled when given; an error is reported by `build()`.
    fail_when_log: Option<Result<Regex, String>>,
    depends_on: Vec<String>,
    dir: Option<PathBuf>,
    env: BTreeMap<String, String>,
    /// Read by `build()`, under `env`.
    env_files: Vec<PathBuf>,
    start_timeout: Duration,
    start_abort_timeout: Duration,
    stop_timeout: Duration,
    log_activity_timeout: Duration,
    inputs: Vec<PathBuf>,
    observer: Option<Observer>,
    abort: Option<AbortSignal>,
}

impl DaemonControllerBuilder {
    pub(crate) fn new(name: impl Into<String>) -> Self {
        DaemonControllerBuilder {
            name: name.into(),
            start: None,
            daemonize: false,
            pid_file: None,
            log_file: None,
            lock_file: None,
            state_file: None,
            before_start: Vec::new(),
            stop: None,
            stop_signal: defaults::STOP_SIGNAL,
            ping: None,
            fail_when_log: None,
            depends_on: Vec::new(),
            dir: None,
            env: BTreeMap::new(),
            env_files: Vec::new(),
            start_timeout: defaults::START_TIMEOUT,
            start_abort_timeout: defaults::START_ABORT_TIMEOUT,
            stop_timeout: defaults::STOP_TIMEOUT,
            log_activity_timeout: defaults::LOG_ACTIVITY_TIMEOUT,
            inputs: Vec::new(),
            observer: None,
            abort: None,
        }
    }

    /// The start command (required): a string runs under `/bin/sh -c`, a
    /// list or array is an argv.
    pub fn start_command(mut self, command: impl Into<CommandLine>) -> Self {
        self.start = Some(command.into());
        self
    }

    /// `false` (default): the command daemonizes itself and writes the pid
    /// file. `true`: devup detaches it into its own session, writes the pid
    /// file and sends its output to the log file.
    pub fn daemonize(mut self, daemonize: bool) -> Self {
        self.daemonize = daemonize;
        self
    }

    /// The pid file; required unless `daemonize(true)`.
    pub fn pid_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.pid_file = Some(path.into());
        self
    }

    /// The daemon's log file.
    pub fn log_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.log_file = Some(path.into());
        self
    }

    /// The lock file (default: the pid file + `.lock`).
    pub fn lock_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.lock_file = Some(path.into());
        self
    }

    /// Where devup records what it started (default: the pid file + `.state`).
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Adds a command to run, under the lock, just before `start`.
    pub fn before_start(mut self, command: impl Into<CommandLine>) -> Self {
        self.before_start.push(BeforeStart::Command(command.into()));
        self
    }

    /// Adds a closure to run, under the lock, just before `start`; an `Err`
    /// fails the start.
    pub fn before_start_fn(
        mut self,
        step: impl Fn() -> std::io::Result<()> + Send + Sync + 'static,
    ) -> Self {
        self.before_start.push(BeforeStart::Fn(Arc::new(step)));
        self
    }

    /// The stop command; without it, the stop signal is sent to the pid.
    pub fn stop_command(mut self, command: impl Into<CommandLine>) -> Self {
        self.stop = Some(command.into());
        self
    }

    /// The stop signal (default SIGTERM).
    pub fn stop_signal(mut self, signal: Signal) -> Self {
        self.stop_signal = signal;
        self
    }

    /// How to tell the daemon is ready.
    pub fn ping(mut self, ping: Ping) -> Self {
        self.ping = Some(ping);
        self
    }

    /// A log line matching `regex`, appended during a start, fails it at once.
    pub fn fail_when_log(mut self, regex: impl Into<String>) -> Self {
        self.fail_when_log = Some(checks::regex(&regex.into()));
        self
    }

    /// Daemons that must be ready before this one starts (used by the
    /// manifest's plan; a lone controller ignores it).
    pub fn depends_on<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.depends_on = names.into_iter().map(Into::into).collect();
        self
    }

    /// Working directory of every command (default: the current directory at
    /// `build()`); relative paths given to this builder are resolved against it.
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// Adds one environment variable for the daemon's commands.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(key.into(), value.into());
        self
    }

    /// Adds environment variables for the daemon's commands.
    pub fn envs<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.env
            .extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Adds a dotenv file (`KEY=VALUE` lines, as the manifest's
    /// `env_file`; relative to `dir`) whose variables are added to the
    /// daemon's environment, under those given to [`env`](Self::env) and
    /// [`envs`](Self::envs); of several files, a later one wins. `build()`
    /// reads it, and fails when it is missing or malformed.
    pub fn env_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.env_files.push(path.into());
        self
    }

    /// From spawning `start` to ready (default 30 s).
    pub fn start_timeout(mut self, timeout: Duration) -> Self {
        self.start_timeout = timeout;
        self
    }

    /// After SIGTERM to an aborted start, how long before SIGKILL (default 10 s).
    pub fn start_abort_timeout(mut self, timeout: Duration) -> Self {
        self.start_abort_timeout = timeout;
        self
    }

    /// From the stop signal/command to the process being gone (default 30 s).
    pub fn stop_timeout(mut self, timeout: Duration) -> Self {
        self.stop_timeout = timeout;
        self
    }

    /// When `start` exited 0 but no pid file appeared and the log has not
    /// grown for this long, the start has failed (default 10 s).
    pub fn log_activity_timeout(mut self, timeout: Duration) -> Self {
        self.log_activity_timeout = timeout;
        self
    }

    /// Files (paths or globs; relative ones against `dir`) whose contents
    /// are part of the daemon's definition: when one changes, appears or
    /// disappears, `devup` restarts the daemon. `build()` refuses a
    /// relative pattern that is not a valid glob.
    pub fn inputs<I, P>(mut self, patterns: I) -> Self
    where
        I: IntoIterator<Item = P>,
        P: Into<PathBuf>,
    {
        self.inputs = patterns.into_iter().map(Into::into).collect();
        self
    }

    /// Receives every [`Event`] of this controller's starts and stops.
    pub fn observer(mut self, observer: impl Fn(&Event) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// A signal that aborts a start in progress, as a start timeout would.
    pub fn abort_signal(mut self, abort: AbortSignal) -> Self {
        self.abort = Some(abort);
        self
    }

    /// Validates the configuration and resolves relative paths.
    pub fn build(self) -> Result<DaemonController> {
        let config_error = |key: &'static str, reason: String| Error::Config {
            daemon: self.name.clone(),
            key,
            reason,
        };
        let start = self
            .start
            .clone()
            .ok_or_else(|| config_error("start", checks::NEEDS_START.into()))?;
        let commands = std::iter::once(("start", &start))
            .chain(self.before_start.iter().filter_map(|before| match before {
                BeforeStart::Command(command) => Some(("before_start", command)),
                BeforeStart::Fn(_) => None,
            }))
            .chain(self.stop.iter().map(|stop| ("stop", stop)))
            .chain(match &self.ping {
                Some(Ping::Command(command)) => Some(("ping", command)),
                _ => None,
            });
        for (key, command) in commands {
            if let Some(reason) = command.emptiness() {
                return Err(config_error(key, reason.into()));
            }
        }
        for (key, timeout) in [
            ("start_timeout", self.start_timeout),
            ("start_abort_timeout", self.start_abort_timeout),
            ("stop_timeout", self.stop_timeout),
            ("log_activity_timeout", self.log_activity_timeout),
        ] {
            if timeout > super::MAX_DURATION {
                return Err(config_error(
                    key,
                    format!(
                        "{} is longer than the longest devup allows, one day (86400s)",
                        super::format_duration(timeout)
                    ),
                ));
            }
        }
        let dir = match &self.dir {
            Some(dir) if dir.is_absolute() => dir.clone(),
            Some(dir) => current_dir(&self.name)?.join(dir),
            None => current_dir(&self.name)?,
        };
        let resolve = |path: &Path| dir.join(path);
        let pid_file = match (&self.pid_file, self.daemonize) {
            (Some(path), _) => resolve(path),
            (None, true) => defaults::pid_file(&dir, &self.name),
            (None, false) => {
                return Err(config_error("pid_file", checks::NEEDS_PID_FILE.into()));
            }
        };
        let log_file = match (&self.log_file, self.daemonize) {
            (Some(path), _) => Some(resolve(path)),
            (None, true) => Some(defaults::log_file(&dir, &self.name)),
            (None, false) => None,
        };
        if log_file.is_none() {
            if self.fail_when_log.is_some() {
                let reason = checks::needs_log_file("fail_when_log");
                return Err(config_error("fail_when_log", reason));
            }
            if self.ping.as_ref().is_some_and(|ping| ping.kind() == "log") {
                return Err(config_error("ping", checks::needs_log_file("ping: log")));
            }
        }
        let ping_check = match &self.ping {
            Some(Ping::Invalid(invalid)) => Err(invalid.reason().to_string()),
            Some(Ping::Tcp(address)) => checks::tcp_address(address),
            Some(Ping::Unix(path)) => checks::unix_path(path),
            _ => Ok(()),
        };
        ping_check.map_err(|reason| config_error("ping", reason))?;
        let fail_when_log = match &self.fail_when_log {
            Some(Ok(regex)) => Some(regex.clone()),
            Some(Err(reason)) => return Err(config_error("fail_when_log", reason.clone())),
            None => None,
        };
        for name in self.env.keys() {
            checks::env_name(name).map_err(|reason| config_error("env", reason))?;
        }
        // A relative pattern is checked as it was written; an absolute one
        // may hold a project directory with a `[` in it (a manifest's are
        // all absolute, and checked as written by its validation), and
        // counts as a literal path where it is no valid glob.
        for pattern in self.inputs.iter().filter(|pattern| pattern.is_relative()) {
            checks::glob(&pattern.to_string_lossy())
                .map_err(|reason| config_error("inputs", reason))?;
        }
        let mut env = dotenv::load(&dir, &self.env_files)
            .map_err(|reason| config_error("env_file", reason))?;
        env.extend(self.env);
        let lock_file = match &self.lock_file {
            Some(path) => resolve(path),
            None => defaults::lock_file(&pid_file),
        };
        let state_file = match &self.state_file {
            Some(path) => resolve(path),
            None => defaults::state_file(&pid_file),
        };
        let inputs = self.inputs.iter().map(|path| resolve(path)).collect();
        let spec = DaemonSpec {
            name: self.name,
            start,
            daemonize: self.daemonize,
            pid_file,
            log_file,
            lock_file,
            state_file,
            before_start: self.before_start,
            stop: self.stop,
            stop_signal: self.stop_signal,
            ping: self.ping,
            fail_when_log,
            depends_on: self.depends_on,
            dir,
            env,
            start_timeout: self.start_timeout,
            start_abort_timeout: self.start_abort_timeout,
            stop_timeout: self.stop_timeout,
            log_activity_timeout: self.log_activity_timeout,
            inputs,
        };
        Ok(DaemonController::from_parts(
            spec,
            self.observer,
            self.abort.unwrap_or_default(),
        ))
    }
}

fn regex_text<S: serde::Serializer>(
    regex: &Option<Regex>,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&regex.as_ref().map(Regex::as_str), serializer)
}

fn current_dir(daemon: &str) -> Result<PathBuf> {
    std::env::current_dir().map_err(|source| Error::Io {
        daemon: daemon.to_string(),
        action: "reading the current directory".into(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(builder: DaemonControllerBuilder) -> (String, &'static str, String) {
        match builder.build() {
            Err(Error::Config {
                daemon,
                key,
                reason,
            }) => (daemon, key, reason),
            Err(other) => panic!("another error: {other}"),
            Ok(_) => panic!("accepted"),
        }
    }

    fn web() -> DaemonControllerBuilder {
        DaemonController::builder("web")
            .start_command("sleep 1")
            .daemonize(true)
    }

    #[test]
    fn a_bad_http_url_is_reported_at_build() {
        assert_eq!(
            refusal(web().ping(Ping::http("https://example.com/"))),
            (
                "web".into(),
                "ping",
                "`http: https://example.com/` is not an http://HOST:PORT/PATH URL (https is not supported)"
                    .into()
            )
        );
    }

    #[test]
    fn a_bad_log_regex_is_reported_at_build_after_the_missing_log_file() {
        let (_, key, reason) = refusal(web().ping(Ping::log("(")));
        assert_eq!(key, "ping");
        assert_eq!(reason, "invalid regex `(`: unclosed group");
        let no_log = DaemonController::builder("web")
            .start_command("sleep 1")
            .pid_file("web.pid")
            .ping(Ping::log("("));
        assert_eq!(
            refusal(no_log),
            (
                "web".into(),
                "ping",
                "`ping: log` needs a log file to read; set `log_file` (with `daemonize: true` it defaults to .devup/log/NAME.log)".into()
            )
        );
    }

    #[test]
    fn a_bad_fail_when_log_regex_names_its_key() {
        let (_, key, reason) = refusal(web().fail_when_log("a{2,1}"));
        assert_eq!(key, "fail_when_log");
        assert_eq!(
            reason,
            "invalid regex `a{2,1}`: invalid repetition count range, the start must be <= the end"
        );
    }

    #[test]
    fn closures_and_every_ping_kind_serialize() {
        let spec = web()
            .before_start_fn(|| Ok(()))
            .ping(Ping::custom(|| true))
            .build()
            .unwrap()
            .spec()
            .clone();
        let json = serde_json::to_value(&spec).unwrap();
        assert_eq!(json["before_start"], serde_json::json!(["closure"]));
        assert_eq!(json["ping"], serde_json::json!({"custom": null}));
        assert_eq!(json["fail_when_log"], serde_json::Value::Null);
        let pings = [
            (
                Ping::tcp("[::1]:6379"),
                serde_json::json!({"tcp": "[::1]:6379"}),
            ),
            (
                Ping::unix("/tmp/s.sock"),
                serde_json::json!({"unix": "/tmp/s.sock"}),
            ),
            (
                Ping::command("true"),
                serde_json::json!({"command": {"Shell": "true"}}),
            ),
            (Ping::log("^ready$"), serde_json::json!({"log": "^ready$"})),
            (Ping::notify(), serde_json::json!({"notify": true})),
        ];
        for (ping, expected) in pings {
            assert_eq!(serde_json::to_value(&ping).unwrap(), expected);
        }
    }

    #[test]
    fn a_parsed_ping_is_carried_as_it_was_written() {
        let controller = web()
            .ping(Ping::http("http://127.0.0.1:9/health"))
            .build()
            .unwrap();
        match &controller.spec().ping {
            Some(Ping::Http(url)) => {
                assert_eq!(url.as_str(), "http://127.0.0.1:9/health");
                assert_eq!(url.authority(), "127.0.0.1:9");
            }
            other => panic!("{other:?}"),
        }
        let controller = web().ping(Ping::log("ready .*")).build().unwrap();
        assert_eq!(
            controller.spec().ping.as_ref().map(ToString::to_string),
            Some("log /ready .*/".to_string())
        );
    }
}

//! The manifest exactly as written: serde types mirroring SPEC §2, with
//! `deny_unknown_fields`, from which the JSON Schema is also generated (doc
//! comments become the schema's descriptions, so editors show them). These
//! types hold values before paths are resolved and defaults merged; turning
//! them into a [`super::DaemonEntry`] is `entry.rs`'s business, and finding
//! every problem with its position is `validate/`'s.
//!
//! `values.rs` holds the value types that are more than a string: commands,
//! signals, scalars, the version.

mod task;
mod values;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

pub use task::{RawTask, RawTasks, TASK_KEYS};
pub use values::{RawCommand, RawCommands, RawPaths, RawRegex, RawSignal, Scalar, Version};

use super::duration::RawDuration;
use crate::controller::{HttpUrl, checks};

/// What a daemon name may be made of, as a regex (also used by the schema).
pub const NAME_PATTERN: &str = "^[A-Za-z0-9_.-]+$";

/// Every per-daemon key, in the reference's order.
pub const DAEMON_KEYS: [&str; 19] = [
    "start",
    "daemonize",
    "pid_file",
    "log_file",
    "lock_file",
    "before_start",
    "stop",
    "stop_signal",
    "ping",
    "fail_when_log",
    "depends_on",
    "dir",
    "env",
    "start_timeout",
    "start_abort_timeout",
    "stop_timeout",
    "log_activity_timeout",
    "env_file",
    "inputs",
];

/// Every top-level key.
pub const TOP_KEYS: [&str; 6] = ["version", "env", "env_file", "defaults", "tasks", "daemons"];

/// Every ping kind.
pub const PING_KINDS: [&str; 6] = ["tcp", "unix", "http", "command", "log", "notify"];

/// The whole file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "devup manifest",
    description = "daemons.yaml: the daemons `devup` starts in dependency order and `devdown` stops."
)]
pub struct RawManifest {
    /// The manifest format's version; only 1 exists.
    #[serde(default)]
    #[allow(dead_code, reason = "only checked, when deserialized, to be 1")]
    pub version: Option<Version>,
    /// Environment variables added to every daemon's environment (a daemon's
    /// own `env` wins).
    #[serde(default)]
    pub env: Option<RawEnv>,
    /// Dotenv files whose variables are added to every daemon's
    /// environment, under the top-level `env`.
    #[serde(default)]
    pub env_file: Option<RawPaths>,
    /// Values for any per-daemon key except `start` and `depends_on`, used by
    /// every daemon that does not set the key itself.
    #[serde(default)]
    pub defaults: Option<RawDefaults>,
    /// One-shot tasks that daemons (or other tasks) can depend on:
    /// migrations, seeding, builds.
    #[serde(default)]
    pub tasks: Option<RawTasks>,
    /// The daemons, by name; their order is kept (ties in the start order
    /// follow it).
    pub daemons: RawDaemons,
}

/// What an environment variable's name may be made of, as a regex.
pub const ENV_NAME_PATTERN: &str = "^[A-Za-z_][A-Za-z0-9_]*$";

/// Environment variables: names to values (numbers and booleans are taken
/// as their text).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct RawEnv(pub BTreeMap<String, Scalar>);

impl JsonSchema for RawEnv {
    fn schema_name() -> Cow<'static, str> {
        "Env".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let value = generator.subschema_for::<Scalar>();
        json_schema!({
            "description": "Environment variables: names (letters, digits, `_`) to values.",
            "type": "object",
            "propertyNames": { "pattern": ENV_NAME_PATTERN },
            "additionalProperties": value
        })
    }
}

macro_rules! settings {
    ($( $(#[$doc:meta])* $key:ident : $ty:ty, )*) => {
        /// One daemon under `daemons:`.
        #[derive(Debug, Clone, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        #[schemars(rename = "Daemon")]
        pub struct RawDaemon {
            /// The start command (required): a string runs under `/bin/sh -c`,
            /// a list is an argv (no shell).
            pub start: RawCommand,
            /// Daemons that must be ready before this one starts.
            #[serde(default)]
            pub depends_on: Vec<String>,
            $( $(#[$doc])* #[serde(default)] pub $key: Option<$ty>, )*
        }

        /// The `defaults:` block: any per-daemon key except `start` and
        /// `depends_on`.
        #[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        #[schemars(rename = "Defaults")]
        pub struct RawDefaults {
            $( $(#[$doc])* #[serde(default)] pub $key: Option<$ty>, )*
        }

        /// The keys `defaults:` may hold.
        pub const SETTING_KEYS: &[&str] = &[$(stringify!($key)),*];

        /// One setting of a daemon or of `defaults:` (any per-daemon key but
        /// `start`/`depends_on`), parsed; its variant is named as its key.
        #[allow(non_camel_case_types, reason = "each variant is named as the manifest's key")]
        #[derive(Debug, Clone)]
        pub enum RawSetting {
            $( #[allow(missing_docs)] $key($ty), )*
        }

        impl RawSetting {
            /// Parses `value` as the setting `key`; `None` for another key.
            pub fn parse(
                key: &str,
                value: serde_yaml::Value,
            ) -> Option<Result<RawSetting, serde_yaml::Error>> {
                match key {
                    $( stringify!($key) => Some(serde_yaml::from_value::<$ty>(value).map(RawSetting::$key)), )*
                    _ => None,
                }
            }
        }

        impl RawDefaults {
            /// Sets the key of `setting`.
            pub fn set(&mut self, setting: RawSetting) {
                match setting {
                    $( RawSetting::$key(value) => self.$key = Some(value), )*
                }
            }
        }

        impl RawDaemon {
            /// A daemon with `start` and `depends_on` and no other key set.
            pub fn new(start: RawCommand, depends_on: Vec<String>) -> RawDaemon {
                RawDaemon { start, depends_on, $( $key: None, )* }
            }

            /// Sets the key of `setting`.
            pub fn set(&mut self, setting: RawSetting) {
                match setting {
                    $( RawSetting::$key(value) => self.$key = Some(value), )*
                }
            }

            /// Takes each key this daemon does not set from `defaults`.
            pub fn merge_defaults(&mut self, defaults: &RawDefaults) {
                $( if self.$key.is_none() { self.$key = defaults.$key.clone(); } )*
            }
        }
    };
}

settings! {
    /// `false` (default): the command daemonizes itself and writes `pid_file`.
    /// `true`: the command stays in the foreground; devup detaches it into its
    /// own session, writes `pid_file` itself and sends its stdout and stderr
    /// to `log_file`.
    #[schemars(extend("default" = false))]
    daemonize: bool,
    /// The pid file; required when `daemonize` is false; default
    /// `.devup/run/NAME.pid` when `daemonize: true`.
    pid_file: String,
    /// Where the daemon logs; default `.devup/log/NAME.log` when
    /// `daemonize: true`. What it appends during a failed start is shown.
    log_file: String,
    /// The lock that serializes starts and stops of this daemon (default:
    /// `pid_file` + `.lock`).
    lock_file: String,
    /// Commands run in order, under the daemon's lock, just before `start`:
    /// a string, or a list whose items are strings (run by `/bin/sh -c`) or
    /// lists (argv).
    before_start: RawCommands,
    /// The stop command; without it, devup sends `stop_signal` to the pid.
    stop: RawCommand,
    /// The signal that stops the daemon when there is no `stop` command
    /// (default TERM).
    #[schemars(extend("default" = "TERM"))]
    stop_signal: RawSignal,
    /// How to tell the daemon is ready: a map with exactly one key. Without
    /// it, ready means: pid file valid and its process alive.
    ping: RawPing,
    /// A regex: a line matching it, appended to `log_file` during a start,
    /// fails that start at once.
    fail_when_log: RawRegex,
    /// Working directory of every command of this daemon (default: the
    /// manifest's directory).
    dir: String,
    /// Environment added for this daemon's commands, over the top-level
    /// `env` and `defaults.env`.
    env: RawEnv,
    /// From spawning `start` to ready; past it the start is aborted (default 30s).
    #[schemars(extend("default" = crate::controller::defaults::text::START_TIMEOUT))]
    start_timeout: RawDuration,
    /// After SIGTERM to an aborted start, how long before SIGKILL (default 10s).
    #[schemars(extend("default" = crate::controller::defaults::text::START_ABORT_TIMEOUT))]
    start_abort_timeout: RawDuration,
    /// From the stop signal or command to the process being gone; past it,
    /// SIGKILL (default 30s).
    #[schemars(extend("default" = crate::controller::defaults::text::STOP_TIMEOUT))]
    stop_timeout: RawDuration,
    /// When `start` exited 0 but no pid file appeared and the log has not
    /// grown for this long, the start has failed (default 10s).
    #[schemars(extend("default" = crate::controller::defaults::text::LOG_ACTIVITY_TIMEOUT))]
    log_activity_timeout: RawDuration,
    /// Dotenv files (`KEY=VALUE` lines) whose variables are added to this
    /// daemon's environment, under its `env`.
    env_file: RawPaths,
    /// Files (paths or globs, relative to the manifest's directory) whose
    /// contents are part of the daemon's definition: when one changes,
    /// appears or disappears, `devup` restarts the daemon.
    inputs: Vec<String>,
}

// serde_yaml reads derived enums from YAML tags only (`!tcp ...`), so the
// map form has its own `Deserialize` below; the derive is for the schema.
/// How to tell the daemon is ready: a map with exactly one key.
#[derive(Debug, Clone, JsonSchema)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
#[schemars(rename = "Ping")]
pub enum RawPing {
    /// Ready when a TCP connection to `HOST:PORT` succeeds (IPv6 as `[::1]:PORT`).
    Tcp(String),
    /// Ready when a Unix stream socket connection to this path succeeds.
    Unix(String),
    /// Ready when a GET of `http://HOST:PORT/PATH` answers 200 to 399.
    Http(#[schemars(with = "String")] HttpUrl),
    /// Ready when this command (string or list) exits 0.
    Command(RawCommand),
    /// Ready when a line matching this regex is appended to `log_file`
    /// during the start.
    Log(RawRegex),
    /// Ready when the daemon sends `READY=1` on `$NOTIFY_SOCKET` (sd_notify).
    Notify(#[schemars(extend("const" = true))] bool),
}

impl<'de> Deserialize<'de> for RawPing {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        fn kind<T: de::DeserializeOwned, E: de::Error>(
            name: &str,
            value: serde_yaml::Value,
        ) -> Result<T, E> {
            serde_yaml::from_value(value).map_err(|error| E::custom(format!("`{name}`: {error}")))
        }
        let expected = PING_KINDS.join(", ");
        let map = serde_yaml::Mapping::deserialize(deserializer)?;
        if map.len() != 1 {
            return Err(de::Error::custom(format!(
                "expected exactly one of {expected}, found {} keys",
                map.len()
            )));
        }
        let (name, value) = map.into_iter().next().expect("one entry");
        match name.as_str().unwrap_or_default() {
            "tcp" => kind("tcp", value).map(RawPing::Tcp),
            "unix" => kind("unix", value).map(RawPing::Unix),
            "http" => kind::<String, _>("http", value).and_then(|url| {
                checks::http_url(&url)
                    .map(RawPing::Http)
                    .map_err(de::Error::custom)
            }),
            "command" => kind("command", value).map(RawPing::Command),
            "log" => kind::<String, _>("log", value).and_then(|regex| {
                checks::regex(&regex)
                    .map(|regex| RawPing::Log(RawRegex(regex)))
                    .map_err(de::Error::custom)
            }),
            "notify" => kind("notify", value).map(RawPing::Notify),
            _ => Err(de::Error::custom(format!(
                "unknown ping kind; expected one of {expected}"
            ))),
        }
    }
}

/// `daemons:`: a map whose order is kept.
#[derive(Debug, Clone, Default)]
pub struct RawDaemons(pub Vec<(String, RawDaemon)>);

impl<'de> Deserialize<'de> for RawDaemons {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DaemonsVisitor;

        impl<'de> Visitor<'de> for DaemonsVisitor {
            type Value = RawDaemons;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of daemon names to daemons")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawDaemons, A::Error> {
                let mut daemons = Vec::new();
                while let Some(entry) = map.next_entry::<String, RawDaemon>()? {
                    daemons.push(entry);
                }
                Ok(RawDaemons(daemons))
            }
        }

        deserializer.deserialize_map(DaemonsVisitor)
    }
}

impl JsonSchema for RawDaemons {
    fn schema_name() -> Cow<'static, str> {
        "Daemons".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let daemon = generator.subschema_for::<RawDaemon>();
        json_schema!({
            "description": "The daemons, by name (letters, digits, `_`, `.`, `-`); their order is kept.",
            "type": "object",
            "minProperties": 1,
            "propertyNames": { "pattern": NAME_PATTERN },
            "additionalProperties": daemon
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::Signal;

    #[test]
    fn daemon_keys_are_the_settings_plus_start_and_depends_on() {
        let mut expected: Vec<&str> = SETTING_KEYS.to_vec();
        expected.extend(["start", "depends_on"]);
        expected.sort();
        let mut keys = DAEMON_KEYS.to_vec();
        keys.sort();
        assert_eq!(keys, expected);
    }

    #[test]
    fn a_full_manifest_deserializes_in_order() {
        let raw: RawManifest = serde_yaml::from_str(
            "version: 1\ndaemons:\n  zeta:\n    start: [a, 1]\n  alpha:\n    start: b\n    ping: { command: c }\n    before_start: d\n    stop_signal: SIGINT\n",
        )
        .unwrap();
        let names: Vec<&str> = raw
            .daemons
            .0
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(names, ["zeta", "alpha"]);
        assert_eq!(
            raw.daemons.0[0].1.start,
            RawCommand::Argv(vec!["a".into(), "1".into()])
        );
        let alpha = &raw.daemons.0[1].1;
        assert!(matches!(&alpha.ping, Some(RawPing::Command(RawCommand::Shell(c))) if c == "c"));
        assert_eq!(
            alpha.before_start,
            Some(RawCommands(vec![RawCommand::Shell("d".into())]))
        );
        assert_eq!(alpha.stop_signal, Some(RawSignal(Signal::Int)));
    }
}

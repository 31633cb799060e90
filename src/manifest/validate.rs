//! Finds every problem of a manifest at once, each with its position, the
//! daemon and the key, and what would have been valid.
//!
//! It works on the parsed `serde_yaml::Value` in two passes. The first walks
//! every key: unknown keys (with the nearest known one), interpolation, and
//! the type of each value, checked by deserializing that value alone into
//! its `raw.rs` type (so the serde types stay the one definition of what is
//! valid). A key in error is dropped and a daemon without `start` gets a
//! placeholder, so the cleaned file still deserializes into a
//! [`RawManifest`] and the second pass can check what needs the whole file:
//! `pid_file` when `daemonize` is false, `ping: log` without a log file,
//! regexes, dependencies and cycles. A problem of the second pass about a
//! key the first already reported is not reported twice.

use std::collections::HashSet;

use petgraph::graph::{DiGraph, NodeIndex};
use regex::Regex;
use serde_yaml::{Mapping, Value};

use super::Problem;
use super::interpolate::{Lookup, interpolate};
use super::locate::{Pos, Positions};
use super::raw::{
    self, DAEMON_KEYS, PING_KINDS, RawCommand, RawDefaults, RawEnv, RawManifest, RawPing,
    SETTING_KEYS, TOP_KEYS, Version,
};
use super::suggest::nearest;
use crate::plan::{cycle_path, find_cycles, unknown_daemon};

/// Checks `value` (the parsed file); returns the typed manifest when it is
/// valid, else every problem found, in the file's order.
pub fn validate(
    value: Value,
    positions: &Positions,
    env: Lookup<'_>,
) -> Result<RawManifest, Vec<Problem>> {
    let mut validator = Validator {
        positions,
        env,
        problems: Vec::new(),
        reported: HashSet::new(),
    };
    let raw = validator.structure(value);
    if let Some(raw) = &raw {
        validator.semantics(raw);
    }
    let mut problems = validator.problems;
    match raw {
        Some(raw) if problems.is_empty() => Ok(raw),
        _ => {
            problems.sort_by_key(|p| (p.line.unwrap_or(usize::MAX), p.column.unwrap_or(0)));
            Err(problems)
        }
    }
}

/// Where a setting is: in a daemon, or in `defaults:`.
#[derive(Clone, Copy)]
enum Scope<'a> {
    Daemon(&'a str),
    Defaults,
}

impl Scope<'_> {
    fn path<'p>(&'p self, rest: &[&'p str]) -> Vec<&'p str> {
        let mut path = match self {
            Scope::Daemon(name) => vec!["daemons", name],
            Scope::Defaults => vec!["defaults"],
        };
        path.extend_from_slice(rest);
        path
    }

    fn label(&self, key: &str) -> (Option<String>, Option<String>) {
        match self {
            Scope::Daemon(name) => (Some(name.to_string()), Some(key.to_string())),
            Scope::Defaults => (None, Some(format!("defaults.{key}"))),
        }
    }
}

struct Validator<'a> {
    positions: &'a Positions,
    env: Lookup<'a>,
    problems: Vec<Problem>,
    /// (daemon, key) pairs already reported by the first pass.
    reported: HashSet<(Option<String>, String)>,
}

impl Validator<'_> {
    fn push(&mut self, pos: Option<Pos>, label: (Option<String>, Option<String>), message: String) {
        if let Some(key) = &label.1 {
            self.reported.insert((label.0.clone(), key.clone()));
        }
        self.problems.push(Problem {
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
            daemon: label.0,
            key: label.1,
            message,
        });
    }

    fn was_reported(&self, scope: Scope<'_>, key: &str) -> bool {
        let (daemon, key) = scope.label(key);
        self.reported.contains(&(daemon, key.unwrap_or_default()))
    }

    // ---- first pass: keys, interpolation, types ----

    fn structure(&mut self, value: Value) -> Option<RawManifest> {
        let top = match value {
            Value::Mapping(top) => top,
            Value::Null => {
                self.push(
                    None,
                    (None, None),
                    "the manifest is empty; it needs a `daemons:` map".into(),
                );
                return None;
            }
            other => {
                self.push(
                    Some(Pos { line: 1, column: 1 }),
                    (None, None),
                    format!(
                        "the manifest must be a map with a `daemons:` key, found {}",
                        kind(&other)
                    ),
                );
                return None;
            }
        };
        let mut clean = Mapping::new();
        let mut misspelt_daemons = false;
        for (key, value) in top {
            let Some(key) = key_string(&key) else {
                self.push(
                    None,
                    (None, None),
                    format!("a top-level key must be a string, found {}", kind(&key)),
                );
                continue;
            };
            let label = (None, Some(key.clone()));
            let checked = match key.as_str() {
                "version" => self.typed::<Version>(value, &[&key], label),
                "env" => self
                    .interpolated(value, &[&key], label.clone())
                    .and_then(|value| self.typed::<RawEnv>(value, &[&key], label)),
                "defaults" => self.defaults(value),
                "daemons" => self.daemons(value),
                _ => {
                    if nearest(&key, TOP_KEYS) == Some("daemons") {
                        misspelt_daemons = true;
                    }
                    let message = unknown_key(&key, &TOP_KEYS);
                    self.push(self.positions.key(&[&key]), (None, None), message);
                    None
                }
            };
            if let Some(value) = checked {
                clean.insert(Value::String(key), value);
            }
        }
        let daemons_reported = self
            .problems
            .iter()
            .any(|p| p.key.as_deref() == Some("daemons"));
        if !clean.contains_key("daemons") && !daemons_reported && !misspelt_daemons {
            self.push(
                None,
                (None, None),
                "missing `daemons:`, the map of the daemons to start".into(),
            );
        }
        match serde_yaml::from_value::<RawManifest>(Value::Mapping(clean)) {
            Ok(raw) => Some(raw),
            Err(error) => {
                if self.problems.is_empty() {
                    self.push(None, (None, None), error.to_string());
                }
                None
            }
        }
    }

    fn daemons(&mut self, value: Value) -> Option<Value> {
        let label = (None, Some("daemons".to_string()));
        let daemons = match value {
            Value::Mapping(daemons) if !daemons.is_empty() => daemons,
            Value::Mapping(_) | Value::Null => {
                self.push(
                    self.positions.key(&["daemons"]),
                    label,
                    "no daemons; add at least one under `daemons:`".into(),
                );
                return None;
            }
            other => {
                self.push(
                    self.positions.value(&["daemons"]),
                    label,
                    format!(
                        "expected a map of daemon names to daemons, found {}",
                        kind(&other)
                    ),
                );
                return None;
            }
        };
        let mut clean = Mapping::new();
        for (name, daemon) in daemons {
            let Some(name) = key_string(&name) else {
                self.push(
                    self.positions.key(&["daemons"]),
                    label.clone(),
                    format!("a daemon name must be a string, found {}", kind(&name)),
                );
                continue;
            };
            let valid_name = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
            if !valid_name {
                self.push(
                    self.positions.key(&["daemons", &name]),
                    (Some(name.clone()), None),
                    "a daemon name may only contain letters, digits, `_`, `.` and `-`".into(),
                );
            }
            let daemon = self.daemon(&name, daemon);
            clean.insert(Value::String(name), Value::Mapping(daemon));
        }
        Some(Value::Mapping(clean))
    }

    fn daemon(&mut self, name: &str, value: Value) -> Mapping {
        let scope = Scope::Daemon(name);
        let mut clean = Mapping::new();
        let keys = match value {
            Value::Mapping(keys) => keys,
            other => {
                let found = match other {
                    Value::Null => "nothing".to_string(),
                    _ => kind(&other),
                };
                self.push(
                    self.positions.value(&["daemons", name]),
                    (Some(name.to_string()), None),
                    format!("expected a map of keys (at least `start`), found {found}"),
                );
                // Nothing else about this daemon is worth saying yet.
                for key in ["start", "pid_file"] {
                    self.reported.insert((Some(name.to_string()), key.into()));
                }
                Mapping::new()
            }
        };
        for (key, value) in keys {
            let Some(key) = key_string(&key) else {
                self.push(
                    self.positions.key(&["daemons", name]),
                    (Some(name.to_string()), None),
                    format!("a key must be a string, found {}", kind(&key)),
                );
                continue;
            };
            if !DAEMON_KEYS.contains(&key.as_str()) {
                let message = unknown_key(&key, &DAEMON_KEYS);
                self.push(
                    self.positions.key(&["daemons", name, &key]),
                    (Some(name.to_string()), None),
                    message,
                );
                continue;
            }
            let label = scope.label(&key);
            let path = scope.path(&[&key]);
            let checked =
                self.interpolated(value, &path, label.clone())
                    .and_then(|value| match key.as_str() {
                        "start" => self.typed::<RawCommand>(value, &path, label),
                        "depends_on" => self.typed::<Vec<String>>(value, &path, label),
                        _ => self.setting(scope, &key, value),
                    });
            if let Some(value) = checked {
                clean.insert(Value::String(key), value);
            }
        }
        if !clean.contains_key("start") {
            if !self.was_reported(scope, "start") {
                self.push(
                    self.positions.key(&["daemons", name]),
                    (Some(name.to_string()), None),
                    "missing `start`, the command that starts the daemon (a string, or a list for an argv)"
                        .into(),
                );
            }
            // A placeholder, so that the rest of the file is still checked.
            clean.insert("start".into(), "true".into());
        }
        clean
    }

    fn defaults(&mut self, value: Value) -> Option<Value> {
        let keys = match value {
            Value::Mapping(keys) => keys,
            Value::Null => return Some(Value::Mapping(Mapping::new())),
            other => {
                self.push(
                    self.positions.value(&["defaults"]),
                    (None, Some("defaults".into())),
                    format!("expected a map of per-daemon keys, found {}", kind(&other)),
                );
                return None;
            }
        };
        let mut clean = Mapping::new();
        for (key, value) in keys {
            let Some(key) = key_string(&key) else {
                self.push(
                    self.positions.key(&["defaults"]),
                    (None, Some("defaults".into())),
                    format!("a key must be a string, found {}", kind(&key)),
                );
                continue;
            };
            let pos = self.positions.key(&["defaults", &key]);
            if key == "start" || key == "depends_on" {
                self.push(
                    pos,
                    Scope::Defaults.label(&key),
                    format!("`{key}` cannot be a default; each daemon has its own"),
                );
                continue;
            }
            if !SETTING_KEYS.contains(&key.as_str()) {
                self.push(
                    pos,
                    (None, Some("defaults".into())),
                    unknown_key(&key, SETTING_KEYS),
                );
                continue;
            }
            let path = Scope::Defaults.path(&[&key]);
            let checked = self
                .interpolated(value, &path, Scope::Defaults.label(&key))
                .and_then(|value| self.setting(Scope::Defaults, &key, value));
            if let Some(value) = checked {
                clean.insert(Value::String(key), value);
            }
        }
        Some(Value::Mapping(clean))
    }

    /// Any per-daemon key but `start`/`depends_on`, already interpolated.
    fn setting(&mut self, scope: Scope<'_>, key: &str, value: Value) -> Option<Value> {
        if key == "ping" {
            return self.ping(scope, value);
        }
        let result = raw::check_setting(key, value.clone())?;
        match result {
            Ok(()) => Some(value),
            Err(error) => {
                let pos = self.positions.value(&scope.path(&[key]));
                self.push(pos, scope.label(key), serde_message(&error));
                None
            }
        }
    }

    fn ping(&mut self, scope: Scope<'_>, value: Value) -> Option<Value> {
        let path = scope.path(&["ping"]);
        let label = scope.label("ping");
        let expected = PING_KINDS.join(", ");
        let map = match &value {
            Value::Mapping(map) if !map.is_empty() => map,
            Value::Mapping(_) | Value::Null => {
                self.push(
                    self.positions.value(&path),
                    label,
                    format!("`ping` is empty; expected exactly one of {expected}"),
                );
                return None;
            }
            other => {
                self.push(
                    self.positions.value(&path),
                    label,
                    format!(
                        "expected a map with exactly one of {expected} (`ping: {{ tcp: \"127.0.0.1:6379\" }}`), found {}",
                        kind(other)
                    ),
                );
                return None;
            }
        };
        let mut kinds = Vec::new();
        let mut ok = true;
        for key in map.keys() {
            let name = key_string(key).unwrap_or_default();
            let mut kind_path = path.clone();
            kind_path.push(&name);
            if PING_KINDS.contains(&name.as_str()) {
                kinds.push(name);
            } else {
                self.push(
                    self.positions.key(&kind_path),
                    label.clone(),
                    format!("unknown ping kind `{name}`; expected one of {expected}"),
                );
                ok = false;
            }
        }
        if kinds.len() > 1 {
            let mut second = path.clone();
            second.push(&kinds[1]);
            let listed: Vec<String> = kinds.iter().map(|kind| format!("`{kind}`")).collect();
            let (last, rest) = listed.split_last().expect("two kinds at least");
            self.push(
                self.positions.key(&second),
                label.clone(),
                format!(
                    "`ping` has {} kinds, {} and {last}; it takes exactly one",
                    kinds.len(),
                    rest.join(", ")
                ),
            );
            ok = false;
        }
        if !ok {
            return None;
        }
        let mut kind_path = path.clone();
        kind_path.push(&kinds[0]);
        match serde_yaml::from_value::<RawPing>(value.clone()) {
            Ok(RawPing::Notify(false)) => {
                self.push(
                    self.positions.value(&kind_path),
                    label,
                    "`notify: false` is not a ping; write `notify: true`, or remove `ping`".into(),
                );
                None
            }
            Ok(_) => Some(value),
            Err(error) => {
                self.push(
                    self.positions.value(&kind_path),
                    label,
                    serde_message(&error),
                );
                None
            }
        }
    }

    fn typed<T: serde::de::DeserializeOwned>(
        &mut self,
        value: Value,
        path: &[&str],
        label: (Option<String>, Option<String>),
    ) -> Option<Value> {
        match serde_yaml::from_value::<T>(value.clone()) {
            Ok(_) => Some(value),
            Err(error) => {
                self.push(self.positions.value(path), label, serde_message(&error));
                None
            }
        }
    }

    fn interpolated(
        &mut self,
        mut value: Value,
        path: &[&str],
        label: (Option<String>, Option<String>),
    ) -> Option<Value> {
        match interpolate_value(&mut value, self.env) {
            Ok(()) => Some(value),
            Err((within, message)) => {
                let mut path = path.to_vec();
                path.extend(within.iter().map(String::as_str));
                self.push(self.positions.value(&path), label, message);
                None
            }
        }
    }

    // ---- second pass: what needs the whole file ----

    fn semantics(&mut self, raw: &RawManifest) {
        let empty = RawDefaults::default();
        let defaults = raw.defaults.as_ref().unwrap_or(&empty);
        self.regexes(
            Scope::Defaults,
            defaults.fail_when_log.as_deref(),
            defaults.ping.as_ref(),
        );
        let names: Vec<&str> = raw
            .daemons
            .0
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        for (name, daemon) in &raw.daemons.0 {
            let scope = Scope::Daemon(name);
            self.regexes(scope, daemon.fail_when_log.as_deref(), daemon.ping.as_ref());
            let daemonize = daemon.daemonize.or(defaults.daemonize).unwrap_or(false);
            let has_pid_file = daemon.pid_file.is_some() || defaults.pid_file.is_some();
            let has_log_file = daemon.log_file.is_some() || defaults.log_file.is_some();
            if !daemonize
                && !has_pid_file
                && !self.was_reported(scope, "pid_file")
                && !self.was_reported(scope, "daemonize")
            {
                self.push(
                    self.positions.key(&["daemons", name]),
                    (Some(name.clone()), None),
                    "missing `pid_file`, required when `daemonize` is false (the start command daemonizes itself and writes it); set `pid_file`, or `daemonize: true` to let devup detach the command"
                        .into(),
                );
            }
            let (ping, ping_scope) = match &daemon.ping {
                Some(ping) => (Some(ping), scope),
                None => (defaults.ping.as_ref(), Scope::Defaults),
            };
            if matches!(ping, Some(RawPing::Log(_)))
                && !daemonize
                && !has_log_file
                && !self.was_reported(scope, "log_file")
            {
                self.push(
                    self.positions.key(&ping_scope.path(&["ping", "log"])),
                    scope.label("ping"),
                    "`ping: log` needs a log file to read; set `log_file` (with `daemonize: true` it defaults to .devup/log/NAME.log)"
                        .into(),
                );
            }
            for (i, dependency) in daemon.depends_on.iter().enumerate() {
                let index = i.to_string();
                let pos = self
                    .positions
                    .value(&["daemons", name, "depends_on", &index]);
                if dependency == name {
                    self.push(
                        pos,
                        scope.label("depends_on"),
                        "the daemon depends on itself".into(),
                    );
                } else if !names.contains(&dependency.as_str()) {
                    let message = unknown_daemon(dependency, names.iter().copied());
                    self.push(pos, scope.label("depends_on"), message);
                }
            }
        }
        let mut graph = DiGraph::<String, ()>::new();
        for name in &names {
            graph.add_node(name.to_string());
        }
        for (i, (name, daemon)) in raw.daemons.0.iter().enumerate() {
            for dependency in &daemon.depends_on {
                if let Some(j) = names.iter().position(|n| n == dependency)
                    && dependency != name
                {
                    graph.add_edge(NodeIndex::new(i), NodeIndex::new(j), ());
                }
            }
        }
        for cycle in find_cycles(&graph) {
            let first = graph[cycle[0]].clone();
            self.push(
                self.positions.key(&["daemons", &first, "depends_on"]),
                (Some(first.clone()), Some("depends_on".into())),
                format!("dependency cycle: {}", cycle_path(&graph, &cycle)),
            );
        }
    }

    fn regexes(&mut self, scope: Scope<'_>, fail_when_log: Option<&str>, ping: Option<&RawPing>) {
        if let Some(regex) = fail_when_log
            && let Err(message) = check_regex(regex)
        {
            let pos = self.positions.value(&scope.path(&["fail_when_log"]));
            self.push(pos, scope.label("fail_when_log"), message);
        }
        if let Some(RawPing::Log(regex)) = ping
            && let Err(message) = check_regex(regex)
        {
            let pos = self.positions.value(&scope.path(&["ping", "log"]));
            self.push(pos, scope.label("ping"), message);
        }
    }
}

/// serde's message for a value of the wrong type, in the manifest's words
/// (YAML "sequences" and "mappings" are lists and maps here).
fn serde_message(error: &serde_yaml::Error) -> String {
    error
        .to_string()
        .replace("a sequence", "a list")
        .replace("type: sequence", "type: list")
        .replace("a YAML mapping", "a map")
}

/// "invalid regex `(`: unclosed group".
fn check_regex(regex: &str) -> Result<(), String> {
    Regex::new(regex).map(drop).map_err(|error| {
        let reason = match &error {
            regex::Error::Syntax(text) => text
                .lines()
                .find_map(|line| line.strip_prefix("error: "))
                .unwrap_or(text)
                .to_string(),
            other => other.to_string(),
        };
        format!("invalid regex `{regex}`: {reason}")
    })
}

/// "unknown key `pid_flie`, did you mean `pid_file`?", or the list of valid
/// keys when none is close.
fn unknown_key(key: &str, known: &[&str]) -> String {
    match nearest(key, known.iter().copied()) {
        Some(near) => format!("unknown key `{key}`, did you mean `{near}`?"),
        None => format!("unknown key `{key}`; expected one of {}", known.join(", ")),
    }
}

/// Interpolates every string in `value`, map values and list items included
/// (map keys are left as they are). An error comes with the path, under
/// `value`, of the string at fault (`["RAILS_ENV"]`, `["2"]`).
fn interpolate_value(value: &mut Value, env: Lookup<'_>) -> Result<(), (Vec<String>, String)> {
    let within = |at: String| {
        move |(mut path, message): (Vec<String>, String)| {
            path.insert(0, at);
            (path, message)
        }
    };
    match value {
        Value::String(text) => {
            *text = interpolate(text, env).map_err(|message| (Vec::new(), message))?;
            Ok(())
        }
        Value::Sequence(items) => items
            .iter_mut()
            .enumerate()
            .try_for_each(|(i, item)| interpolate_value(item, env).map_err(within(i.to_string()))),
        Value::Mapping(map) => map.iter_mut().try_for_each(|(key, item)| {
            interpolate_value(item, env).map_err(within(key_string(key).unwrap_or_default()))
        }),
        Value::Tagged(tagged) => interpolate_value(&mut tagged.value, env),
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

/// A scalar key as text (`1:` is the key "1").
fn key_string(key: &Value) -> Option<String> {
    match key {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// "a string", "a list", ... for messages.
fn kind(value: &Value) -> String {
    match value {
        Value::Null => "nothing".into(),
        Value::Bool(flag) => format!("a boolean `{flag}`"),
        Value::Number(number) => format!("a number `{number}`"),
        Value::String(text) => format!("a string `{text}`"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a map".into(),
        Value::Tagged(tagged) => format!("a value tagged `{}`", tagged.tag),
    }
}

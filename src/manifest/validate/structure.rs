//! The first pass: every key known (else the nearest known one is
//! suggested), every string interpolated, every value of the type its key
//! takes. Keys in error are dropped from the cleaned file it returns.

use serde_yaml::{Mapping, Value};

use super::values::{interpolate_value, key_string, kind, serde_message, unknown_key};
use super::{Label, Scope, Validator};
use crate::manifest::locate::Pos;
use crate::manifest::raw::{
    self, DAEMON_KEYS, RawCommand, RawEnv, RawManifest, RawPaths, SETTING_KEYS, TOP_KEYS, Version,
};
use crate::manifest::suggest::nearest;

impl Validator<'_> {
    /// The first pass over the whole file; `None` when it cannot even be
    /// read as a manifest (no map, no `daemons:`).
    pub(super) fn structure(&mut self, value: Value) -> Option<RawManifest> {
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
            if value.is_null() && TOP_KEYS.contains(&key.as_str()) && key != "daemons" {
                self.no_value(&[&key], label);
                continue;
            }
            let checked = match key.as_str() {
                "version" => self.typed::<Version>(value, &[&key], label),
                "env" => self
                    .interpolated(value, &[&key], label.clone())
                    .and_then(|value| self.typed::<RawEnv>(value, &[&key], label.clone()))
                    .and_then(|value| self.env_names(value, &[&key], label)),
                "env_file" => self
                    .interpolated(value, &[&key], label.clone())
                    .and_then(|value| self.typed::<RawPaths>(value, &[&key], label)),
                "defaults" => self.defaults(value),
                "tasks" => self.tasks(value),
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
            if !super::is_simple_name(&name) {
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
                // A misspelt `start` or `pid_file` is not also missing.
                if let Some(near) = nearest(&key, DAEMON_KEYS) {
                    self.reported
                        .insert((Some(name.to_string()), near.to_string()));
                }
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
            if value.is_null() {
                self.no_value(&path, label);
                continue;
            }
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
            let pos = || self.positions.key(&["defaults", &key]);
            if key == "start" || key == "depends_on" {
                self.push(
                    pos(),
                    Scope::Defaults.label(&key),
                    format!("`{key}` cannot be a default; each daemon has its own"),
                );
                continue;
            }
            if !SETTING_KEYS.contains(&key.as_str()) {
                if let Some(near) = nearest(&key, SETTING_KEYS.iter().copied()) {
                    let (daemon, key) = Scope::Defaults.label(near);
                    self.reported.insert((daemon, key.unwrap_or_default()));
                }
                self.push(
                    pos(),
                    (None, Some("defaults".into())),
                    unknown_key(&key, SETTING_KEYS),
                );
                continue;
            }
            let path = Scope::Defaults.path(&[&key]);
            if value.is_null() {
                self.no_value(&path, Scope::Defaults.label(&key));
                continue;
            }
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
            Ok(()) if key == "env" => self.env_names(value, &scope.path(&[key]), scope.label(key)),
            Ok(()) if key == "inputs" => {
                self.globs(value, &scope.path(&[key]), scope.label(key).into())
            }
            Ok(()) => Some(value),
            Err(error) => {
                let pos = self.positions.value(&scope.path(&[key]));
                self.push(pos, scope.label(key), serde_message(&error));
                None
            }
        }
    }

    /// An `env` map whose names are all valid variable names.
    pub(super) fn env_names(
        &mut self,
        value: Value,
        path: &[&str],
        label: impl Into<Label>,
    ) -> Option<Value> {
        let label = label.into();
        let mut valid = true;
        for name in value.as_mapping().into_iter().flat_map(|map| map.keys()) {
            let name = key_string(name).unwrap_or_default();
            let ok = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                let mut at = path.to_vec();
                at.push(&name);
                self.push(
                    self.positions.key(&at),
                    label.clone(),
                    format!("`{name}` is not a variable name; use letters, digits and `_`, not starting with a digit"),
                );
                valid = false;
            }
        }
        valid.then_some(value)
    }

    /// An `inputs` list whose patterns are all valid globs (else one would
    /// silently count as a literal path), each error placed at its item.
    pub(super) fn globs(&mut self, value: Value, path: &[&str], label: Label) -> Option<Value> {
        let mut valid = true;
        for (index, pattern) in value.as_sequence().into_iter().flatten().enumerate() {
            let Some(pattern) = pattern.as_str() else {
                continue;
            };
            if let Err(error) = glob::Pattern::new(pattern) {
                let index = index.to_string();
                let mut at = path.to_vec();
                at.push(&index);
                let pos = self.positions.value(&at).or(self.positions.value(path));
                self.push(
                    pos,
                    label.clone(),
                    format!("invalid glob `{pattern}`: {}", error.msg),
                );
                valid = false;
            }
        }
        valid.then_some(value)
    }

    pub(super) fn typed<T: serde::de::DeserializeOwned>(
        &mut self,
        value: Value,
        path: &[&str],
        label: impl Into<Label>,
    ) -> Option<Value> {
        match serde_yaml::from_value::<T>(value.clone()) {
            Ok(_) => Some(value),
            Err(error) => {
                self.push(self.positions.value(path), label, serde_message(&error));
                None
            }
        }
    }

    pub(super) fn interpolated(
        &mut self,
        mut value: Value,
        path: &[&str],
        label: impl Into<Label>,
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
}

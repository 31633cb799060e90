//! The first pass: every key known (else the nearest known one is
//! suggested), every string interpolated, and every value parsed into the
//! type its key takes, once: what it returns is the typed manifest itself
//! (regexes compiled, URLs parsed), not a file checked here to be parsed
//! again. Keys in error are left out of it.

use serde_yaml::Value;

use super::entries::Section;
use super::values::{interpolate_value, key_string, kind, serde_message, unknown_key};
use super::{Label, Scope, Validator};
use crate::controller::checks;
use crate::manifest::locate::Pos;
use crate::manifest::raw::{
    DAEMON_KEYS, RawCommand, RawDaemon, RawDaemons, RawDefaults, RawEnv, RawManifest, RawPaths,
    RawSetting, SETTING_KEYS, TOP_KEYS, Version,
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
        let mut version = None;
        let mut env = None;
        let mut env_file = None;
        let mut defaults = None;
        let mut tasks = None;
        let mut daemons = None;
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
            let path = [key.as_str()];
            match key.as_str() {
                "version" => version = self.typed::<Version>(value, &path, label),
                "env" => {
                    env = self
                        .interpolated(value, &path, label.clone())
                        .and_then(|value| self.env(value, &path, label.into()));
                }
                "env_file" => {
                    env_file = self
                        .interpolated(value, &path, label.clone())
                        .and_then(|value| self.typed::<RawPaths>(value, &path, label));
                }
                "defaults" => defaults = self.defaults(value),
                "tasks" => tasks = self.tasks(value),
                "daemons" => daemons = self.daemons(value),
                _ => {
                    if nearest(&key, TOP_KEYS) == Some("daemons") {
                        misspelt_daemons = true;
                    }
                    let message = unknown_key(&key, &TOP_KEYS);
                    self.push(self.positions.key(&[&key]), (None, None), message);
                }
            }
        }
        let daemons_reported = self
            .problems
            .iter()
            .any(|p| p.key.as_deref() == Some("daemons"));
        if daemons.is_none() && !daemons_reported && !misspelt_daemons {
            self.push(
                None,
                (None, None),
                "missing `daemons:`, the map of the daemons to start".into(),
            );
        }
        Some(RawManifest {
            version,
            env,
            env_file,
            defaults,
            tasks,
            daemons: daemons?,
        })
    }

    fn daemons(&mut self, value: Value) -> Option<RawDaemons> {
        self.entries(Section::Daemons, value, Self::daemon)
            .map(RawDaemons)
    }

    fn daemon(&mut self, name: &str, value: Value) -> RawDaemon {
        let scope = Scope::Daemon(name);
        let mut start = None;
        let mut depends_on = Vec::new();
        let mut settings = Vec::new();
        let is_map = self.keys(
            Section::Daemons,
            name,
            value,
            &DAEMON_KEYS,
            |this, key, value, path, label| match key {
                "start" => start = this.typed::<RawCommand>(value, path, label),
                "depends_on" => {
                    depends_on = this
                        .typed::<Vec<String>>(value, path, label)
                        .unwrap_or_default();
                }
                _ => settings.extend(this.setting(scope, key, value)),
            },
        );
        if !is_map {
            // Nothing else about this daemon is worth saying yet.
            self.mark_reported(Section::Daemons.label(name, Some("pid_file")));
        }
        let start = start.unwrap_or_else(|| {
            if !self.was_reported(scope, "start") {
                self.push(
                    self.positions.key(&["daemons", name]),
                    (Some(name.to_string()), None),
                    checks::NEEDS_START.into(),
                );
            }
            // A placeholder, so that the rest of the file is still checked.
            RawCommand::Shell("true".into())
        });
        let mut daemon = RawDaemon::new(start, depends_on);
        for setting in settings {
            daemon.set(setting);
        }
        daemon
    }

    fn defaults(&mut self, value: Value) -> Option<RawDefaults> {
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
        let mut defaults = RawDefaults::default();
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
            let setting = self
                .interpolated(value, &path, Scope::Defaults.label(&key))
                .and_then(|value| self.setting(Scope::Defaults, &key, value));
            if let Some(setting) = setting {
                defaults.set(setting);
            }
        }
        Some(defaults)
    }

    /// Any per-daemon key but `start`/`depends_on`, already interpolated,
    /// parsed.
    fn setting(&mut self, scope: Scope<'_>, key: &str, value: Value) -> Option<RawSetting> {
        if key == "ping" {
            return self.ping(scope, value).map(RawSetting::ping);
        }
        let path = scope.path(&[key]);
        let label: Label = scope.label(key).into();
        match RawSetting::parse(key, value)? {
            Ok(RawSetting::env(env)) => self
                .env_names(&env, &path, label)
                .then_some(RawSetting::env(env)),
            Ok(RawSetting::inputs(inputs)) => self
                .globs(&inputs, &path, label)
                .then_some(RawSetting::inputs(inputs)),
            Ok(setting) => Some(setting),
            Err(error) => {
                self.push(self.positions.value(&path), label, serde_message(&error));
                None
            }
        }
    }

    /// An `env` map (already interpolated) whose names are all variable
    /// names.
    pub(super) fn env(&mut self, value: Value, path: &[&str], label: Label) -> Option<RawEnv> {
        let env = self.typed::<RawEnv>(value, path, label.clone())?;
        self.env_names(&env, path, label).then_some(env)
    }

    /// Whether every name of `env` is a variable name (each one that is not
    /// is reported, at its key).
    fn env_names(&mut self, env: &RawEnv, path: &[&str], label: Label) -> bool {
        let mut valid = true;
        for name in env.0.keys() {
            if let Err(message) = checks::env_name(name) {
                let mut at = path.to_vec();
                at.push(name);
                self.push(self.positions.key(&at), label.clone(), message);
                valid = false;
            }
        }
        valid
    }

    /// Whether every pattern of an `inputs` list is a valid glob (each one
    /// that is not is reported, at its item).
    pub(super) fn globs(&mut self, patterns: &[String], path: &[&str], label: Label) -> bool {
        let mut valid = true;
        for (index, pattern) in patterns.iter().enumerate() {
            if let Err(message) = checks::glob(pattern) {
                let index = index.to_string();
                let mut at = path.to_vec();
                at.push(&index);
                let pos = self.positions.value(&at).or(self.positions.value(path));
                self.push(pos, label.clone(), message);
                valid = false;
            }
        }
        valid
    }

    pub(super) fn typed<T: serde::de::DeserializeOwned>(
        &mut self,
        value: Value,
        path: &[&str],
        label: impl Into<Label>,
    ) -> Option<T> {
        match serde_yaml::from_value::<T>(value) {
            Ok(typed) => Some(typed),
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

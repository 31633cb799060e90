//! The shape `daemons:` and `tasks:` share: a map of names to entries, each
//! name a simple one, and each entry a map of known keys whose values are
//! interpolated before they are read. What a key's value must be is the
//! caller's (`structure.rs` for a daemon, `tasks.rs` for a task).

use serde_yaml::Value;

use super::values::{key_string, kind, unknown_key};
use super::{Label, Validator};
use crate::manifest::suggest::nearest;

/// `daemons:` or `tasks:`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Section {
    Daemons,
    Tasks,
}

impl Section {
    /// Its top-level key.
    fn key(self) -> &'static str {
        match self {
            Section::Daemons => "daemons",
            Section::Tasks => "tasks",
        }
    }

    /// What one entry is called in messages.
    fn noun(self) -> &'static str {
        match self {
            Section::Daemons => "daemon",
            Section::Tasks => "task",
        }
    }

    /// The key every entry needs.
    pub(super) fn required(self) -> &'static str {
        match self {
            Section::Daemons => "start",
            Section::Tasks => "run",
        }
    }

    /// A problem about entry `name`'s `key` (or the whole entry, for `None`).
    pub(super) fn label(self, name: &str, key: Option<&str>) -> Label {
        match self {
            Section::Daemons => (Some(name.to_string()), key.map(str::to_string)).into(),
            Section::Tasks => Label::task(name, key),
        }
    }
}

impl Validator<'_> {
    /// The entries of `section`, in the file's order, each read by
    /// `entry`; `None` when `value` is not a map of them (`daemons:` also
    /// needs one at least).
    pub(super) fn entries<T>(
        &mut self,
        section: Section,
        value: Value,
        mut entry: impl FnMut(&mut Self, &str, Value) -> T,
    ) -> Option<Vec<(String, T)>> {
        let key = section.key();
        let noun = section.noun();
        let label = (None, Some(key.to_string()));
        let entries = match value {
            Value::Mapping(entries) if section == Section::Tasks || !entries.is_empty() => entries,
            Value::Mapping(_) | Value::Null if section == Section::Daemons => {
                self.push(
                    self.positions.key(&[key]),
                    label,
                    "no daemons; add at least one under `daemons:`".into(),
                );
                return None;
            }
            other => {
                self.push(
                    self.positions.value(&[key]),
                    label,
                    format!(
                        "expected a map of {noun} names to {noun}s, found {}",
                        kind(&other)
                    ),
                );
                return None;
            }
        };
        let mut read = Vec::with_capacity(entries.len());
        for (name, value) in entries {
            let Some(name) = key_string(&name) else {
                self.push(
                    self.positions.key(&[key]),
                    label.clone(),
                    format!("a {noun} name must be a string, found {}", kind(&name)),
                );
                continue;
            };
            if !super::is_simple_name(&name) {
                self.push(
                    self.positions.key(&[key, &name]),
                    section.label(&name, None),
                    format!("a {noun} name may only contain letters, digits, `_`, `.` and `-`"),
                );
            }
            let value = entry(self, &name, value);
            read.push((name, value));
        }
        Some(read)
    }

    /// The keys of `section`'s entry `name`, in the file's order: each a
    /// string and one of `known` (else the nearest known one is suggested,
    /// and counts as reported: a misspelt `start` is not also missing), not
    /// null, and interpolated; `read` gets each value with its path and
    /// label and reports its own problems. False when the entry is not a
    /// map (its required key then counts as reported).
    pub(super) fn keys(
        &mut self,
        section: Section,
        name: &str,
        value: Value,
        known: &[&str],
        mut read: impl FnMut(&mut Self, &str, Value, &[&str], Label),
    ) -> bool {
        let entry = [section.key(), name];
        let keys = match value {
            Value::Mapping(keys) => keys,
            other => {
                self.push(
                    self.positions.value(&entry),
                    section.label(name, None),
                    format!(
                        "expected a map of keys (at least `{}`), found {}",
                        section.required(),
                        kind(&other)
                    ),
                );
                self.mark_reported(section.label(name, Some(section.required())));
                return false;
            }
        };
        for (key, value) in keys {
            let Some(key) = key_string(&key) else {
                self.push(
                    self.positions.key(&entry),
                    section.label(name, None),
                    format!("a key must be a string, found {}", kind(&key)),
                );
                continue;
            };
            let path = [section.key(), name, key.as_str()];
            if !known.contains(&key.as_str()) {
                if let Some(near) = nearest(&key, known.iter().copied()) {
                    self.mark_reported(section.label(name, Some(near)));
                }
                let message = unknown_key(&key, known);
                self.push(
                    self.positions.key(&path),
                    section.label(name, None),
                    message,
                );
                continue;
            }
            let label = section.label(name, Some(&key));
            if value.is_null() {
                self.no_value(&path, label);
                continue;
            }
            if let Some(value) = self.interpolated(value, &path, label.clone()) {
                read(self, &key, value, &path, label);
            }
        }
        true
    }
}

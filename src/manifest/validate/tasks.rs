//! The first pass over `tasks:`: names, unknown keys (with the nearest
//! known one), interpolation and the type of each value; a task without
//! `run` gets a placeholder so the second pass still sees it. Problems name
//! the task and the key, like a daemon's: ``task `migrate`, key `run` ``.

use serde_yaml::{Mapping, Value};

use super::values::{key_string, kind, unknown_key};
use super::{Label, Validator};
use crate::manifest::duration::RawDuration;
use crate::manifest::raw::{RawCommand, RawEnv, RawPaths, TASK_KEYS};
use crate::manifest::suggest::nearest;

impl Validator<'_> {
    pub(super) fn tasks(&mut self, value: Value) -> Option<Value> {
        let label = (None, Some("tasks".to_string()));
        let tasks = match value {
            Value::Mapping(tasks) => tasks,
            other => {
                self.push(
                    self.positions.value(&["tasks"]),
                    label,
                    format!(
                        "expected a map of task names to tasks, found {}",
                        kind(&other)
                    ),
                );
                return None;
            }
        };
        let mut clean = Mapping::new();
        for (name, task) in tasks {
            let Some(name) = key_string(&name) else {
                self.push(
                    self.positions.key(&["tasks"]),
                    label.clone(),
                    format!("a task name must be a string, found {}", kind(&name)),
                );
                continue;
            };
            if !super::is_simple_name(&name) {
                self.push(
                    self.positions.key(&["tasks", &name]),
                    Label::task(&name, None),
                    "a task name may only contain letters, digits, `_`, `.` and `-`".into(),
                );
            }
            let task = self.task(&name, task);
            clean.insert(Value::String(name), Value::Mapping(task));
        }
        Some(Value::Mapping(clean))
    }

    fn task(&mut self, name: &str, value: Value) -> Mapping {
        let mut clean = Mapping::new();
        let label = |key: &str| Label::task(name, Some(key));
        let keys = match value {
            Value::Mapping(keys) => keys,
            other => {
                self.push(
                    self.positions.value(&["tasks", name]),
                    Label::task(name, None),
                    format!(
                        "expected a map of keys (at least `run`), found {}",
                        kind(&other)
                    ),
                );
                clean.insert("run".into(), "true".into());
                return clean;
            }
        };
        let mut run_reported = false;
        for (key, value) in keys {
            let Some(key) = key_string(&key) else {
                self.push(
                    self.positions.key(&["tasks", name]),
                    Label::task(name, None),
                    format!("a key must be a string, found {}", kind(&key)),
                );
                continue;
            };
            let path = ["tasks", name, key.as_str()];
            if !TASK_KEYS.contains(&key.as_str()) {
                let message = match nearest(&key, TASK_KEYS) {
                    Some(near) => {
                        run_reported |= near == "run";
                        format!("unknown key `{key}`, did you mean `{near}`?")
                    }
                    None => unknown_key(&key, &TASK_KEYS),
                };
                self.push(self.positions.key(&path), Label::task(name, None), message);
                continue;
            }
            if value.is_null() {
                self.no_value(&path, label(&key));
                run_reported |= key == "run";
                continue;
            }
            let checked = self
                .interpolated(value, &path, label(&key))
                .and_then(|value| match key.as_str() {
                    "run" => self.typed::<RawCommand>(value, &path, label(&key)),
                    "depends_on" => self.typed::<Vec<String>>(value, &path, label(&key)),
                    "dir" => self.typed::<String>(value, &path, label(&key)),
                    "env" => self
                        .typed::<RawEnv>(value, &path, label(&key))
                        .and_then(|value| self.env_names(value, &path, label(&key))),
                    "env_file" => self.typed::<RawPaths>(value, &path, label(&key)),
                    "inputs" => self
                        .typed::<Vec<String>>(value, &path, label(&key))
                        .and_then(|value| self.globs(value, &path, label(&key))),
                    _ => self.typed::<RawDuration>(value, &path, label(&key)),
                });
            match checked {
                Some(value) => {
                    clean.insert(Value::String(key), value);
                }
                None => run_reported |= key == "run",
            }
        }
        if !clean.contains_key("run") {
            if !run_reported {
                self.push(
                    self.positions.key(&["tasks", name]),
                    Label::task(name, None),
                    "missing `run`, the task's command (a string, or a list for an argv)".into(),
                );
            }
            clean.insert("run".into(), "true".into());
        }
        clean
    }
}

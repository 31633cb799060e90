//! The first pass over `tasks:`: each task's keys parsed into a
//! [`RawTask`] (the map-of-names shape it shares with `daemons:` is
//! `entries.rs`); a task without `run` gets a placeholder so the second
//! pass still sees it. Problems name the task and the key, like a
//! daemon's: ``task `migrate`, key `run` ``.

use serde_yaml::Value;

use super::Validator;
use super::entries::Section;
use crate::manifest::duration::RawDuration;
use crate::manifest::raw::{RawCommand, RawPaths, RawTask, RawTasks, TASK_KEYS};

impl Validator<'_> {
    pub(super) fn tasks(&mut self, value: Value) -> Option<RawTasks> {
        self.entries(Section::Tasks, value, Self::task)
            .map(RawTasks)
    }

    fn task(&mut self, name: &str, value: Value) -> RawTask {
        let mut run = None;
        let mut task = RawTask {
            // A placeholder until `run` is read, so the second pass sees it.
            run: RawCommand::Shell("true".into()),
            depends_on: Vec::new(),
            dir: None,
            env: None,
            env_file: None,
            inputs: None,
            timeout: None,
        };
        let is_map = self.keys(
            Section::Tasks,
            name,
            value,
            &TASK_KEYS,
            |this, key, value, path, label| match key {
                "run" => run = this.typed::<RawCommand>(value, path, label),
                "depends_on" => {
                    task.depends_on = this
                        .typed::<Vec<String>>(value, path, label)
                        .unwrap_or_default();
                }
                "dir" => task.dir = this.typed::<String>(value, path, label),
                "env" => task.env = this.env(value, path, label),
                "env_file" => task.env_file = this.typed::<RawPaths>(value, path, label),
                "inputs" => {
                    task.inputs = this
                        .typed::<Vec<String>>(value, path, label.clone())
                        .filter(|inputs| this.globs(inputs, path, label));
                }
                _ => task.timeout = this.typed::<RawDuration>(value, path, label),
            },
        );
        match run {
            Some(run) => task.run = run,
            None if is_map && !self.is_reported(&Section::Tasks.label(name, Some("run"))) => {
                self.push(
                    self.positions.key(&["tasks", name]),
                    Section::Tasks.label(name, None),
                    "missing `run`, the task's command (a string, or a list for an argv)".into(),
                );
            }
            None => {}
        }
        task
    }
}

//! Finds every problem of a manifest at once, each with its position, the
//! daemon and the key, and what would have been valid.
//!
//! It works on the parsed `serde_yaml::Value` in two passes. The first walks
//! every key: unknown keys (with the nearest known one), interpolation, and
//! each value parsed, alone, into its `raw.rs` type (so the serde types stay
//! the one definition of what is valid, and a regex or URL is parsed there,
//! once, with the controller's rules of `controller/checks.rs`). It builds
//! the [`RawManifest`] from those typed values: a key in error is left out,
//! and a daemon without `start` gets a placeholder, so the second pass can
//! check what needs the whole file: `pid_file` when `daemonize` is false,
//! `ping: log` or `fail_when_log` without a log file, dependencies and
//! cycles. A problem of the second pass about a key the first already
//! reported is not reported twice.
//!
//! Files: `structure.rs` (the first pass), `entries.rs` (the shape
//! `daemons:` and `tasks:` share), `ping.rs` (its `ping:` part), `tasks.rs`
//! (its `tasks:` part), `semantics.rs` (the second pass), `values.rs`
//! (small helpers on YAML values and messages).

mod entries;
mod ping;
mod semantics;
mod structure;
mod tasks;
mod values;

use std::collections::HashSet;

use serde_yaml::Value;

use super::Problem;
use super::interpolate::Lookup;
use super::locate::{Pos, Positions};
use super::raw::RawManifest;
use crate::dependency_graph::DependencyGraph;

/// Checks `value` (the parsed file); returns the typed manifest and its
/// checked dependency graph when it is valid, else every problem found, in
/// the file's order.
pub fn validate(
    value: Value,
    positions: &Positions,
    env: Lookup<'_>,
) -> Result<(RawManifest, DependencyGraph), Vec<Problem>> {
    let mut validator = Validator {
        positions,
        env,
        problems: Vec::new(),
        reported: HashSet::new(),
    };
    let raw = validator.structure(value);
    let graph = raw.as_ref().map(|raw| validator.semantics(raw));
    let mut problems = validator.problems;
    match raw.zip(graph) {
        Some(valid) if problems.is_empty() => Ok(valid),
        _ => {
            problems.sort_by_key(|p| (p.line.unwrap_or(usize::MAX), p.column.unwrap_or(0)));
            Err(problems)
        }
    }
}

/// The daemon or task and the key a problem is about, as far as they are
/// known. A `(daemon, key)` pair converts into one.
#[derive(Debug, Clone, Default)]
struct Label {
    daemon: Option<String>,
    task: Option<String>,
    key: Option<String>,
}

impl Label {
    /// A problem about task `name`'s `key` (or the whole task, for `None`).
    fn task(name: &str, key: Option<&str>) -> Label {
        Label {
            daemon: None,
            task: Some(name.to_string()),
            key: key.map(str::to_string),
        }
    }

    /// What `reported` remembers of it: tasks are kept apart from daemons
    /// by their `tasks.NAME` prefix.
    fn reported_as(&self) -> Option<(Option<String>, String)> {
        match (&self.task, &self.key) {
            (Some(task), key) => {
                let key = key
                    .as_ref()
                    .map(|key| format!(".{key}"))
                    .unwrap_or_default();
                Some((None, format!("tasks.{task}{key}")))
            }
            (None, Some(key)) => Some((self.daemon.clone(), key.clone())),
            (None, None) => None,
        }
    }
}

impl From<(Option<String>, Option<String>)> for Label {
    fn from((daemon, key): (Option<String>, Option<String>)) -> Self {
        Label {
            daemon,
            task: None,
            key,
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
    fn push(&mut self, pos: Option<Pos>, label: impl Into<Label>, message: String) {
        let label = label.into();
        if let Some(reported) = label.reported_as() {
            self.reported.insert(reported);
        }
        self.problems.push(Problem {
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
            daemon: label.daemon,
            task: label.task,
            key: label.key,
            message,
        });
    }

    /// `key:` with nothing after it.
    fn no_value(&mut self, path: &[&str], label: impl Into<Label>) {
        let message = "no value; give it one, or remove the key".to_string();
        self.push(self.positions.key(path), label, message);
    }

    /// Counts `label`'s key as reported, so that the second pass says
    /// nothing more about it.
    fn mark_reported(&mut self, label: Label) {
        if let Some(reported) = label.reported_as() {
            self.reported.insert(reported);
        }
    }

    fn is_reported(&self, label: &Label) -> bool {
        label
            .reported_as()
            .is_some_and(|reported| self.reported.contains(&reported))
    }

    fn was_reported(&self, scope: Scope<'_>, key: &str) -> bool {
        let (daemon, key) = scope.label(key);
        self.reported.contains(&(daemon, key.unwrap_or_default()))
    }
}

/// A daemon's or task's name: letters, digits, `_`, `.` and `-`, not empty
/// (it becomes part of file and unit names).
fn is_simple_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

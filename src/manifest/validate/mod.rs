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
//!
//! Files: `structure.rs` (the first pass), `ping.rs` (its `ping:` part),
//! `tasks.rs` (its `tasks:` part), `semantics.rs` (the second pass),
//! `values.rs` (small helpers on YAML values and messages).

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

/// The daemon and the key a problem is about, as far as they are known.
type Label = (Option<String>, Option<String>);

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

    fn label(&self, key: &str) -> Label {
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
    fn push(&mut self, pos: Option<Pos>, label: Label, message: String) {
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

    /// `key:` with nothing after it.
    fn no_value(&mut self, path: &[&str], label: Label) {
        let message = "no value; give it one, or remove the key".to_string();
        self.push(self.positions.key(path), label, message);
    }

    fn was_reported(&self, scope: Scope<'_>, key: &str) -> bool {
        let (daemon, key) = scope.label(key);
        self.reported.contains(&(daemon, key.unwrap_or_default()))
    }
}

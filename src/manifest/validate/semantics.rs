//! The second pass, over the cleaned, typed file: what needs more than one
//! key: `pid_file` when `daemonize` is false, `ping: log` without a log
//! file, regexes, unknown dependencies, self-dependencies and cycles.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};

use super::values::check_regex;
use super::{Label, Scope, Validator};
use crate::manifest::raw::{RawDefaults, RawManifest, RawPing, RawTasks};
use crate::plan::{cycle_path, find_cycles, unknown_daemon};

/// Why a key that reads the log is an error without one.
const NEEDS_A_LOG_FILE: &str = "needs a log file to read; set `log_file` (with `daemonize: true` it defaults to .devup/log/NAME.log)";

impl Validator<'_> {
    pub(super) fn semantics(&mut self, raw: &RawManifest) {
        let empty = RawDefaults::default();
        let defaults = raw.defaults.as_ref().unwrap_or(&empty);
        self.regexes(
            Scope::Defaults,
            defaults.fail_when_log.as_deref(),
            defaults.ping.as_ref(),
        );
        let no_tasks = RawTasks::default();
        let tasks = raw.tasks.as_ref().unwrap_or(&no_tasks);
        // Daemons and tasks share one namespace: node i of the graph below.
        let names: Vec<&str> = raw
            .daemons
            .0
            .iter()
            .map(|(name, _)| name.as_str())
            .chain(tasks.0.iter().map(|(name, _)| name.as_str()))
            .collect();
        // Each name's first node, for lookups that stay linear in the size
        // of a huge manifest.
        let mut first: HashMap<&str, usize> = HashMap::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            first.entry(name).or_insert(i);
        }
        self.task_names_and_dependencies(tasks, &names, &first);
        self.globs(
            &["defaults", "inputs"],
            (None, Some("defaults.inputs".into())),
            defaults.inputs.as_deref(),
        );
        for (name, task) in raw.tasks.iter().flat_map(|tasks| &tasks.0) {
            self.globs(
                &["tasks", name, "inputs"],
                Label::task(name, Some("inputs")),
                task.inputs.as_deref(),
            );
        }
        for (name, daemon) in &raw.daemons.0 {
            let scope = Scope::Daemon(name);
            self.regexes(scope, daemon.fail_when_log.as_deref(), daemon.ping.as_ref());
            self.globs(
                &["daemons", name, "inputs"],
                scope.label("inputs"),
                daemon.inputs.as_deref(),
            );
            let daemonize = daemon.daemonize.or(defaults.daemonize).unwrap_or(false);
            let has_pid_file = daemon.pid_file.is_some() || defaults.pid_file.is_some();
            let has_log_file = daemon.log_file.is_some() || defaults.log_file.is_some();
            if !daemonize
                && !has_pid_file
                && !self.was_reported(scope, "pid_file")
                && !self.was_reported(scope, "daemonize")
                && !self.was_reported(Scope::Defaults, "pid_file")
                && !self.was_reported(Scope::Defaults, "daemonize")
            {
                self.push(
                    self.positions.key(&["daemons", name]),
                    (Some(name.clone()), None),
                    "missing `pid_file`, required when `daemonize` is false (the start command daemonizes itself and writes it); set `pid_file`, or `daemonize: true` to let devup detach the command"
                        .into(),
                );
            }
            let no_log_file = !daemonize
                && !has_log_file
                && !self.was_reported(scope, "log_file")
                && !self.was_reported(Scope::Defaults, "log_file");
            let (ping, ping_scope) = match &daemon.ping {
                Some(ping) => (Some(ping), scope),
                None => (defaults.ping.as_ref(), Scope::Defaults),
            };
            if no_log_file && matches!(ping, Some(RawPing::Log(_))) {
                self.push(
                    self.positions.key(&ping_scope.path(&["ping", "log"])),
                    scope.label("ping"),
                    format!("`ping: log` {NEEDS_A_LOG_FILE}"),
                );
            }
            let fail_scope = match daemon.fail_when_log {
                Some(_) => Some(scope),
                None => defaults.fail_when_log.as_ref().map(|_| Scope::Defaults),
            };
            if let Some(fail_scope) = fail_scope
                && no_log_file
            {
                self.push(
                    self.positions.key(&fail_scope.path(&["fail_when_log"])),
                    scope.label("fail_when_log"),
                    format!("`fail_when_log` {NEEDS_A_LOG_FILE}"),
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
                } else if !first.contains_key(dependency.as_str()) {
                    let message = unknown_daemon(dependency, names.iter().copied());
                    self.push(pos, scope.label("depends_on"), message);
                }
            }
        }
        let mut graph = DiGraph::<String, ()>::new();
        for name in &names {
            graph.add_node(name.to_string());
        }
        let edges = raw
            .daemons
            .0
            .iter()
            .map(|(name, daemon)| (name, &daemon.depends_on))
            .chain(tasks.0.iter().map(|(name, task)| (name, &task.depends_on)));
        for (i, (name, depends_on)) in edges.enumerate() {
            for dependency in depends_on {
                // The first node of a name, so a name that is both a daemon
                // and a task (reported above) makes no phantom edge.
                if let Some(&j) = first.get(dependency.as_str())
                    && dependency != name
                    && first.get(name.as_str()) == Some(&i)
                {
                    graph.add_edge(NodeIndex::new(i), NodeIndex::new(j), ());
                }
            }
        }
        let daemon_count = raw.daemons.0.len();
        for cycle in find_cycles(&graph) {
            let first = graph[cycle[0]].clone();
            let message = format!("dependency cycle: {}", cycle_path(&graph, &cycle));
            if cycle[0].index() < daemon_count {
                self.push(
                    self.positions.key(&["daemons", &first, "depends_on"]),
                    (Some(first.clone()), Some("depends_on".into())),
                    message,
                );
            } else {
                self.push(
                    self.positions.key(&["tasks", &first, "depends_on"]),
                    Label::task(&first, Some("depends_on")),
                    message,
                );
            }
        }
    }

    /// A task's name must not be a daemon's; its dependencies must exist.
    fn task_names_and_dependencies(
        &mut self,
        tasks: &RawTasks,
        names: &[&str],
        first: &HashMap<&str, usize>,
    ) {
        let daemons = names.len() - tasks.0.len();
        for (name, task) in &tasks.0 {
            if first.get(name.as_str()).is_some_and(|&at| at < daemons) {
                self.push(
                    self.positions.key(&["tasks", name]),
                    Label::task(name, None),
                    format!("`{name}` is the name of a daemon too; daemons and tasks share one namespace"),
                );
            }
            for (i, dependency) in task.depends_on.iter().enumerate() {
                let index = i.to_string();
                let pos = self.positions.value(&["tasks", name, "depends_on", &index]);
                let label = Label::task(name, Some("depends_on"));
                if dependency == name {
                    self.push(pos, label, "the task depends on itself".into());
                } else if !first.contains_key(dependency.as_str()) {
                    let message = unknown_daemon(dependency, names.iter().copied());
                    self.push(pos, label, message);
                }
            }
        }
    }

    /// Every `inputs` pattern must be a valid glob.
    fn globs(&mut self, path: &[&str], label: impl Into<Label>, patterns: Option<&[String]>) {
        let label = label.into();
        for (i, pattern) in patterns.unwrap_or_default().iter().enumerate() {
            if let Err(error) = glob::Pattern::new(pattern) {
                let index = i.to_string();
                let mut at = path.to_vec();
                at.push(&index);
                self.push(
                    self.positions.value(&at),
                    label.clone(),
                    format!("`{pattern}` is not a valid glob pattern: {}", error.msg),
                );
            }
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

//! The second pass, over the typed file: what needs more than one key:
//! `pid_file` when `daemonize` is false, `ping: log` or `fail_when_log`
//! without a log file, unknown dependencies, self-dependencies and cycles.

use std::collections::HashMap;

use super::{Label, Scope, Validator};
use crate::controller::checks;
use crate::dependency_graph::DependencyGraph;
use crate::manifest::raw::{RawDefaults, RawManifest, RawPing, RawTasks};
use crate::manifest::suggest::unknown_daemon;

impl Validator<'_> {
    /// Returns the dependency graph it checked (daemons, then tasks), which
    /// the loaded manifest keeps as its plan's graph.
    pub(super) fn semantics(&mut self, raw: &RawManifest) -> DependencyGraph {
        let empty = RawDefaults::default();
        let defaults = raw.defaults.as_ref().unwrap_or(&empty);
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
        // Name → its first node: a dependency is looked up in constant time.
        let mut first_node: HashMap<&str, usize> = HashMap::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            first_node.entry(name).or_insert(i);
        }
        self.task_names_and_dependencies(tasks, &names, &first_node);
        for (name, daemon) in &raw.daemons.0 {
            let scope = Scope::Daemon(name);
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
                    checks::NEEDS_PID_FILE.into(),
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
                    checks::needs_log_file("ping: log"),
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
                    checks::needs_log_file("fail_when_log"),
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
                } else if !first_node.contains_key(dependency.as_str()) {
                    let message = unknown_daemon(dependency, names.iter().copied());
                    self.push(pos, scope.label("depends_on"), message);
                }
            }
        }
        // Edges only from the first node of a name, so a name that is both
        // a daemon and a task (reported above) makes no phantom edge; none
        // to itself (reported above) or to an unknown name (reported too).
        let edges: Vec<(&str, Vec<&String>)> = raw
            .daemons
            .0
            .iter()
            .map(|(name, daemon)| (name, &daemon.depends_on))
            .chain(tasks.0.iter().map(|(name, task)| (name, &task.depends_on)))
            .enumerate()
            .map(|(i, (name, depends_on))| {
                let is_first = first_node.get(name.as_str()) == Some(&i);
                let kept = depends_on
                    .iter()
                    .filter(|dependency| is_first && *dependency != name)
                    .filter(|dependency| first_node.contains_key(dependency.as_str()))
                    .collect();
                (name.as_str(), kept)
            })
            .collect();
        let graph = DependencyGraph::new(edges);
        let daemon_count = raw.daemons.0.len();
        for cycle in graph.cycles() {
            let first = graph.graph[cycle[0]].clone();
            let message = format!("dependency cycle: {}", graph.cycle_path(&cycle));
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
        graph
    }

    /// A task's name must not be a daemon's; its dependencies must exist.
    fn task_names_and_dependencies(
        &mut self,
        tasks: &RawTasks,
        names: &[&str],
        first_node: &HashMap<&str, usize>,
    ) {
        let daemons = names.len() - tasks.0.len();
        for (name, task) in &tasks.0 {
            if first_node
                .get(name.as_str())
                .is_some_and(|&at| at < daemons)
            {
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
                } else if !first_node.contains_key(dependency.as_str()) {
                    let message = unknown_daemon(dependency, names.iter().copied());
                    self.push(pos, label, message);
                }
            }
        }
    }
}

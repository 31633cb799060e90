//! The dependency graph of a manifest (petgraph): which daemons a command
//! touches, in which order, and the graph in Graphviz DOT. It runs nothing;
//! the graph and its cycle search come from `dependency_graph.rs`.
//!
//! A loaded manifest carries the graph its validation built and checked
//! ([`Manifest::plan`] hands it out, shared, without building it again);
//! [`Plan::new`] builds and checks it anew, for a manifest changed by hand.
//!
//! Node `i` of the graph is the manifest's daemon `i`, and an edge goes from
//! a daemon to what it depends on (`web -> db`), as `devup graph` draws it.
//! Ties in every order are broken by the manifest's order, so the same file
//! always gives the same order.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::dependency_graph::DependencyGraph;
use crate::manifest::suggest::unknown_daemon;
use crate::manifest::{Manifest, ManifestError, Problem};

/// The dependency graph of a valid manifest.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Shared with the manifest that built it (and every plan it handed out).
    dependencies: Arc<DependencyGraph>,
    path: PathBuf,
}

impl Manifest {
    /// The dependency plan of this manifest, as [`Manifest::load`] built and
    /// checked it: shared, not built again. A manifest whose `daemons` or
    /// `tasks` were changed by hand since needs [`Plan::new`] instead.
    pub fn plan(&self) -> Plan {
        Plan {
            dependencies: Arc::clone(self.dependencies()),
            path: self.path.clone(),
        }
    }
}

impl Plan {
    /// Builds the graph again from the manifest's daemons and tasks, checking
    /// it: fails on a cycle (shown as `a -> b -> a`) or an unknown
    /// dependency, which `Manifest::load` already rejects. For a manifest
    /// changed by hand; a loaded one has its plan already ([`Manifest::plan`]).
    pub fn new(manifest: &Manifest) -> Result<Plan, ManifestError> {
        // The daemons, then the tasks: one namespace (SPEC §2 "Tasks").
        let nodes = manifest
            .daemons
            .iter()
            .map(|daemon| (daemon.name.as_str(), &daemon.depends_on))
            .chain(
                manifest
                    .tasks
                    .iter()
                    .map(|task| (task.name.as_str(), &task.depends_on)),
            );
        let dependencies = DependencyGraph::new(nodes);
        let mut problems: Vec<Problem> = dependencies
            .unknown
            .iter()
            .map(|(node, dependency)| {
                Problem::new(format!("unknown daemon `{dependency}` in `depends_on`"))
                    .daemon(dependencies.graph[*node].clone())
                    .key("depends_on")
            })
            .collect();
        for cycle in dependencies.cycles() {
            problems.push(
                Problem::new(format!(
                    "dependency cycle: {}",
                    dependencies.cycle_path(&cycle)
                ))
                .daemon(dependencies.graph[cycle[0]].clone())
                .key("depends_on"),
            );
        }
        if !problems.is_empty() {
            return Err(ManifestError {
                path: manifest.path.clone(),
                problems,
            });
        }
        Ok(Plan {
            dependencies: Arc::new(dependencies),
            path: manifest.path.clone(),
        })
    }

    /// The graph of `daemons` (names with what they depend on, in the
    /// order given), for daemons known only from their records (SPEC §6:
    /// stopping without a manifest). A dependency not among them is
    /// dropped; so are all edges should they form a cycle.
    pub fn from_dependencies(path: PathBuf, daemons: &[(String, Vec<String>)]) -> Plan {
        let mut dependencies = DependencyGraph::new(
            daemons
                .iter()
                .map(|(name, depends_on)| (name.as_str(), depends_on)),
        );
        if !dependencies.cycles().is_empty() {
            dependencies.graph.clear_edges();
        }
        Plan {
            dependencies: Arc::new(dependencies),
            path,
        }
    }

    /// Every daemon name, in the manifest's order.
    pub fn names(&self) -> Vec<String> {
        self.graph().node_weights().cloned().collect()
    }

    /// The names given (all when empty) and everything they depend on,
    /// transitively, in the manifest's order. Fails on an unknown name,
    /// suggesting the nearest one.
    pub fn up_set(&self, names: &[String]) -> Result<Vec<String>, ManifestError> {
        let roots = self.indices(names)?;
        let mut set = BTreeSet::new();
        let mut stack = roots;
        while let Some(node) = stack.pop() {
            if set.insert(node) {
                stack.extend(self.graph().neighbors_directed(node, Direction::Outgoing));
            }
        }
        Ok(self.named(set))
    }

    /// The names given (all when empty) and every daemon that depends on
    /// them, transitively, that `is_running` says runs, in the manifest's
    /// order. The names given are always in the set; a dependent that does
    /// not run is left out, but what depends on it is still looked at.
    pub fn down_set(
        &self,
        names: &[String],
        is_running: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<String>, ManifestError> {
        let roots = self.indices(names)?;
        let mut set: BTreeSet<NodeIndex> = roots.iter().copied().collect();
        let mut seen = set.clone();
        let mut stack = roots;
        while let Some(node) = stack.pop() {
            for dependent in self.graph().neighbors_directed(node, Direction::Incoming) {
                if seen.insert(dependent) {
                    if is_running(&self.graph()[dependent]) {
                        set.insert(dependent);
                    }
                    stack.push(dependent);
                }
            }
        }
        Ok(self.named(set))
    }

    /// The direct dependencies of `name`, in the manifest's order.
    pub fn dependencies(&self, name: &str) -> Vec<String> {
        self.neighbors(name, Direction::Outgoing)
    }

    /// The daemons that depend directly on `name`, in the manifest's order.
    pub fn dependents(&self, name: &str) -> Vec<String> {
        self.neighbors(name, Direction::Incoming)
    }

    /// `subset` in an order where every daemon comes after its dependencies
    /// (ties in the manifest's order). Names not in the manifest are left
    /// out; dependencies outside `subset` are ignored.
    pub fn start_order(&self, subset: &[String]) -> Vec<String> {
        let members: BTreeSet<NodeIndex> = subset.iter().filter_map(|n| self.index(n)).collect();
        // Kahn's algorithm, always taking the ready daemon that comes first
        // in the manifest (the smallest node index).
        let mut waiting: HashMap<NodeIndex, usize> = members
            .iter()
            .map(|&node| {
                let count = self
                    .graph()
                    .neighbors_directed(node, Direction::Outgoing)
                    .filter(|dependency| members.contains(dependency))
                    .collect::<BTreeSet<_>>()
                    .len();
                (node, count)
            })
            .collect();
        let mut ready: BinaryHeap<Reverse<NodeIndex>> = waiting
            .iter()
            .filter(|&(_, &count)| count == 0)
            .map(|(&node, _)| Reverse(node))
            .collect();
        let mut order = Vec::with_capacity(waiting.len());
        while let Some(Reverse(node)) = ready.pop() {
            waiting.remove(&node);
            order.push(self.graph()[node].clone());
            let dependents: BTreeSet<NodeIndex> = self
                .graph()
                .neighbors_directed(node, Direction::Incoming)
                .collect();
            for dependent in dependents {
                if let Some(count) = waiting.get_mut(&dependent) {
                    *count -= 1;
                    if *count == 0 {
                        ready.push(Reverse(dependent));
                    }
                }
            }
        }
        order
    }

    /// The reverse of [`Plan::start_order`]: dependents first.
    pub fn stop_order(&self, subset: &[String]) -> Vec<String> {
        let mut order = self.start_order(subset);
        order.reverse();
        order
    }

    /// The whole graph in Graphviz DOT: `digraph devup { "web" -> "db"; }`,
    /// every daemon as a node (in the manifest's order), then every edge
    /// from a daemon to what it depends on.
    pub fn to_dot(&self) -> String {
        let mut dot = String::from("digraph devup {\n");
        for name in self.graph().node_weights() {
            dot.push_str(&format!("  {};\n", quote(name)));
        }
        for node in self.graph().node_indices() {
            for dependency in self.dependencies(&self.graph()[node]) {
                dot.push_str(&format!(
                    "  {} -> {};\n",
                    quote(&self.graph()[node]),
                    quote(&dependency)
                ));
            }
        }
        dot.push_str("}\n");
        dot
    }

    fn index(&self, name: &str) -> Option<NodeIndex> {
        self.dependencies.index(name)
    }

    fn graph(&self) -> &DiGraph<String, ()> {
        &self.dependencies.graph
    }

    fn indices(&self, names: &[String]) -> Result<Vec<NodeIndex>, ManifestError> {
        if names.is_empty() {
            return Ok(self.graph().node_indices().collect());
        }
        let mut problems = Vec::new();
        let mut nodes = Vec::new();
        for name in names {
            match self.index(name) {
                Some(node) => nodes.push(node),
                None => problems.push(Problem::new(unknown_daemon(
                    name,
                    self.graph().node_weights().map(String::as_str),
                ))),
            }
        }
        if problems.is_empty() {
            Ok(nodes)
        } else {
            Err(ManifestError {
                path: self.path.clone(),
                problems,
            })
        }
    }

    fn named(&self, set: BTreeSet<NodeIndex>) -> Vec<String> {
        set.into_iter()
            .map(|node| self.graph()[node].clone())
            .collect()
    }

    fn neighbors(&self, name: &str, direction: Direction) -> Vec<String> {
        let Some(node) = self.index(name) else {
            return Vec::new();
        };
        let set: BTreeSet<NodeIndex> = self.graph().neighbors_directed(node, direction).collect();
        self.named(set)
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
}

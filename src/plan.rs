//! The dependency graph of a manifest (petgraph): which daemons a command
//! touches, in which order, and the graph in Graphviz DOT. It runs nothing.
//!
//! Node `i` of the graph is the manifest's daemon `i`, and an edge goes from
//! a daemon to what it depends on (`web -> db`), as `devup graph` draws it.
//! Ties in every order are broken by the manifest's order, so the same file
//! always gives the same order.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};
use std::path::PathBuf;

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::manifest::suggest::nearest;
use crate::manifest::{Manifest, ManifestError, Problem};

/// The dependency graph of a valid manifest.
#[derive(Debug, Clone)]
pub struct Plan {
    graph: DiGraph<String, ()>,
    /// Each name's node, so a look-up never scans the graph (a manifest
    /// of thousands of daemons stays linear).
    nodes: HashMap<String, NodeIndex>,
    path: PathBuf,
}

impl Plan {
    /// Builds the graph. Fails on a cycle (shown as `a -> b -> a`) or an
    /// unknown dependency, which `Manifest::load` already rejects.
    pub fn new(manifest: &Manifest) -> Result<Plan, ManifestError> {
        let mut graph = DiGraph::new();
        // The daemons, then the tasks: one namespace (SPEC §2 "Tasks").
        let nodes: Vec<(&String, &Vec<String>)> = manifest
            .daemons
            .iter()
            .map(|daemon| (&daemon.name, &daemon.depends_on))
            .chain(
                manifest
                    .tasks
                    .iter()
                    .map(|task| (&task.name, &task.depends_on)),
            )
            .collect();
        let mut by_name = HashMap::new();
        for (name, _) in &nodes {
            let node = graph.add_node((*name).clone());
            by_name.entry((*name).clone()).or_insert(node);
        }
        let mut problems = Vec::new();
        for (i, (name, depends_on)) in nodes.iter().enumerate() {
            for dependency in *depends_on {
                match by_name.get(dependency) {
                    Some(&j) => {
                        graph.add_edge(NodeIndex::new(i), j, ());
                    }
                    None => problems.push(
                        Problem::new(format!("unknown daemon `{dependency}` in `depends_on`"))
                            .daemon((*name).clone())
                            .key("depends_on"),
                    ),
                }
            }
        }
        for cycle in find_cycles(&graph) {
            problems.push(
                Problem::new(format!("dependency cycle: {}", cycle_path(&graph, &cycle)))
                    .daemon(graph[cycle[0]].clone())
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
            graph,
            nodes: by_name,
            path: manifest.path.clone(),
        })
    }

    /// The graph of `daemons` (names with what they depend on, in the
    /// order given), for daemons known only from their records (SPEC §6:
    /// stopping without a manifest). A dependency not among them is
    /// dropped; so are all edges should they form a cycle.
    pub fn from_dependencies(path: PathBuf, daemons: &[(String, Vec<String>)]) -> Plan {
        let mut graph = DiGraph::new();
        let mut nodes = HashMap::new();
        for (name, _) in daemons {
            let node = graph.add_node(name.clone());
            nodes.entry(name.clone()).or_insert(node);
        }
        for (i, (_, dependencies)) in daemons.iter().enumerate() {
            for dependency in dependencies {
                if let Some(&j) = nodes.get(dependency) {
                    graph.add_edge(NodeIndex::new(i), j, ());
                }
            }
        }
        if !find_cycles(&graph).is_empty() {
            graph.clear_edges();
        }
        Plan { graph, nodes, path }
    }

    /// Every daemon name, in the manifest's order.
    pub fn names(&self) -> Vec<String> {
        self.graph.node_weights().cloned().collect()
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
                stack.extend(self.graph.neighbors_directed(node, Direction::Outgoing));
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
            for dependent in self.graph.neighbors_directed(node, Direction::Incoming) {
                if seen.insert(dependent) {
                    if is_running(&self.graph[dependent]) {
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
                    .graph
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
            order.push(self.graph[node].clone());
            let dependents: BTreeSet<NodeIndex> = self
                .graph
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
        for name in self.graph.node_weights() {
            dot.push_str(&format!("  {};\n", quote(name)));
        }
        for node in self.graph.node_indices() {
            for dependency in self.dependencies(&self.graph[node]) {
                dot.push_str(&format!(
                    "  {} -> {};\n",
                    quote(&self.graph[node]),
                    quote(&dependency)
                ));
            }
        }
        dot.push_str("}\n");
        dot
    }

    fn index(&self, name: &str) -> Option<NodeIndex> {
        self.nodes.get(name).copied()
    }

    fn indices(&self, names: &[String]) -> Result<Vec<NodeIndex>, ManifestError> {
        if names.is_empty() {
            return Ok(self.graph.node_indices().collect());
        }
        let mut problems = Vec::new();
        let mut nodes = Vec::new();
        for name in names {
            match self.index(name) {
                Some(node) => nodes.push(node),
                None => problems.push(Problem::new(unknown_daemon(
                    name,
                    self.graph.node_weights().map(String::as_str),
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
            .map(|node| self.graph[node].clone())
            .collect()
    }

    fn neighbors(&self, name: &str, direction: Direction) -> Vec<String> {
        let Some(node) = self.index(name) else {
            return Vec::new();
        };
        let set: BTreeSet<NodeIndex> = self.graph.neighbors_directed(node, direction).collect();
        self.named(set)
    }
}

/// "unknown daemon `wbe`, did you mean `web`?", or the list of daemons when
/// none is close.
pub(crate) fn unknown_daemon<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let known: Vec<&str> = known.into_iter().collect();
    match nearest(name, known.iter().copied()) {
        Some(near) => format!("unknown daemon `{name}`, did you mean `{near}`?"),
        None => format!(
            "unknown daemon `{name}`; the daemons are {}",
            known.join(", ")
        ),
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `a -> b -> a`.
pub(crate) fn cycle_path(graph: &DiGraph<String, ()>, cycle: &[NodeIndex]) -> String {
    let mut names: Vec<&str> = cycle.iter().map(|&node| graph[node].as_str()).collect();
    names.push(&graph[cycle[0]]);
    names.join(" -> ")
}

/// Every cycle a depth-first search meets, each as the nodes on it, starting
/// with the one that comes first in the graph (the manifest's order) and
/// following the edges. The search keeps its own stack (no recursion) and
/// the path from the root to the node it is at; an edge back to a node on
/// that path closes a cycle, which is the path from that node on. Each
/// strongly connected tangle is reported once at least, never the same
/// cycle twice. Self-loops are cycles of one node.
pub(crate) fn find_cycles(graph: &DiGraph<String, ()>) -> Vec<Vec<NodeIndex>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Color {
        White,
        Gray,
        Black,
    }
    let mut color = vec![Color::White; graph.node_count()];
    let mut cycles: Vec<Vec<NodeIndex>> = Vec::new();
    for root in graph.node_indices() {
        if color[root.index()] != Color::White {
            continue;
        }
        // Each frame: a node and its successors not yet followed (in order).
        let successors = |node: NodeIndex| {
            let mut next: Vec<NodeIndex> = graph.neighbors(node).collect();
            next.sort();
            next.dedup();
            next.reverse();
            next
        };
        let mut stack: Vec<(NodeIndex, Vec<NodeIndex>)> = vec![(root, successors(root))];
        color[root.index()] = Color::Gray;
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            match next.pop() {
                Some(target) => match color[target.index()] {
                    Color::White => {
                        color[target.index()] = Color::Gray;
                        stack.push((target, successors(target)));
                    }
                    Color::Gray => {
                        let from = stack.iter().position(|(n, _)| *n == target).unwrap_or(0);
                        let mut cycle: Vec<NodeIndex> =
                            stack[from..].iter().map(|(n, _)| *n).collect();
                        let first = cycle
                            .iter()
                            .enumerate()
                            .min_by_key(|(_, n)| **n)
                            .map_or(0, |(i, _)| i);
                        cycle.rotate_left(first);
                        if !cycles.contains(&cycle) {
                            cycles.push(cycle);
                        }
                    }
                    Color::Black => {}
                },
                None => {
                    color[node.index()] = Color::Black;
                    stack.pop();
                }
            }
        }
    }
    cycles
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(usize, usize)], nodes: usize) -> DiGraph<String, ()> {
        let mut graph = DiGraph::new();
        for i in 0..nodes {
            graph.add_node(format!("n{i}"));
        }
        for &(a, b) in edges {
            graph.add_edge(NodeIndex::new(a), NodeIndex::new(b), ());
        }
        graph
    }

    fn paths(graph: &DiGraph<String, ()>) -> Vec<String> {
        find_cycles(graph)
            .iter()
            .map(|cycle| cycle_path(graph, cycle))
            .collect()
    }

    #[test]
    fn cycles_are_paths_starting_at_their_first_node() {
        let g = graph(&[(0, 1), (1, 2), (2, 0)], 3);
        assert_eq!(paths(&g), ["n0 -> n1 -> n2 -> n0"]);
        let g = graph(&[(2, 1), (1, 2), (0, 2)], 3);
        assert_eq!(paths(&g), ["n1 -> n2 -> n1"]);
        let g = graph(&[(0, 0)], 1);
        assert_eq!(paths(&g), ["n0 -> n0"]);
    }

    #[test]
    fn a_dag_has_no_cycle_and_two_tangles_give_two() {
        let g = graph(&[(0, 1), (0, 2), (1, 3), (2, 3)], 4);
        assert!(find_cycles(&g).is_empty());
        let g = graph(&[(0, 1), (1, 0), (2, 3), (3, 2)], 4);
        assert_eq!(paths(&g), ["n0 -> n1 -> n0", "n2 -> n3 -> n2"]);
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let n = 100_000;
        let edges: Vec<(usize, usize)> = (0..n - 1).map(|i| (i, i + 1)).collect();
        let g = graph(&edges, n);
        assert!(find_cycles(&g).is_empty());
    }
}

//! The dependency graph of named nodes (daemons, then tasks: one
//! namespace) and the one cycle search over it. A leaf: the manifest's
//! validation and the plan both build their graph here, so a cycle is found,
//! and shown as `a -> b -> a`, by the same code in both.
//!
//! Node `i` is the `i`-th name given, and an edge goes from a node to what
//! it depends on (`web -> db`). A dependency names the first node of that
//! name.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};

/// A dependency graph, and the dependencies that name no node.
#[derive(Debug, Clone)]
pub(crate) struct DependencyGraph {
    /// Node weights are the names, in the order given.
    pub graph: DiGraph<String, ()>,
    /// `(node, dependency)` for each dependency that names no node.
    pub unknown: Vec<(NodeIndex, String)>,
    /// Each name's first node, so a look-up never scans the graph (a
    /// manifest of thousands of daemons stays linear).
    nodes: HashMap<String, NodeIndex>,
}

impl DependencyGraph {
    /// The graph of `nodes`, each a name and what it depends on, in order.
    pub(crate) fn new<'a, D>(nodes: impl IntoIterator<Item = (&'a str, D)>) -> DependencyGraph
    where
        D: IntoIterator<Item = &'a String>,
    {
        let nodes: Vec<(&str, D)> = nodes.into_iter().collect();
        let mut graph = DiGraph::with_capacity(nodes.len(), nodes.len());
        for (name, _) in &nodes {
            graph.add_node((*name).to_string());
        }
        // Name → its first node: linear in the edges, for 20000 daemons too.
        let mut first: HashMap<&str, usize> = HashMap::with_capacity(nodes.len());
        for (i, (name, _)) in nodes.iter().enumerate() {
            first.entry(*name).or_insert(i);
        }
        let mut unknown = Vec::new();
        let index = first
            .iter()
            .map(|(name, &i)| ((*name).to_string(), NodeIndex::new(i)))
            .collect();
        for (i, (_, depends_on)) in nodes.into_iter().enumerate() {
            for dependency in depends_on {
                match first.get(dependency.as_str()) {
                    Some(&j) => {
                        graph.add_edge(NodeIndex::new(i), NodeIndex::new(j), ());
                    }
                    None => unknown.push((NodeIndex::new(i), dependency.clone())),
                }
            }
        }
        DependencyGraph {
            graph,
            unknown,
            nodes: index,
        }
    }

    /// The first node called `name`.
    pub(crate) fn index(&self, name: &str) -> Option<NodeIndex> {
        self.nodes.get(name).copied()
    }

    /// Every cycle: see [`find_cycles`].
    pub(crate) fn cycles(&self) -> Vec<Vec<NodeIndex>> {
        find_cycles(&self.graph)
    }

    /// `a -> b -> a` for a cycle of [`DependencyGraph::cycles`].
    pub(crate) fn cycle_path(&self, cycle: &[NodeIndex]) -> String {
        cycle_path(&self.graph, cycle)
    }
}

/// `a -> b -> a`.
fn cycle_path(graph: &DiGraph<String, ()>, cycle: &[NodeIndex]) -> String {
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
fn find_cycles(graph: &DiGraph<String, ()>) -> Vec<Vec<NodeIndex>> {
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
    fn dependencies_name_the_first_node_and_unknown_ones_are_kept() {
        let depends = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let web = depends(&["db", "nosuch"]);
        let db = depends(&[]);
        let again = depends(&["web"]);
        let graph = DependencyGraph::new([("web", &web), ("db", &db), ("db", &again)]);
        let edges: Vec<(usize, usize)> = graph
            .graph
            .raw_edges()
            .iter()
            .map(|edge| (edge.source().index(), edge.target().index()))
            .collect();
        assert_eq!(edges, [(0, 1), (2, 0)]);
        assert_eq!(graph.unknown, [(NodeIndex::new(0), "nosuch".to_string())]);
        assert!(graph.cycles().is_empty());
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let n = 100_000;
        let edges: Vec<(usize, usize)> = (0..n - 1).map(|i| (i, i + 1)).collect();
        let g = graph(&edges, n);
        assert!(find_cycles(&g).is_empty());
    }
}

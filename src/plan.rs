//! The dependency graph of a manifest (petgraph): which daemons a command
//! touches, in which order, and the graph in Graphviz DOT. It runs nothing.

use crate::manifest::{Manifest, ManifestError};

/// The dependency graph of a valid manifest.
#[derive(Debug, Clone)]
pub struct Plan {
    _private: (),
}

impl Plan {
    /// Builds the graph. Fails on a cycle (shown as `a -> b -> a`) or an
    /// unknown dependency, which `Manifest::load` already rejects.
    pub fn new(manifest: &Manifest) -> Result<Plan, ManifestError> {
        let _ = manifest;
        todo!()
    }

    /// Every daemon name, in the manifest's order.
    pub fn names(&self) -> Vec<String> {
        todo!()
    }

    /// The names given (all when empty) and everything they depend on,
    /// transitively. Fails on an unknown name, suggesting the nearest one.
    pub fn up_set(&self, names: &[String]) -> Result<Vec<String>, ManifestError> {
        let _ = names;
        todo!()
    }

    /// The names given (all when empty) and every daemon that depends on
    /// them, transitively, that `is_running` says runs.
    pub fn down_set(
        &self,
        names: &[String],
        is_running: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<String>, ManifestError> {
        let _ = (names, is_running);
        todo!()
    }

    /// The direct dependencies of `name`.
    pub fn dependencies(&self, name: &str) -> Vec<String> {
        let _ = name;
        todo!()
    }

    /// The daemons that depend directly on `name`.
    pub fn dependents(&self, name: &str) -> Vec<String> {
        let _ = name;
        todo!()
    }

    /// `subset` in an order where every daemon comes after its dependencies
    /// (ties in the manifest's order).
    pub fn start_order(&self, subset: &[String]) -> Vec<String> {
        let _ = subset;
        todo!()
    }

    /// The reverse of [`Plan::start_order`]: dependents first.
    pub fn stop_order(&self, subset: &[String]) -> Vec<String> {
        let _ = subset;
        todo!()
    }

    /// The whole graph in Graphviz DOT: `digraph devup { "web" -> "db"; }`.
    pub fn to_dot(&self) -> String {
        todo!()
    }
}

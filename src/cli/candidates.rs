//! The names offered at TAB time for a NAME argument: the daemons and
//! tasks of the manifest that devup would use from the current directory.
//! A leaf the clap definitions (`args.rs`) point at; the completion
//! protocol itself is `complete.rs`.

use clap_complete::engine::CompletionCandidate;

use crate::manifest::Manifest;

/// The daemon names of the manifest found from the current directory
/// (none when there is no valid one).
pub(super) fn daemon_names() -> Vec<CompletionCandidate> {
    let names = || -> Option<Vec<String>> {
        let cwd = std::env::current_dir().ok()?;
        let path = Manifest::discover(None, &cwd).ok()?;
        let manifest = Manifest::load(&path).ok()?;
        Some(manifest.plan().names())
    };
    names()
        .unwrap_or_default()
        .into_iter()
        .map(CompletionCandidate::new)
        .collect()
}

//! `restart`: `down`, then `up`, of the named daemons; the running
//! dependents that `down` had to stop first are started again too.
//! Restarts of one daemon by concurrent commands are serialized by its
//! restart lock (see docs/internals/races.md).

use super::down::down_manifest_only;
use super::{DownReport, SharedReporter, UpReport, up_forcing};
use crate::controller::AbortSignal;
use crate::manifest::{Manifest, ManifestError};
use crate::plan::Plan;

/// What `restart` did.
#[derive(Debug)]
pub struct RestartReport {
    /// The stops.
    pub down: DownReport,
    /// The starts.
    pub up: UpReport,
}

impl RestartReport {
    /// True when every daemon was stopped and is ready again.
    pub fn success(&self) -> bool {
        self.down.success() && self.up.success()
    }
}

/// Stops `names` (all when empty) and the running daemons that depend on
/// them, then starts `names` and those dependents again; a named task runs
/// again even when it is up to date.
pub fn restart(
    plan: &Plan,
    manifest: &Manifest,
    names: &[String],
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> Result<RestartReport, ManifestError> {
    // Concurrent restarts of a daemon run one after the other: each holds
    // the restart lock of every daemon it may stop and start again (the
    // names and all their dependents), taken in the manifest's order, so
    // two restarts never wait for each other in a cycle.
    let mut held = Vec::new();
    for name in plan.down_set(names, &|_| true)? {
        let Some(builder) = manifest.controller_builder(&name) else {
            continue;
        };
        match builder
            .abort_signal(abort.clone())
            .build()
            .and_then(|controller| controller.hold_for_restart())
        {
            Ok(lock) => held.push(lock),
            // Not held (interrupted, or an unwritable lock directory): the
            // stop or start reports the same problem for this daemon.
            Err(_) => break,
        }
    }
    let down = down_manifest_only(plan, manifest, names, reporter, abort)?;
    let mut again = names.to_vec();
    if !names.is_empty() {
        for name in down.stopped() {
            if !again.contains(&name) {
                again.push(name);
            }
        }
    }
    // A named task always runs again (SPEC §2 "Tasks").
    let force: Vec<String> = names
        .iter()
        .filter(|name| manifest.task(name).is_some())
        .cloned()
        .collect();
    let up = up_forcing(plan, manifest, &again, &force, reporter, abort)?;
    drop(held);
    Ok(RestartReport { down, up })
}

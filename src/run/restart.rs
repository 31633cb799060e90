//! `restart`: `down`, then `up`, of the named daemons; the running
//! dependents that `down` had to stop first are started again too.

use super::down::down_manifest_only;
use super::{DownReport, SharedReporter, UpReport, up};
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
/// them, then starts `names` and those dependents again.
pub fn restart(
    plan: &Plan,
    manifest: &Manifest,
    names: &[String],
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> Result<RestartReport, ManifestError> {
    let down = down_manifest_only(plan, manifest, names, reporter, abort)?;
    let mut again = names.to_vec();
    if !names.is_empty() {
        for name in down.stopped() {
            if !again.contains(&name) {
                again.push(name);
            }
        }
    }
    let up = up(plan, manifest, &again, reporter, abort)?;
    Ok(RestartReport { down, up })
}

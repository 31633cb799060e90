//! `up` after `git pull` (SPEC §6): before the starts, the orphans are
//! reported (and stopped with `--remove-orphans`), and every running daemon
//! of the set whose recorded definition differs from the manifest's is
//! restarted: its running dependents are stopped first, then it, all with
//! the recorded stop recipes, and it is started again before them. This
//! file decides what to stop; `converge_run.rs` runs the stops and the
//! starts as one schedule, so what does not depend on a restart overlaps
//! it. A daemon without a recorded definition (started by hand, by an
//! older devup) is left alone.
//!
//! Each converge stop re-checks, under the daemon's lock, that some daemon
//! it is stopped for still differs from the manifest, so two `devup`s
//! converging at once stop and start each daemon once: the second finds
//! the work done and leaves the new processes alone.

use std::time::Instant;

use super::converge_run::ConvergeRun;
use super::up::up_with;
use super::{DownReport, RunEvent, SharedReporter, UpReport, is_running, recorded};
use crate::controller::{AbortSignal, DaemonController, Recorded};
use crate::manifest::{Manifest, ManifestError};
use crate::plan::Plan;

/// What `up` does about changed daemons and orphans.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConvergeOptions {
    /// `--no-restart`: report changed daemons, leave them running.
    pub no_restart: bool,
    /// `--remove-orphans`: stop the orphans before the starts.
    pub remove_orphans: bool,
}

/// A running daemon whose definition changed since devup started it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The daemon.
    pub daemon: String,
    /// The keys that changed, in name order.
    pub keys: Vec<String>,
}

/// What a converging `up` did.
#[derive(Debug)]
pub struct ConvergeReport {
    /// The daemons found changed.
    pub changed: Vec<Change>,
    /// The orphans' stops (`--remove-orphans`).
    pub orphans: Option<DownReport>,
    /// The stops before the restarts.
    pub stops: Option<DownReport>,
    /// The starts.
    pub up: UpReport,
}

impl ConvergeReport {
    /// True when every stop succeeded and every daemon is ready.
    pub fn success(&self) -> bool {
        self.orphans.as_ref().is_none_or(DownReport::success)
            && self.stops.as_ref().is_none_or(DownReport::success)
            && self.up.success()
    }
}

/// The daemons of `names` (all when empty) and what they depend on that
/// run with a recorded definition other than the manifest's.
pub fn changes(
    plan: &Plan,
    manifest: &Manifest,
    names: &[String],
) -> Result<Vec<Change>, ManifestError> {
    Ok(
        changes_of(plan, manifest, names, &recorded::scan(&manifest.dir).0)?
            .into_iter()
            .map(|(change, _)| change)
            .collect(),
    )
}

/// [`changes`] from a scan of the state directory.
fn changes_of(
    plan: &Plan,
    manifest: &Manifest,
    names: &[String],
    records: &[Recorded],
) -> Result<Vec<(Change, u32)>, ManifestError> {
    let set = plan.up_set(names)?;
    let change = |daemon: &String| {
        let (keys, pid) = recorded::changed_keys_of(manifest, records, daemon)?;
        let daemon = daemon.clone();
        Some((Change { daemon, keys }, pid))
    };
    // Fingerprints read the inputs: one thread per CPU shares the work
    // (a no-op devup does nothing else before its starts), in chunks of at
    // least `MIN_CHUNK` daemons. A set that small is done here, without
    // asking how many CPUs there are (a read of the cgroup's CPU quota).
    const MIN_CHUNK: usize = 8;
    if set.len() <= MIN_CHUNK {
        return Ok(set.iter().filter_map(change).collect());
    }
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = set.len().div_ceil(threads).max(MIN_CHUNK);
    if set.len() <= chunk {
        return Ok(set.iter().filter_map(change).collect());
    }
    Ok(std::thread::scope(|scope| {
        let handles: Vec<_> = set
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().filter_map(change).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    }))
}

/// `up` of `names` (all when empty), converging first as `options` say.
pub fn up_converging(
    plan: &Plan,
    manifest: &Manifest,
    names: &[String],
    options: ConvergeOptions,
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> Result<ConvergeReport, ManifestError> {
    let clock = Instant::now();
    // One scan of the state directory serves the changes and the orphans.
    let (records, untrusted) = recorded::scan(&manifest.dir);
    let (changed, pids): (Vec<Change>, Vec<u32>) = changes_of(plan, manifest, names, &records)?
        .into_iter()
        .unzip();
    for state in &untrusted {
        let message = format!(
            "{}: not trusted, left alone ({})",
            state.path.display(),
            state.reason
        );
        reporter.report(&RunEvent::Warning { message: &message });
    }
    let orphans = recorded::orphans_of(manifest, &records);
    for orphan in &orphans {
        reporter.report(&RunEvent::Orphan {
            daemon: &orphan.record.name,
            pid: orphan.pid,
            removing: options.remove_orphans,
        });
    }
    for change in &changed {
        reporter.report(&RunEvent::Changed {
            daemon: &change.daemon,
            keys: &change.keys,
            restarting: !options.no_restart,
        });
    }
    let orphan_plan = (options.remove_orphans && !orphans.is_empty()).then(|| {
        let daemons: Vec<(String, Vec<String>)> =
            orphans.iter().map(|orphan| orphan.record.node()).collect();
        Plan::from_dependencies(manifest.path.clone(), &daemons)
    });
    let mut again = names.to_vec();
    let roots: Vec<String> = changed.iter().map(|change| change.daemon.clone()).collect();
    let restarts = if options.no_restart || changed.is_empty() {
        Vec::new()
    } else {
        let set = plan
            .down_set(&roots, &|name| is_running(manifest, name))
            .expect("the changed daemons are the manifest's");
        if !names.is_empty() {
            again.extend(set.iter().filter(|name| !names.contains(name)).cloned());
        }
        set
    };
    // Under --no-restart a changed daemon runs on as it was recorded (its
    // pid_file may have moved: it must not be started a second time).
    let kept: Vec<(String, u32)> = if options.no_restart {
        changed
            .iter()
            .zip(&pids)
            .map(|(change, pid)| (change.daemon.clone(), *pid))
            .collect()
    } else {
        Vec::new()
    };
    let start = |controller: &DaemonController, check: &dyn Fn() -> crate::error::Result<()>| {
        controller.up_checked(false, check)
    };
    if restarts.is_empty() && orphan_plan.is_none() {
        let up = up_with(plan, manifest, &again, &[], &kept, reporter, abort, &start)?;
        return Ok(ConvergeReport {
            changed,
            orphans: None,
            stops: None,
            up,
        });
    }
    // Under each daemon's lock: is one of the daemons it is stopped for
    // still changed? If not, another devup restarted them already.
    let still_changed = |_: &str| {
        roots
            .iter()
            .any(|root| recorded::changed_keys(manifest, root).is_some())
    };
    let stop =
        |name: &str, controller: &DaemonController| controller.stop_unless(|| !still_changed(name));
    let run = ConvergeRun {
        plan,
        manifest,
        names: &again,
        kept: &kept,
        restarts: &restarts,
        stop: &stop,
        orphans: orphan_plan.as_ref(),
        since: clock,
    }
    .run(reporter, abort, &start)?;
    Ok(ConvergeReport {
        changed,
        orphans: run.orphans,
        stops: run.stops,
        up: run.up,
    })
}

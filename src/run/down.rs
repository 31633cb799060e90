//! `down`: stop a set of daemons, each only after every daemon of the set
//! that depends on it is stopped.

use std::time::Instant;

use super::schedule::schedule;
use super::{
    Action, DownReport, DownResult, RunEvent, SharedReporter, Skip, Summary, announce, begin_one,
    count_results, is_running, recorded, waits_by_name, waits_of,
};
use crate::controller::{AbortSignal, DaemonController, Recorded};
use crate::error::Error;
use crate::manifest::{Manifest, ManifestError};
use crate::plan::Plan;

/// Stops `names` (all daemons when empty) and, first, every running daemon
/// that depends on them; dependents first, independent ones in parallel.
/// When a stop fails, what that daemon depends on is left running (skipped).
/// Without names, the orphans (SPEC §6) are stopped too; an orphan may be
/// named. Fails only on an unknown name.
pub fn down(
    plan: &Plan,
    manifest: &Manifest,
    names: &[String],
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> Result<DownReport, ManifestError> {
    down_with_orphans(plan, manifest, names, false, reporter, abort)
}

/// [`down`] of the manifest's daemons only, orphans left alone (what
/// `restart` stops before it starts the same daemons again).
pub(crate) fn down_manifest_only(
    plan: &Plan,
    manifest: &Manifest,
    names: &[String],
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> Result<DownReport, ManifestError> {
    let set = plan.down_set(names, &|name| is_running(manifest, name))?;
    Ok(stop_exactly(plan, manifest, &set, reporter, abort))
}

/// [`down`], stopping every orphan too when `remove_orphans` is set.
pub fn down_with_orphans(
    plan: &Plan,
    manifest: &Manifest,
    names: &[String],
    remove_orphans: bool,
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> Result<DownReport, ManifestError> {
    down_with_records(plan, manifest, names, remove_orphans, None, reporter, abort)
}

/// [`down_with_orphans`], given the records of a scan of the manifest's
/// state directory made for this run (the CLI makes it while the manifest
/// loads); `None` scans it now. One scan serves the orphans and every stop.
pub(crate) fn down_with_records(
    plan: &Plan,
    manifest: &Manifest,
    names: &[String],
    remove_orphans: bool,
    records: Option<Vec<Recorded>>,
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> Result<DownReport, ManifestError> {
    let records = records.unwrap_or_else(|| recorded::scan(&manifest.dir).0);
    let orphans = recorded::orphans_of(manifest, &records);
    let is_orphan = |name: &String| orphans.iter().any(|o| &o.record.name == name);
    // The manifest's daemons and the orphans, with what each depends on,
    // so an orphan that depends on a daemon of the manifest stops first.
    let mut daemons: Vec<(String, Vec<String>)> = plan
        .names()
        .into_iter()
        .map(|name| {
            let dependencies = plan.dependencies(&name);
            (name, dependencies)
        })
        .collect();
    daemons.extend(orphans.iter().map(|orphan| orphan.record.node()));
    let whole = Plan::from_dependencies(manifest.path.clone(), &daemons);
    let named_orphans: Vec<String> = names.iter().filter(|n| is_orphan(n)).cloned().collect();
    let known: Vec<String> = names.iter().filter(|n| !is_orphan(n)).cloned().collect();
    let mut set = if names.is_empty() || !known.is_empty() {
        // Validates the names against the manifest, with suggestions.
        plan.down_set(&known, &|_| false)?;
        let roots: Vec<String> = if names.is_empty() {
            plan.names()
        } else {
            known
        };
        whole.down_set(&roots, &|name| {
            is_running(manifest, name) || orphans.iter().any(|o| o.record.name == name)
        })?
    } else {
        Vec::new()
    };
    let extra: Vec<String> = if names.is_empty() || remove_orphans {
        orphans.iter().map(|o| o.record.name.clone()).collect()
    } else {
        named_orphans
    };
    if !extra.is_empty() {
        for name in whole.down_set(&extra, &|name| is_running(manifest, name))? {
            if !set.contains(&name) {
                set.push(name);
            }
        }
    }
    Ok(stop_set_scanned(
        &whole,
        &manifest.dir,
        Some(manifest),
        Some(&records),
        &set,
        &|_, controller| controller.stop(),
        reporter,
        abort,
    ))
}

/// Stops every daemon recorded as started from the manifest directory
/// `dir` that still runs, as recorded, without reading the manifest
/// (SPEC §6: stopping needs no valid manifest): dependents first, by the
/// recorded dependencies and start order.
pub fn down_recorded(
    dir: &std::path::Path,
    manifest_path: &std::path::Path,
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> DownReport {
    let live = recorded::live(dir).0;
    let daemons: Vec<(String, Vec<String>)> =
        live.iter().map(|daemon| daemon.record.node()).collect();
    let plan = Plan::from_dependencies(manifest_path.to_path_buf(), &daemons);
    stop_set(
        &plan,
        dir,
        None,
        &plan.names(),
        &|_, controller| controller.stop(),
        reporter,
        abort,
    )
}

/// Stops exactly the daemons of `set` (what `exec` started), in reverse
/// dependency order, independent ones in parallel. Once `abort` fires, no
/// new stop begins.
pub fn stop_exactly(
    plan: &Plan,
    manifest: &Manifest,
    set: &[String],
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> DownReport {
    stop_set(
        plan,
        &manifest.dir,
        Some(manifest),
        set,
        &|_, controller| controller.stop(),
        reporter,
        abort,
    )
}

/// How one daemon of a down run is stopped, given its controller:
/// [`DaemonController::stop`], a stop that first asks under the lock whether
/// it is still wanted, or the last lease holder's stop (`lease.rs`).
pub(super) type StopFn<'a> =
    dyn Fn(&str, &DaemonController) -> Result<Option<u32>, Error> + Sync + 'a;

/// [`stop_exactly`] of a manifest's daemons, stopping each with `stop`.
pub(super) fn stop_with(
    plan: &Plan,
    manifest: &Manifest,
    set: &[String],
    reporter: &SharedReporter,
    abort: &AbortSignal,
    stop: &StopFn,
) -> DownReport {
    stop_set(
        plan,
        &manifest.dir,
        Some(manifest),
        set,
        stop,
        reporter,
        abort,
    )
}

/// Stops the daemons of `set`, each through [`recorded::stop_controller`]
/// (the manifest's definition, else the recorded stop recipe) with `stop`.
pub(crate) fn stop_set(
    plan: &Plan,
    dir: &std::path::Path,
    manifest: Option<&Manifest>,
    set: &[String],
    stop: &StopFn,
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> DownReport {
    stop_set_scanned(plan, dir, manifest, None, set, stop, reporter, abort)
}

/// [`stop_set`], given the records of a scan of the state directory made
/// for this run; a stop whose daemon the scan did not find (or without a
/// scan) reads its record itself, which also finds a copy kept outside
/// `.devup` (`state_backup.rs`).
#[allow(clippy::too_many_arguments)]
fn stop_set_scanned(
    plan: &Plan,
    dir: &std::path::Path,
    manifest: Option<&Manifest>,
    records: Option<&[Recorded]>,
    set: &[String],
    stop: &StopFn,
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> DownReport {
    let clock = Instant::now();
    // Tasks are never stopped (SPEC §2 "Tasks").
    let set: Vec<String> = set
        .iter()
        .filter(|name| manifest.is_none_or(|manifest| manifest.task(name).is_none()))
        .cloned()
        .collect();
    let order = plan.stop_order(&set);
    let waits = announce(
        plan,
        Action::Down,
        &order,
        Plan::dependents,
        Plan::stop_order,
        reporter,
    );
    let waits = waits_by_name(&order, &waits);
    let by_name: std::collections::HashMap<&str, &Recorded> = records
        .unwrap_or_default()
        .iter()
        .map(|record| (record.name.as_str(), record))
        .collect();
    let results = schedule(
        &order,
        |name| waits_of(&waits, name),
        |name| {
            let record = by_name.get(name).copied();
            stop_one_known(dir, manifest, record, name, stop, reporter, abort)
        },
        |daemon, _, cause| {
            reporter.report(&RunEvent::Skipped { daemon, cause });
            DownResult::Skipped(cause.clone())
        },
    );
    let report = DownReport {
        daemons: order.into_iter().zip(results).collect(),
        elapsed: clock.elapsed(),
    };
    reporter.report(&RunEvent::Summary(&summary(&report)));
    report
}

pub(super) fn stop_one(
    dir: &std::path::Path,
    manifest: Option<&Manifest>,
    daemon: &str,
    stop: &StopFn,
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> (DownResult, Option<Skip>) {
    stop_one_known(dir, manifest, None, daemon, stop, reporter, abort)
}

/// [`stop_one`], given the daemon's record as a scan of the state
/// directory found it (`None`: read it now).
fn stop_one_known(
    dir: &std::path::Path,
    manifest: Option<&Manifest>,
    record: Option<&Recorded>,
    daemon: &str,
    stop: &StopFn,
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> (DownResult, Option<Skip>) {
    if let Some(cause) = begin_one(daemon, reporter, abort) {
        return (DownResult::Skipped(cause.clone()), Some(cause));
    }
    let clock = Instant::now();
    // The stop itself is never aborted: it is bounded by `stop_timeout`.
    // Under the locks of its dependents (none of which may run), so no
    // dependent starts while it stops (docs/internals/races.md). An orphan or a
    // daemon stopped without the manifest has no known dependents.
    let held = match manifest {
        Some(manifest) => dependents_held(manifest, daemon).map(Some),
        None => Ok(None),
    };
    let result = held.and_then(|_held| {
        recorded::stop_controller(dir, manifest, record, daemon, reporter, &AbortSignal::new())
            .and_then(|controller| stop(daemon, &controller))
    });
    match result {
        Ok(Some(pid)) => {
            let elapsed = clock.elapsed();
            reporter.report(&RunEvent::Stopped {
                daemon,
                pid,
                elapsed,
            });
            (DownResult::Stopped { pid, elapsed }, None)
        }
        Ok(None) => {
            reporter.report(&RunEvent::NotRunning { daemon });
            (DownResult::NotRunning, None)
        }
        Err(error) => {
            reporter.report(&RunEvent::Failed {
                daemon,
                error: &error,
                elapsed: clock.elapsed(),
            });
            (
                DownResult::Failed(error),
                Some(Skip::DependentFailed(daemon.to_string())),
            )
        }
    }
}

fn summary(report: &DownReport) -> Summary {
    let count = |test| count_results(&report.daemons, test);
    Summary {
        action: Action::Down,
        ready: 0,
        already_running: 0,
        tasks_ran: 0,
        tasks_up_to_date: 0,
        restarted: 0,
        stopped: count(|result| matches!(result, DownResult::Stopped { .. })),
        not_running: count(|result| matches!(result, DownResult::NotRunning)),
        failed: count(|result| matches!(result, DownResult::Failed(_))),
        skipped: count(|result| matches!(result, DownResult::Skipped(_))),
        elapsed: report.elapsed,
    }
}

/// Takes the lock of every daemon that depends directly on `daemon` and
/// keeps them for its stop: none of them can start meanwhile. One that runs
/// (a `devup` racing this `down` started it again) makes the stop fail
/// instead: stopping `daemon` would leave it without what it depends on.
/// Dependents' locks are taken before the dependency's, the order `up`
/// uses too (docs/internals/races.md).
fn dependents_held(manifest: &Manifest, daemon: &str) -> Result<Vec<impl Sized>, Error> {
    let mut held = Vec::new();
    for dependent in manifest
        .daemons
        .iter()
        .filter(|entry| entry.depends_on.iter().any(|name| name == daemon))
    {
        let (lock, runs) = dependent
            .controller_builder()
            .build()
            .and_then(|controller| controller.hold())?;
        if runs {
            return Err(Error::StopFailed {
                daemon: daemon.to_string(),
                reason: format!(
                    "`{}` depends on it and runs (started meanwhile, by another devup?); stop it first",
                    dependent.name
                ),
                output: Default::default(),
            });
        }
        held.push(lock);
    }
    Ok(held)
}

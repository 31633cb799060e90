//! `up`: start a set of daemons and what they depend on, each as soon as
//! its dependencies are ready.

use std::collections::HashSet;
use std::time::Instant;

use super::schedule::schedule;
use super::{
    Action, RunEvent, SharedReporter, Skip, Summary, UpReport, UpResult, announce, begin_one,
    controller, count_results, waits_by_name, waits_of,
};
use crate::controller::{AbortSignal, DaemonController, TaskOutcome, UpOutcome};
use crate::error::{Error, StartFailure};
use crate::manifest::{Manifest, ManifestError, TaskEntry};
use crate::plan::Plan;

/// Starts `names` (all daemons when empty) and everything they depend on.
/// Each daemon starts when all its dependencies are ready, independent
/// ones in parallel; one running already is left alone; when one fails,
/// what depends on it is skipped and the rest go on. Once `abort` fires,
/// the starts in progress are aborted and no new one begins. Fails only on
/// an unknown name.
pub fn up(
    plan: &Plan,
    manifest: &Manifest,
    names: &[String],
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> Result<UpReport, ManifestError> {
    up_forcing(plan, manifest, names, &[], reporter, abort)
}

/// [`up`], running the tasks of `force` even when they are up to date
/// (`devup restart TASK`).
pub fn up_forcing(
    plan: &Plan,
    manifest: &Manifest,
    names: &[String],
    force: &[String],
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> Result<UpReport, ManifestError> {
    up_with(
        plan,
        manifest,
        names,
        force,
        &[],
        reporter,
        abort,
        &|controller, check| controller.up_checked(false, check),
    )
}

/// How one daemon of an up run is brought up: [`DaemonController::up`], or
/// a lease holder's variant of it (`lease.rs`). It gets the controller and
/// a check to make under the daemon's lock just before a start: that its
/// dependencies still run.
pub(super) type StartFn<'a> = dyn Fn(&DaemonController, &dyn Fn() -> Result<(), Error>) -> Result<UpOutcome, Error>
    + Sync
    + 'a;

/// The stops of a converging `up`, in its one schedule with the starts
/// (`converge_run.rs`): the daemons it stopped (counted as restarted once
/// started again), the orphans it stopped, and when the converge began.
pub(crate) struct Restarts<'a> {
    pub(crate) daemons: &'a [String],
    pub(crate) since: Instant,
    /// Orphans stopped (`--remove-orphans`).
    pub(crate) orphans_stopped: usize,
    /// Stops that failed, and stops skipped (under one that failed).
    pub(crate) failed: usize,
    pub(crate) skipped: usize,
}

/// [`up_forcing`], bringing each daemon up with `start` and leaving the
/// daemons of `kept` (name, pid) as they run: changed daemons under
/// `--no-restart`, found through their records (their `pid_file` may have
/// moved, so the manifest's would not see them).
#[allow(clippy::too_many_arguments)]
pub(crate) fn up_with(
    plan: &Plan,
    manifest: &Manifest,
    names: &[String],
    force: &[String],
    kept: &[(String, u32)],
    reporter: &SharedReporter,
    abort: &AbortSignal,
    start: &StartFn,
) -> Result<UpReport, ManifestError> {
    let clock = Instant::now();
    let order = plan.start_order(&plan.up_set(names)?);
    let waits = announce(
        plan,
        Action::Up,
        &order,
        Plan::dependencies,
        Plan::start_order,
        reporter,
    );
    let waits_by = waits_by_name(&order, &waits);
    let results = schedule(
        &order,
        |name| waits_of(&waits_by, name),
        |name| bring_up(manifest, name, force, kept, reporter, abort, start),
        |daemon, _, cause| skip_one(daemon, cause, reporter),
    );
    let results = recheck(manifest, &order, &waits, results, reporter);
    let report = UpReport {
        daemons: order.into_iter().zip(results).collect(),
        elapsed: clock.elapsed(),
    };
    reporter.report(&RunEvent::Summary(&summary(&report, None)));
    Ok(report)
}

/// One daemon's (or task's) turn of an up run: the task run, the kept
/// daemon told, or the daemon brought up with `start`.
pub(super) fn bring_up(
    manifest: &Manifest,
    name: &str,
    force: &[String],
    kept: &[(String, u32)],
    reporter: &SharedReporter,
    abort: &AbortSignal,
    start: &StartFn,
) -> (UpResult, Option<Skip>) {
    match (manifest.task(name), kept.iter().find(|(n, _)| n == name)) {
        (Some(task), _) => run_task(task, force.contains(&name.to_string()), reporter, abort),
        (None, Some((_, pid))) => keep_one(name, *pid, reporter, abort),
        (None, None) => start_one(manifest, name, reporter, abort, start),
    }
}

/// A daemon of an up run skipped for `cause`.
pub(super) fn skip_one(daemon: &str, cause: &Skip, reporter: &SharedReporter) -> UpResult {
    reporter.report(&RunEvent::Skipped { daemon, cause });
    UpResult::Skipped(cause.clone())
}

/// A daemon that died after it was ready (while what depends on it was
/// starting) is not counted ready: its result becomes a failure, told with
/// `ExitedAfterReady`, not with a second terminal event (SPEC §4). Only a
/// daemon that another of the run waited for (an entry of `waits`, made
/// for `order`) is looked at again: nothing started after the others.
pub(super) fn recheck(
    manifest: &Manifest,
    order: &[String],
    waits: &[Vec<String>],
    results: Vec<UpResult>,
    reporter: &SharedReporter,
) -> Vec<UpResult> {
    let waited_for: HashSet<&str> = waits.iter().flatten().map(String::as_str).collect();
    order
        .iter()
        .zip(results)
        .map(|(daemon, result)| {
            if !waited_for.contains(daemon.as_str()) {
                return result;
            }
            let pid = match &result {
                UpResult::Started(started) => started.pid,
                UpResult::AlreadyRunning { pid } => *pid,
                _ => return result,
            };
            if manifest.task(daemon).is_some() || super::is_running(manifest, daemon) {
                return result;
            }
            let error = Error::start_failed(
                daemon.clone(),
                StartFailure::ExitedAfterReady,
                Default::default(),
                Default::default(),
            );
            reporter.report(&RunEvent::ExitedAfterReady {
                daemon,
                pid,
                error: &error,
            });
            UpResult::Failed(error)
        })
        .collect()
}

fn start_one(
    manifest: &Manifest,
    daemon: &str,
    reporter: &SharedReporter,
    abort: &AbortSignal,
    start: &StartFn,
) -> (UpResult, Option<Skip>) {
    if let Some(cause) = begin_one(daemon, reporter, abort) {
        return (UpResult::Skipped(cause.clone()), Some(cause));
    }
    let clock = Instant::now();
    let dependencies_run = || dependencies_still_run(manifest, daemon, abort);
    match controller(manifest, daemon, reporter, abort)
        .and_then(|controller| start(&controller, &dependencies_run))
    {
        Ok(UpOutcome::Started(started)) => {
            reporter.report(&RunEvent::Ready {
                daemon,
                pid: started.pid,
                elapsed: started.elapsed,
            });
            (UpResult::Started(started), None)
        }
        Ok(UpOutcome::AlreadyRunning { pid }) => {
            reporter.report(&RunEvent::AlreadyRunning { daemon, pid });
            (UpResult::AlreadyRunning { pid }, None)
        }
        Err(error) => {
            reporter.report(&RunEvent::Failed {
                daemon,
                error: &error,
                elapsed: clock.elapsed(),
            });
            let cause = match error {
                Error::Interrupted { .. } => Skip::Interrupted,
                _ => Skip::DependencyFailed(daemon.to_string()),
            };
            (UpResult::Failed(error), Some(cause))
        }
    }
}

/// A daemon left running as it is.
fn keep_one(
    daemon: &str,
    pid: u32,
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> (UpResult, Option<Skip>) {
    if let Some(cause) = begin_one(daemon, reporter, abort) {
        return (UpResult::Skipped(cause.clone()), Some(cause));
    }
    reporter.report(&RunEvent::AlreadyRunning { daemon, pid });
    (UpResult::AlreadyRunning { pid }, None)
}

/// Runs one task (unless it is up to date and not forced).
fn run_task(
    task: &TaskEntry,
    force: bool,
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> (UpResult, Option<Skip>) {
    let daemon = task.name.as_str();
    if let Some(cause) = begin_one(daemon, reporter, abort) {
        return (UpResult::Skipped(cause.clone()), Some(cause));
    }
    let clock = Instant::now();
    match task.run(force, abort) {
        Ok(TaskOutcome::Ran { elapsed }) => {
            reporter.report(&RunEvent::TaskDone { daemon, elapsed });
            (UpResult::TaskRan { elapsed }, None)
        }
        Ok(TaskOutcome::UpToDate) => {
            reporter.report(&RunEvent::TaskUpToDate { daemon });
            (UpResult::TaskUpToDate, None)
        }
        Err(error) => {
            reporter.report(&RunEvent::Failed {
                daemon,
                error: &error,
                elapsed: clock.elapsed(),
            });
            let cause = match error {
                Error::Interrupted { .. } => Skip::Interrupted,
                _ => Skip::DependencyFailed(daemon.to_string()),
            };
            (UpResult::Failed(error), Some(cause))
        }
    }
}

pub(super) fn summary(report: &UpReport, restarts: Option<&Restarts>) -> Summary {
    let count = |test| count_results(&report.daemons, test);
    let restarted_names = restarts.map_or(&[][..], |restarts| restarts.daemons);
    let restarted = report
        .daemons
        .iter()
        .filter(|(name, result)| {
            matches!(result, UpResult::Started(_)) && restarted_names.contains(name)
        })
        .count();
    Summary {
        action: Action::Up,
        restarted,
        ready: count(|result| matches!(result, UpResult::Started(_))) - restarted,
        already_running: count(|result| matches!(result, UpResult::AlreadyRunning { .. })),
        tasks_ran: count(|result| matches!(result, UpResult::TaskRan { .. })),
        tasks_up_to_date: count(|result| matches!(result, UpResult::TaskUpToDate)),
        stopped: restarts.map_or(0, |restarts| restarts.orphans_stopped),
        not_running: 0,
        failed: count(|result| matches!(result, UpResult::Failed(_)))
            + restarts.map_or(0, |restarts| restarts.failed),
        skipped: count(|result| matches!(result, UpResult::Skipped(_)))
            + restarts.map_or(0, |restarts| restarts.skipped),
        elapsed: restarts.map_or(report.elapsed, |restarts| restarts.since.elapsed()),
    }
}

/// Called under `daemon`'s lock just before its start: each of its
/// dependencies must still run, checked under the dependency's own lock
/// (so not while a stop of it is in progress). A `devdown` racing this
/// `devup` may have stopped one after it was ready; then this start fails
/// rather than leave a daemon running without what it depends on. The lock
/// order, a dependent's before its dependency's, is the one `down` uses
/// too (docs/internals/races.md).
fn dependencies_still_run(
    manifest: &Manifest,
    daemon: &str,
    abort: &AbortSignal,
) -> Result<(), Error> {
    let Some(entry) = manifest.daemon(daemon) else {
        return Ok(());
    };
    for dependency in &entry.depends_on {
        // Only daemons have a lock and a pid file (a task has neither).
        let Some(builder) = manifest.controller_builder(dependency) else {
            continue;
        };
        let runs = builder
            .abort_signal(abort.clone())
            .build()
            .and_then(|controller| controller.runs_when_settled())?;
        if !runs {
            return Err(Error::start_failed(
                daemon,
                StartFailure::DependencyStopped {
                    dependency: dependency.clone(),
                },
                Default::default(),
                Default::default(),
            ));
        }
    }
    Ok(())
}

//! `down`: stop a set of daemons, each only after every daemon of the set
//! that depends on it is stopped.

use std::time::Instant;

use super::schedule::schedule;
use super::{
    Action, DownReport, DownResult, RunEvent, SharedReporter, Skip, Summary, announce, begin_one,
    controller, count_results, is_running, waits_of,
};
use crate::controller::AbortSignal;
use crate::error::Error;
use crate::manifest::{Manifest, ManifestError};
use crate::plan::Plan;

/// Stops `names` (all daemons when empty) and, first, every running daemon
/// that depends on them; dependents first, independent ones in parallel.
/// When a stop fails, what that daemon depends on is left running (skipped).
/// Fails only on an unknown name.
pub fn down(
    plan: &Plan,
    manifest: &Manifest,
    names: &[String],
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> Result<DownReport, ManifestError> {
    let set = plan.down_set(names, &|name| is_running(manifest, name))?;
    Ok(stop_exactly(plan, manifest, &set, reporter, abort))
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
    let clock = Instant::now();
    let order = plan.stop_order(set);
    let waits = announce(
        plan,
        Action::Down,
        &order,
        Plan::dependents,
        Plan::stop_order,
        reporter,
    );
    let results = schedule(
        &order,
        |name| waits_of(&order, &waits, name),
        |name| stop_one(manifest, name, reporter, abort),
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

fn stop_one(
    manifest: &Manifest,
    daemon: &str,
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> (DownResult, Option<Skip>) {
    if let Some(cause) = begin_one(daemon, reporter, abort) {
        return (DownResult::Skipped(cause.clone()), Some(cause));
    }
    let clock = Instant::now();
    // The stop itself is never aborted: it is bounded by `stop_timeout`.
    let result = dependents_held(manifest, daemon).and_then(|_held| {
        controller(manifest, daemon, reporter, &AbortSignal::new())
            .and_then(|controller| controller.stop())
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
/// uses too (docs/notes/races.md).
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

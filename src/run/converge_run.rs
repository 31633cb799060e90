//! The one schedule of a converging `up` (SPEC §6; `converge.rs` decides
//! what goes into it): the stops of the changed daemons and their running
//! dependents, the stops of the orphans (`--remove-orphans`) and the starts
//! of the set run as one dependency graph under one scheduler, so unrelated
//! work overlaps: a stop of one daemon never waits for the start of another
//! it has nothing to do with. The edges, as docker compose orders a
//! recreation (its `reconcile.go` chains the stop of each dependent before
//! the recreated service, and the service's creation before theirs):
//!
//! - a stop waits for the stops of the daemons of the set that depend on it
//!   (dependents first, as `down`);
//! - a start waits for the starts of what it depends on and for its own
//!   stop, so a restarted daemon's dependents stop before it and start after
//!   it;
//! - every start waits for the orphans' stops: an orphan may hold what a
//!   daemon of the manifest needs (a renamed daemon's port, its files).
//!
//! A stop that fails or is skipped leaves what it was stopped before
//! running, so the stops after it (of what it depends on) are skipped; the
//! starts still run and find the daemons as they are. One block of output:
//! the stops are announced at once, the starts when the first of them
//! begins; one summary counts the restarts and the orphans stopped.

use std::collections::HashMap;
use std::sync::{Mutex, Once};
use std::time::Instant;

use super::down::{StopFn, stop_one};
use super::schedule::schedule;
use super::up::{Restarts, StartFn, bring_up, recheck, skip_one, summary};
use super::{
    Action, DownReport, DownResult, RunEvent, SharedReporter, Skip, UpReport, UpResult, tell_waits,
    waits_by_name, waits_in, waits_of,
};
use crate::controller::AbortSignal;
use crate::manifest::{Manifest, ManifestError};
use crate::plan::Plan;

/// What a converge's one schedule runs.
pub(crate) struct ConvergeRun<'a> {
    pub(crate) plan: &'a Plan,
    pub(crate) manifest: &'a Manifest,
    /// The roots of the starts (all daemons when empty).
    pub(crate) names: &'a [String],
    /// Daemons left running as they are (`--no-restart`), with their pids.
    pub(crate) kept: &'a [(String, u32)],
    /// The daemons of the manifest to stop and start again.
    pub(crate) restarts: &'a [String],
    /// How each of them is stopped.
    pub(crate) stop: &'a StopFn<'a>,
    /// The orphans to stop, as a plan of their own (all of its daemons).
    pub(crate) orphans: Option<&'a Plan>,
    /// When the converge began (the summary's time counts from it).
    pub(crate) since: Instant,
}

/// What the schedule did.
pub(crate) struct ConvergeRunReport {
    pub(crate) orphans: Option<DownReport>,
    pub(crate) stops: Option<DownReport>,
    pub(crate) up: UpReport,
}

/// One step of the schedule, by its key there: a start is keyed by the
/// daemon's name, a stop by `stop NAME`, an orphan's stop by `orphan NAME`
/// (a name never holds a space).
enum Step<'a> {
    Orphan(&'a str),
    Stop(&'a str),
    Start(&'a str),
}

fn step(key: &str) -> Step<'_> {
    if let Some(name) = key.strip_prefix("orphan ") {
        Step::Orphan(name)
    } else if let Some(name) = key.strip_prefix("stop ") {
        Step::Stop(name)
    } else {
        Step::Start(key)
    }
}

fn stop_key(name: &String) -> String {
    format!("stop {name}")
}

fn orphan_key(name: &String) -> String {
    format!("orphan {name}")
}

/// A step's outcome.
enum Outcome {
    Down(DownResult),
    Up(UpResult),
}

impl ConvergeRun<'_> {
    /// Runs the schedule, reporting to `reporter`; the starts are aborted
    /// by `abort` as in `up` (the stops never are: bounded by their
    /// `stop_timeout`). Fails only on an unknown name.
    pub(crate) fn run(
        &self,
        reporter: &SharedReporter,
        abort: &AbortSignal,
        start: &StartFn,
    ) -> Result<ConvergeRunReport, ManifestError> {
        let (plan, manifest) = (self.plan, self.manifest);
        let clock = Instant::now();
        let start_order = plan.start_order(&plan.up_set(self.names)?);
        let start_waits = waits_in(plan, &start_order, Plan::dependencies, Plan::start_order);
        // Tasks are never stopped (SPEC §2 "Tasks").
        let restarts: Vec<String> = self
            .restarts
            .iter()
            .filter(|name| manifest.task(name).is_none())
            .cloned()
            .collect();
        let stop_order = plan.stop_order(&restarts);
        let stop_waits = waits_in(plan, &stop_order, Plan::dependents, Plan::stop_order);
        let orphan_order = self
            .orphans
            .map_or_else(Vec::new, |orphans| orphans.stop_order(&orphans.names()));
        let orphan_waits = self.orphans.map_or_else(Vec::new, |orphans| {
            waits_in(orphans, &orphan_order, Plan::dependents, Plan::stop_order)
        });

        let stopping: Vec<String> = orphan_order.iter().chain(&stop_order).cloned().collect();
        if !stopping.is_empty() {
            reporter.report(&RunEvent::Begin {
                action: Action::Down,
                daemons: &stopping,
            });
            if let Some(orphans) = self.orphans {
                tell_waits(
                    orphans,
                    &orphan_order,
                    &orphan_waits,
                    Plan::dependents,
                    reporter,
                );
            }
            tell_waits(plan, &stop_order, &stop_waits, Plan::dependents, reporter);
        }
        let starts_told = Once::new();
        let tell_starts = || {
            starts_told.call_once(|| {
                reporter.report(&RunEvent::Begin {
                    action: Action::Up,
                    daemons: &start_order,
                });
                tell_waits(
                    plan,
                    &start_order,
                    &start_waits,
                    Plan::dependencies,
                    reporter,
                );
            })
        };

        let orphan_waits_by = waits_by_name(&orphan_order, &orphan_waits);
        let stop_waits_by = waits_by_name(&stop_order, &stop_waits);
        let start_waits_by = waits_by_name(&start_order, &start_waits);
        let orphan_keys: Vec<String> = orphan_order.iter().map(orphan_key).collect();
        let keys: Vec<String> = orphan_keys
            .iter()
            .cloned()
            .chain(stop_order.iter().map(stop_key))
            .chain(start_order.iter().cloned())
            .collect();
        let prerequisites = |key: &str| -> Vec<String> {
            match step(key) {
                Step::Orphan(name) => waits_of(&orphan_waits_by, name)
                    .iter()
                    .map(orphan_key)
                    .collect(),
                Step::Stop(name) => waits_of(&stop_waits_by, name)
                    .iter()
                    .map(stop_key)
                    .collect(),
                Step::Start(name) => {
                    let mut before = waits_of(&start_waits_by, name);
                    if stop_order.iter().any(|other| other == name) {
                        before.push(format!("stop {name}"));
                    }
                    before.extend(orphan_keys.iter().cloned());
                    before
                }
            }
        };
        // Why each stop that did not happen left its daemon running: the
        // stops after it (of what it depends on) are skipped for it.
        let left: Mutex<HashMap<String, Skip>> = Mutex::default();
        let stop_step = |key: &str, name: &str, manifest: Option<&Manifest>, stop: &StopFn| {
            let blocked = prerequisites(key)
                .iter()
                .find_map(|before| lock(&left).get(before).cloned());
            let (result, cause) = match blocked {
                Some(cause) => {
                    reporter.report(&RunEvent::Skipped {
                        daemon: name,
                        cause: &cause,
                    });
                    (DownResult::Skipped(cause.clone()), Some(cause))
                }
                None => stop_one(&self.manifest.dir, manifest, name, stop, reporter, abort),
            };
            if let Some(cause) = cause {
                lock(&left).insert(key.to_string(), cause);
            }
            // Never a cause for the scheduler: a start runs after its
            // stop whatever became of it, and finds the daemon as it is.
            (Outcome::Down(result), None)
        };
        let results = schedule(
            &keys,
            prerequisites,
            |key| match step(key) {
                // An orphan is stopped as recorded, with no dependents in
                // the manifest.
                Step::Orphan(name) => {
                    stop_step(key, name, None, &|_, controller| controller.stop())
                }
                Step::Stop(name) => stop_step(key, name, Some(manifest), self.stop),
                Step::Start(name) => {
                    tell_starts();
                    let (result, cause) =
                        bring_up(manifest, name, &[], self.kept, reporter, abort, start);
                    (Outcome::Up(result), cause)
                }
            },
            |daemon, _, cause| {
                tell_starts();
                Outcome::Up(skip_one(daemon, cause, reporter))
            },
        );

        let mut results = results.into_iter();
        let mut downs = |order: &[String]| -> DownReport {
            let daemons = order
                .iter()
                .map(|name| match results.next() {
                    Some(Outcome::Down(result)) => (name.clone(), result),
                    _ => unreachable!("a stop step ends in a stop's result"),
                })
                .collect();
            DownReport {
                daemons,
                elapsed: clock.elapsed(),
            }
        };
        let orphans = downs(&orphan_order);
        let stops = downs(&stop_order);
        let ups: Vec<UpResult> = results
            .map(|outcome| match outcome {
                Outcome::Up(result) => result,
                Outcome::Down(_) => unreachable!("a start step ends in a start's result"),
            })
            .collect();
        let ups = recheck(manifest, &start_order, &start_waits, ups, reporter);
        let up = UpReport {
            daemons: start_order.into_iter().zip(ups).collect(),
            elapsed: clock.elapsed(),
        };
        let stopped = stops.stopped();
        let count = |test: fn(&DownResult) -> bool| {
            orphans
                .daemons
                .iter()
                .chain(&stops.daemons)
                .filter(|(_, result)| test(result))
                .count()
        };
        let restarts = Restarts {
            daemons: &stopped,
            since: self.since,
            orphans_stopped: orphans.stopped().len(),
            failed: count(|result| matches!(result, DownResult::Failed(_))),
            skipped: count(|result| matches!(result, DownResult::Skipped(_))),
        };
        reporter.report(&RunEvent::Summary(&summary(&up, Some(&restarts))));
        Ok(ConvergeRunReport {
            orphans: self.orphans.map(|_| orphans),
            stops: (!self.restarts.is_empty()).then_some(stops),
            up,
        })
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

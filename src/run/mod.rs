//! `up`, `down` and `restart` over a manifest's dependency plan: every
//! daemon starts as soon as all its dependencies are ready and stops only
//! after everything that depends on it, independent daemons in parallel
//! (on a few worker threads per core). A failure skips what depends on it; the rest
//! goes on. This module decides nothing about output: it sends
//! [`RunEvent`]s (its own, and each controller's [`crate::controller::Event`]s wrapped
//! with the daemon's name) to one [`Reporter`], and returns typed reports.
//!
//! Files: `up.rs`, `down.rs`, `restart.rs` (the three runs), `converge.rs`
//! (restarting what changed, orphans), `recorded.rs` (the state directory),
//! `lease.rs` (up and release for lease holders: `exec`, sessions), `schedule.rs`
//! and `board.rs` (the parallel scheduler), `event.rs` and `outcome.rs` (public values).

mod board;
mod converge;
mod converge_run;
mod down;
mod event;
mod lease;
mod outcome;
pub mod recorded;
mod restart;
mod schedule;
mod up;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

pub use converge::{Change, ConvergeOptions, ConvergeReport, changes, up_converging};
pub(crate) use down::down_with_records;
pub use down::{down, down_recorded, down_with_orphans, stop_exactly};
pub use event::{Action, Reporter, RunEvent, Summary};
pub use lease::{Leases, keep_from_env, release, up_leased};
pub use outcome::{DownReport, DownResult, Skip, UpReport, UpResult};
pub use restart::{RestartReport, restart};
pub use up::{up, up_forcing};

use crate::controller::{AbortSignal, DaemonController};
use crate::error::Error;
use crate::manifest::Manifest;
use crate::plan::Plan;

/// The reporter a run sends its events to, shared with the controllers'
/// observers (which must be `'static`).
pub type SharedReporter = Arc<dyn Reporter>;

/// The controller of `name`, reporting its events to `reporter` under the
/// daemon's name and aborted by `abort`.
fn controller(
    manifest: &Manifest,
    name: &str,
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> Result<DaemonController, Error> {
    let builder = manifest
        .controller_builder(name)
        .ok_or_else(|| Error::Config {
            daemon: name.to_string(),
            key: "daemons",
            reason: format!("no daemon `{name}` in {}", manifest.path.display()),
        })?;
    let reporter = Arc::clone(reporter);
    let daemon = name.to_string();
    builder
        .observer(move |event| {
            reporter.report(&RunEvent::Controller {
                daemon: &daemon,
                event,
            })
        })
        .abort_signal(abort.clone())
        .build()
}

/// True when the daemon `name` runs, as the manifest describes it or as
/// devup recorded it when it started it (a daemon whose controller cannot
/// be built does not).
pub fn is_running(manifest: &Manifest, name: &str) -> bool {
    let by_manifest = || {
        manifest
            .controller_builder(name)
            .and_then(|builder| builder.build().ok())
            .is_some_and(|controller| controller.is_running())
    };
    let by_record = || {
        crate::controller::Recorded::read(name, &recorded::state_file(&manifest.dir, name))
            .ok()
            .flatten()
            .and_then(|record| record.controller_builder())
            .and_then(|builder| builder.build().ok())
            .is_some_and(|controller| controller.is_running())
    };
    by_manifest() || by_record()
}

/// Every daemon reachable from `name` through `next` (transitive
/// dependencies or dependents), without `name` itself.
fn reachable(plan: &Plan, name: &str, next: fn(&Plan, &str) -> Vec<String>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut known: HashSet<String> = HashSet::new();
    let mut stack = next(plan, name);
    while let Some(other) = stack.pop() {
        if other != name && known.insert(other.clone()) {
            stack.extend(next(plan, &other));
            seen.push(other);
        }
    }
    seen
}

/// Announces a run over `order` and works out, for each daemon of it (same
/// index), the daemons of `order` it waits for: those reachable through
/// `next` (dependencies for `up`, dependents for `down`), in the order
/// `sort` gives. Reports `Waiting` with the nearest of them for each daemon
/// that waits at all.
fn announce(
    plan: &Plan,
    action: Action,
    order: &[String],
    next: fn(&Plan, &str) -> Vec<String>,
    sort: fn(&Plan, &[String]) -> Vec<String>,
    reporter: &SharedReporter,
) -> Vec<Vec<String>> {
    reporter.report(&RunEvent::Begin {
        action,
        daemons: order,
    });
    let waits = waits_in(plan, order, next, sort);
    tell_waits(plan, order, &waits, next, reporter);
    waits
}

/// What [`announce`] works out, without reporting anything.
fn waits_in(
    plan: &Plan,
    order: &[String],
    next: fn(&Plan, &str) -> Vec<String>,
    sort: fn(&Plan, &[String]) -> Vec<String>,
) -> Vec<Vec<String>> {
    let in_order: HashSet<&str> = order.iter().map(String::as_str).collect();
    order
        .iter()
        .map(|name| {
            let mut others = reachable(plan, name, next);
            others.retain(|other| in_order.contains(other.as_str()));
            sort(plan, &others)
        })
        .collect()
}

/// Reports `Waiting` for each daemon of `order` that waits (its entry of
/// `waits`), with the nearest of those it waits for.
fn tell_waits(
    plan: &Plan,
    order: &[String],
    waits: &[Vec<String>],
    next: fn(&Plan, &str) -> Vec<String>,
    reporter: &SharedReporter,
) {
    for (daemon, waits) in order.iter().zip(waits) {
        let waiting_for = nearest(&next(plan, daemon), waits);
        if !waiting_for.is_empty() {
            reporter.report(&RunEvent::Waiting {
                daemon,
                waiting_for: &waiting_for,
            });
        }
    }
}

/// Each daemon's entry of `waits` (as [`announce`] made them for `order`),
/// by its name: the scheduler asks once per daemon.
fn waits_by_name<'a>(order: &'a [String], waits: &'a [Vec<String>]) -> WaitsByName<'a> {
    order
        .iter()
        .map(String::as_str)
        .zip(waits.iter().map(Vec::as_slice))
        .collect()
}

/// What each daemon of a run waits for, by name ([`waits_by_name`]).
type WaitsByName<'a> = HashMap<&'a str, &'a [String]>;

/// What `name` waits for, from [`waits_by_name`].
fn waits_of(waits: &WaitsByName, name: &str) -> Vec<String> {
    waits
        .get(name)
        .expect("the scheduler only asks about names of the order")
        .to_vec()
}

/// Reports `Begun` for `daemon`, unless `abort` has fired: then reports it
/// skipped and returns why.
fn begin_one(daemon: &str, reporter: &SharedReporter, abort: &AbortSignal) -> Option<Skip> {
    if abort.is_aborted() {
        let cause = Skip::Interrupted;
        reporter.report(&RunEvent::Skipped {
            daemon,
            cause: &cause,
        });
        return Some(cause);
    }
    reporter.report(&RunEvent::Begun { daemon });
    None
}

/// How many of a run's results pass `test`.
fn count_results<R>(results: &[(String, R)], test: fn(&R) -> bool) -> usize {
    results.iter().filter(|(_, result)| test(result)).count()
}

/// What to show a daemon waiting for: those of its direct neighbours
/// (`direct`) that it waits for, or, when it waits only through daemons
/// outside the run, all of `waits`.
fn nearest(direct: &[String], waits: &[String]) -> Vec<String> {
    let shown: Vec<String> = waits
        .iter()
        .filter(|name| direct.contains(name))
        .cloned()
        .collect();
    if shown.is_empty() {
        waits.to_vec()
    } else {
        shown
    }
}

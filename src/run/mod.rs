//! `up`, `down` and `restart` over a manifest's dependency plan: every
//! daemon starts as soon as all its dependencies are ready and stops only
//! after everything that depends on it, independent daemons in parallel
//! (one scoped thread each). A failure skips what depends on it; the rest
//! goes on. This module decides nothing about output: it sends
//! [`RunEvent`]s (its own, and each controller's [`crate::Event`]s wrapped
//! with the daemon's name) to one [`Reporter`], and returns typed reports.
//!
//! Files: `up.rs`, `down.rs`, `restart.rs` (the three runs), `schedule.rs`
//! (the parallel scheduler), `event.rs` and `outcome.rs` (public values).

mod down;
mod event;
mod outcome;
mod restart;
mod schedule;
mod up;

use std::sync::Arc;

pub use down::{down, stop_exactly};
pub use event::{Action, RunEvent, Summary};
pub use outcome::{DownReport, DownResult, Skip, UpReport, UpResult};
pub use restart::{RestartReport, restart};
pub use up::up;

use crate::controller::{AbortSignal, DaemonController};
use crate::error::Error;
use crate::manifest::Manifest;
use crate::plan::Plan;
use crate::report::Reporter;

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

/// True when the daemon `name` runs (a daemon whose controller cannot be
/// built does not).
pub fn is_running(manifest: &Manifest, name: &str) -> bool {
    manifest
        .controller_builder(name)
        .and_then(|builder| builder.build().ok())
        .is_some_and(|controller| controller.is_running())
}

/// Every daemon reachable from `name` through `next` (transitive
/// dependencies or dependents), without `name` itself.
fn reachable(plan: &Plan, name: &str, next: fn(&Plan, &str) -> Vec<String>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut stack = next(plan, name);
    while let Some(other) = stack.pop() {
        if other != name && !seen.contains(&other) {
            stack.extend(next(plan, &other));
            seen.push(other);
        }
    }
    seen
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

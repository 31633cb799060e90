//! `up` and its end for lease holders (`devup exec`, [`crate::session::Session`]):
//! [`up_leased`] takes a lease on each daemon of the set before bringing it
//! up (a daemon it starts is ephemeral); [`release`] ends the leases and
//! stops, dependents first, the ephemeral daemons of the set that nobody
//! else holds a lease on any more. Persistent daemons are never stopped.
//!
//! The release decides first, for every daemon, whether this holder is the
//! last one out (`controller/lease.rs`), taking the daemons' locks in the
//! order of their names so that two releases never wait on each other; it
//! keeps the locks of those it will stop, and then stops them as `down`
//! does.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::down::stop_with;
use super::up::up_with;
use super::{DownReport, SharedReporter, UpReport};
use crate::controller::{AbortSignal, Lease};
use crate::error::Error;
use crate::manifest::{Manifest, ManifestError};
use crate::plan::Plan;

/// The leases a holder took, one per daemon of its set that it got to.
#[derive(Debug, Default)]
pub struct Leases {
    held: Vec<Lease>,
}

impl Leases {
    /// The daemons leased, in the order the leases were taken.
    pub fn daemons(&self) -> Vec<&str> {
        self.held.iter().map(Lease::daemon).collect()
    }
}

/// Like [`super::up`], holding a lease on each daemon of the set from
/// before it is brought up: a daemon this starts is ephemeral. The leases
/// come back also when a start failed; hand them to [`release`].
pub fn up_leased(
    plan: &Plan,
    manifest: &Manifest,
    names: &[String],
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> Result<(UpReport, Leases), ManifestError> {
    let held = Mutex::new(Vec::new());
    let report = up_with(
        plan,
        manifest,
        names,
        &[],
        &[],
        reporter,
        abort,
        &|controller, check| {
            let lease = controller.lease()?;
            lock(&held).push(lease);
            controller.up_checked(true, check)
        },
    )?;
    let held = held
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    Ok((report, Leases { held }))
}

/// True when `DEVUP_KEEP=1` is set: `exec` and sessions stop nothing.
pub fn keep_from_env() -> bool {
    std::env::var_os("DEVUP_KEEP").is_some_and(|value| value == "1")
}

/// Ends `leases`. With `keep` (`DEVUP_KEEP=1`) nothing is stopped.
/// Otherwise the ephemeral daemons of which this was the last lease are
/// stopped, dependents first; `None` when there were none. Never aborted:
/// each stop is bounded by its `stop_timeout`.
pub fn release(
    plan: &Plan,
    manifest: &Manifest,
    leases: Leases,
    keep: bool,
    reporter: &SharedReporter,
) -> Result<Option<DownReport>, Error> {
    if keep {
        return Ok(None);
    }
    let mut held = leases.held;
    held.sort_by(|a, b| a.daemon().cmp(b.daemon()));
    let mut last = BTreeMap::new();
    let mut first_error = None;
    for lease in held {
        let name = lease.daemon().to_string();
        let claimed = manifest
            .controller_builder(&name)
            .ok_or_else(|| Error::Config {
                daemon: name.clone(),
                key: "daemons",
                reason: format!("no daemon `{name}` in {}", manifest.path.display()),
            })
            .and_then(|builder| builder.build())
            .and_then(|controller| controller.claim_last(lease));
        match claimed {
            Ok(Some(claim)) => {
                last.insert(name, claim);
            }
            Ok(None) => {}
            // The lease is gone all the same (dropped with the error).
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    if last.is_empty() {
        return first_error.map_or(Ok(None), Err);
    }
    let set: Vec<String> = last.keys().cloned().collect();
    let claims = Mutex::new(last);
    let report = stop_with(
        plan,
        manifest,
        &set,
        reporter,
        &AbortSignal::new(),
        &|name, controller| match lock(&claims).remove(name) {
            Some(claim) => controller.stop_last(claim),
            None => Ok(None),
        },
    );
    match first_error {
        Some(error) => Err(error),
        None => Ok(Some(report)),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

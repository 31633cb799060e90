//! [`Session`]: `devup exec` for Rust programs and test suites. A session
//! brings a set of daemons up holding a lease on each (SPEC §7) and, when it
//! ends, stops those that are ephemeral and no longer leased by anyone. Any
//! number of sessions, in any number of processes and threads, share their
//! daemons; the last one out stops them.
//!
//! A session that is never ended (a `static`, or a process that dies) still
//! loses its leases when its process exits, as the kernel drops them; its
//! ephemeral daemons then keep running, shown by `devup status` as
//! `ephemeral, no lease`, until the next session or `exec` of them ends (it
//! is the last one out, so it stops them) or `devdown`.
//! [`Session::end_at_exit`] ends a session that lives in a `static` when the
//! process exits normally.

use std::path::Path;
use std::sync::{Arc, Mutex, Once};

use crate::controller::AbortSignal;
use crate::error::Result;
use crate::manifest::{DaemonEntry, Manifest};
use crate::plan::Plan;
use crate::report::Reporter;
use crate::run::{self, DownResult, Leases, RunEvent, SharedReporter, UpResult};

/// Daemons of a manifest brought up and leased for as long as this value
/// lives. See the module documentation and SPEC §7.
///
/// ```no_run
/// # fn main() -> devup::Result<()> {
/// let session = devup::Session::up("daemons.yaml", &["redis"])?;
/// let redis = session.daemon("redis").expect("redis is in the session");
/// let port = &redis.env["REDIS_PORT"];
/// // ... talk to redis on `port` ...
/// # let _ = port;
/// session.end()?; // or drop it
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Session {
    manifest: Manifest,
    plan: Plan,
    /// The daemons of the session, in start order.
    set: Vec<String>,
    /// `None` once ended.
    leases: Mutex<Option<Leases>>,
}

impl Session {
    /// Loads the manifest at `manifest_path`, takes a lease on `names` (all
    /// daemons when empty) and what they depend on, and brings them up,
    /// starting (as ephemeral) those that do not run. When a start fails,
    /// the session ends at once (stopping what it started) and the start's
    /// error is returned.
    pub fn up(manifest_path: impl AsRef<Path>, names: &[&str]) -> Result<Session> {
        let manifest = Manifest::load(manifest_path.as_ref())?;
        let plan = manifest.plan();
        let names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
        let set = plan.start_order(&plan.up_set(&names)?);
        let reporter = silent();
        let (report, leases) =
            run::up_leased(&plan, &manifest, &names, &reporter, &AbortSignal::new())?;
        let session = Session {
            manifest,
            plan,
            set,
            leases: Mutex::new(Some(leases)),
        };
        let failure = report
            .daemons
            .into_iter()
            .find_map(|(_, result)| match result {
                UpResult::Failed(error) => Some(error),
                _ => None,
            });
        match failure {
            Some(error) => {
                let _ = session.end_ref();
                Err(error)
            }
            None => Ok(session),
        }
    }

    /// The resolved entry (ports in its `env` and `ping`, paths, ...) of
    /// `name`, when it is a daemon of this session.
    pub fn daemon(&self, name: &str) -> Option<&DaemonEntry> {
        if self.set.iter().any(|daemon| daemon == name) {
            self.manifest.daemon(name)
        } else {
            None
        }
    }

    /// The resolved entries of the session's daemons, in start order.
    pub fn daemons(&self) -> Vec<&DaemonEntry> {
        self.set
            .iter()
            .filter_map(|name| self.manifest.daemon(name))
            .collect()
    }

    /// The manifest the session was made from.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Ends the session: releases its leases and stops, dependents first,
    /// its ephemeral daemons that no other live lease holds. With
    /// `DEVUP_KEEP=1` nothing is stopped. The first stop error is returned
    /// (every stop is tried).
    pub fn end(self) -> Result<()> {
        self.end_ref()
    }

    /// Moves the session where it lives until the process exits, and ends it
    /// then (from an `atexit` hook: when `main` returns or
    /// `std::process::exit` is called, as the test harness does). For a
    /// session shared by the tests of one test binary in a `static`, which
    /// Rust never drops. A process killed by a signal does not run the hook;
    /// its leases go all the same (see the module documentation).
    pub fn end_at_exit(self) -> &'static Session {
        static HOOK: Once = Once::new();
        let session: &'static Session = Box::leak(Box::new(self));
        lock(&AT_EXIT).push(session);
        HOOK.call_once(|| {
            // `end_all_at_exit` never unwinds (it catches panics).
            crate::sys::atexit::register(end_all_at_exit);
        });
        session
    }

    fn end_ref(&self) -> Result<()> {
        let Some(leases) = lock(&self.leases).take() else {
            return Ok(());
        };
        let keep = run::keep_from_env();
        let reporter = silent();
        let report = run::release(&self.plan, &self.manifest, leases, keep, &reporter)?;
        let failure = report
            .into_iter()
            .flat_map(|report| report.daemons)
            .find_map(|(_, result)| match result {
                DownResult::Failed(error) => Some(error),
                _ => None,
            });
        failure.map_or(Ok(()), Err)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.end_ref();
    }
}

/// The sessions [`Session::end_at_exit`] ends.
static AT_EXIT: Mutex<Vec<&'static Session>> = Mutex::new(Vec::new());

extern "C" fn end_all_at_exit() {
    let _ = std::panic::catch_unwind(|| {
        let sessions: Vec<&'static Session> = std::mem::take(&mut *lock(&AT_EXIT));
        for session in sessions {
            let _ = session.end_ref();
        }
    });
}

/// Sessions print nothing: their errors come back as values.
struct Silent;

impl Reporter for Silent {
    fn report(&self, _event: &RunEvent<'_>) {}
}

fn silent() -> SharedReporter {
    Arc::new(Silent)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::Session;

    #[test]
    fn a_session_is_shareable_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Session>();
    }
}

//! `up`: start the daemon unless it runs. A daemon that runs but does not
//! answer its ping yet is being started by someone else (a devup killed in
//! the middle of a start): `up` waits for it, within `start_timeout`, rather
//! than start a second instance; if it dies meanwhile, `up` starts it. A
//! daemon that runs and is ready is found without taking the lock.
//!
//! `up` starts a *persistent* daemon and makes an ephemeral one it finds
//! persistent (under the lock, so that it cannot race the last lease holder
//! stopping it); [`DaemonController::up_ephemeral`], for a lease holder,
//! starts an *ephemeral* one and leaves the kind of a running one alone.

use std::time::{Duration, Instant};

use super::running::{self, PidCheck};
use super::state::StartedState;
use super::{DaemonController, Event, Ping, UpOutcome, ping_check, process};
use crate::error::{Error, Result, WaitingFor};

impl DaemonController {
    /// Starts the daemon unless it runs; when it runs but is not ready yet
    /// (another process is starting it), waits for it within `start_timeout`.
    pub fn up(&self) -> Result<UpOutcome> {
        self.up_checked(false, &|| Ok(()))
    }

    /// Like [`DaemonController::up`], for a holder of a [`super::Lease`]
    /// on the daemon: a daemon this starts is ephemeral (the last lease
    /// holder out stops it); a running one is left as it is.
    pub fn up_ephemeral(&self) -> Result<UpOutcome> {
        self.up_checked(true, &|| Ok(()))
    }

    /// [`DaemonController::up`] (or, when `ephemeral`, [`Self::up_ephemeral`]),
    /// calling `before_start` under the lock just before a start (not when
    /// the daemon runs already): an error from it fails the start before
    /// anything is spawned. `run` checks there that the daemon's
    /// dependencies still run (see docs/internals/races.md).
    pub(crate) fn up_checked(
        &self,
        ephemeral: bool,
        before_start: &dyn Fn() -> Result<()>,
    ) -> Result<UpOutcome> {
        // Fast path, without the lock: a daemon that runs and is ready is
        // left alone whoever started it. One check and one ping, nothing
        // waited for; anything else is decided under the lock (a corrupt
        // pid file beside the recorded daemon too: it is removed there).
        // The state file is read once, by the check.
        if let running::Inspection {
            check: PidCheck::Running { pid, start_ticks },
            corrupt: None,
            state,
            ..
        } = running::inspect(&self.spec)?
            && self.is_ready(pid, start_ticks, state.as_ref())
            && (ephemeral || !state.is_some_and(|state| state.pid == pid && state.ephemeral))
        {
            self.emit(Event::AlreadyRunning { pid });
            return Ok(UpOutcome::AlreadyRunning { pid });
        }
        let _lock = self.lock()?;
        // A daemon that runs but does not answer yet is being started by
        // someone else (a devup killed mid-start): wait for it. If it dies
        // meanwhile, start it.
        let check = running::check_removing_corrupt(&self.spec, |event| self.emit(event))?;
        if let PidCheck::Running { pid, start_ticks } = check
            && super::while_waiting(|| self.wait_until_responsive(pid, start_ticks))?
        {
            if !ephemeral {
                self.record_ephemeral(pid, false)?;
            }
            self.emit(Event::AlreadyRunning { pid });
            return Ok(UpOutcome::AlreadyRunning { pid });
        }
        before_start()?;
        // The check above holds for a daemon found not running (the lock
        // is held); one that died while awaited is looked at again.
        let started = match check {
            PidCheck::Running { .. } => self.start_locked()?,
            check => self.start_checked(check)?,
        };
        if ephemeral {
            self.record_ephemeral(started.pid, true)?;
        }
        Ok(UpOutcome::Started(started))
    }

    /// Records in the state file whether the running daemon `pid` is
    /// ephemeral; the caller holds the lock.
    fn record_ephemeral(&self, pid: u32, ephemeral: bool) -> Result<()> {
        let path = &self.spec.state_file;
        StartedState::set_ephemeral(path, pid, ephemeral).map_err(|source| {
            self.io_error(format!("writing the state file {}", path.display()), source)
        })
    }

    /// For a daemon that runs: true once its ping succeeds (at once when it
    /// does already), false when it exits first; a timeout after
    /// `start_timeout`. Nothing is spawned.
    fn wait_until_responsive(&self, pid: u32, start_ticks: u64) -> Result<bool> {
        let spec = &self.spec;
        let deadline = super::deadline::after(spec.start_timeout);
        let mut interval = Duration::from_millis(1);
        let mut told = false;
        loop {
            let alive = matches!(
                running::check(spec)?,
                PidCheck::Running { pid: now, start_ticks: ticks } if now == pid && ticks == start_ticks
            );
            if !alive {
                return Ok(false);
            }
            if self.responds(
                deadline
                    .saturating_duration_since(Instant::now())
                    .min(ping_check::COMMAND_TIMEOUT),
            ) {
                return Ok(true);
            }
            if !told {
                told = true;
                self.emit(Event::WaitingForPing { pid });
            }
            if self.abort.is_aborted() {
                return Err(Error::Interrupted {
                    daemon: spec.name.clone(),
                });
            }
            if Instant::now() >= deadline {
                return Err(Error::start_timeout(
                    spec.name.clone(),
                    spec.start_timeout,
                    WaitingFor::OtherStart { pid },
                    Default::default(),
                    Default::default(),
                ));
            }
            std::thread::sleep(interval);
            interval = (interval * 2).min(Duration::from_millis(50));
        }
    }

    /// Whether a daemon found running, without the lock, is ready: its ping
    /// answers; or, for a readiness that can only be seen during its start
    /// (no ping, `log`, `notify`), devup recorded this very process at the
    /// end of a start that succeeded (the state file is written only then).
    /// A daemon that another devup is still starting is neither. `state` is
    /// the state file as the check that found `pid` read it.
    fn is_ready(&self, pid: u32, start_ticks: u64, state: Option<&StartedState>) -> bool {
        match &self.spec.ping {
            None | Some(Ping::Log(_)) | Some(Ping::Notify) => state.is_some_and(|state| {
                state.pid == pid
                    && state.start_ticks == start_ticks
                    && state.boot_id == process::boot_id()
            }),
            Some(_) => self.responds(ping_check::CHECK_TIMEOUT),
        }
    }

    /// One ping attempt for a daemon that runs. Pings that only make sense
    /// during a start (`log`, `notify`) and no ping count as success.
    pub(crate) fn responds(&self, budget: Duration) -> bool {
        match &self.spec.ping {
            None | Some(Ping::Log(_)) | Some(Ping::Notify) => true,
            Some(ping) => {
                ping_check::attempt(&self.spec, ping, budget, &|| self.abort.is_aborted()).is_ok()
            }
        }
    }
}

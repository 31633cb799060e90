//! A handle on one process that devup may signal: opened only for a pid above
//! 1 whose start time is the expected one, it signals exactly that process
//! (through a pidfd, so a pid reused after the check is never hit) and waits
//! for it to be gone (pidfd + poll wakes when its last thread has exited;
//! without pidfd support, short polling). This is the only place that sends
//! signals to a daemon.

use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use super::process;
use crate::sys;

/// One live process, pinned by its start time.
#[derive(Debug)]
pub(crate) struct ProcessHandle {
    pid: u32,
    start_ticks: u64,
    pidfd: Option<OwnedFd>,
    /// It led its session when opened (a `daemonize: true` daemon does),
    /// so its process group is its pid for as long as it runs: a session
    /// leader cannot move to another group.
    leads_session: bool,
}

impl ProcessHandle {
    /// Opens `pid` if it is alive, above 1, and (when given) started at
    /// `start_ticks`; `None` otherwise.
    pub(crate) fn open(pid: u32, start_ticks: Option<u64>) -> Option<ProcessHandle> {
        if pid <= 1 || pid > i32::MAX as u32 {
            return None;
        }
        let pidfd = sys::process::pidfd_open(pid);
        // Checked after opening the pidfd: if this is the expected process
        // now, the pidfd refers to it for good.
        let stat = process::stat(pid).filter(|stat| stat.is_alive())?;
        if start_ticks.is_some_and(|ticks| ticks != stat.start_ticks) {
            return None;
        }
        Some(ProcessHandle {
            pid,
            start_ticks: stat.start_ticks,
            pidfd,
            leads_session: stat.session == pid && stat.pgid == pid,
        })
    }

    /// The process's pid.
    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    /// When the process started, in clock ticks since boot.
    pub(crate) fn start_ticks(&self) -> u64 {
        self.start_ticks
    }

    /// The process's identity ([`process::identity`]), read from the
    /// handle's own pidfd; `None` without one.
    pub(crate) fn identity(&self) -> Option<u64> {
        let stat = nix::sys::stat::fstat(self.pidfd.as_ref()?.as_fd()).ok()?;
        Some(stat.st_ino)
    }

    /// True while the process has not exited: one look at the pidfd, else
    /// at `/proc`.
    pub(crate) fn still_running(&self) -> bool {
        if self.pidfd.is_some() {
            !self.has_exited(Duration::ZERO)
        } else {
            self.is_alive()
        }
    }

    /// The pidfd, to poll on (readable once the process has exited).
    pub(crate) fn pidfd(&self) -> Option<RawFd> {
        self.pidfd.as_ref().map(AsRawFd::as_raw_fd)
    }

    /// True while the process runs (a zombie does not).
    pub(crate) fn is_alive(&self) -> bool {
        process::stat(self.pid)
            .is_some_and(|stat| stat.is_alive() && stat.start_ticks == self.start_ticks)
    }

    /// Sends `signal` to this process; Ok when it is already gone.
    pub(crate) fn signal(&self, signal: libc::c_int) -> std::io::Result<()> {
        let result = match &self.pidfd {
            Some(fd) => sys::process::pidfd_send_signal(fd.as_fd(), signal),
            // A pid above 1 that we just verified.
            None if self.is_alive() => sys::signal::kill(self.pid as i32, signal),
            None => return Ok(()),
        };
        match result {
            Err(error) if error.raw_os_error() != Some(libc::ESRCH) => Err(error),
            _ => Ok(()),
        }
    }

    /// Sends `signal` to the process group this process leads; when it does
    /// not lead one (its pgid is not its pid), to the process alone.
    pub(crate) fn signal_group(&self, signal: libc::c_int) -> std::io::Result<()> {
        // A session leader whose pidfd says it has not exited still leads
        // its group (one `poll`); otherwise `/proc` is asked.
        let leads = if self.leads_session && self.pidfd.is_some() {
            !self.has_exited(Duration::ZERO)
        } else {
            process::stat(self.pid).is_some_and(|stat| {
                stat.is_alive() && stat.start_ticks == self.start_ticks && stat.pgid == self.pid
            })
        };
        if !leads {
            return self.signal(signal);
        }
        // A group id above 1 led by the verified process.
        match sys::signal::killpg(self.pid, signal) {
            Err(error) if error.raw_os_error() != Some(libc::ESRCH) => Err(error),
            _ => Ok(()),
        }
    }

    /// Waits until the process is gone or `timeout` passes; true when gone.
    pub(crate) fn wait_gone(&self, timeout: Duration) -> bool {
        let deadline = super::deadline::after(timeout);
        if self.pidfd.is_some() {
            // One poll per wake-up, which answers at once for a process
            // already gone (and a last look once the time is up).
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                if self.has_exited(left) {
                    return true;
                }
                if left.is_zero() {
                    return false;
                }
            }
        }
        let mut interval = Duration::from_millis(1);
        loop {
            if self.has_exited(Duration::ZERO) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            std::thread::sleep(interval.min(left));
            interval = (interval * 2).min(Duration::from_millis(5));
        }
    }

    /// Whether the process has exited, waiting up to `wait` for it. With a
    /// pidfd, exited means every thread of it has (the pidfd turns readable
    /// then): a leader thread already a zombie while another thread still
    /// closes the process's files, its listening socket say, has not.
    /// Without one, a process that is a zombie or gone has exited.
    fn has_exited(&self, wait: Duration) -> bool {
        let Some(fd) = &self.pidfd else {
            return !self.is_alive();
        };
        let millis = if wait.is_zero() {
            0
        } else {
            wait.as_millis().clamp(1, i32::MAX as u128) as i32
        };
        sys::poll::readable(&[fd.as_raw_fd()], millis) > 0
    }
}

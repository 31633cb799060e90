//! Running one process and measuring it whole: wall time from just before
//! the spawn to just after the reap, and the kernel's own accounting from
//! `wait4` (user and system CPU, peak resident set size).

use std::fs::File;
use std::io;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one finished process cost.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    /// From just before spawning to just after reaping.
    pub wall: Duration,
    /// User plus system CPU time of the process (and of any children it
    /// reaped itself).
    pub cpu: Duration,
    /// Peak resident set size in KiB (`ru_maxrss`).
    pub max_rss_kib: u64,
    /// The exit code, or 128 + the signal that killed it.
    pub code: i32,
}

/// A spawned process that [`Running::wait`] reaps with `wait4`.
pub struct Running {
    pid: libc::pid_t,
    started: Instant,
}

/// Spawns `command` with stdin from /dev/null and stdout and stderr appended
/// to `output` (a file, never a pipe: a daemon that inherits a pipe would
/// keep its reader waiting).
pub fn spawn(command: &mut Command, output: &Path) -> io::Result<Running> {
    let out = File::options().create(true).append(true).open(output)?;
    let err = out.try_clone()?;
    command
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err));
    let started = Instant::now();
    let child = command.spawn()?;
    let pid = libc::pid_t::try_from(child.id()).map_err(io::Error::other)?;
    // `Child` never waits on drop; this pid is reaped by `wait` below.
    drop(child);
    Ok(Running { pid, started })
}

impl Running {
    /// When it was spawned.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Waits for the process to exit and returns what it cost.
    pub fn wait(self) -> io::Result<Measured> {
        let mut status = 0;
        // SAFETY: a zeroed rusage is a valid value of this plain C struct.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        loop {
            // SAFETY: `status` and `usage` are valid for writes; `pid` is our
            // own unreaped child, so this reaps nothing else.
            let reaped = unsafe { libc::wait4(self.pid, &mut status, 0, &mut usage) };
            if reaped == self.pid {
                break;
            }
            let error = io::Error::last_os_error();
            if error.kind() != io::ErrorKind::Interrupted {
                return Err(error);
            }
        }
        let wall = self.started.elapsed();
        let code = if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            128 + libc::WTERMSIG(status)
        };
        Ok(Measured {
            wall,
            cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
            max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
            code,
        })
    }
}

fn timeval(time: libc::timeval) -> Duration {
    let secs = u64::try_from(time.tv_sec).unwrap_or(0);
    let micros = u32::try_from(time.tv_usec).unwrap_or(0);
    Duration::from_secs(secs) + Duration::from_micros(u64::from(micros))
}

/// Sends `signal` to `pid` (never to 0, 1 or a group).
pub fn signal(pid: libc::pid_t, signal: libc::c_int) {
    if pid > 1 {
        // SAFETY: kill has no memory effects; pid > 1 names one process.
        unsafe { libc::kill(pid, signal) };
    }
}

//! The parent's side of one start tree (see `spawn.rs`): the records the
//! helper H writes on the report pipe (G spawned, a process of the tree
//! exited, all gone, exec failed), and the two ways a start tree ends:
//! `release` after a successful start (H goes, the daemon stays, adopted by
//! init) and `kill_all` after a failed one (every process of the tree gets
//! SIGTERM, then SIGKILL after the grace period, until none is left).

use std::collections::HashSet;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use super::handle::ProcessHandle;
use super::reaper;
use super::{AbortSignal, process};
use crate::sys;

use crate::sys::start_helper::HelperMemory;
pub(crate) use crate::sys::start_helper::Record;

/// What H reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Report {
    /// The start command was forked with this pid.
    Spawned(u32),
    /// A process of the tree ended with this raw wait status.
    Exited { pid: u32, status: libc::c_int },
    /// No process of the tree is left.
    AllGone,
    /// The start command could not be executed (errno); `in_chdir` when
    /// changing to its directory failed.
    ExecFailed { errno: i32, in_chdir: bool },
    /// H could not fork (errno).
    ForkFailed(i32),
    /// The pipe closed without `AllGone`: H died.
    HelperDied,
}

/// The helper of one start and its report pipe.
#[derive(Debug)]
pub(crate) struct StartTree {
    helper: u32,
    reports: OwnedFd,
    pending: Vec<u8>,
    closed: bool,
    all_gone: bool,
    reaped: bool,
    /// What H runs on (it may share devup's memory): kept until H is reaped.
    memory: Option<HelperMemory>,
}

impl StartTree {
    pub(crate) fn new(
        helper: u32,
        reports: OwnedFd,
        memory: HelperMemory,
    ) -> std::io::Result<StartTree> {
        sys::fd::set_nonblocking(reports.as_fd());
        lock_helpers().push(helper);
        Ok(StartTree {
            helper,
            reports,
            pending: Vec::new(),
            closed: false,
            all_gone: false,
            reaped: false,
            memory: Some(memory),
        })
    }

    /// The helper's pid: a process whose parent it is cannot exit unseen
    /// (the helper reaps it and reports its exit), so its pid is not reused
    /// before that report.
    pub(crate) fn helper(&self) -> u32 {
        self.helper
    }

    /// The report pipe, to poll on.
    pub(crate) fn fd(&self) -> RawFd {
        self.reports.as_raw_fd()
    }

    /// True once the pipe reached its end (H and every copy of its end gone).
    pub(crate) fn is_closed(&self) -> bool {
        self.closed
    }

    /// The reports that arrived since the last call (never blocks).
    pub(crate) fn read_reports(&mut self) -> Vec<Report> {
        let mut buffer = [0u8; Record::SIZE * 64];
        let mut reports = Vec::new();
        while !self.closed {
            match sys::fd::read(self.reports.as_fd(), &mut buffer) {
                Ok(0) => self.closed = true,
                Ok(read) => {
                    self.pending.extend_from_slice(&buffer[..read]);
                    continue;
                }
                Err(error) if error.raw_os_error() == Some(libc::EINTR) => continue,
                Err(_) => {}
            }
            break;
        }
        let whole = self.pending.len() / Record::SIZE * Record::SIZE;
        for record in self
            .pending
            .drain(..whole)
            .collect::<Vec<_>>()
            .chunks(Record::SIZE)
        {
            let field = |at: usize| i32::from_ne_bytes(record[at..at + 4].try_into().unwrap());
            let (kind, pid, value) = (field(0) as u32, field(4), field(8));
            reports.push(match kind {
                Record::SPAWNED => Report::Spawned(pid as u32),
                Record::EXITED => Report::Exited {
                    pid: pid as u32,
                    status: value,
                },
                Record::ALL_GONE => Report::AllGone,
                Record::EXEC_FAILED => Report::ExecFailed {
                    errno: value,
                    in_chdir: pid == Record::DURING_CHDIR,
                },
                _ => Report::ForkFailed(value),
            });
        }
        self.all_gone |= reports.contains(&Report::AllGone);
        if self.closed && !self.all_gone {
            reports.push(Report::HelperDied);
        }
        reports
    }

    /// Ends the helper after a successful start: the daemon and whatever
    /// else still runs are adopted by init and live on. The helper is sent
    /// SIGKILL but not waited for: a killed process takes a scheduling
    /// round to die, which is not the start's to wait for. A helper not yet
    /// gone is reaped by the process's reaping thread (or here, when no
    /// thread can be made), so a host program keeps no zombie.
    pub(crate) fn release(mut self) {
        self.reaped = true;
        // H is our own unreaped child, so its pid cannot be anyone else's.
        let _ = sys::signal::kill(self.helper as i32, libc::SIGKILL);
        forget_helper(self.helper);
        if sys::process::try_reap(self.helper) {
            return;
        }
        // H may share devup's memory: its memory is freed only once it is
        // reaped, by the one thread that reaps released helpers.
        if let Err((helper, memory)) = reaper::hand_over(self.helper, self.memory.take()) {
            sys::process::reap(helper);
            drop(memory);
        }
    }

    /// Ends every process of the tree: SIGTERM (SIGKILL at once when `abort`
    /// says so), then SIGKILL after `grace`, rescanning H's descendants
    /// each round, because processes may fork meanwhile, until H reports
    /// that it has no child left. That report, not a scan of `/proc` (which
    /// can miss a process whose parent exits during the scan), ends the
    /// loop: every orphan of the start was reparented to H, so H without
    /// children means nothing of the start runs.
    pub(crate) fn kill_all(mut self, grace: Duration, abort: &AbortSignal) {
        let started = Instant::now();
        let mut signal = libc::SIGTERM;
        let mut signalled: HashSet<(u32, u64)> = HashSet::new();
        let mut interval = Duration::from_millis(1);
        loop {
            let _ = self.read_reports();
            let elapsed = started.elapsed();
            // Past grace + 10 s the rest is unkillable (uninterruptible
            // sleep): give up rather than hang.
            if self.all_gone
                || self.closed
                || elapsed >= grace.saturating_add(Duration::from_secs(10))
            {
                break;
            }
            if signal == libc::SIGTERM && (elapsed >= grace || abort.is_killed()) {
                signal = libc::SIGKILL;
                signalled.clear();
            }
            let tree = process::descendants(self.helper);
            let members: HashSet<u32> = tree.iter().map(|(pid, _)| *pid).collect();
            for (pid, ppid) in &tree {
                let Some(handle) = ProcessHandle::open(*pid, None) else {
                    continue;
                };
                // Opened after the scan: still ours only if its parent still
                // is H or another process of the tree.
                let Some(stat) = process::stat(*pid) else {
                    continue;
                };
                let still_ours = stat.ppid == *ppid
                    && (stat.ppid == self.helper || members.contains(&stat.ppid));
                if still_ours && signalled.insert((*pid, stat.start_ticks)) {
                    let _ = handle.signal(signal);
                }
            }
            sys::poll::readable(&[self.reports.as_raw_fd()], interval.as_millis() as i32);
            interval = (interval * 2).min(Duration::from_millis(20));
        }
        self.end_helper();
    }

    fn end_helper(&mut self) {
        if self.reaped {
            return;
        }
        self.reaped = true;
        // H is our own unreaped child, so its pid cannot be anyone else's.
        let _ = sys::signal::kill(self.helper as i32, libc::SIGKILL);
        forget_helper(self.helper);
        sys::process::reap(self.helper);
    }
}

impl Drop for StartTree {
    fn drop(&mut self) {
        // A start that ended by unwinding: never leave H as a zombie.
        self.end_helper();
    }
}

/// The helpers of this process's starts that are not killed yet. A helper
/// holds a copy of the host process's descriptors from its clone until its
/// `close_range`, so a scan for who holds a socket may find it beside the
/// host: such a scan leaves these out ([`is_live_helper`]).
static LIVE_HELPERS: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

fn lock_helpers() -> std::sync::MutexGuard<'static, Vec<u32>> {
    LIVE_HELPERS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Removes a helper that was just sent SIGKILL (before it is reaped, so
/// that its pid is never taken for a helper once reused).
fn forget_helper(helper: u32) {
    lock_helpers().retain(|&pid| pid != helper);
}

/// True when `pid` is the helper of a start of this process.
pub(crate) fn is_live_helper(pid: u32) -> bool {
    lock_helpers().contains(&pid)
}

//! The parent's side of one start tree (see `spawn.rs`): the records the
//! helper H writes on the report pipe (G spawned, a process of the tree
//! exited, all gone, exec failed), and the two ways a start tree ends:
//! `release` after a successful start (H goes, the daemon stays, adopted by
//! init) and `kill_all` after a failed one (every process of the tree gets
//! SIGTERM, then SIGKILL after the grace period, until none is left).

use std::collections::HashSet;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use super::handle::ProcessHandle;
use super::{AbortSignal, process};

/// One fixed-size record on the report pipe.
pub(crate) struct Record;

impl Record {
    /// G was forked: `pid` is its pid.
    pub(crate) const SPAWNED: u32 = 1;
    /// A process of the tree was reaped: `pid`, `value` = raw wait status.
    pub(crate) const EXITED: u32 = 2;
    /// H has no children left.
    pub(crate) const ALL_GONE: u32 = 3;
    /// G could not start the command: `pid` = stage, `value` = errno.
    pub(crate) const EXEC_FAILED: u32 = 4;
    /// H could not fork G: `value` = errno.
    pub(crate) const FORK_FAILED: u32 = 5;
    /// Stage of `EXEC_FAILED`: changing to the daemon's directory.
    pub(crate) const DURING_CHDIR: i32 = 0;
    /// Stage of `EXEC_FAILED`: execve.
    pub(crate) const DURING_EXEC: i32 = 1;
    /// Bytes per record.
    pub(crate) const SIZE: usize = 16;

    /// The bytes of one record (no allocation: H calls this after fork).
    pub(crate) fn encode(kind: u32, pid: i32, value: i32) -> [u8; Self::SIZE] {
        let mut bytes = [0u8; Self::SIZE];
        bytes[0..4].copy_from_slice(&kind.to_ne_bytes());
        bytes[4..8].copy_from_slice(&pid.to_ne_bytes());
        bytes[8..12].copy_from_slice(&value.to_ne_bytes());
        bytes
    }
}

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
}

impl StartTree {
    pub(crate) fn new(helper: u32, reports: OwnedFd) -> std::io::Result<StartTree> {
        // SAFETY: fcntl on a descriptor we own.
        unsafe {
            let flags = libc::fcntl(reports.as_raw_fd(), libc::F_GETFL);
            libc::fcntl(reports.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
        Ok(StartTree {
            helper,
            reports,
            pending: Vec::new(),
            closed: false,
            all_gone: false,
            reaped: false,
        })
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
            // SAFETY: reading into our own buffer from our own descriptor.
            let read = unsafe {
                libc::read(
                    self.reports.as_raw_fd(),
                    buffer.as_mut_ptr().cast(),
                    buffer.len(),
                )
            };
            if read > 0 {
                self.pending.extend_from_slice(&buffer[..read as usize]);
                continue;
            }
            if read == 0 {
                self.closed = true;
            } else if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
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
    /// else still runs are adopted by init and live on.
    pub(crate) fn release(mut self) {
        self.end_helper();
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
            let mut poll = libc::pollfd {
                fd: self.reports.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one pollfd that lives across the call.
            unsafe { libc::poll(&mut poll, 1, interval.as_millis() as libc::c_int) };
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
        // SAFETY: kill and waitpid on our own child (pid > 1).
        unsafe {
            libc::kill(self.helper as libc::pid_t, libc::SIGKILL);
            let mut status = 0;
            while libc::waitpid(self.helper as libc::pid_t, &mut status, 0) < 0
                && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR)
            {}
        }
    }
}

impl Drop for StartTree {
    fn drop(&mut self) {
        // A start that ended by unwinding: never leave H as a zombie.
        self.end_helper();
    }
}

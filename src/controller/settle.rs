//! The last look at a daemon before its start is called ready, taken while
//! the start tree still reports every exit (`start.rs` calls it twice: once
//! when the wait found it ready, once after the state file is written, just
//! before the tree lets the daemon go). A daemon whose exit is reported, or
//! whose process is gone, fails its start: it is never reported ready and
//! then found dead (SPEC §4: one terminal event a daemon), and nothing that
//! depends on it starts on the strength of a readiness that did not hold.
//!
//! A `daemonize: true` daemon without a ping is ready when it was executed
//! and is alive, which a program that exits at once (a bad option,
//! `start: [true]`) also is for a moment. So its first look waits until it
//! has *settled*: it waits in the kernel for something (state `S` or `T`
//! in `/proc/PID/stat`: a server in `accept` or `poll`, a script in
//! `wait`), or has exited. That is a condition, not a fixed delay: a
//! daemon that still computes after [`SETTLE_GRACE`] is taken as ready.

use std::time::{Duration, Instant};

use super::process;
use super::start_tree::{Report, StartTree};
use crate::error::{ExitStatus, StartFailure};

/// How long a daemon without a ping may keep computing before it is taken
/// as ready all the same (it is alive; it just never waited yet).
const SETTLE_GRACE: Duration = Duration::from_secs(1);

/// How long a daemon found dead may take to have its exit reported by the
/// start tree (whose reaper takes it at once), so the failure names its status.
const EXIT_REPORT_GRACE: Duration = Duration::from_millis(100);

/// Ok when the daemon `pid` (started at `start_ticks`) still runs and, with
/// `settle`, has settled (or computed past the grace); the failure when it
/// exited.
pub(super) fn confirm(
    tree: &mut StartTree,
    pid: u32,
    start_ticks: u64,
    settle: bool,
) -> Result<(), StartFailure> {
    let since = Instant::now();
    let mut dead_since = None;
    loop {
        for report in tree.read_reports() {
            if let Report::Exited {
                pid: exited,
                status,
            } = report
                && exited == pid
            {
                return Err(StartFailure::DaemonExited(ExitStatus::from_wait_status(
                    status,
                )));
            }
        }
        let stat = process::stat(pid).filter(|stat| stat.start_ticks == start_ticks);
        match stat {
            Some(stat) if stat.is_alive() => {
                let settled = matches!(stat.state, b'S' | b'T' | b't');
                if !settle || settled || since.elapsed() >= SETTLE_GRACE {
                    return Ok(());
                }
            }
            _ => {
                let dead_since = *dead_since.get_or_insert_with(Instant::now);
                if tree.is_closed() || dead_since.elapsed() >= EXIT_REPORT_GRACE {
                    return Err(StartFailure::DiedBeforeReady { pid: Some(pid) });
                }
            }
        }
        // Woken at once by a report (the daemon's exit); else a millisecond.
        let fds: &[_] = if tree.is_closed() { &[] } else { &[tree.fd()] };
        crate::sys::poll::readable(fds, 1);
    }
}

//! A pid file the start's wait loop has checked in full (`running::check`)
//! and found naming the live daemon, and when a later turn may take that
//! verdict again without checking it anew: while the pid file is the very
//! file it was (same inode, size and change times, one `lstat`; and, while
//! those times are too recent to tell a rewrite within the same clock tick,
//! the same pid when read again) and the daemon is the start helper's own
//! child. Such a child cannot exit unseen
//! (the helper reaps it and reports the exit on the report pipe, which makes
//! the loop check in full again), so its pid names the same process until
//! then. A daemon that is not the helper's child (its start command still
//! runs, or it lives outside the start tree) is checked in full each turn.

use std::path::Path;
use std::time::{Duration, SystemTime};

use super::pid_file::{self, PidFileContent, Stamp};
use super::process;

/// File systems stamp a write with a coarse clock (a tick, up to 10 ms;
/// a second or two on some): a pid file rewritten in place that soon after
/// its last write, with a pid of the same length, can keep its stamp. Until
/// its stamp is this old, the pid is read again too (running.rs allows the
/// same slack for coarse modification times).
const STAMP_SETTLES: Duration = Duration::from_secs(1);

/// A full check's verdict: the pid file, as it was when it was checked,
/// named this live process, a child of the start helper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SeenPid {
    stamp: Stamp,
    pid: u32,
    start_ticks: u64,
    /// After this, the stamp alone tells a rewrite.
    settled_at: SystemTime,
}

impl SeenPid {
    /// Remembers that `pid` (started at `start_ticks`) was found running,
    /// `stamp` being the pid file's stamp taken before that check; `None`
    /// when the verdict cannot be taken again (no stamp, or the process is
    /// not `helper`'s child).
    pub(crate) fn remember(
        stamp: Option<Stamp>,
        pid: u32,
        start_ticks: u64,
        helper: u32,
    ) -> Option<SeenPid> {
        let stamp = stamp?;
        let stat = process::stat(pid)?;
        (stat.ppid == helper && stat.start_ticks == start_ticks).then_some(SeenPid {
            stamp,
            pid,
            start_ticks,
            settled_at: stamp.modified() + STAMP_SETTLES,
        })
    }

    /// The remembered pid and start time, when the pid file at `path` is
    /// still the file that was checked.
    pub(crate) fn again(&self, path: &Path) -> Option<(u32, u64)> {
        if pid_file::stamp(path)? != self.stamp {
            return None;
        }
        let same = SystemTime::now() >= self.settled_at
            || matches!(pid_file::read(path), Ok(PidFileContent::Pid { pid, .. }) if pid == self.pid);
        same.then_some((self.pid, self.start_ticks))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verdict_holds_while_the_pid_file_is_the_same_file_and_not_after_a_rewrite() {
        let dir = std::env::temp_dir().join(format!("devup-seen-pid-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("d.pid");
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id();
        std::fs::write(&path, format!("{pid}\n")).unwrap();
        let start_ticks = process::stat(pid).unwrap().start_ticks;
        let own = crate::sys::process::own_pid() as u32;
        let seen = SeenPid::remember(pid_file::stamp(&path), pid, start_ticks, own).unwrap();
        assert_eq!(seen.again(&path), Some((pid, start_ticks)));
        // Rewritten in place at once with a pid of the same length: the
        // stamp may well be the same (a coarse clock), the pid is not.
        let other = pid / 10 * 10 + (pid % 10 + 1) % 10;
        std::fs::write(&path, format!("{other}\n")).unwrap();
        assert_eq!(seen.again(&path), None);
        // Rewritten with other content (a new size).
        std::fs::write(&path, format!("{own}\n\n")).unwrap();
        assert_eq!(seen.again(&path), None);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(seen.again(&path), None);
        // Not this helper's child: nothing to remember.
        assert_eq!(
            SeenPid::remember(pid_file::stamp(&dir), pid, start_ticks, 1),
            None
        );
        child.kill().unwrap();
        child.wait().unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

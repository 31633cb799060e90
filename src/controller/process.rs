//! What the kernel says about a process, read from `/proc/PID/stat`: is it
//! alive (a zombie is dead), who is its parent, its process group, and when
//! it started. The start time, in clock ticks since boot, is what tells a
//! process from a later one that reuses its pid. Nothing here sends signals.

use std::time::{Duration, SystemTime};

use crate::sys;

/// The fields of `/proc/PID/stat` devup needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProcStat {
    /// `R`, `S`, `D`, `Z`, `T`...
    pub state: u8,
    /// The parent's pid.
    pub ppid: u32,
    /// The process group.
    pub pgid: u32,
    /// The session.
    pub session: u32,
    /// When it started, in clock ticks since boot (field 22).
    pub start_ticks: u64,
}

impl ProcStat {
    /// False for zombies (`Z`) and dead tasks (`X`): they run no code.
    pub(crate) fn is_alive(&self) -> bool {
        !matches!(self.state, b'Z' | b'X' | b'x')
    }
}

/// Reads `/proc/PID/stat`; `None` when there is no such process.
pub(crate) fn stat(pid: u32) -> Option<ProcStat> {
    use std::io::Read;
    // One read into a stack buffer: the kernel produces the whole line on
    // the first read, and it is well under 1 KiB (the command name is at
    // most 64 bytes, the 50 numbers at most 21 bytes each).
    let mut file = std::fs::File::open(format!("/proc/{pid}/stat")).ok()?;
    let mut buffer = [0u8; 1536];
    let read = file.read(&mut buffer).ok()?;
    if read == buffer.len() {
        // Never seen; read the rest rather than parse half a line.
        let mut text = buffer.to_vec();
        file.read_to_end(&mut text).ok()?;
        return parse_stat(std::str::from_utf8(&text).ok()?);
    }
    parse_stat(std::str::from_utf8(&buffer[..read]).ok()?)
}

fn parse_stat(text: &str) -> Option<ProcStat> {
    // The command name (field 2) is in parentheses and may itself hold
    // spaces and parentheses: the fields that follow start after the last ')'.
    // Read in one pass, without collecting the fields: this runs on every
    // check of a pid.
    let mut fields = text[text.rfind(')')? + 1..].split_ascii_whitespace();
    let state = *fields.next()?.as_bytes().first()?;
    let ppid = fields.next()?.parse().ok()?;
    let pgid = fields.next()?.parse().ok()?;
    let session = fields.next()?.parse().ok()?;
    // Field 22 (start time) is the 16th after the session (field 6).
    let start_ticks = fields.nth(15)?.parse().ok()?;
    Some(ProcStat {
        state,
        ppid,
        pgid,
        session,
        start_ticks,
    })
}

/// How long ago a process that started at `start_ticks` started.
pub(crate) fn age(start_ticks: u64) -> Duration {
    let started = Duration::from_millis(start_ticks * 1000 / sys::clock::ticks_per_second());
    sys::clock::since_boot().saturating_sub(started)
}

/// The wall-clock time at which a process that started at `start_ticks`
/// started: now minus its age. Precise to a clock tick (10 ms).
pub(crate) fn start_time(start_ticks: u64) -> SystemTime {
    SystemTime::now()
        .checked_sub(age(start_ticks))
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

/// A number that names the process `pid` and no other process of this boot:
/// the inode of a pidfd of it, which pidfs (Linux 6.9+) gives each process
/// anew, even one that reuses a pid within the same clock tick (which start
/// ticks cannot tell apart). On older kernels every pidfd shares one inode,
/// so the number says nothing (it is always equal), and it is `None` when
/// no pidfd can be opened.
pub(crate) fn identity(pid: u32) -> Option<u64> {
    if pid <= 1 || pid > i32::MAX as u32 {
        return None;
    }
    let fd = sys::process::pidfd_open(pid)?;
    let file = std::fs::File::from(fd);
    use std::os::unix::fs::MetadataExt;
    file.metadata().ok().map(|meta| meta.ino())
}

/// The kernel's boot id: start ticks compare only within one boot. Read
/// once per process (it cannot change while the process runs).
pub(crate) fn boot_id() -> &'static str {
    static BOOT_ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BOOT_ID.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .map(|id| id.trim().to_string())
            .unwrap_or_default()
    })
}

/// Every live process whose chain of parents leads to `root` (not `root`
/// itself), with its parent, found by one scan of `/proc`.
pub(crate) fn descendants(root: u32) -> Vec<(u32, u32)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let all: Vec<(u32, ProcStat)> = entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
        .filter_map(|pid| Some((pid, stat(pid)?)))
        .collect();
    let mut tree = vec![root];
    let mut index = 0;
    while index < tree.len() {
        let parent = tree[index];
        for (pid, stat) in &all {
            if stat.ppid == parent && !tree.contains(pid) {
                tree.push(*pid);
            }
        }
        index += 1;
    }
    all.iter()
        .filter(|(pid, stat)| stat.is_alive() && *pid != root && tree.contains(pid))
        .map(|(pid, stat)| (*pid, stat.ppid))
        .collect()
}

/// Whether process group `pgid` (above 1) has any member, zombies included;
/// one system call, no scan of `/proc`.
pub(crate) fn group_exists(pgid: u32) -> bool {
    if pgid <= 1 || pgid > i32::MAX as u32 {
        return false;
    }
    // Signal 0 sends nothing, it only checks that the group exists; -pgid
    // with pgid above 1 names a process group, never every process.
    match sys::signal::kill(-(pgid as i32), 0) {
        Ok(()) => true,
        Err(error) => error.raw_os_error() != Some(libc::ESRCH),
    }
}

/// Whether this process may send signals to `pid` (above 1): false when
/// the kernel answers EPERM, i.e. the process belongs to another user. A
/// process devup cannot signal is never its daemon (it could not stop it).
pub(crate) fn can_signal(pid: u32) -> bool {
    if pid <= 1 || pid > i32::MAX as u32 {
        return false;
    }
    // Signal 0 sends nothing, it only checks permission and existence; a
    // pid above 1 names one process, never a group.
    match sys::signal::kill(pid as i32, 0) {
        Ok(()) => true,
        Err(error) => error.raw_os_error() != Some(libc::EPERM),
    }
}

/// The live (non-zombie) members of process group `pgid`, from a scan of
/// its own. (A stop uses `group_scan::live_members`, which shares scans.)
#[allow(dead_code)] // kept for callers that need a scan of their own
pub(crate) fn group_members(pgid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
        .filter(|pid| stat(*pid).is_some_and(|stat| stat.pgid == pgid && stat.is_alive()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_name_with_parentheses_and_spaces() {
        let line = "42 (a (b) c) S 7 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 12345 0 0";
        let stat = parse_stat(line).unwrap();
        assert_eq!(stat.state, b'S');
        assert_eq!(stat.ppid, 7);
        assert_eq!(stat.pgid, 42);
        assert_eq!(stat.start_ticks, 12345);
    }

    #[test]
    fn this_process_is_alive_and_started_in_the_past() {
        let me = stat(std::process::id()).unwrap();
        assert!(me.is_alive());
        assert!(start_time(me.start_ticks) <= SystemTime::now());
    }
}

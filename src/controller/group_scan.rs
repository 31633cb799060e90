//! The live members of a process group, from a scan of the processes shared
//! by the stops that run at once. After the leader of a `daemonize: true`
//! daemon is gone its group may still exist (the zombie leader, until init
//! reaps it, which some inits do seconds later), and then only a scan tells
//! whether a member still runs: for a `down` of N daemons in parallel that
//! was N scans of every process on the machine. A scan that began after a
//! caller asked reflects the state after its leader died, so every caller
//! that asked before it began takes its answer: a group with no live member
//! in it cannot gain one later (only a member can fork a new member).
//! Scans are serialized; a caller that arrives during one waits for it,
//! then either takes its answer or (if it asked after it began) makes the
//! next.
//!
//! A full scan reads `/proc` and asks each process only for its group
//! (`getpgid`, one system call and no text to format, where
//! `/proc/PID/stat` is three and a page of text): its answer is every
//! process by group, zombies included. A scan soon after a full one asks
//! only the pids the kernel handed out since the scan before the last
//! (`/proc/sys/kernel/ns_last_pid` before each scan; pids are handed out in
//! turn, wrapping at `pid_max`): a process alive now either was seen then
//! or got one of those pids. Looking twice at each new pid covers a fork
//! whose pid was handed out but whose process was not yet visible at the
//! first look. A scan is full again every [`FULL_EVERY`], when the count of
//! new pids is large or wrapped past the last, and wherever `ns_last_pid`
//! cannot be read. A caller then reads `stat` only for the members of its
//! own group (usually just the zombie leader) to drop the zombies and
//! those gone since. While several callers ask at once, scans are at least
//! [`PACE`] apart.
//!
//! In a `down` of 400 daemons on a machine of 500 processes, every scan was
//! full: about 100 of them, of about 1 ms each (a fifth of devup's CPU).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::process;

/// The last scan: when it began, and the processes of every group.
struct Scan {
    began: Instant,
    /// When the last full scan began.
    full_began: Instant,
    /// The last pid handed out before this scan and before the one before
    /// it (`None` where it cannot be read): an update asks the pids after
    /// the older one.
    last_pids: Option<(u32, u32)>,
    groups: HashMap<u32, Vec<u32>>,
}

static LAST: Mutex<Option<Scan>> = Mutex::new(None);

/// The least time between two scans while several callers ask at once.
const PACE: Duration = Duration::from_millis(2);

/// How long scans may only add the new pids to the last full scan: a bound
/// on what a process that left the group (or joined it from another group
/// of its session) may hide, and on the count of pids handed out meanwhile.
const FULL_EVERY: Duration = Duration::from_millis(100);

/// More new pids than this since the scan before the last: a full scan.
const MOST_NEW: u32 = 2048;

/// How many callers are in [`live_members`] now.
static ASKING: AtomicUsize = AtomicUsize::new(0);

/// One caller counted in [`ASKING`] while it lives.
struct Asking;

impl Asking {
    fn begin() -> Asking {
        ASKING.fetch_add(1, Ordering::SeqCst);
        Asking
    }
}

impl Drop for Asking {
    fn drop(&mut self) {
        ASKING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The live (non-zombie) members of group `pgid` but its leader, which
/// the caller saw exit before `asked`, from a scan that began no earlier
/// than `asked`. (The leader's pid cannot name another process while its
/// group has members.)
pub(crate) fn live_members(pgid: u32, asked: Instant) -> Vec<u32> {
    let _asking = Asking::begin();
    let mut candidates = loop {
        let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
        let since_last = match last.as_ref() {
            Some(scan) if scan.began >= asked => break scan.groups.get(&pgid).cloned(),
            Some(scan) => Some(scan.began.elapsed()),
            None => None,
        };
        // While others ask too (a `down` of many daemons), scans are paced:
        // each serves every caller that asked before it began, and a scan
        // per caller would take a CPU of its own.
        if let Some(since) = since_last
            && since < PACE
            && ASKING.load(Ordering::SeqCst) > 1
        {
            drop(last);
            std::thread::sleep(PACE - since);
            continue;
        }
        let scan = rescan(last.take());
        let members = scan.groups.get(&pgid).cloned();
        *last = Some(scan);
        break members;
    }
    .unwrap_or_default();
    // A pid looked at twice is listed twice.
    candidates.sort_unstable();
    candidates.dedup();
    candidates.retain(|&pid| pid != pgid);
    // Each was in the group at a scan; one that is alive and still in it
    // now is a member (a pid reused meanwhile is in another group, or was
    // forked by a live member).
    candidates
        .into_iter()
        .filter(|&pid| process::stat(pid).is_some_and(|stat| stat.is_alive() && stat.pgid == pgid))
        .collect()
}

/// A scan begun now: `last` with the pids handed out since the scan before
/// it, where that covers every process; else a full scan.
fn rescan(last: Option<Scan>) -> Scan {
    let began = Instant::now();
    // Read before anything is looked at: a process forked later has a pid
    // after this one.
    let now = last_pid();
    if let (Some(mut scan), Some(now)) = (last, now)
        && began.duration_since(scan.full_began) < FULL_EVERY
        && let Some((older, newer)) = scan.last_pids
        && let Some(new) = handed_out(older, newer, now)
    {
        for pid in new {
            if let Some(group) = group_of(pid) {
                scan.groups.entry(group).or_default().push(pid);
            }
        }
        scan.began = began;
        scan.last_pids = Some((newer, now));
        return scan;
    }
    Scan {
        began,
        full_began: began,
        last_pids: now.map(|now| (now, now)),
        groups: scan_all(),
    }
}

/// The pids handed out after `older` up to `now` (with `newer` seen in
/// between), in turn and wrapping at `pid_max`; `None` when they are many,
/// or the three are not in that order (the pids wrapped past `older`).
fn handed_out(older: u32, newer: u32, now: u32) -> Option<impl Iterator<Item = u32>> {
    let max = pid_max()?;
    if older >= max || newer >= max || now >= max {
        return None;
    }
    let after = |from: u32, to: u32| (to + max - from) % max;
    let count = after(older, now);
    if count > MOST_NEW || after(older, newer) + after(newer, now) != count {
        return None;
    }
    Some(
        (1..=count)
            .map(move |step| (older + step) % max)
            .filter(|&pid| pid > 0),
    )
}

/// The last pid the kernel handed out in this process's pid namespace,
/// read at offset 0 of one descriptor kept open (the kernel writes the
/// number anew at each read): one system call per scan.
fn last_pid() -> Option<u32> {
    use std::os::unix::fs::FileExt;
    static FILE: std::sync::OnceLock<Option<std::fs::File>> = std::sync::OnceLock::new();
    let file = FILE
        .get_or_init(|| std::fs::File::open("/proc/sys/kernel/ns_last_pid").ok())
        .as_ref()?;
    let mut buffer = [0u8; 16];
    let read = file.read_at(&mut buffer, 0).ok()?;
    std::str::from_utf8(&buffer[..read])
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// One more than the highest pid; read once per process.
fn pid_max() -> Option<u32> {
    static PID_MAX: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();
    *PID_MAX.get_or_init(|| read_number("/proc/sys/kernel/pid_max"))
}

fn read_number(path: &str) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// The process group of `pid`; `None` when there is no such process.
fn group_of(pid: u32) -> Option<u32> {
    let raw = i32::try_from(pid).ok()?;
    nix::unistd::getpgid(Some(nix::unistd::Pid::from_raw(raw)))
        .ok()
        .map(|group| group.as_raw() as u32)
}

/// Every process of `/proc`, by process group.
fn scan_all() -> HashMap<u32, Vec<u32>> {
    let mut groups: HashMap<u32, Vec<u32>> = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return groups;
    };
    for pid in entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
    {
        if let Some(group) = group_of(pid) {
            groups.entry(group).or_default().push(pid);
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tests look at the one shared scan: one at a time.
    static SERIAL: Mutex<()> = Mutex::new(());

    fn serial() -> std::sync::MutexGuard<'static, ()> {
        SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A shell leading its own group, and its `sleep` child in it.
    fn group_with_a_member() -> (std::process::Child, u32) {
        use std::io::BufRead;
        use std::os::unix::process::CommandExt;
        let mut leader = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & echo $!; wait"])
            .stdout(std::process::Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(leader.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        (leader, line.trim().parse().unwrap())
    }

    #[test]
    fn a_member_is_found_the_leader_is_not_and_a_scan_is_reused() {
        let _serial = serial();
        let (mut leader, member) = group_with_a_member();
        let pgid = leader.id();
        let asked = Instant::now();
        assert_eq!(live_members(pgid, asked), vec![member]);
        // Asked before the last scan began: its answer, without a new scan.
        let began = LAST.lock().unwrap().as_ref().unwrap().began;
        assert_eq!(live_members(pgid, asked), vec![member]);
        assert_eq!(LAST.lock().unwrap().as_ref().unwrap().began, began);
        // Asked after it began: a new scan.
        assert_eq!(live_members(pgid, Instant::now()), vec![member]);
        assert!(LAST.lock().unwrap().as_ref().unwrap().began > began);
        let _ = crate::sys::signal::killpg(pgid, libc::SIGKILL);
        leader.wait().unwrap();
    }

    #[test]
    fn a_process_forked_after_a_scan_is_found_by_the_next() {
        let _serial = serial();
        // The first scan, full, knows nothing of the group made below; the
        // next finds its member among the pids handed out since.
        live_members(1, Instant::now());
        let full = LAST.lock().unwrap().as_ref().unwrap().full_began;
        let (mut leader, member) = group_with_a_member();
        assert_eq!(live_members(leader.id(), Instant::now()), vec![member]);
        // Within FULL_EVERY of the full scan, the second one only added
        // the new pids (a slower machine made a full one: no claim).
        if full.elapsed() < FULL_EVERY / 2 {
            assert_eq!(LAST.lock().unwrap().as_ref().unwrap().full_began, full);
        }
        let _ = crate::sys::signal::killpg(leader.id(), libc::SIGKILL);
        leader.wait().unwrap();
    }

    #[test]
    fn the_last_pid_grows_with_each_process_forked() {
        let before = last_pid().expect("ns_last_pid is readable");
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let after = last_pid().unwrap();
        assert!(
            handed_out(before, before, after)
                .is_some_and(|mut new| new.any(|pid| pid == child.id())),
            "pid {} not between {before} and {after}",
            child.id()
        );
        child.wait().unwrap();
    }

    #[test]
    fn the_pids_handed_out_wrap_at_pid_max_and_too_many_ask_for_a_full_scan() {
        let Some(max) = pid_max() else {
            return;
        };
        let new: Vec<u32> = handed_out(max - 3, max - 1, 2).unwrap().collect();
        assert_eq!(new, vec![max - 2, max - 1, 1, 2]);
        assert_eq!(
            handed_out(10, 12, 12).unwrap().collect::<Vec<_>>(),
            vec![11, 12]
        );
        assert!(handed_out(10, 10, 10).unwrap().next().is_none());
        // `newer` not between the two: the pids went round past `older`.
        assert!(handed_out(10, 5, 12).is_none());
        assert!(handed_out(10, 11, 10 + MOST_NEW + 1).is_none());
    }

    #[test]
    fn a_zombie_leader_is_no_live_member_though_its_group_exists() {
        let _serial = serial();
        use std::os::unix::process::CommandExt;
        let mut child = std::process::Command::new("true")
            .process_group(0)
            .spawn()
            .unwrap();
        let pid = child.id();
        // Not reaped: a zombie, as a daemon's leader is until init reaps it.
        let deadline = Instant::now() + std::time::Duration::from_secs(30);
        while process::stat(pid).is_some_and(|stat| stat.is_alive()) {
            assert!(Instant::now() < deadline, "`true` did not exit");
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert!(process::group_exists(pid));
        assert_eq!(live_members(pid, Instant::now()), Vec::<u32>::new());
        child.wait().unwrap();
    }
}

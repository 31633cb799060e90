//! The live members of a process group, from one scan of `/proc` shared by
//! the stops that run at once. After the leader of a `daemonize: true`
//! daemon is gone its group may still exist (the zombie leader, until init
//! reaps it, which some inits do seconds later), and then only a scan of
//! `/proc` tells whether a member still runs: for a `down` of N daemons in
//! parallel that was N scans of every process on the machine. A scan that
//! began after a caller asked reflects the state after its leader died, so
//! every caller that asked before it began takes its answer: a group with
//! no live member in it cannot gain one later (only a member can fork a new
//! member). Scans are serialized; a caller that arrives during one waits
//! for it, then either takes its answer or (if it asked after it began)
//! makes the next.
//!
//! A scan asks each process only for its group (`getpgid`, one system call
//! and no text to format, where `/proc/PID/stat` is three and a page of
//! text): its answer is every process by group, zombies included. A caller
//! then reads `stat` only for the members of its own group (usually just
//! the zombie leader) to drop the zombies and those gone since. While
//! several callers ask at once, scans are at least [`PACE`] apart: in a
//! `down` of 400 daemons the callers came one every few hundred
//! microseconds and each needed a scan begun after it asked, so about one
//! scan was made per caller (100 of about 1 ms each, alternately scanning
//! and waiting for the scan lock); paced, each serves the callers of 2 ms.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::process;

/// The last scan: when it began, and the processes of every group.
struct Scan {
    began: Instant,
    groups: HashMap<u32, Vec<u32>>,
}

static LAST: Mutex<Option<Scan>> = Mutex::new(None);

/// The least time between two scans while several callers ask at once.
const PACE: Duration = Duration::from_millis(2);

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

/// The live (non-zombie) members of group `pgid`, from a scan of `/proc`
/// that began no earlier than `asked`.
pub(crate) fn live_members(pgid: u32, asked: Instant) -> Vec<u32> {
    let _asking = Asking::begin();
    let candidates = loop {
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
        let began = Instant::now();
        let groups = scan_all();
        let members = groups.get(&pgid).cloned();
        *last = Some(Scan { began, groups });
        break members;
    };
    // Each was in the group at the scan; one that is alive and still in it
    // now is a member (a pid reused meanwhile is in another group, or was
    // forked by a live member).
    candidates
        .unwrap_or_default()
        .into_iter()
        .filter(|&pid| process::stat(pid).is_some_and(|stat| stat.is_alive() && stat.pgid == pgid))
        .collect()
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
        let Ok(raw) = i32::try_from(pid) else {
            continue;
        };
        if let Ok(group) = nix::unistd::getpgid(Some(nix::unistd::Pid::from_raw(raw))) {
            groups.entry(group.as_raw() as u32).or_default().push(pid);
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_a_live_member_of_its_group_and_a_scan_is_reused() {
        let me = std::process::id();
        let pgid = process::stat(me).unwrap().pgid;
        let asked = Instant::now();
        assert!(live_members(pgid, asked).contains(&me));
        // Asked before the last scan began: its answer, without a new scan.
        let began = LAST.lock().unwrap().as_ref().unwrap().began;
        assert!(live_members(pgid, asked).contains(&me));
        assert_eq!(LAST.lock().unwrap().as_ref().unwrap().began, began);
        // Asked after it began: a new scan.
        assert!(live_members(pgid, Instant::now()).contains(&me));
        assert!(LAST.lock().unwrap().as_ref().unwrap().began > began);
    }

    #[test]
    fn a_zombie_leader_is_no_live_member_though_its_group_exists() {
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

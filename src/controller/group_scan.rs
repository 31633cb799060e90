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

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use super::process;

/// The last scan: when it began, and the live members of every group.
struct Scan {
    began: Instant,
    groups: HashMap<u32, Vec<u32>>,
}

static LAST: Mutex<Option<Scan>> = Mutex::new(None);

/// The live (non-zombie) members of group `pgid`, from a scan of `/proc`
/// that began no earlier than `asked`.
pub(crate) fn live_members(pgid: u32, asked: Instant) -> Vec<u32> {
    let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(scan) = last.as_ref()
        && scan.began >= asked
    {
        return scan.groups.get(&pgid).cloned().unwrap_or_default();
    }
    let began = Instant::now();
    let groups = scan_all();
    let members = groups.get(&pgid).cloned().unwrap_or_default();
    *last = Some(Scan { began, groups });
    members
}

/// Every live process of `/proc`, by process group.
fn scan_all() -> HashMap<u32, Vec<u32>> {
    let mut groups: HashMap<u32, Vec<u32>> = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return groups;
    };
    for pid in entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
    {
        if let Some(stat) = process::stat(pid)
            && stat.is_alive()
        {
            groups.entry(stat.pgid).or_default().push(pid);
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
}

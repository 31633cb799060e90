//! What a devup killed in the middle of a start (SIGKILL, a power cut of
//! the terminal) left behind, and how the next start or stop of the daemon
//! finds and ends it. Each start gets a token, written to a marker file next
//! to the state file before the start command is spawned and removed when
//! the start ends either way; the start command gets it in its environment
//! as `DEVUP_START_TOKEN`, and every process it forks inherits it. A marker
//! found under the lock therefore means an interrupted start: the processes
//! whose environment holds its token are that start's leftovers (a daemon
//! still on its way to writing its pid file would otherwise run twice).
//!
//! Only processes that carry the exact token are signalled, each through a
//! pidfd opened before the token is read again, so a pid reused in between
//! is never hit; the scan is repeated until nothing carries the token any
//! more, so what forks while it is being ended is ended too. A daemon that got as far as a valid pid file is adopted
//! (`up` waits for it, `stop` stops it, sparing its descendants here). A
//! stop command gets a token and a marker the same way, so one left running
//! by a devdown killed mid-stop is ended by the next stop or start.
//! Processes that clear their environment cannot be found this way.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::handle::ProcessHandle;
use super::{DaemonSpec, pid_file, process};

/// The environment variable that carries a start's token.
pub(crate) const TOKEN_VAR: &str = "DEVUP_START_TOKEN";

/// The most bytes of a marker file read.
const MAX_MARKER: usize = 128;

/// A new token, unique to this start on this machine.
pub(crate) fn new_token() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    format!(
        "{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The marker of a start in progress: the state file + `.starting`.
fn marker_path(spec: &DaemonSpec) -> PathBuf {
    let mut os = spec.state_file.as_os_str().to_owned();
    os.push(".starting");
    PathBuf::from(os)
}

/// Records that a start with `token` is in progress (mode 0600), through
/// the marker's spare when an earlier start left one ([`unmark`]).
pub(crate) fn mark(spec: &DaemonSpec, token: &str) -> std::io::Result<()> {
    pid_file::write_reusing(&marker_path(spec), token.as_bytes(), 0o600)
}

/// Records that the start ended (ready, or failed and cleaned up): the
/// marker is retired to its spare, for the next start to rewrite.
pub(crate) fn unmark(spec: &DaemonSpec) {
    let _ = pid_file::retire(&marker_path(spec));
}

/// True when a start or stop was interrupted (its marker is there): only
/// then is a scan for leftovers worth its cost.
pub(crate) fn pending(spec: &DaemonSpec) -> bool {
    marker_path(spec).exists()
}

/// Ends what an interrupted start or stop left: SIGTERM, then SIGKILL after
/// `grace`, to every process that carries its token, except those in `keep`
/// and their descendants (a running daemon and what it forks, which are
/// stopped as any daemon). It rescans until two scans in a row find no
/// carrier: a process may fork while it is being ended (a SIGTERM trap
/// that starts `sleep &`), and one scan of `/proc` can miss a process
/// forked during it. Past `grace` + 10 s what is left cannot be killed
/// (uninterruptible sleep) and it gives up. Returns the pids signalled.
/// The caller holds the lock.
pub(crate) fn clean(spec: &DaemonSpec, grace: Duration, keep: &[u32]) -> Vec<u32> {
    let Some(token) = read_marker(&marker_path(spec)) else {
        return Vec::new();
    };
    let needle = format!("{TOKEN_VAR}={token}");
    let started = Instant::now();
    let mut signal = libc::SIGTERM;
    // Each process once per signal, known by its pid and start time.
    let mut signalled: HashSet<(u32, u64)> = HashSet::new();
    let mut pids = Vec::new();
    let mut empty_scans = 0;
    let mut interval = Duration::from_millis(1);
    while empty_scans < 2 && started.elapsed() < grace.saturating_add(Duration::from_secs(10)) {
        if signal == libc::SIGTERM && started.elapsed() >= grace {
            signal = libc::SIGKILL;
            signalled.clear();
        }
        let spared = spared(keep);
        let found: Vec<(u32, ProcessHandle)> = carriers(&needle)
            .into_iter()
            .filter(|pid| *pid != std::process::id() && !spared.contains(pid))
            .filter_map(|pid| {
                // Pinned first, checked after: if it carries the token now,
                // the pidfd refers to that process for good.
                let handle = ProcessHandle::open(pid, None)?;
                carries(pid, &needle).then_some((pid, handle))
            })
            .collect();
        if found.is_empty() {
            empty_scans += 1;
        } else {
            empty_scans = 0;
        }
        let mut waiting = Vec::new();
        for (pid, handle) in found {
            let Some(stat) = process::stat(pid) else {
                continue;
            };
            if signalled.insert((pid, stat.start_ticks)) {
                let _ = handle.signal(signal);
                if !pids.contains(&pid) {
                    pids.push(pid);
                }
            }
            waiting.push(handle);
        }
        // Give what was signalled a moment to go (a pidfd wakes at once
        // when it does), then look again.
        for handle in &waiting {
            if !handle.wait_gone(interval) {
                break;
            }
        }
        if waiting.is_empty() {
            std::thread::sleep(interval);
        }
        interval = (interval * 2).min(Duration::from_millis(20));
    }
    unmark(spec);
    pids
}

/// `keep` and every descendant of them, now.
fn spared(keep: &[u32]) -> HashSet<u32> {
    let mut spared: HashSet<u32> = keep.iter().copied().collect();
    for root in keep {
        spared.extend(process::descendants(*root).into_iter().map(|(pid, _)| pid));
    }
    spared
}

fn read_marker(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let token = std::str::from_utf8(bytes.get(..bytes.len().min(MAX_MARKER))?).ok()?;
    let valid = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit() || b == b'-');
    valid.then(|| token.to_string())
}

/// The pids whose environment holds `needle` (`NAME=VALUE`) as one entry.
fn carriers(needle: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| carries(*pid, needle))
        .collect()
}

fn carries(pid: u32, needle: &str) -> bool {
    let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else {
        return false;
    };
    environ
        .split(|byte| *byte == 0)
        .any(|entry| entry == needle.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_markers_read_back_only_when_well_formed() {
        assert_ne!(new_token(), new_token());
        let dir = std::env::temp_dir().join(format!("devup-leftover-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("marker");
        std::fs::write(&path, "123-456-7").unwrap();
        assert_eq!(read_marker(&path).as_deref(), Some("123-456-7"));
        for junk in ["", "12 34", "x", "-1\n; rm"] {
            std::fs::write(&path, junk).unwrap();
            assert_eq!(read_marker(&path), None, "{junk:?}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

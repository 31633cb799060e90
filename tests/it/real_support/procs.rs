//! `/proc` scans: is a pid alive (a zombie is not), and which processes
//! name a directory in their command line or working directory — how a test
//! proves that `devup down` left nothing behind, workers and children
//! included.

use std::fs;
use std::path::Path;

/// True when `pid` exists and is not a zombie.
pub fn is_alive(pid: u32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name, which may itself
        // contain spaces and parentheses: take what follows the last ')'.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// The live processes whose command line or working directory contains `dir`.
pub fn naming(dir: &Path) -> Vec<u32> {
    let needle = dir.to_string_lossy().into_owned();
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != std::process::id() && is_alive(pid))
        .filter(|&pid| {
            let cmdline = fs::read(format!("/proc/{pid}/cmdline"))
                .map(|bytes| String::from_utf8_lossy(&bytes).replace('\0', " "))
                .unwrap_or_default();
            let cwd = fs::read_link(format!("/proc/{pid}/cwd"))
                .map(|path| path.to_string_lossy().into_owned())
                .unwrap_or_default();
            cmdline.contains(&needle) || cwd.starts_with(&needle)
        })
        .collect()
}

/// The process' name (`/proc/PID/comm`), empty when it is gone.
pub fn comm(pid: u32) -> String {
    fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|name| name.trim().to_string())
        .unwrap_or_default()
}

/// When the process started, in clock ticks since boot (`/proc/PID/stat`
/// field 22).
pub fn start_ticks(pid: u32) -> u64 {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat"))
        .unwrap_or_else(|error| panic!("reading /proc/{pid}/stat: {error}"));
    let (_, rest) = stat.rsplit_once(')').expect("a stat line");
    // After ')': field 3 (state) is the first; field 22 is the twentieth.
    rest.split_whitespace()
        .nth(19)
        .and_then(|ticks| ticks.parse().ok())
        .expect("a start time")
}

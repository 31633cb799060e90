//! The one `/proc` scan of the tests: the live processes (zombies do not
//! count) with their command line and working directory, and the filters
//! the tests ask by: a marker anywhere in the command line, a tag as one
//! whole argument, a directory in the command line or as the working
//! directory. How a test proves that nothing was left behind.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One live process.
pub struct Process {
    /// Its pid.
    pub pid: u32,
    /// Its arguments (`/proc/PID/cmdline`, split at NUL).
    pub args: Vec<Vec<u8>>,
    /// Its working directory, when readable.
    pub cwd: Option<PathBuf>,
}

impl Process {
    /// Its arguments joined by spaces.
    pub fn cmdline(&self) -> String {
        let joined: Vec<String> = self
            .args
            .iter()
            .map(|arg| String::from_utf8_lossy(arg).into_owned())
            .collect();
        joined.join(" ")
    }
}

/// Every live process but this test process.
pub fn live() -> Vec<Process> {
    let me = std::process::id();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        if !is_alive(pid) {
            continue;
        }
        let mut args: Vec<Vec<u8>> = cmdline.split(|byte| *byte == 0).map(Vec::from).collect();
        if args.last().is_some_and(Vec::is_empty) {
            args.pop();
        }
        let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).ok();
        found.push(Process { pid, args, cwd });
    }
    found
}

/// The live processes whose command line contains `marker` anywhere (a
/// project's `{tag}` inside a shell script, say).
pub fn with_marker(marker: &str) -> Vec<u32> {
    pids(|process| process.cmdline().contains(marker))
}

/// The live processes that carry `tag` as one whole argument (the fake
/// daemon's `--tag TAG`).
pub fn tagged(tag: &str) -> Vec<u32> {
    pids(|process| process.args.iter().any(|arg| arg == tag.as_bytes()))
}

/// The live processes whose command line or working directory names `dir`.
pub fn naming(dir: &Path) -> Vec<u32> {
    let needle = dir.to_string_lossy().into_owned();
    pids(|process| {
        process.cmdline().contains(&needle)
            || process.cwd.as_ref().is_some_and(|cwd| cwd.starts_with(dir))
    })
}

fn pids(filter: impl Fn(&Process) -> bool) -> Vec<u32> {
    live()
        .into_iter()
        .filter(|process| filter(process))
        .map(|process| process.pid)
        .collect()
}

/// True when `pid` runs and is not a zombie.
pub fn is_alive(pid: u32) -> bool {
    state(pid).is_some_and(|state| state != 'Z' && state != 'X')
}

/// The process' name (`/proc/PID/comm`), empty when it is gone.
pub fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|name| name.trim().to_string())
        .unwrap_or_default()
}

/// Field `n` (numbered as in proc(5): 3 is the state) of `/proc/PID/stat`;
/// `None` when the process is gone.
pub fn stat_field(pid: u32, n: usize) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: the
    // fields that follow start after the last ')'.
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(n - 3).map(String::from)
}

#[track_caller]
fn number_field(pid: u32, n: usize, what: &str) -> u32 {
    stat_field(pid, n)
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no {what} of pid {pid} in /proc/{pid}/stat"))
}

/// The process' state letter (`R`, `S`, `T` stopped, `Z` zombie, ...).
pub fn state(pid: u32) -> Option<char> {
    stat_field(pid, 3)?.chars().next()
}

/// The process' parent.
#[track_caller]
pub fn parent(pid: u32) -> u32 {
    number_field(pid, 4, "parent")
}

/// The process' group and session.
#[track_caller]
pub fn group_and_session(pid: u32) -> (u32, u32) {
    (
        number_field(pid, 5, "process group"),
        number_field(pid, 6, "session"),
    )
}

/// When the process started, in clock ticks since boot (field 22).
#[track_caller]
pub fn start_ticks(pid: u32) -> u64 {
    stat_field(pid, 22)
        .and_then(|ticks| ticks.parse().ok())
        .unwrap_or_else(|| panic!("no start time of pid {pid}"))
}

/// The process' effective user id (`/proc/PID/status`).
pub fn uid(pid: u32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The process' command line, its arguments joined by spaces as `ps -o
/// args` shows it; empty when it is gone.
pub fn command_line(pid: u32) -> String {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    String::from_utf8_lossy(&raw)
        .trim_end_matches('\0')
        .replace('\0', " ")
}

/// SIGKILLs every pid of `pids` (test cleanup).
pub fn kill_all(pids: &[u32]) {
    for &pid in pids {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

/// Asserts that no process carries `tag` right now (no waiting: see
/// [`assert_none_left`] for that).
#[track_caller]
pub fn assert_nothing_running(tag: &str) {
    let left = tagged(tag);
    assert!(
        left.is_empty(),
        "processes of {tag} still running: {left:?}"
    );
}

/// Waits until no process carries `tag`; SIGKILLs survivors and fails the
/// test when some remain after the harness' deadline.
#[track_caller]
pub fn assert_none_left(tag: &str) {
    let deadline = Instant::now() + crate::harness::DEADLINE;
    loop {
        let left = tagged(tag);
        if left.is_empty() {
            return;
        }
        if Instant::now() >= deadline {
            kill_all(&left);
            panic!("processes of {tag} still running: {left:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

//! Files two daemons must not share (SPEC §2): a `pid_file`, `lock_file`
//! or state file of one daemon that is any of these files of another, or a
//! `log_file` that devup writes (`daemonize: true`) and that another daemon
//! uses too. Two daemons on one pid file would each take the other for
//! itself (`devup down b` would stop `a`); on one lock file they would
//! serialize each other's starts and stops. Checked on the resolved
//! daemons, so `defaults:`, the `.devup/` defaults and spellings like
//! `./a.pid` and `run/../a.pid` count as what they resolve to. Symbolic
//! links are not followed: the files need not exist yet.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use super::entry::DaemonEntry;
use super::error::Problem;
use super::locate::{Pos, Positions};

/// One file a daemon uses, and whether sharing it with anyone is an error.
struct Use<'a> {
    daemon: &'a str,
    key: &'static str,
    path: PathBuf,
    /// Only a `log_file` that another daemon merely appends to may be shared.
    exclusive: bool,
}

/// A problem for each daemon that uses a file an earlier daemon uses too
/// (the earlier one is named, with where its key is).
pub(crate) fn check(daemons: &[DaemonEntry], positions: &Positions, dir: &Path) -> Vec<Problem> {
    let mut uses: Vec<Use<'_>> = Vec::new();
    for daemon in daemons {
        let name = daemon.name.as_str();
        let mut add = |key, path: &Path, exclusive| {
            uses.push(Use {
                daemon: name,
                key,
                path: normalize(path),
                exclusive,
            })
        };
        add("pid_file", &daemon.pid_file, true);
        add("lock_file", &daemon.lock_file, true);
        add("state", &daemon.state_file, true);
        if let Some(log_file) = &daemon.log_file {
            add("log_file", log_file, daemon.daemonize);
        }
    }
    let mut problems = Vec::new();
    let mut reported: HashSet<(&str, &str)> = HashSet::new();
    // The uses of each path so far: one lookup per file, linear in the
    // number of daemons.
    let mut by_path: HashMap<&Path, Vec<&Use<'_>>> = HashMap::new();
    for later in &uses {
        let same = by_path.entry(later.path.as_path()).or_default();
        let earlier = same
            .iter()
            .find(|earlier| {
                earlier.daemon != later.daemon && (earlier.exclusive || later.exclusive)
            })
            .copied();
        same.push(later);
        let Some(earlier) = earlier else {
            continue;
        };
        // Said about the daemon whose key names the file: a state file has
        // no key (two state files never collide, names being unique).
        let (subject, other) = if later.key == "state" {
            (earlier, later)
        } else {
            (later, earlier)
        };
        // A lock file derived from a shared pid file says nothing new.
        let derived_lock = subject.key == "lock_file"
            && reported.contains(&(subject.daemon, "pid_file"))
            && where_set(positions, subject).is_none();
        if derived_lock || reported.contains(&(subject.daemon, subject.key)) {
            continue;
        }
        reported.insert((subject.daemon, subject.key));
        let shown = subject.path.strip_prefix(dir).unwrap_or(&subject.path);
        let other_at = where_set(positions, other)
            .map(|pos| format!(" (line {}, column {})", pos.line, pos.column))
            .unwrap_or_default();
        problems.push(
            Problem::new(format!(
                "`{}` is also daemon `{}`'s {}{other_at}; two daemons cannot share a pid file, lock file, state file, or a log file devup writes (daemonize: true): give each its own",
                shown.display(),
                other.daemon,
                describe(other.key),
            ))
            .at(where_set(positions, subject)
                .or_else(|| positions.key(&["daemons", subject.daemon])))
            .daemon(subject.daemon)
            .key(subject.key),
        );
    }
    problems
}

fn describe(key: &str) -> String {
    match key {
        "state" => "state file".into(),
        key => format!("`{key}`"),
    }
}

/// Where the key that gave this file is written: the daemon's own key,
/// else the key of `defaults:` (the state file has no key).
fn where_set(positions: &Positions, file: &Use<'_>) -> Option<Pos> {
    if file.key == "state" {
        return None;
    }
    positions
        .written(&["daemons", file.daemon, file.key])
        .or_else(|| positions.written(&["defaults", file.key]))
}

/// `path` with `.` dropped and `..` applied, lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    normal
}

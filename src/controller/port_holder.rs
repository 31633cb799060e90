//! Who holds an address: when a start finds its ping's address already
//! served by another process, this names that process for the message (pid
//! and command), and says when it is a daemon devup started in this very
//! project (its state file in the same state directory names it: the old
//! instance of a renamed daemon, or another daemon given the same port).
//!
//! The listening socket is found in `/proc/net/tcp`, `/proc/net/tcp6` or
//! `/proc/net/unix` (its inode), and its holders by the `socket:[INODE]`
//! links in `/proc/*/fd`. Processes of other users are not readable there:
//! then the message says the holder is not visible. Only read on the error
//! path; nothing here signals anything.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::path::Path;

use super::state::StartedState;
use super::{DaemonSpec, Ping, process};

/// The longest command line quoted in a message.
const MAX_COMMAND: usize = 80;

/// "pid 4242 (redis-server *:6379); stop it, or ..." for the address of
/// `ping`, to follow "ADDRESS is already in use by another process".
pub(crate) fn describe(spec: &DaemonSpec, ping: &Ping) -> String {
    let inodes = match ping {
        Ping::Tcp(address) => tcp_inodes(address),
        Ping::Http(url) => tcp_inodes(url.authority()),
        Ping::Unix(path) => unix_inodes(path),
        _ => Vec::new(),
    };
    let holders = holders(&inodes);
    let Some(&first) = holders.first() else {
        return format!(
            "a process this user cannot see; stop it, or give `{}` another address",
            spec.name
        );
    };
    let mut text = format!("pid {first} ({})", command_of(first));
    if holders.len() > 1 {
        text.push_str(&format!(" and {} more", holders.len() - 1));
    }
    match known_daemon(spec, &holders) {
        Some((name, pid)) => text.push_str(&format!(
            ", the daemon `{name}` that devup started in this project; stop it with \
             `devup down {name}`, or `kill {pid}` when `{name}` is no longer in the manifest"
        )),
        None => text.push_str(&format!(
            "; stop it, or give `{}` another address",
            spec.name
        )),
    }
    text
}

/// The inodes of the listening TCP sockets that serve `address`.
fn tcp_inodes(address: &str) -> Vec<u64> {
    let Ok(targets) = address.to_socket_addrs() else {
        return Vec::new();
    };
    let targets: Vec<SocketAddr> = targets.collect();
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // sl local rem st ... uid timeout inode; 0A is LISTEN.
            let (Some(local), Some("0A"), Some(inode)) =
                (fields.get(1), fields.get(3).copied(), fields.get(9))
            else {
                continue;
            };
            let (Some(listening), Ok(inode)) = (parse_local(local), inode.parse::<u64>()) else {
                continue;
            };
            if targets.iter().any(|target| serves(listening, *target)) {
                inodes.push(inode);
            }
        }
    }
    inodes
}

/// `0100007F:18EB` (the kernel's hex of the address as stored, and of the
/// port) as a socket address.
fn parse_local(field: &str) -> Option<SocketAddr> {
    let (address, port) = field.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let words: Vec<[u8; 4]> = (0..address.len() / 8)
        .map(|index| u32::from_str_radix(&address[index * 8..index * 8 + 8], 16))
        .collect::<Result<Vec<u32>, _>>()
        .ok()?
        .into_iter()
        .map(u32::to_ne_bytes)
        .collect();
    let ip = match words.as_slice() {
        [word] => IpAddr::V4(Ipv4Addr::from(*word)),
        [a, b, c, d] => {
            let mut bytes = [0u8; 16];
            for (chunk, word) in bytes.chunks_mut(4).zip([a, b, c, d]) {
                chunk.copy_from_slice(word);
            }
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// Whether a socket listening on `listening` accepts connections to
/// `target`: the same port, and the same address or a wildcard.
fn serves(listening: SocketAddr, target: SocketAddr) -> bool {
    if listening.port() != target.port() {
        return false;
    }
    let canonical = |ip: IpAddr| match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    let (listening, target) = (canonical(listening.ip()), canonical(target.ip()));
    listening == target || listening.is_unspecified()
}

/// The inodes of the listening Unix sockets bound at `path`.
fn unix_inodes(path: &Path) -> Vec<u64> {
    let Ok(text) = std::fs::read_to_string("/proc/net/unix") else {
        return Vec::new();
    };
    let canonical = path.canonicalize().ok();
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let bound = Path::new(fields.get(7)?);
            let same = bound == path || canonical.as_deref().is_some_and(|c| bound == c);
            same.then(|| fields.get(6)?.parse().ok())?
        })
        .collect()
}

/// The processes that hold one of `inodes` open, oldest first (a server's
/// master before the workers it forked).
fn holders(inodes: &[u64]) -> Vec<u32> {
    if inodes.is_empty() {
        return Vec::new();
    }
    let links: Vec<String> = inodes
        .iter()
        .map(|inode| format!("socket:[{inode}]"))
        .collect();
    let mut found: Vec<(u64, u32)> = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        let holds = fds.flatten().any(|fd| {
            std::fs::read_link(fd.path())
                .is_ok_and(|target| links.iter().any(|link| target.as_os_str() == link.as_str()))
        });
        // A helper of one of this process's own starts may hold a copy of
        // the socket for a moment (see `start_tree::is_live_helper`).
        if holds
            && !super::start_tree::is_live_helper(pid)
            && let Some(stat) = process::stat(pid)
        {
            found.push((stat.start_ticks, pid));
        }
    }
    found.sort();
    found.into_iter().map(|(_, pid)| pid).collect()
}

/// A process's command line, arguments joined by spaces, shortened.
fn command_of(pid: u32) -> String {
    let Ok(raw) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return "command unknown".into();
    };
    let text = String::from_utf8_lossy(&raw);
    let command = text.trim_end_matches('\0').replace('\0', " ");
    let command = crate::error::escape_control(&command).into_owned();
    if command.chars().count() > MAX_COMMAND {
        let short: String = command.chars().take(MAX_COMMAND - 1).collect();
        format!("{short}…")
    } else if command.is_empty() {
        "a kernel thread or a zombie".into()
    } else {
        command
    }
}

/// The daemon of this project (a state file next to `spec`'s) whose
/// process, or a descendant of it, is one of `holders`: its name and pid.
fn known_daemon(spec: &DaemonSpec, holders: &[u32]) -> Option<(String, u32)> {
    let dir = spec.state_file.parent()?;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|ext| ext != "state") {
            continue;
        }
        let Some(state) = StartedState::read(&path) else {
            continue;
        };
        let alive = state.boot_id == process::boot_id()
            && process::stat(state.pid).is_some_and(|stat| stat.start_ticks == state.start_ticks);
        if alive && holders.iter().any(|&pid| descends_from(pid, state.pid)) {
            let name = path.file_stem()?.to_string_lossy().into_owned();
            return Some((name, state.pid));
        }
    }
    None
}

/// Whether `pid` is `root` or one of its descendants.
fn descends_from(mut pid: u32, root: u32) -> bool {
    for _ in 0..64 {
        if pid == root {
            return true;
        }
        match process::stat(pid) {
            Some(stat) if stat.ppid > 1 => pid = stat.ppid,
            _ => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_kernels_hex_addresses() {
        assert_eq!(
            parse_local("0100007F:18EB"),
            Some("127.0.0.1:6379".parse().unwrap())
        );
        assert_eq!(
            parse_local("00000000000000000000000001000000:0050"),
            Some("[::1]:80".parse().unwrap())
        );
    }

    #[test]
    fn a_wildcard_listener_serves_every_address_of_its_port() {
        let any: SocketAddr = "0.0.0.0:80".parse().unwrap();
        let any6: SocketAddr = "[::]:80".parse().unwrap();
        let local: SocketAddr = "127.0.0.1:80".parse().unwrap();
        assert!(serves(any, local));
        assert!(serves(any6, local));
        assert!(serves(local, local));
        assert!(!serves(local, "127.0.0.2:80".parse().unwrap()));
        assert!(!serves(any, "127.0.0.1:81".parse().unwrap()));
    }
}

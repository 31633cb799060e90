//! One attempt of a ping: a TCP connection to any resolved address, a Unix
//! socket connection, an HTTP GET answered 200 to 399 (a minimal HTTP/1.1
//! client over `TcpStream`), a command that exits 0 within its own timeout,
//! or a closure. `log` and `notify` pings are not attempts but things the
//! start's wait loop watches for; here they count as ready.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::os::fd::RawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::handle::ProcessHandle;
use super::run_command;
use super::{CommandLine, DaemonSpec, Ping, output_file};

/// How long one TCP connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long an HTTP ping waits for the status line.
const HTTP_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one `command` ping may run before it is killed.
pub(crate) const COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

/// Tries `ping` once; `budget` caps how long a command ping may run.
pub(crate) fn attempt(spec: &DaemonSpec, ping: &Ping, budget: Duration) -> bool {
    match ping {
        Ping::Tcp(address) => tcp(address),
        Ping::Unix(path) => UnixStream::connect(path).is_ok(),
        Ping::Http(url) => http(url),
        Ping::Command(command) => self::command(spec, command, budget, None, || false),
        Ping::Custom(check) => check(),
        Ping::Log(_) | Ping::Notify => true,
    }
}

/// Runs a `command` ping once: true when it exits 0 within its timeout
/// (`budget`, at most `COMMAND_TIMEOUT`). While it runs, this waits on its
/// exit and on `wake` (the start tree's report pipe) together, and asks
/// `interrupted` after each wake-up (and every 50 ms, for the abort signal):
/// a ping stuck on a foreign listener must not hide that the daemon died.
/// An interrupted or timed-out ping is killed with its whole process group
/// (it leads one), so whatever it spawned goes too.
pub(crate) fn command(
    spec: &DaemonSpec,
    command: &CommandLine,
    budget: Duration,
    wake: Option<RawFd>,
    mut interrupted: impl FnMut() -> bool,
) -> bool {
    let timeout = budget.min(COMMAND_TIMEOUT).max(Duration::from_millis(100));
    let mut cmd = run_command::command_for(spec, command);
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
    let Ok(mut child) = cmd.spawn() else {
        return false;
    };
    let deadline = super::deadline::after(timeout);
    let handle = ProcessHandle::open(child.id(), None);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return output_file::is_success(status.into_raw()),
            Ok(None) => {}
            Err(_) => break,
        }
        if Instant::now() >= deadline || interrupted() {
            break;
        }
        let mut polls: Vec<libc::pollfd> = handle
            .as_ref()
            .and_then(ProcessHandle::pidfd)
            .into_iter()
            .chain(wake)
            .map(|fd| libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        // Without a pidfd, the child's exit is polled for every 5 ms.
        let slice = if handle.as_ref().and_then(ProcessHandle::pidfd).is_some() {
            Duration::from_millis(50)
        } else {
            Duration::from_millis(5)
        };
        let millis = deadline
            .saturating_duration_since(Instant::now())
            .min(slice)
            .as_millis()
            .max(1) as libc::c_int;
        // SAFETY: a vector of pollfds that lives across the call.
        unsafe { libc::poll(polls.as_mut_ptr(), polls.len() as libc::nfds_t, millis) };
    }
    // The child is not reaped yet, so its pid (= its group id) is still
    // ours: the group cannot be someone else's.
    // SAFETY: killpg with our own unreaped child's group id (> 1).
    unsafe { libc::killpg(child.id() as libc::pid_t, libc::SIGKILL) };
    let _ = child.wait();
    false
}

/// For pings that connect to an address (`tcp`, `unix`, `http`): the
/// address, as people know it, when some process already accepts
/// connections there. Before the daemon is spawned, that process is a
/// foreign one. (For `http`, any listener counts, whatever it answers.)
pub(crate) fn foreign_listener(ping: &Ping) -> Option<String> {
    let (address, listening) = match ping {
        Ping::Tcp(address) => (address.clone(), tcp(address)),
        Ping::Unix(path) => (
            path.display().to_string(),
            UnixStream::connect(path).is_ok(),
        ),
        Ping::Http(url) => {
            let authority = parse_url(url)?.authority;
            let listening = tcp(&authority);
            (authority, listening)
        }
        _ => return None,
    };
    listening.then_some(address)
}

fn tcp(address: &str) -> bool {
    let Ok(addresses) = address.to_socket_addrs() else {
        return false;
    };
    addresses
        .into_iter()
        .any(|address| TcpStream::connect_timeout(&address, CONNECT_TIMEOUT).is_ok())
}

/// The parts of an `http://HOST:PORT/PATH` URL a GET needs.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct HttpUrl {
    /// `HOST:PORT` as written (the port defaults to 80).
    pub authority: String,
    /// `/PATH?QUERY`.
    pub path: String,
}

/// Parses an `http://` URL; `None` for anything else.
pub(crate) fn parse_url(url: &str) -> Option<HttpUrl> {
    let rest = url.strip_prefix("http://")?;
    let (authority, path) = match rest.find(['/', '?']) {
        Some(index) if rest.as_bytes()[index] == b'/' => (&rest[..index], &rest[index..]),
        Some(index) => (&rest[..index], &rest[index..]),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let has_port = match authority.rfind(']') {
        Some(bracket) => authority[bracket..].contains(':'),
        None => authority.contains(':'),
    };
    let authority = if has_port {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let path = if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_string()
    };
    Some(HttpUrl { authority, path })
}

fn http(url: &str) -> bool {
    let Some(url) = parse_url(url) else {
        return false;
    };
    let Ok(addresses) = url.authority.to_socket_addrs() else {
        return false;
    };
    addresses
        .into_iter()
        .any(|address| http_get(address, &url).is_some_and(|status| (200..400).contains(&status)))
}

fn http_get(address: SocketAddr, url: &HttpUrl) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&address, CONNECT_TIMEOUT).ok()?;
    stream.set_read_timeout(Some(HTTP_TIMEOUT)).ok()?;
    stream.set_write_timeout(Some(HTTP_TIMEOUT)).ok()?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: devup\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        url.path, url.authority
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut head = Vec::new();
    let mut buffer = [0u8; 512];
    while !head.contains(&b'\n') && head.len() < 4096 {
        match stream.read(&mut buffer).ok()? {
            0 => break,
            read => head.extend_from_slice(&buffer[..read]),
        }
    }
    parse_status_line(&head)
}

/// The status code of `HTTP/1.x NNN reason`.
fn parse_status_line(head: &[u8]) -> Option<u16> {
    let line = head.split(|byte| *byte == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let mut parts = line.split_whitespace();
    if !parts.next()?.starts_with("HTTP/") {
        return None;
    }
    let code = parts.next()?;
    if code.len() != 3 {
        return None;
    }
    code.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let url = parse_url("http://127.0.0.1:8080/health?x=1").unwrap();
        assert_eq!(url.authority, "127.0.0.1:8080");
        assert_eq!(url.path, "/health?x=1");
        assert_eq!(
            parse_url("http://localhost").unwrap().authority,
            "localhost:80"
        );
        assert_eq!(parse_url("http://[::1]:9/").unwrap().authority, "[::1]:9");
        assert_eq!(parse_url("http://[::1]/").unwrap().authority, "[::1]:80");
        assert!(parse_url("https://example.com/").is_none());
    }

    #[test]
    fn parses_status_lines() {
        assert_eq!(parse_status_line(b"HTTP/1.1 204 No Content\r\n"), Some(204));
        assert_eq!(parse_status_line(b"HTTP/1.0 500\r\n"), Some(500));
        assert_eq!(parse_status_line(b"SSH-2.0-OpenSSH\r\n"), None);
    }
}

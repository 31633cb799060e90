//! One attempt of a ping: a TCP connection to any resolved address, a Unix
//! socket connection, an HTTP GET answered 200 to 399 (a minimal HTTP/1.1
//! client over `TcpStream`), a command that exits 0 within its own timeout,
//! or a closure. Every attempt has its own deadline inside the caller's
//! budget and is cut short when `interrupted` says so; one that fails says
//! why ([`Miss`]): `connection refused`, the HTTP status and a line of the
//! body, the command's exit status and last output lines. `log` and
//! `notify` pings are not attempts but things the start's wait loop
//! watches for; here they count as ready.

use std::io::{Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::RawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::handle::ProcessHandle;
use super::{CommandLine, DaemonSpec, HttpUrl, Ping, dial, excerpt, output_file, run_command};

/// How long one TCP (or Unix) connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long one HTTP ping may take in all, from the connect to the end of
/// the status line (and a line of the body of a failure).
const HTTP_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one `command` ping may run before it is killed.
pub(crate) const COMMAND_TIMEOUT: Duration = Duration::from_secs(5);
/// The deadline of one ping of a daemon that already runs (`status`, the
/// no-op check of `devup`): it answers at once, or it is unresponsive.
pub(crate) const CHECK_TIMEOUT: Duration = Duration::from_secs(1);
/// How many of a failed command ping's last output lines are kept.
const OUTPUT_LINES: usize = 3;

/// Why one ping attempt did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Miss {
    /// A few words: "connection refused", "answered HTTP 503 Service
    /// Unavailable", "exited with status 1".
    pub reason: String,
    /// The last lines a command ping printed, or the first line of an HTTP
    /// failure's body (control bytes escaped).
    pub output: Vec<String>,
    /// The command could not be found or run (exit 127 or 126): another
    /// attempt cannot succeed.
    pub fatal: bool,
}

impl Miss {
    fn new(reason: impl Into<String>) -> Self {
        Miss {
            reason: reason.into(),
            output: Vec::new(),
            fatal: false,
        }
    }

    fn io(error: &std::io::Error) -> Self {
        Miss::new(dial::describe(error))
    }

    /// The reason and the output on one line, for "last attempt: ...".
    pub(crate) fn summary(&self) -> String {
        if self.output.is_empty() {
            self.reason.clone()
        } else {
            format!("{}: {}", self.reason, self.output.join(" | "))
        }
    }
}

/// The outcome of one attempt.
pub(crate) type Attempt = Result<(), Miss>;

/// Tries `ping` once, within `budget` (capped per kind of ping), giving up
/// early when `interrupted` returns true.
pub(crate) fn attempt(
    spec: &DaemonSpec,
    ping: &Ping,
    budget: Duration,
    interrupted: &dyn Fn() -> bool,
) -> Attempt {
    let now = Instant::now();
    match ping {
        Ping::Tcp(address) => dial::tcp(address, now + budget.min(CONNECT_TIMEOUT), interrupted)
            .map(drop)
            .map_err(|error| Miss::io(&error)),
        Ping::Unix(path) => UnixStream::connect(path)
            .map(drop)
            .map_err(|error| Miss::io(&error)),
        Ping::Http(url) => http(url, now + budget.min(HTTP_TIMEOUT), interrupted),
        Ping::Command(command) => self::command(spec, command, budget, None, interrupted),
        Ping::Custom(check) => check()
            .then_some(())
            .ok_or_else(|| Miss::new("the check returned false")),
        Ping::Log(_) | Ping::Notify => Ok(()),
        // `build()` rejects it; a ping that cannot parse never answers.
        Ping::Invalid(invalid) => Err(Miss::new(invalid.reason())),
    }
}

/// Runs a `command` ping once: `Ok` when it exits 0 within its timeout
/// (`budget`, at most `COMMAND_TIMEOUT`). While it runs, this waits on its
/// exit and on `wake` (the start tree's report pipe) together, and asks
/// `interrupted` after each wake-up (and every 50 ms, for the abort signal):
/// a ping stuck on a foreign listener must not hide that the daemon died.
/// An interrupted or timed-out ping is killed with its whole process group
/// (it leads one), so whatever it spawned goes too. Its stdout and stderr go
/// to an unnamed temp file, whose last lines a failure carries.
pub(crate) fn command(
    spec: &DaemonSpec,
    command: &CommandLine,
    budget: Duration,
    wake: Option<RawFd>,
    mut interrupted: impl FnMut() -> bool,
) -> Attempt {
    let timeout = budget.min(COMMAND_TIMEOUT).max(Duration::from_millis(100));
    let output = output_file::unnamed_temp_file().ok();
    let mut cmd = run_command::command_for(spec, command);
    match &output {
        Some(file) => match (file.try_clone(), file.try_clone()) {
            (Ok(out), Ok(err)) => cmd.stdout(out).stderr(err),
            _ => cmd.stdout(Stdio::null()).stderr(Stdio::null()),
        },
        None => cmd.stdout(Stdio::null()).stderr(Stdio::null()),
    };
    cmd.process_group(0);
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(error) => {
            return Err(Miss {
                reason: format!("could not be run: {}", dial::describe(&error)),
                output: Vec::new(),
                fatal: true,
            });
        }
    };
    let deadline = super::deadline::after(timeout);
    let handle = ProcessHandle::open(child.id(), None);
    let mut miss = Miss::new(format!(
        "did not exit within {}",
        super::format_duration(timeout)
    ));
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let status = status.into_raw();
                if output_file::is_success(status) {
                    return Ok(());
                }
                let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
                let mut reason = output_file::describe_wait_status(status);
                match code {
                    Some(127) => reason.push_str(" (command not found)"),
                    Some(126) => reason.push_str(" (command not executable)"),
                    _ => {}
                }
                return Err(Miss {
                    reason,
                    output: output.as_ref().map_or_else(Vec::new, last_lines),
                    fatal: matches!(code, Some(126 | 127)),
                });
            }
            Ok(None) => {}
            Err(error) => {
                miss = Miss::io(&error);
                break;
            }
        }
        if Instant::now() >= deadline {
            break;
        }
        if interrupted() {
            miss = Miss::new("interrupted");
            break;
        }
        let fds: Vec<RawFd> = handle
            .as_ref()
            .and_then(ProcessHandle::pidfd)
            .into_iter()
            .chain(wake)
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
            .max(1) as i32;
        crate::sys::poll::readable(&fds, millis);
    }
    // The child is not reaped yet, so its pid (= its group id) is still
    // ours: the group cannot be someone else's.
    let _ = crate::sys::signal::killpg(child.id(), libc::SIGKILL);
    let _ = child.wait();
    miss.output = output.as_ref().map_or_else(Vec::new, last_lines);
    Err(miss)
}

/// The last non-blank lines of a command's output, escaped for printing.
fn last_lines(file: &std::fs::File) -> Vec<String> {
    let excerpt = excerpt::output_of(file);
    let lines: Vec<String> = excerpt
        .lines
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.trim_end().to_string())
        .collect();
    lines[lines.len().saturating_sub(OUTPUT_LINES)..].to_vec()
}

/// For pings that connect to an address (`tcp`, `unix`, `http`): the
/// address, as people know it, when some process already accepts
/// connections there. Before the daemon is spawned, that process is a
/// foreign one. (For `http`, any listener counts, whatever it answers.)
pub(crate) fn foreign_listener(ping: &Ping) -> Option<String> {
    let never = || false;
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    let (address, listening) = match ping {
        Ping::Tcp(address) => (
            address.clone(),
            dial::tcp(address, deadline, &never).is_ok(),
        ),
        Ping::Unix(path) => (
            path.display().to_string(),
            UnixStream::connect(path).is_ok(),
        ),
        Ping::Http(url) => (
            url.authority().to_string(),
            dial::tcp(url.authority(), deadline, &never).is_ok(),
        ),
        _ => return None,
    };
    listening.then_some(address)
}

fn http(url: &HttpUrl, deadline: Instant, interrupted: &dyn Fn() -> bool) -> Attempt {
    let addresses: Vec<SocketAddr> = url
        .authority()
        .to_socket_addrs()
        .map_err(|error| Miss::io(&error))?
        .collect();
    let mut miss = Miss::new(format!("{} resolves to no address", url.authority()));
    for address in addresses {
        match http_get(address, url, deadline, interrupted) {
            Ok(()) => return Ok(()),
            Err(error) => miss = error,
        }
    }
    Err(miss)
}

/// The most bytes of an answer read: the status line, the headers and the
/// first line of a failure's body.
const MAX_ANSWER: usize = 16 * 1024;

/// One GET before `deadline`. Reads never block past it: each read waits
/// at most one slice, so a server that trickles a byte at a time, or none,
/// cannot hold the ping (and `interrupted` is asked between slices).
fn http_get(
    address: SocketAddr,
    url: &HttpUrl,
    deadline: Instant,
    interrupted: &dyn Fn() -> bool,
) -> Attempt {
    let mut stream =
        dial::tcp_to(address, deadline, interrupted).map_err(|error| Miss::io(&error))?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: devup\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        url.path(),
        url.authority()
    );
    stream
        .set_write_timeout(Some(
            deadline
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1)),
        ))
        .and_then(|()| stream.write_all(request.as_bytes()))
        .map_err(|error| Miss::io(&error))?;
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    let mut status = None;
    loop {
        if status.is_none() && answer.contains(&b'\n') {
            status = Some(parse_status_line(&answer).ok_or_else(|| {
                Miss::new(format!(
                    "answered with no HTTP status line: {}",
                    first_line(&answer)
                ))
            })?);
        }
        if let Some(code) = status {
            if (200..400).contains(&code) {
                return Ok(());
            }
            if let Some(body_line) = body_line(&answer, false) {
                return Err(http_failure(&answer, Some(body_line)));
            }
        }
        if answer.len() >= MAX_ANSWER {
            break;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || interrupted() {
            if status.is_some() {
                break;
            }
            return Err(Miss::new(if answer.is_empty() {
                "no answer in time"
            } else {
                "no complete status line in time"
            }));
        }
        stream
            .set_read_timeout(Some(left.min(dial::SLICE)))
            .map_err(|error| Miss::io(&error))?;
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => answer.extend_from_slice(&buffer[..read]),
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) => {}
            Err(error) if status.is_none() => return Err(Miss::io(&error)),
            Err(_) => break,
        }
    }
    match status {
        Some(_) => Err(http_failure(&answer, body_line(&answer, true))),
        None if answer.is_empty() => Err(Miss::new("the connection closed without an answer")),
        None => Err(Miss::new(format!(
            "answered with no HTTP status line: {}",
            first_line(&answer)
        ))),
    }
}

/// "answered HTTP 503 Service Unavailable", with the body's first line.
fn http_failure(answer: &[u8], body_line: Option<&str>) -> Miss {
    let status_line = first_line(answer);
    let status = status_line
        .split_once(' ')
        .map_or(status_line, |(_, rest)| rest)
        .trim();
    Miss {
        reason: format!("answered HTTP {}", status),
        output: body_line
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(|line| vec![line.to_string()])
            .unwrap_or_default(),
        fatal: false,
    }
}

fn first_line(bytes: &[u8]) -> &str {
    let line = bytes
        .split(|byte| *byte == b'\n')
        .next()
        .unwrap_or_default();
    std::str::from_utf8(line)
        .unwrap_or("(not UTF-8)")
        .trim_end_matches('\r')
}

/// The first line of the body, once the headers ended and the line is
/// complete (or the answer is, `ended`).
fn body_line(answer: &[u8], ended: bool) -> Option<&str> {
    let find = |needle: &[u8]| {
        answer
            .windows(needle.len())
            .position(|window| window == needle)
            .map(|index| index + needle.len())
    };
    let headers_end = find(b"\r\n\r\n").or_else(|| find(b"\n\n"))?;
    let body = std::str::from_utf8(&answer[headers_end..]).ok()?;
    match body.split_once('\n') {
        Some((line, _)) => Some(line.trim_end_matches('\r')),
        None if ended => Some(body),
        None => None,
    }
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
    fn parses_status_lines() {
        assert_eq!(parse_status_line(b"HTTP/1.1 204 No Content\r\n"), Some(204));
        assert_eq!(parse_status_line(b"HTTP/1.0 500\r\n"), Some(500));
        assert_eq!(parse_status_line(b"SSH-2.0-OpenSSH\r\n"), None);
    }
}

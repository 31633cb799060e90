//! The one place devup opens a connection to a daemon's address: every
//! ping, the foreign-listener check before a start, `status`, and `wait`
//! dial through here. Each connection has a deadline and can be cut short
//! by an interruption (checked every few milliseconds while the connect is
//! in flight), and a TCP connection whose local address equals its peer is
//! rejected: when nothing listens on a loopback port inside the kernel's
//! ephemeral range, a connect now and then picks that very port as its
//! source and connects to itself (TCP simultaneous open). That socket is
//! no listener; it is reset (so that it does not linger in TIME_WAIT on the
//! port the daemon is about to bind) and reported as `connection refused`,
//! which is the truth (Go's dialer does the same). A connect to a loopback
//! address where the kernel's socket table shows no listener is not made
//! at all (`listen_probe.rs`): it is refused, as it would be.

use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, poll};
use nix::sys::socket::{
    AddressFamily, SockFlag, SockType, SockaddrIn, SockaddrIn6, getsockopt, socket, sockopt,
};

/// How often an interruption is looked for while a connect or a read is
/// in flight.
pub(crate) const SLICE: Duration = Duration::from_millis(20);

/// Connects to `address` ("HOST:PORT"), trying each resolved address in
/// turn until `deadline`; the error is the last address's.
pub(crate) fn tcp(
    address: &str,
    deadline: Instant,
    interrupted: &dyn Fn() -> bool,
) -> io::Result<TcpStream> {
    let mut last = io::Error::new(
        io::ErrorKind::NotFound,
        format!("{address} resolves to no address"),
    );
    for resolved in address.to_socket_addrs()? {
        match tcp_to(resolved, deadline, interrupted) {
            Ok(stream) => return Ok(stream),
            Err(error) => last = error,
        }
    }
    Err(last)
}

/// Connects to one socket address before `deadline`, rejecting a
/// connection to itself.
pub(crate) fn tcp_to(
    address: SocketAddr,
    deadline: Instant,
    interrupted: &dyn Fn() -> bool,
) -> io::Result<TcpStream> {
    // Most attempts of a ping that waits for a start find nothing there:
    // the kernel's socket table says so for less than a connect costs.
    if super::listen_probe::nothing_listens(address) {
        return Err(io::Error::from(io::ErrorKind::ConnectionRefused));
    }
    let family = match address {
        SocketAddr::V4(_) => AddressFamily::Inet,
        SocketAddr::V6(_) => AddressFamily::Inet6,
    };
    let socket = socket(
        family,
        SockType::Stream,
        SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    match connect(socket.as_raw_fd(), address) {
        Ok(()) => {}
        Err(Errno::EINPROGRESS) => wait_connected(&socket, deadline, interrupted)?,
        Err(errno) => return Err(errno.into()),
    }
    let stream = TcpStream::from(socket);
    stream.set_nonblocking(false)?;
    if stream.local_addr()? == stream.peer_addr()? {
        // Closed with a reset, not into TIME_WAIT: a socket lingering on
        // the port would block the real daemon's bind() for a minute.
        let _ = nix::sys::socket::setsockopt(
            &stream,
            sockopt::Linger,
            &libc::linger {
                l_onoff: 1,
                l_linger: 0,
            },
        );
        return Err(io::Error::new(
            io::ErrorKind::ConnectionRefused,
            "connection refused (the connect reached its own source port: nothing listens there)",
        ));
    }
    Ok(stream)
}

/// `connect(2)` of `fd` to `address`.
fn connect(fd: std::os::fd::RawFd, address: SocketAddr) -> Result<(), Errno> {
    match address {
        SocketAddr::V4(v4) => nix::sys::socket::connect(fd, &SockaddrIn::from(v4)),
        SocketAddr::V6(v6) => nix::sys::socket::connect(fd, &SockaddrIn6::from(v6)),
    }
}

/// Waits for a non-blocking connect to end, in slices, so an interruption
/// is seen within [`SLICE`]; past `deadline`, `TimedOut`.
///
/// A connect to a loopback port where nothing listens is answered (reset)
/// within the `connect` call itself, though it says EINPROGRESS: the
/// socket's pending error is looked at first, so a refused attempt costs no
/// `poll` (one system call of the five a refused ping took).
fn wait_connected(
    socket: &impl AsFd,
    deadline: Instant,
    interrupted: &dyn Fn() -> bool,
) -> io::Result<()> {
    match getsockopt(socket, sockopt::SocketError)? {
        0 => {}
        errno => return Err(io::Error::from_raw_os_error(errno)),
    }
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "connect timed out"));
        }
        if interrupted() {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
        }
        let slice = left.min(SLICE).as_millis().max(1) as u16;
        let mut fds = [PollFd::new(socket.as_fd(), PollFlags::POLLOUT)];
        match poll(&mut fds, slice) {
            Ok(0) | Err(Errno::EINTR) => continue,
            Ok(_) => break,
            Err(errno) => return Err(errno.into()),
        }
    }
    match getsockopt(socket, sockopt::SocketError)? {
        0 => Ok(()),
        errno => Err(io::Error::from_raw_os_error(errno)),
    }
}

/// An I/O error as a few lowercase words for a message: "connection
/// refused", "timed out", without the "(os error N)" suffix.
pub(crate) fn describe(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused".into(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => "timed out".into(),
        _ => {
            let text = error.to_string();
            let text = match text.find(" (os error") {
                Some(index) => &text[..index],
                None => &text,
            };
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => "unknown error".into(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_errors_in_a_few_lowercase_words() {
        let refused = io::Error::from_raw_os_error(libc::ECONNREFUSED);
        assert_eq!(describe(&refused), "connection refused");
        let missing = io::Error::from_raw_os_error(libc::ENOENT);
        assert_eq!(describe(&missing), "no such file or directory");
    }
}

//! Whether anything listens on a loopback TCP address, asked of the
//! kernel's socket table (`sock_diag`, see sock_diag(7)) instead of with a
//! connect. A ping polls a daemon's port hundreds of times while it starts,
//! and a refused connect is a socket, a SYN and its reset through the
//! loopback device, and a close: measured under `perf`, over half of the
//! CPU devup spends on a start that takes seconds. The question here is
//! one request and one answer on a netlink socket kept by the thread,
//! about a fifth of the cost (3 µs against 17 µs measured here).
//!
//! The kernel answers with the lookup an incoming SYN would get
//! (`inet_lookup`): a listener on that address, on the wildcard address,
//! or a dual-stack IPv6 one. Only "nothing listens" is acted on (the
//! connect is skipped and the attempt is refused); when something listens
//! or the answer is not understood, the caller connects as before, so a
//! ping still means that a connection was accepted. Only loopback
//! addresses are asked about: the table holds this host's sockets, and a
//! remote address is never in it. And "nothing listens" is taken on the
//! table's word for at most [`CONFIRM_EVERY`] at a time, a connect is made
//! after that: a port that a NAT rule forwards to another address (Docker
//! without its userland proxy) has no socket of its own in the table.
//!
//! A probe tests itself when it is opened, on a listener of its own: a
//! kernel without the TCP part of `sock_diag` answers "not found" to every
//! question, and would make every daemon look down. A probe that fails the
//! test is never used.

use std::cell::{Cell, OnceCell};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::sys::socket::{
    AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType, recv, sendto, socket,
};

/// `SOCK_DIAG_BY_FAMILY`, the request and answer type of sock_diag.
const SOCK_DIAG_BY_FAMILY: u16 = 20;
/// `NLMSG_ERROR`: the answer when no socket matched (error `-ENOENT`).
const NLMSG_ERROR: u16 = 2;
/// `TCP_LISTEN` in the kernel's TCP states.
const TCP_LISTEN: u8 = 10;
/// The size of `struct nlmsghdr`.
const HEADER: usize = 16;
/// The longest time an address is taken as unlistened without a connect:
/// a forwarded port is seen at most this late. A connect refused costs
/// about 0.1 ms of CPU in a wait loop: one every 100 ms was 10–12 ms more
/// CPU in a 10 s start; one every 500 ms is within the benchmark's noise.
const CONFIRM_EVERY: Duration = Duration::from_millis(500);

thread_local! {
    /// The thread's probe, opened at its first question; `None` when
    /// sock_diag cannot be used here (then every address is connected to).
    static PROBE: OnceCell<Option<Probe>> = const { OnceCell::new() };
    /// The address this thread last let a connect go to, and when.
    static CONNECTED: Cell<Option<(SocketAddr, Instant)>> = const { Cell::new(None) };
}

/// True when the kernel says that nothing listens on `address`, a
/// loopback address, and a connect to it was made less than
/// [`CONFIRM_EVERY`] ago; false when something listens, or the address is
/// not a loopback one, or the kernel cannot be asked, or it is time for a
/// connect. The first attempt to an address on a thread is a connect, so
/// a thread that dials once (`status`, a no-op `devup`) opens no probe.
pub(crate) fn nothing_listens(address: SocketAddr) -> bool {
    if !address.ip().is_loopback() || !connected_lately(address) {
        return false;
    }
    PROBE.with(|probe| {
        probe
            .get_or_init(Probe::open)
            .as_ref()
            .is_some_and(|probe| probe.listens(address) == Some(false))
    })
}

/// True when a connect to `address` was let go less than
/// [`CONFIRM_EVERY`] ago on this thread; otherwise false, and one is let
/// go now.
fn connected_lately(address: SocketAddr) -> bool {
    let now = Instant::now();
    CONNECTED.with(|connected| match connected.get() {
        Some((last, at)) if last == address && now.duration_since(at) < CONFIRM_EVERY => true,
        _ => {
            connected.set(Some((address, now)));
            false
        }
    })
}

/// A netlink socket for sock_diag questions, and the families it was
/// found to answer for.
struct Probe {
    socket: OwnedFd,
    /// The loopback device's index: a connection to a loopback address
    /// arrives there, where a listener bound to that device (`lo`) takes
    /// it too.
    loopback: u32,
    v4: bool,
    v6: bool,
}

impl Probe {
    /// Opens the socket and tests it on a listener of its own in each
    /// family; `None` when it cannot be trusted in either.
    fn open() -> Option<Probe> {
        let socket = socket(
            AddressFamily::Netlink,
            SockType::Datagram,
            SockFlag::SOCK_CLOEXEC,
            SockProtocol::NetlinkSockDiag,
        )
        .ok()?;
        let mut probe = Probe {
            socket,
            loopback: nix::net::if_::if_nametoindex("lo").unwrap_or(0),
            v4: true,
            v6: true,
        };
        probe.v4 = probe.passes_test(IpAddr::V4(Ipv4Addr::LOCALHOST));
        probe.v6 = probe.passes_test(IpAddr::V6(Ipv6Addr::LOCALHOST));
        (probe.v4 || probe.v6).then_some(probe)
    }

    /// Whether the probe finds a listener it made on `ip`, and finds none
    /// there once it is closed.
    fn passes_test(&self, ip: IpAddr) -> bool {
        let Ok(listener) = TcpListener::bind((ip, 0)) else {
            return false;
        };
        let Ok(address) = listener.local_addr() else {
            return false;
        };
        let found = self.ask(address) == Some(true);
        drop(listener);
        found && self.ask(address) == Some(false)
    }

    /// Whether something listens on `address`, when this probe answers for
    /// its family.
    fn listens(&self, address: SocketAddr) -> Option<bool> {
        let tested = match address {
            SocketAddr::V4(_) => self.v4,
            SocketAddr::V6(_) => self.v6,
        };
        if tested { self.ask(address) } else { None }
    }

    /// One question: `Some(true)` a listener, `Some(false)` no socket at
    /// all, `None` an answer not understood.
    fn ask(&self, address: SocketAddr) -> Option<bool> {
        let request = request(address, self.loopback);
        sendto(
            self.socket.as_raw_fd(),
            &request,
            &NetlinkAddr::new(0, 0),
            MsgFlags::empty(),
        )
        .ok()?;
        let mut answer = [0u8; 1024];
        // The kernel answers within the send; nothing waiting is no answer.
        let length = recv(self.socket.as_raw_fd(), &mut answer, MsgFlags::MSG_DONTWAIT).ok()?;
        parse(answer.get(..length)?)
    }
}

/// A `SOCK_DIAG_BY_FAMILY` request for the one TCP socket a connection to
/// `address`, arriving on the device `interface`, would reach: `struct
/// nlmsghdr` and `struct inet_diag_req_v2`.
fn request(address: SocketAddr, interface: u32) -> Vec<u8> {
    let (family, ip): (u8, [u8; 16]) = match address.ip() {
        IpAddr::V4(v4) => {
            let mut ip = [0; 16];
            ip[..4].copy_from_slice(&v4.octets());
            (libc::AF_INET as u8, ip)
        }
        IpAddr::V6(v6) => (libc::AF_INET6 as u8, v6.octets()),
    };
    let mut body = Vec::with_capacity(56);
    body.extend_from_slice(&[family, libc::IPPROTO_TCP as u8, 0, 0]);
    body.extend_from_slice(&(1u32 << TCP_LISTEN).to_ne_bytes());
    body.extend_from_slice(&address.port().to_be_bytes()); // source: the address asked about
    body.extend_from_slice(&0u16.to_be_bytes()); // destination port: any
    body.extend_from_slice(&ip);
    body.extend_from_slice(&[0; 16]); // destination address: any
    body.extend_from_slice(&interface.to_ne_bytes());
    body.extend_from_slice(&[0xff; 8]); // no cookie
    let length = u32::try_from(HEADER + body.len()).expect("a small request");
    let mut message = Vec::with_capacity(HEADER + body.len());
    message.extend_from_slice(&length.to_ne_bytes());
    message.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    message.extend_from_slice(&(libc::NLM_F_REQUEST as u16).to_ne_bytes());
    message.extend_from_slice(&1u32.to_ne_bytes()); // sequence number
    message.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel's
    message.extend_from_slice(&body);
    message
}

/// The answer to [`request`]: a socket in the listening state, or the
/// error "no such socket".
fn parse(answer: &[u8]) -> Option<bool> {
    let kind = u16::from_ne_bytes(answer.get(4..6)?.try_into().ok()?);
    match kind {
        SOCK_DIAG_BY_FAMILY => {
            // struct inet_diag_msg: family, state, ...
            let state = *answer.get(HEADER + 1)?;
            (state == TCP_LISTEN).then_some(true)
        }
        NLMSG_ERROR => {
            let error = i32::from_ne_bytes(answer.get(HEADER..HEADER + 4)?.try_into().ok()?);
            (error == -libc::ENOENT).then_some(false)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Prints a skip notice, or fails under `CI=true`, where everything a
    /// test needs is there.
    fn skip(why: &str) {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "skipped: {why}, and CI=true"
        );
        eprintln!("skipped: {why}");
    }

    #[test]
    fn a_listener_is_found_and_a_closed_port_is_not() {
        let Some(probe) = Probe::open() else {
            return skip("sock_diag cannot be used here");
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        assert_eq!(probe.listens(address), Some(true));
        // The first attempt on a thread is a connect; then a listener is
        // connected to, and no listener is taken on the table's word (for
        // up to CONFIRM_EVERY).
        assert!(!nothing_listens(address));
        assert!(!nothing_listens(address));
        drop(listener);
        assert_eq!(probe.listens(address), Some(false));
        assert!(nothing_listens(address));
    }

    #[test]
    fn a_wildcard_listener_takes_the_loopback_address() {
        let Some(probe) = Probe::open() else {
            return skip("sock_diag cannot be used here");
        };
        let listener = TcpListener::bind("0.0.0.0:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        assert_eq!(probe.listens(loopback), Some(true));
    }

    #[test]
    fn a_listener_bound_to_the_loopback_device_is_found() {
        use nix::sys::socket::{SockaddrIn, bind, getsockname, listen, setsockopt, sockopt};
        let Some(probe) = Probe::open() else {
            return skip("sock_diag cannot be used here");
        };
        let listener = socket(
            AddressFamily::Inet,
            SockType::Stream,
            SockFlag::SOCK_CLOEXEC,
            None,
        )
        .unwrap();
        if setsockopt(
            &listener,
            sockopt::BindToDevice,
            &std::ffi::OsString::from("lo"),
        )
        .is_err()
        {
            return skip("SO_BINDTODEVICE needs CAP_NET_RAW");
        }
        bind(listener.as_raw_fd(), &SockaddrIn::new(127, 0, 0, 1, 0)).unwrap();
        listen(&listener, nix::sys::socket::Backlog::new(1).unwrap()).unwrap();
        let port = getsockname::<SockaddrIn>(listener.as_raw_fd())
            .unwrap()
            .port();
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        assert_eq!(probe.listens(address), Some(true));
    }

    #[test]
    fn an_address_that_is_not_loopback_is_never_called_unlistened() {
        // Nothing of this host listens there; a remote host may.
        assert!(!nothing_listens("192.0.2.1:80".parse().unwrap()));
    }

    #[test]
    fn answers_not_understood_are_none() {
        assert_eq!(parse(&[]), None);
        let mut error = vec![0u8; HEADER + 4];
        error[4..6].copy_from_slice(&NLMSG_ERROR.to_ne_bytes());
        error[HEADER..].copy_from_slice(&(-libc::EPERM).to_ne_bytes());
        assert_eq!(parse(&error), None);
        error[HEADER..].copy_from_slice(&(-libc::ENOENT).to_ne_bytes());
        assert_eq!(parse(&error), Some(false));
    }
}

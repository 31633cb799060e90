//! Free loopback ports for tests that run in parallel. Binding port 0 and
//! releasing it is not enough: the kernel may hand the same port to another
//! test's bind(0), or use it as the source port of any outgoing connection,
//! before the daemon binds it. So ports come from below the kernel's
//! ephemeral range (which bind(0) and connect() draw from), each port at
//! most once per test process (a process-wide counter), starting at an
//! offset derived from the pid; a port something already listens on is
//! skipped, and so is one another test process claimed (two `cargo test`
//! runs at once): each port handed out is claimed by a lock on its byte of
//! one file in the temp dir, held until this process exits.
#![allow(dead_code)]

use std::fs::File;
use std::net::TcpListener;
use std::os::unix::fs::OpenOptionsExt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// The lowest port handed out.
const FIRST: u32 = 10_000;

/// The next port of this process, as an offset into the pool.
static NEXT: AtomicU32 = AtomicU32::new(0);

/// A loopback port nobody listens on and no other test of this process,
/// nor any other test process, was given.
pub fn free_port() -> u16 {
    let end = ephemeral_start().max(FIRST + 1_000);
    let size = end - FIRST;
    let offset = std::process::id().wrapping_mul(7_919) % size;
    loop {
        let taken = NEXT.fetch_add(1, Ordering::SeqCst);
        assert!(taken < size, "no free loopback port left in {FIRST}..{end}");
        let port = (FIRST + (offset + taken) % size) as u16;
        if claim(port) && TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// The first port of the kernel's ephemeral range (32768 when unreadable).
fn ephemeral_start() -> u32 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse().ok())
        .unwrap_or(32_768)
}

/// Claims `port` against the other test processes: an open file
/// description's lock on byte `port` of one file, which lasts as long as
/// this process (the file stays open) and ends with it, however it ends.
/// True when this process has it; also when the file cannot be opened (as
/// another user's), where only the listening check guards.
fn claim(port: u16) -> bool {
    static CLAIMS: OnceLock<Option<File>> = OnceLock::new();
    let claims = CLAIMS.get_or_init(|| {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o666)
            .open(std::env::temp_dir().join("devup-test-ports.lock"))
            .ok()
    });
    let Some(claims) = claims else {
        return true;
    };
    let lock = libc::flock {
        l_type: libc::F_WRLCK as libc::c_short,
        l_whence: libc::SEEK_SET as libc::c_short,
        l_start: libc::off_t::from(port),
        l_len: 1,
        l_pid: 0,
    };
    nix::fcntl::fcntl(claims, nix::fcntl::FcntlArg::F_OFD_SETLK(&lock)).is_ok()
}

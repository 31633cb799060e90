//! Free loopback ports for tests that run in parallel. Binding port 0 and
//! releasing it is not enough: the kernel may hand the same port to another
//! test's bind(0), or use it as the source port of any outgoing connection,
//! before the daemon binds it. So ports come from below the kernel's
//! ephemeral range (which bind(0) and connect() draw from), each port at
//! most once per test process (a process-wide counter), starting at an
//! offset derived from the pid so that two test processes at once rarely
//! meet; a port something already listens on is skipped.
#![allow(dead_code)]

use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};

/// The lowest port handed out.
const FIRST: u32 = 10_000;

/// The next port of this process, as an offset into the pool.
static NEXT: AtomicU32 = AtomicU32::new(0);

/// A loopback port nobody listens on and no other test of this process
/// was given.
pub fn free_port() -> u16 {
    let end = ephemeral_start().max(FIRST + 1_000);
    let size = end - FIRST;
    let offset = std::process::id().wrapping_mul(7_919) % size;
    loop {
        let taken = NEXT.fetch_add(1, Ordering::SeqCst);
        assert!(taken < size, "no free loopback port left in {FIRST}..{end}");
        let port = (FIRST + (offset + taken) % size) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
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

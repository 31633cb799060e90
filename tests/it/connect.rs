//! `connect(f)` starts the daemon when the connection is refused, and
//! `status()` tells running, unresponsive, stopped and stale apart.

use std::net::TcpStream;
use std::time::Duration;

use crate::harness::*;
use devup::{DaemonController, DaemonState, Error, Ping};

/// `daemon.connect` to `address` over TCP; the stream and how many times
/// it tried.
fn connect_counting(daemon: &DaemonController, address: &str) -> (TcpStream, usize) {
    let mut attempts = 0;
    let stream = daemon
        .connect(|| {
            attempts += 1;
            TcpStream::connect(address)
        })
        .unwrap();
    (stream, attempts)
}

#[test]
fn connect_starts_the_daemon_when_the_connection_is_refused() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let address = free_address();
    let daemon = listening(&dir, &tag, &address, &[]).build().unwrap();
    let (stream, attempts) = connect_counting(&daemon, &address);
    assert_eq!(attempts, 2, "the first attempt was not refused");
    assert_eq!(stream.peer_addr().unwrap().to_string(), address);
    let pid = daemon.pid().expect("the daemon runs");

    // Running: one attempt, nothing started.
    let (_, attempts) = connect_counting(&daemon, &address);
    assert_eq!(attempts, 1);
    assert_one_instance(&tag, pid);
    daemon.stop().unwrap();
}

#[test]
fn connect_to_a_missing_unix_socket_starts_the_daemon() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let socket = dir.join("fake.sock");
    let socket_arg = socket.display().to_string();
    let daemon = daemonizing(&dir, &tag, &["--unix", &socket_arg])
        .ping(Ping::unix(&socket))
        .build()
        .unwrap();
    daemon
        .connect(|| std::os::unix::net::UnixStream::connect(&socket))
        .unwrap();
    daemon.stop().unwrap();
}

#[test]
fn connect_returns_start_errors_as_they_are() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let address = free_address();
    let daemon = fake(&dir, &tag, &["--crash-before-daemonize"])
        .pid_file("fake.pid")
        .build()
        .unwrap();
    let result = daemon.connect(|| TcpStream::connect(&address));
    assert_eq!(
        start_failure_reason(&result),
        "the start command exited with status 1"
    );
}

#[test]
fn connect_fails_with_connect_when_the_second_attempt_fails() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let address = free_address();
    // Starts fine, but listens nowhere.
    let daemon = daemonizing(&dir, &tag, &[]).build().unwrap();
    match daemon.connect(|| TcpStream::connect(&address)) {
        Err(Error::Connect {
            daemon: name,
            source,
        }) => {
            assert_eq!(name, "fake");
            assert_eq!(source.kind(), std::io::ErrorKind::ConnectionRefused);
        }
        other => panic!("expected Connect, got {other:?}"),
    }
    daemon.stop().unwrap();
}

#[test]
fn status_tells_running_unresponsive_stopped_and_stale_apart() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let address = free_address();
    let daemon = listening(&dir, &tag, &address, &[]).build().unwrap();
    assert_eq!(daemon.status().state, DaemonState::Stopped);
    let started = daemon.start().unwrap();
    let status = daemon.status();
    assert_eq!(status.state, DaemonState::Running);
    assert_eq!(status.pid, Some(started.pid));
    assert!(status.uptime.unwrap() < Duration::from_secs(3600));

    // The same process seen through a ping it does not answer.
    let deaf = fake(&dir, &tag, &[])
        .pid_file("fake.pid")
        .ping(Ping::tcp(free_address()))
        .build()
        .unwrap();
    assert_eq!(deaf.status().state, DaemonState::Unresponsive);
    assert_eq!(deaf.status().pid, Some(started.pid));

    daemon.stop().unwrap();
    std::fs::write(dir.join("fake.pid"), format!("{}\n", started.pid)).unwrap();
    assert_eq!(daemon.status().state, DaemonState::Stale);
}

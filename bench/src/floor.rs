//! The physical limits devup is measured against: the same fake daemon
//! spawned directly, its port polled every 0.5 ms until it accepts (the
//! start floor), and the same daemon sent SIGTERM and reaped directly (the
//! stop floor). No devup runs here.

use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::child;

/// How often the floor polls the port.
const POLL: Duration = Duration::from_micros(500);

/// Gives up on a daemon that never listens.
const DEADLINE: Duration = Duration::from_secs(30);

/// Start and stop time of one directly spawned daemon.
pub struct Floor {
    /// From just before the spawn to the first accepted connection.
    pub start: Duration,
    /// From SIGTERM to the reap.
    pub stop: Duration,
}

/// Spawns `fake_daemon` on a free port, ready after `ready_after_ms`, polls
/// it until it accepts, then stops it with SIGTERM and reaps it.
pub fn measure(fake_daemon: &Path, ready_after_ms: u64) -> Result<Floor, String> {
    let port = crate::fixture::free_ports(1).map_err(|error| error.to_string())?[0];
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let started = Instant::now();
    let mut daemon = Command::new(fake_daemon)
        .args(["fake-daemon", "--listen", &address.to_string()])
        .args(["--ready-after", &ready_after_ms.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|error| format!("cannot spawn {}: {error}", fake_daemon.display()))?;
    poll_until_listening(address, started, || {
        let _ = daemon.kill();
        let _ = daemon.wait();
    })?;
    let start = started.elapsed();
    let pid = libc::pid_t::try_from(daemon.id()).map_err(|error| error.to_string())?;
    let stopping = Instant::now();
    child::signal(pid, libc::SIGTERM);
    daemon.wait().map_err(|error| error.to_string())?;
    let stop = stopping.elapsed();
    Ok(Floor { start, stop })
}

/// The floor of the classic case: the fake daemon daemonizes itself (fork,
/// exit, setsid, pid file); its start command is reaped, its port polled
/// every 0.5 ms until it accepts; then its pid (from the pid file) gets
/// SIGTERM and is waited for until it is gone.
pub fn measure_self_daemonizing(
    fake_daemon: &Path,
    ready_after_ms: u64,
    dir: &Path,
) -> Result<Floor, String> {
    let port = crate::fixture::free_ports(1).map_err(|error| error.to_string())?[0];
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let pid_file = dir.join("floor.pid");
    let _ = std::fs::remove_file(&pid_file);
    let started = Instant::now();
    let status = Command::new(fake_daemon)
        .args(["fake-daemon", "--listen", &address.to_string()])
        .args(["--ready-after", &ready_after_ms.to_string()])
        .arg("--pid-file")
        .arg(&pid_file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .map_err(|error| format!("cannot spawn {}: {error}", fake_daemon.display()))?;
    if !status.success() {
        return Err(format!("the self-daemonizing fake daemon {status}"));
    }
    let pid =
        || -> Option<libc::pid_t> { std::fs::read_to_string(&pid_file).ok()?.trim().parse().ok() };
    poll_until_listening(address, started, || {
        if let Some(pid) = pid() {
            child::signal(pid, libc::SIGKILL);
        }
    })?;
    let start = started.elapsed();
    let pid = pid().ok_or("the fake daemon wrote no pid file")?;
    let stopping = Instant::now();
    child::signal(pid, libc::SIGTERM);
    // Not our child: gone when signal 0 fails.
    // SAFETY: kill with signal 0 only checks that the pid exists.
    while unsafe { libc::kill(pid, 0) } == 0 {
        if stopping.elapsed() > DEADLINE {
            return Err(format!("pid {pid} did not stop"));
        }
        thread::sleep(POLL);
    }
    Ok(Floor {
        start,
        stop: stopping.elapsed(),
    })
}

fn poll_until_listening(
    address: SocketAddr,
    started: Instant,
    give_up: impl FnOnce(),
) -> Result<(), String> {
    loop {
        if TcpStream::connect(address).is_ok() {
            return Ok(());
        }
        if started.elapsed() > DEADLINE {
            give_up();
            return Err(format!("the fake daemon never listened on {address}"));
        }
        thread::sleep(POLL);
    }
}

//! `devup-bench floor-noop DIR PORT...`: the least a no-op `devup` must do,
//! as its own process: read every pid file under `DIR/.devup/run`, check that
//! `/proc/PID` exists, and connect once to every port. Its wall time is the
//! floor of the no-op row.

use std::fs;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::ExitCode;

/// Runs the probe with the arguments after `floor-noop`; exits 1 when a
/// daemon is missing.
pub fn main(args: &[String]) -> ExitCode {
    let Some((dir, ports)) = args.split_first() else {
        eprintln!("floor-noop: usage: floor-noop DIR PORT...");
        return ExitCode::from(2);
    };
    let run = Path::new(dir).join(".devup/run");
    let Ok(entries) = fs::read_dir(&run) else {
        eprintln!("floor-noop: cannot read {}", run.display());
        return ExitCode::from(1);
    };
    let mut alive = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|extension| extension != "pid") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap_or_default();
        let Ok(pid) = text.trim().parse::<u32>() else {
            continue;
        };
        if fs::metadata(format!("/proc/{pid}")).is_ok() {
            alive += 1;
        }
    }
    let mut answered = 0;
    for port in ports {
        let Ok(port) = port.parse::<u16>() else {
            continue;
        };
        if TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port))).is_ok() {
            answered += 1;
        }
    }
    if alive == ports.len() && answered == ports.len() {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "floor-noop: {alive} live pid files, {answered} answering ports, {} wanted",
            ports.len()
        );
        ExitCode::from(1)
    }
}

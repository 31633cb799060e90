//! Builds a devup controller from its arguments and calls `up()` (or
//! `start()`), printing what happened: the process side of devup's race
//! tests, where many processes start one daemon at once.
//!
//! `race-start --dir DIR --pid-file PATH [--tcp ADDR] [--start] -- COMMAND [ARG...]`
//! (`--tcp`: ready when a TCP connection to ADDR succeeds)
//!
//! Prints one line: `started PID`, `already-running PID` (from `up`),
//! `already-started PID` (from `start`), or `error MESSAGE` (exit 1).

use devup::{DaemonController, Error, Ping, UpOutcome};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut pid_file = None;
    let mut start = false;
    let mut tcp = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--dir" => dir = args.next(),
            "--pid-file" => pid_file = args.next(),
            "--start" => start = true,
            "--tcp" => tcp = args.next(),
            "--" => break,
            _ => {
                eprintln!("race-start: unknown argument {arg}");
                std::process::exit(2);
            }
        }
    }
    let command: Vec<String> = args.collect();
    let (Some(dir), Some(pid_file), false) = (dir, pid_file, command.is_empty()) else {
        eprintln!("race-start: --dir, --pid-file and a command are required");
        std::process::exit(2);
    };
    let mut builder = DaemonController::builder("race")
        .dir(dir)
        .pid_file(pid_file)
        .start_command(command);
    if let Some(address) = tcp {
        builder = builder.ping(Ping::tcp(address));
    }
    let daemon = builder.build().unwrap_or_else(|error| {
        println!("error {error}");
        std::process::exit(1)
    });
    let outcome = if start {
        daemon.start().map(UpOutcome::Started)
    } else {
        daemon.up()
    };
    match outcome {
        Ok(UpOutcome::Started(started)) => println!("started {}", started.pid),
        Ok(UpOutcome::AlreadyRunning { pid }) => println!("already-running {pid}"),
        Err(Error::AlreadyStarted { pid, .. }) => println!("already-started {pid}"),
        Err(error) => {
            println!("error {error}");
            std::process::exit(1);
        }
    }
}

//! "ADDRESS is already in use by another process" names that process (pid
//! and command), says when it is a daemon devup started in this very
//! project (the old instance of a renamed daemon), and what to do.

use crate::harness;
use crate::harness::dispositions;

use std::process::{Command, Stdio};

use harness::{Project, wait_until};

/// A Python program that listens on the port given as its first argument.
const HOLDER: &str = "import socket, sys, time\n\
                      s = socket.socket()\n\
                      s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
                      s.bind(('127.0.0.1', int(sys.argv[1])))\n\
                      s.listen()\n\
                      time.sleep(600)\n";

/// The error messages at the end of a run's stderr.
fn errors(stderr: &str) -> &str {
    let start = stderr.find("error: ").unwrap_or(stderr.len());
    &stderr[start..]
}

/// A process's command line as `ps -o args` shows it (python3 may be a
/// shim that re-executes itself under its full path).
fn command_line(pid: impl std::fmt::Display) -> String {
    harness::procs::command_line(pid.to_string().parse().expect("a pid"))
}

fn listens(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// A daemon `NAME` that is the listener itself.
fn listener_daemon(name: &str, port: u16) -> String {
    format!(
        "  {name}:\n    daemonize: true\n    start: [python3, holder.py, \"{port}\", \"{{tag}}\"]\n    \
         ping: {{ tcp: \"127.0.0.1:{port}\" }}\n"
    )
}

#[test]
fn a_foreign_holder_is_named_with_its_pid_and_command() {
    let port = harness::free_port();
    let project = Project::new(&format!("daemons:\n{}", listener_daemon("cache", port)));
    project.write("holder.py", HOLDER);
    dispositions::reset();
    let mut foreign = Command::new("python3")
        .args(["holder.py", &port.to_string(), project.tag()])
        .current_dir(project.dir())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    wait_until("the foreign process listens", || listens(port));
    // Before: "127.0.0.1:PORT is already in use by another process", full
    // stop.
    let outcome = project.devup(["up"]).status(1).run();
    assert!(command_line(foreign.id()).ends_with(&format!("holder.py {port} {}", project.tag())));
    assert_eq!(
        errors(&outcome.stderr),
        format!(
            "error: cache: could not start: 127.0.0.1:{port} is already in use by another \
             process: pid {} ({}); stop it, or give `cache` another address\n",
            foreign.id(),
            command_line(foreign.id()),
        ),
        "{}",
        outcome.stderr
    );
    foreign.kill().unwrap();
    foreign.wait().unwrap();
}

#[test]
fn the_old_instance_of_a_renamed_daemon_is_named_as_such() {
    let port = harness::free_port();
    let project = Project::new(&format!("daemons:\n{}", listener_daemon("old-cache", port)));
    project.write("holder.py", HOLDER);
    project.devup(["up", "-q"]).status(0).run();
    let pid = project.read(".devup/run/old-cache.pid").trim().to_string();
    // The daemon is renamed in the manifest; the old instance still runs.
    project.write(
        "daemons.yaml",
        &format!("daemons:\n{}", listener_daemon("cache", port)),
    );
    // Before: "127.0.0.1:PORT is already in use by another process".
    let outcome = project.devup(["up", "cache"]).status(1).run();
    assert_eq!(
        errors(&outcome.stderr),
        format!(
            "error: cache: could not start: 127.0.0.1:{port} is already in use by another \
             process: pid {pid} ({}), the daemon `old-cache` that devup started in this \
             project; stop it with `devup down old-cache`, or `kill {pid}` when `old-cache` is \
             no longer in the manifest\n",
            command_line(&pid),
        ),
        "{}",
        outcome.stderr
    );
}

//! A TCP connection to a loopback port nobody listens on, inside the
//! kernel's ephemeral range, now and then picks that very port as its
//! source and connects to itself (TCP simultaneous open). devup must never
//! take such a socket for a listener: not in a `tcp` or `http` ping, not in
//! the foreign-listener check before a start, not in `status`.
//!
//! Made deterministic in a private network namespace (`unshare --net`, as
//! root in CI, else inside a user namespace mapping us to root) whose
//! ephemeral range is the single port 40000: every connect to
//! 127.0.0.1:40000 then has 40000 as its source, and connects to itself.
//! devup asks the kernel's socket table before it connects to a loopback
//! address (`src/controller/listen_probe.rs`), and where nothing listens
//! connects only to confirm it (the first attempt, then every 500 ms):
//! those connects meet the guard against a self-connect in `dial.rs`.

use crate::harness;
use crate::harness::dispositions;

use std::process::Command;

use harness::Project;

/// The `unshare` options for a network namespace of our own.
fn unshare_args() -> Vec<&'static str> {
    [harness::programs::unshare_user_args(), &["--net"]].concat()
}

/// The shell prelude inside the namespace: loopback up, and an ephemeral
/// range of the one port 40000.
const PRELUDE: &str =
    "ip link set lo up; echo '40000 40000' > /proc/sys/net/ipv4/ip_local_port_range; ";

/// True when a private network namespace with a narrowed ephemeral range
/// can be made here; false (after a notice) when not, which fails the test
/// under `CI=true`.
fn can_unshare_net() -> bool {
    let ok = Command::new("unshare")
        .args(unshare_args())
        .args(["sh", "-ec", PRELUDE])
        .status()
        .is_ok_and(|status| status.success());
    harness::skip_unless(ok, "unshare --net (with ip) is not permitted here")
}

/// Runs `script` in the namespace, in the project dir, with `$DEVUP` and
/// `$DEVDOWN`; returns (exit code, stdout, stderr).
fn in_net_namespace(project: &Project, script: &str) -> (Option<i32>, String, String) {
    dispositions::reset();
    let output = Command::new("unshare")
        .args(unshare_args())
        .args(["sh", "-c", &format!("{PRELUDE}{script}")])
        .current_dir(project.dir())
        .env("DEVUP", harness::devup_bin())
        .env("DEVDOWN", harness::devdown_bin())
        .env_remove("DEVUP_FILE")
        .env_remove("CI")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The error messages at the end of a run's stderr.
fn errors(stderr: &str) -> &str {
    let start = stderr.find("error: ").unwrap_or(stderr.len());
    &stderr[start..]
}

#[test]
fn the_namespace_really_connects_to_itself() {
    // The premise of the other tests: without the check, a plain connect
    // "succeeds" with nobody listening.
    if !can_unshare_net() {
        return;
    }
    let project = Project::new("daemons: {}\n");
    let (code, stdout, stderr) = in_net_namespace(
        &project,
        "exec python3 -c 'import socket; s = socket.create_connection((\"127.0.0.1\", 40000)); \
         print(s.getsockname() == s.getpeername())'",
    );
    assert_eq!((code, stdout.as_str()), (Some(0), "True\n"), "{stderr}");
}

#[test]
fn a_tcp_ping_that_connects_to_itself_is_refused_not_ready() {
    if !can_unshare_net() {
        return;
    }
    let project = Project::new(
        "daemons:\n  web:\n    daemonize: true\n    start: \": {tag}; exec sleep 600\"\n    \
         start_timeout: 1s\n    ping: { tcp: \"127.0.0.1:40000\" }\n",
    );
    // Before: "web: could not start: 127.0.0.1:40000 is already in use by
    // another process" (the foreign-listener check connected to itself).
    let (code, _, stderr) = in_net_namespace(&project, "exec \"$DEVUP\"");
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        errors(&stderr),
        "error: web: not ready after 1.0s (still waiting for the ping (tcp 127.0.0.1:40000) \
         to succeed; its last attempt: connection refused); the start was aborted\n",
        "{stderr}"
    );
    assert!(project.processes_with(project.tag()).is_empty());
}

#[test]
fn an_http_ping_that_connects_to_itself_is_refused_not_ready() {
    if !can_unshare_net() {
        return;
    }
    let project = Project::new(
        "daemons:\n  web:\n    daemonize: true\n    start: \": {tag}; exec sleep 600\"\n    \
         start_timeout: 1s\n    ping: { http: \"http://127.0.0.1:40000/health\" }\n",
    );
    // Before: "127.0.0.1:40000 is already in use by another process".
    let (code, _, stderr) = in_net_namespace(&project, "exec \"$DEVUP\"");
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        errors(&stderr),
        "error: web: not ready after 1.0s (still waiting for the ping \
         (http http://127.0.0.1:40000/health) to succeed; its last attempt: connection \
         refused); the start was aborted\n",
        "{stderr}"
    );
    assert!(project.processes_with(project.tag()).is_empty());
}

#[test]
fn status_does_not_take_a_connection_to_itself_for_an_answer() {
    if !can_unshare_net() {
        return;
    }
    // The daemon listens on 40001; `status` is then asked with the ping
    // moved to 40000, where nothing listens.
    let project = Project::new(
        "daemons:\n  web:\n    daemonize: true\n    \
         start: [python3, -c, \"import socket, time; s = socket.socket(); \
         s.bind(('127.0.0.1', 40001)); s.listen(); time.sleep(600)\", \"{tag}\"]\n    \
         ping: { tcp: \"127.0.0.1:${PORT:-40000}\" }\n",
    );
    // Before: `running` (the ping to 40000 connected to itself).
    let (code, stdout, stderr) = in_net_namespace(
        &project,
        "PORT=40001 \"$DEVUP\" -q || exit 9; \"$DEVUP\" status; code=$?; \
         PORT=40001 \"$DEVDOWN\" -q; exit $code",
    );
    assert_eq!(code, Some(3), "{stdout}{stderr}");
    let state: Vec<&str> = stdout.split_whitespace().take(2).collect();
    assert_eq!(state, ["web", "unresponsive"], "{stdout}");
    assert!(project.processes_with(project.tag()).is_empty());
}

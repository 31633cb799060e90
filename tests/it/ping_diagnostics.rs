//! A ping that does not succeed says why (SPEC §3): a `command` ping that
//! exits 127 or 126 fails the start at once with its output; a start that
//! runs past `start_timeout` names what it waited for and the last
//! attempt's error (`connection refused`, the HTTP status and a line of the
//! body, the command's exit status and last output lines). Every attempt
//! has its own deadline inside the start's, so a server that trickles a
//! byte at a time, or never answers, cannot hold a start past its timeout,
//! and Ctrl-C interrupts a ping in flight.
use crate::harness;

use harness::{Project, wait_until};
use nix::sys::signal::Signal;

/// The error messages at the end of a run's stderr.
fn errors(stderr: &str) -> &str {
    let start = stderr.find("error: ").unwrap_or(stderr.len());
    &stderr[start..]
}

/// What `text` holds between the first `after` and the next `before`: a
/// port or URL the test's manifest was given, as the message shows it.
fn between(text: &str, after: &str, before: char) -> String {
    text.split(after)
        .nth(1)
        .and_then(|rest| rest.split(before).next())
        .unwrap_or_default()
        .to_string()
}

/// A daemon `web` (a `sleep`) with `ping` and `start_timeout: 1s`.
fn sleeper_with_ping(ping: &str) -> Project {
    Project::new(&format!(
        "daemons:\n  web:\n    daemonize: true\n    start: \": {{tag}}; exec sleep 600\"\n    \
         start_timeout: 1s\n    ping: {ping}\n"
    ))
}

/// An HTTP-ish server as the daemon: on each connection it touches
/// `connected`, then runs `serve(c)` (Python) on a thread of its own.
fn python_server(serve: &str, extra: &str) -> Project {
    let project = Project::new(&format!(
        "daemons:\n  web:\n    daemonize: true\n    start: [python3, server.py, \"{{port1}}\", \"{{tag}}\"]\n    \
         ping: {{ http: \"http://127.0.0.1:{{port1}}/health\" }}\n{extra}"
    ));
    project.write(
        "server.py",
        &format!(
            "import socket, sys, threading, time\n\
             s = socket.socket()\n\
             s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
             s.bind(('127.0.0.1', int(sys.argv[1])))\n\
             s.listen()\n\
             def serve(c):\n    try:\n{serve}\n    except OSError:\n        pass\n\
             while True:\n    c, _ = s.accept()\n    open('connected', 'w').close()\n    \
             threading.Thread(target=serve, args=(c,), daemon=True).start()\n"
        ),
    );
    project
}

/// Sends one byte every 1.5 s, never a newline.
const TRICKLE: &str = "        while True:\n            c.send(b'H')\n            time.sleep(1.5)";
/// Accepts and never answers.
const SILENT: &str = "        time.sleep(600)";

#[test]
fn a_command_ping_that_is_not_found_fails_at_once_with_its_output() {
    // Before: retried until start_timeout (here 30 s, the default), then
    // "still waiting for the ping ... to succeed" with no reason.
    let project = Project::new(
        "daemons:\n  cache:\n    daemonize: true\n    start: \": {tag}; exec sleep 600\"\n    \
         ping: { command: \"redis-klient -p 21379 ping\" }\n",
    );
    let outcome = project.devup(["up"]).spawn().finish().status(1);
    assert_eq!(
        errors(&outcome.stderr),
        "error: cache: could not start: the ping (command `redis-klient -p 21379 ping`) \
         exited with status 127 (command not found)\n\
         output of the ping command:\n  /bin/sh: 1: redis-klient: not found\n",
        "{}",
        outcome.stderr
    );
    assert!(project.processes_with(project.tag()).is_empty());
}

#[test]
fn a_command_ping_that_is_not_executable_fails_at_once() {
    let project = Project::new(
        "daemons:\n  cache:\n    daemonize: true\n    start: \": {tag}; exec sleep 600\"\n    \
         ping: { command: [./check] }\n",
    );
    project.write("check", "#!/bin/sh\nexit 0\n");
    let outcome = project.devup(["up"]).spawn().finish().status(1);
    assert_eq!(
        errors(&outcome.stderr),
        "error: cache: could not start: the ping (command `./check`) could not be run: \
         permission denied\n",
        "{}",
        outcome.stderr
    );
    assert!(project.processes_with(project.tag()).is_empty());
}

#[test]
fn a_shell_ping_of_a_file_that_is_not_executable_exits_126_at_once() {
    let project = Project::new(
        "daemons:\n  cache:\n    daemonize: true\n    start: \": {tag}; exec sleep 600\"\n    \
         ping: { command: \"./check --quick\" }\n",
    );
    project.write("check", "#!/bin/sh\nexit 0\n");
    let outcome = project.devup(["up"]).spawn().finish().status(1);
    assert_eq!(
        errors(&outcome.stderr),
        "error: cache: could not start: the ping (command `./check --quick`) exited with \
         status 126 (command not executable)\n\
         output of the ping command:\n  /bin/sh: 1: ./check: Permission denied\n",
        "{}",
        outcome.stderr
    );
}

#[test]
fn a_timed_out_command_ping_shows_its_exit_status_and_last_output_lines() {
    let project = sleeper_with_ping(
        "{ command: \"echo starting; echo loading; echo not yet; echo >&2 still loading; exit 1\" }",
    );
    let outcome = project.devup(["up"]).spawn().finish().status(1);
    assert_eq!(
        errors(&outcome.stderr),
        "error: web: not ready after 1.0s (still waiting for the ping (command `echo starting; \
         echo loading; echo not yet; echo >&2 still loading; exit 1`) to succeed; its last \
         attempt: exited with status 1: loading | not yet | still loading); the start was \
         aborted\n",
        "{}",
        outcome.stderr
    );
}

#[test]
fn a_timed_out_tcp_ping_says_connection_refused() {
    let project = sleeper_with_ping("{ tcp: \"127.0.0.1:{port1}\" }");
    let outcome = project.devup(["up"]).spawn().finish().status(1);
    let port = between(&outcome.stderr, "127.0.0.1:", ')');
    assert_eq!(
        errors(&outcome.stderr),
        format!(
            "error: web: not ready after 1.0s (still waiting for the ping (tcp 127.0.0.1:{port}) \
             to succeed; its last attempt: connection refused); the start was aborted\n"
        ),
        "{}",
        outcome.stderr
    );
}

#[test]
fn a_timed_out_http_ping_shows_the_status_and_a_line_of_the_body() {
    let project = python_server(
        "        c.recv(4096)\n        \
         c.sendall(b'HTTP/1.1 503 Service Unavailable\\r\\nContent-Length: 33\\r\\n\\r\\n\
         pending migrations: run migrate\\nmore\\n')\n        c.close()",
        "    start_timeout: 3s\n",
    );
    let outcome = project.devup(["up"]).spawn().finish().status(1);
    let url = between(&outcome.stderr, "(http ", ')');
    assert_eq!(
        errors(&outcome.stderr),
        format!(
            "error: web: not ready after 3.0s (still waiting for the ping (http {url}) to \
             succeed; its last attempt: answered HTTP 503 Service Unavailable: pending \
             migrations: run migrate); the start was aborted\n"
        ),
        "{}",
        outcome.stderr
    );
    assert!(project.processes_with(project.tag()).is_empty());
}

#[test]
fn an_http_server_that_trickles_bytes_cannot_hold_the_start_past_its_timeout() {
    // Before: each byte reset the HTTP client's 2 s read timeout, so the
    // start never ended (11 minutes and counting); `finish` fails the test
    // after 30 s. (Timeouts of seconds: python's start-up under load must
    // not turn the last attempt into `connection refused`.)
    let project = python_server(TRICKLE, "    start_timeout: 5s\n");
    let outcome = project.devup(["up"]).spawn().finish().status(1);
    let url = between(&outcome.stderr, "(http ", ')');
    assert_eq!(
        errors(&outcome.stderr),
        format!(
            "error: web: not ready after 5.0s (still waiting for the ping (http {url}) to \
             succeed; its last attempt: no complete status line in time); the start was \
             aborted\n"
        ),
        "{}",
        outcome.stderr
    );
    assert!(project.processes_with(project.tag()).is_empty());
}

#[test]
fn an_http_server_that_never_answers_says_so() {
    let project = python_server(SILENT, "    start_timeout: 5s\n");
    let outcome = project.devup(["up"]).spawn().finish().status(1);
    let url = between(&outcome.stderr, "(http ", ')');
    assert_eq!(
        errors(&outcome.stderr),
        format!(
            "error: web: not ready after 5.0s (still waiting for the ping (http {url}) to \
             succeed; its last attempt: no answer in time); the start was aborted\n"
        ),
        "{}",
        outcome.stderr
    );
}

#[test]
fn ctrl_c_interrupts_an_http_ping_in_flight() {
    // Before: the HTTP client looped on its reads, inline in the wait loop,
    // and two SIGINTs had no effect; `finish` fails the test after 30 s.
    let project = python_server(
        TRICKLE,
        "    start_timeout: 5m\n    start_abort_timeout: 5s\n",
    );
    let running = project.devup(["up"]).spawn();
    wait_until("the ping is connected", || {
        project.path("connected").exists()
    });
    running.signal(Signal::SIGINT);
    let outcome = running.finish().status(130);
    assert_eq!(
        errors(&outcome.stderr),
        "error: web: start interrupted; the start was aborted\n",
        "{}",
        outcome.stderr
    );
    assert!(project.processes_with(project.tag()).is_empty());
}

#[test]
fn a_timed_out_start_shows_the_start_commands_output_under_its_own_title() {
    // A self-daemonizing start command that says something, then leaves a
    // daemon that never answers its ping.
    let project = Project::new(
        "daemons:\n  web:\n    pid_file: web.pid\n    \
         start: \"echo booting; sh -c ': {tag}; exec sleep 600' & echo $! > web.pid\"\n    \
         start_timeout: 1s\n    ping: { tcp: \"127.0.0.1:{port1}\" }\n",
    );
    let outcome = project.devup(["up"]).spawn().finish().status(1);
    let port = between(&outcome.stderr, "127.0.0.1:", ')');
    assert_eq!(
        errors(&outcome.stderr),
        format!(
            "error: web: not ready after 1.0s (still waiting for the ping (tcp 127.0.0.1:{port}) \
             to succeed; its last attempt: connection refused); the start was aborted\n\
             output of the start command:\n  booting\n"
        ),
        "{}",
        outcome.stderr
    );
    assert!(project.processes_with(project.tag()).is_empty());
}

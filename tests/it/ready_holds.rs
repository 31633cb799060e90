//! A `daemonize: true` daemon is reported ready only once its readiness
//! holds: one that exits at once fails its start (one terminal event, its
//! dependents skipped and never started), with or without a ping; one that
//! exits after its `ready`, while what depends on it starts, fails the run
//! with an `exited` line, not a second terminal event (SPEC §4).

use crate::harness;

use harness::{Outcome, Project};
use serde_json::{Value, json};

/// `a` exits at once (with `ping`, a map or empty); `b` depends on it and
/// touches `b.started` if it ever starts.
fn exits_at_once(ping: &str) -> String {
    format!(
        "daemons:\n  a:\n    daemonize: true\n    \
         start: [\"{{fake}}\", --tag, \"{{tag}}\", --print, bad config, --crash-before-daemonize]\n\
         {ping}  b:\n    daemonize: true\n    depends_on: [a]\n    \
         start: \": {{tag}}-b; touch b.started; exec sleep 600\"\n"
    )
}

const TCP_PING: &str = "    ping: { tcp: \"127.0.0.1:{port1}\" }\n";

/// The JSON lines of `outcome`'s stdout, without the fields that vary
/// (pids, times).
fn json_lines(outcome: &Outcome) -> Vec<Value> {
    outcome
        .stdout
        .lines()
        .map(|line| {
            let mut value: Value = serde_json::from_str(line).expect("a JSON line");
            let object = value.as_object_mut().expect("an object");
            object.remove("pid");
            object.remove("elapsed_ms");
            value
        })
        .collect()
}

/// The whole error of `a`'s failed start.
fn failed(project: &Project) -> String {
    format!(
        "a: could not start: the daemon exited with status 1 before it was ready\n\
         log during this start ({}):\n  bad config\n  fake-daemon: crashing (before daemonizing)",
        project.path(".devup/log/a.log").display()
    )
}

fn assert_fails_once_in_json(project: &Project) {
    let outcome = project.devup(["up", "--json"]).status(1).run();
    let lines = json_lines(&outcome);
    // Whether the ping was awaited before the exit was seen is a race.
    let a: Vec<&Value> = lines
        .iter()
        .filter(|line| line["daemon"] == "a" && line["event"] != "waiting_for_ping")
        .collect();
    let events: Vec<&str> = a
        .iter()
        .map(|line| line["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["spawned", "aborting", "failed"], "{lines:#?}");
    assert_eq!(a[2]["error"], failed(project));
    assert_eq!(
        lines[lines.len() - 2..],
        [
            json!({"daemon": "b", "event": "skipped", "reason": "a failed"}),
            json!({"event": "summary", "action": "up", "ready": 0, "already_running": 0,
                   "failed": 1, "skipped": 1}),
        ]
    );
    assert!(!project.path("b.started").exists(), "b was started");
}

fn assert_fails_once_in_plain_lines(project: &Project) {
    let outcome = project.devup(["up"]).status(1).run();
    let lines: Vec<&str> = outcome
        .stderr
        .lines()
        .filter(|line| line.starts_with("a: ") || line.starts_with("b: "))
        .filter(|line| !line.contains("spawned") && !line.contains("waiting"))
        .collect();
    let expected = [
        "a: starting",
        "a: aborting: the daemon exited with status 1 before it was ready",
        "a: failed after ",
        "b: skipped (a failed)",
    ];
    assert_eq!(lines.len(), expected.len(), "{}", outcome.stderr);
    for (line, start) in lines.iter().zip(expected) {
        assert!(line.starts_with(start), "{line:?} in {}", outcome.stderr);
    }
    assert!(
        outcome.stderr.contains("\nup: 1 failed, 1 skipped in "),
        "{}",
        outcome.stderr
    );
    let error = format!("\n\nerror: {}\n", failed(project));
    assert!(outcome.stderr.ends_with(&error), "{}", outcome.stderr);
    assert!(!project.path("b.started").exists(), "b was started");
}

#[test]
fn a_daemon_without_a_ping_that_exits_at_once_fails_once_and_its_dependent_never_starts() {
    let project = Project::new(&exits_at_once(""));
    // Several rounds: the exit races the start's last look at the daemon.
    for _ in 0..5 {
        assert_fails_once_in_json(&project);
        assert_fails_once_in_plain_lines(&project);
    }
}

#[test]
fn a_daemon_with_a_tcp_ping_that_exits_at_once_fails_once_and_its_dependent_never_starts() {
    let project = Project::new(&exits_at_once(TCP_PING));
    for _ in 0..3 {
        assert_fails_once_in_json(&project);
        assert_fails_once_in_plain_lines(&project);
    }
}

/// `a` (no ping) waits until `b` has started, then exits; `b` gets ready
/// only once `a` is gone. So `a` is ready, and dead when the run ends.
const EXITS_AFTER_READY: &str = "daemons:\n  a:\n    daemonize: true\n    \
    start: \": {tag}-a; until [ -e b.started ]; do sleep 0.01; done\"\n  \
    b:\n    daemonize: true\n    depends_on: [a]\n    ping: { log: \"^ready$\" }\n    start: |\n      \
    : {tag}-b\n      touch b.started\n      A=$(cat .devup/run/a.pid)\n      \
    while [ -e /proc/$A ] && ! grep -q ') Z ' /proc/$A/stat; do sleep 0.01; done\n      \
    echo ready\n      exec sleep 600\n";

const EXITED: &str =
    "a: could not start: it exited after it was ready, while the daemons after it started";

#[test]
fn a_daemon_that_exits_after_its_ready_fails_the_run_without_a_second_terminal_event() {
    let project = Project::new(EXITS_AFTER_READY);
    let outcome = project.devup(["up", "--json"]).status(1).run();
    let lines = json_lines(&outcome);
    let of = |daemon: &str| -> Vec<Value> {
        lines
            .iter()
            .filter(|line| line["daemon"] == daemon && line["event"] != "spawned")
            .cloned()
            .collect()
    };
    assert_eq!(
        of("a"),
        [
            json!({"daemon": "a", "event": "ready"}),
            json!({"daemon": "a", "event": "exited", "error": EXITED}),
        ]
    );
    assert_eq!(
        of("b").last(),
        Some(&json!({"daemon": "b", "event": "ready"}))
    );
    assert_eq!(
        lines.last(),
        Some(
            &json!({"event": "summary", "action": "up", "ready": 1, "already_running": 0,
                     "failed": 1, "skipped": 0})
        )
    );
    project.devdown([] as [&str; 0]).status(0).run();
    std::fs::remove_file(project.path("b.started")).unwrap();

    let outcome = project.devup(["up"]).status(1).run();
    assert_eq!(
        outcome.stderr.matches("a: ready in ").count(),
        1,
        "{}",
        outcome.stderr
    );
    assert!(!outcome.stderr.contains("a: failed"), "{}", outcome.stderr);
    let pid = project.read(".devup/run/a.pid");
    let exited = format!("\na: exited after it was ready (pid {})\n", pid.trim());
    assert!(outcome.stderr.contains(&exited), "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("\nup: 1 ready, 1 failed in "),
        "{}",
        outcome.stderr
    );
    assert!(
        outcome.stderr.ends_with(&format!("\n\nerror: {EXITED}\n")),
        "{}",
        outcome.stderr
    );
}

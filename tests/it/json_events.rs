//! `--json` on up, down, restart and exec: one object per line on stdout
//! for every change of a daemon's state, every daemon of the set ending
//! with exactly one terminal event, a summary line last; the lines for
//! people go on to stderr as usual.
use crate::harness;

use harness::{Outcome, Project, recorder, recorders};
use serde_json::Value;

/// The JSON lines of stdout (every line must be an object).
#[track_caller]
fn lines(outcome: &Outcome) -> Vec<Value> {
    outcome
        .stdout
        .lines()
        .map(|line| {
            let value: Value = serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("not JSON: {line:?}: {error}"));
            assert!(value.is_object(), "not an object: {line}");
            value
        })
        .collect()
}

/// The terminal events of `daemon` among `lines`, by name.
fn terminal_events(lines: &[Value], daemon: &str, terminal: &[&str]) -> Vec<Value> {
    lines
        .iter()
        .filter(|line| line["daemon"] == daemon)
        .filter(|line| terminal.contains(&line["event"].as_str().unwrap_or("")))
        .cloned()
        .collect()
}

const UP_ENDS: &[&str] = &["ready", "already_running", "failed", "skipped"];
const DOWN_ENDS: &[&str] = &["stopped", "not_running", "failed", "skipped"];

/// The one terminal event of each of `daemons`.
#[track_caller]
fn ends(lines: &[Value], daemons: &[&str], terminal: &[&str]) -> Vec<Value> {
    daemons
        .iter()
        .map(|daemon| {
            let ends = terminal_events(lines, daemon, terminal);
            assert_eq!(ends.len(), 1, "{daemon}: {ends:?} in {lines:#?}");
            ends[0].clone()
        })
        .collect()
}

fn failing_manifest() -> String {
    format!(
        "{}  bad:\n    pid_file: bad.pid\n    start: echo it broke; exit 1\n  \
         after:\n    daemonize: true\n    depends_on: [bad]\n    start: \": {{tag}}; sleep 600\"\n",
        recorders(&[("db", &[]), ("web", &["db"])])
    )
}

#[test]
fn up_ends_every_daemon_with_exactly_one_terminal_event_and_a_summary() {
    let project = Project::new(&failing_manifest());
    project.devup(["db"]).status(0).run();
    let outcome = project.devup(["up", "--json"]).status(1).run();
    let lines = lines(&outcome);
    let ends = ends(&lines, &["db", "web", "bad", "after"], UP_ENDS);
    assert_eq!(ends[0]["event"], "already_running");
    assert!(
        ends[0]["pid"].as_u64().is_some_and(|pid| pid > 1),
        "{ends:?}"
    );
    assert_eq!(ends[1]["event"], "ready");
    assert!(
        ends[1]["pid"].is_u64() && ends[1]["elapsed_ms"].is_u64(),
        "{ends:?}"
    );
    assert_eq!(ends[2]["event"], "failed");
    assert_eq!(
        ends[3],
        serde_json::json!({"daemon": "after", "event": "skipped", "reason": "bad failed"})
    );
    let summary = lines.last().expect("a summary line");
    assert_eq!(summary["event"], "summary");
    let mut counts = summary.clone();
    counts.as_object_mut().unwrap().remove("elapsed_ms");
    assert_eq!(
        counts,
        serde_json::json!({"event": "summary", "action": "up", "ready": 1,
            "already_running": 1, "failed": 1, "skipped": 1})
    );
    // People's lines still go to stderr, and nothing else to stdout.
    let outcome = outcome
        // web and bad start in parallel: their lines interleave; bad may
        // fail before its wait for the pid file is reported.
        .stderr_any_order(
            "\
web: waiting for db
after: waiting for bad
db: already running (pid {pid})
bad: starting
bad: spawned (pid {pid})
{maybe}bad: waiting for pid file
bad: aborting: the start command exited with status 1
bad: failed after {time}
after: skipped (bad failed)
web: starting
web: spawned (pid {pid})
web: waiting for ping (pid {pid})
web: ready in {time} (pid {pid})
up: 1 ready, 1 already running, 1 failed, 1 skipped in {time}

error: bad: could not start: the start command exited with status 1
output of the start command:
  it broke
",
        );
    assert!(!outcome.stdout.contains("ready in"), "{}", outcome.stdout);
}

#[test]
fn a_failure_carries_the_whole_error_message() {
    let project = Project::new(&failing_manifest());
    let outcome = project.devup(["--json", "bad"]).status(1).run();
    let lines = lines(&outcome);
    let failed = &ends(&lines, &["bad"], UP_ENDS)[0];
    let error = failed["error"].as_str().expect("an error string");
    assert!(
        error.starts_with("bad: could not start: the start command exited with status 1"),
        "{error}"
    );
    assert!(
        error.contains("it broke"),
        "the start output is part of it: {error}"
    );
    // The whole message: exactly what the people's output prints after `error: `.
    let printed = outcome
        .stderr
        .split("error: ")
        .nth(1)
        .expect("the error on stderr")
        .trim_end();
    assert_eq!(error.trim_end(), printed);
}

#[test]
fn down_and_devdown_end_every_daemon_with_stopped_or_not_running() {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"]), ("mail", &[])]));
    project.devup(["db", "web"]).status(0).run();
    let outcome = project.devup(["down", "--json"]).status(0).run();
    let lines = lines(&outcome);
    let ends = ends(&lines, &["db", "web", "mail"], DOWN_ENDS);
    assert_eq!(ends[0]["event"], "stopped");
    assert_eq!(ends[1]["event"], "stopped");
    assert!(
        ends[1]["pid"].is_u64() && ends[1]["elapsed_ms"].is_u64(),
        "{ends:?}"
    );
    assert_eq!(
        ends[2],
        serde_json::json!({"daemon": "mail", "event": "not_running"})
    );
    let last = lines.last().unwrap();
    assert_eq!(
        (
            &last["event"],
            &last["action"],
            &last["stopped"],
            &last["not_running"]
        ),
        (
            &Value::from("summary"),
            &Value::from("down"),
            &Value::from(2),
            &Value::from(1)
        ),
    );
    let outcome = project.devdown(["--json"]).status(0).run();
    let lines = self::lines(&outcome);
    for end in self::ends(&lines, &["db", "web", "mail"], DOWN_ENDS) {
        assert_eq!(end["event"], "not_running", "{end}");
    }
}

#[test]
fn restart_reports_the_stops_then_the_starts_and_ends_with_the_up_summary() {
    let project = Project::new(&recorders(&[("db", &[])]));
    project.devup(["db"]).status(0).run();
    let outcome = project.devup(["restart", "--json", "db"]).status(0).run();
    let lines = lines(&outcome);
    let events: Vec<&str> = lines
        .iter()
        .filter(|line| line["daemon"] == "db" || line["event"] == "summary")
        .filter_map(|line| line["event"].as_str())
        .filter(|event| !event.starts_with("waiting") && *event != "spawned")
        .collect();
    assert_eq!(
        events,
        ["stopping", "stopped", "summary", "ready", "summary"]
    );
    assert_eq!(lines.last().unwrap()["action"], "up");
}

#[test]
fn exec_reports_the_starts_and_the_stops_around_the_command() {
    let project = Project::new(&format!("daemons:\n{}", recorder("db", &[])));
    let outcome = project
        .devup(["exec", "--json", "--", "echo", "the command ran"])
        .status(0)
        .run();
    let stdout: Vec<&str> = outcome.stdout.lines().collect();
    let at = stdout
        .iter()
        .position(|line| *line == "the command ran")
        .expect("the command's own output");
    let parse = |line: &&str| serde_json::from_str::<Value>(line).expect("JSON");
    let before: Vec<Value> = stdout[..at].iter().map(parse).collect();
    let after: Vec<Value> = stdout[at + 1..].iter().map(parse).collect();
    assert_eq!(ends(&before, &["db"], UP_ENDS)[0]["event"], "ready");
    assert_eq!(ends(&after, &["db"], DOWN_ENDS)[0]["event"], "stopped");
    assert_eq!(after.last().unwrap()["event"], "summary");
}

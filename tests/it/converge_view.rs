//! A converging `devup` reads as one run: the changed notice,
//! the stops, the starts, and one summary that counts the restarts, in
//! plain output and in `--json`, compared whole.
use crate::harness;

use harness::{Project, recorders};
use serde_json::Value;

/// `db` and `web` after it, both running; then `db`'s start changes.
fn changed_db() -> Project {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"])]));
    project.devup(["up"]).status(0).run();
    project.edit(
        "daemons.yaml",
        "echo start db >> events.log",
        "echo start db >> events.log; : v2",
    );
    project
}

#[test]
fn a_converge_is_one_story_with_one_summary() {
    let project = changed_db();
    project
        .devup(["up"])
        .status(0)
        .stderr(
            "db: changed (start), restarting\n\
         db: waiting for web\n\
         web: stopping (pid {pid})\n\
         web: stopped in {time} (pid {pid})\n\
         db: stopping (pid {pid})\n\
         db: stopped in {time} (pid {pid})\n\
         web: waiting for db\n\
         db: starting\n\
         db: spawned (pid {pid})\n\
         db: waiting for ping (pid {pid})\n\
         db: ready in {time} (pid {pid})\n\
         web: starting\n\
         web: spawned (pid {pid})\n\
         web: waiting for ping (pid {pid})\n\
         web: ready in {time} (pid {pid})\n\
         up: 2 restarted in {time}\n",
        )
        .run();
}

#[test]
fn a_converge_in_json_ends_each_daemon_once_and_counts_the_restarts() {
    let project = changed_db();
    let outcome = project.devup(["up", "--json"]).status(0).run();
    let lines: Vec<Value> = outcome
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON"))
        .collect();
    let events: Vec<String> = lines
        .iter()
        .map(|line| {
            let mut line = line.clone();
            let object = line.as_object_mut().unwrap();
            object.remove("elapsed_ms");
            object.remove("pid");
            line.to_string()
        })
        .collect();
    assert_eq!(
        events,
        [
            r#"{"daemon":"db","event":"changed","keys":["start"],"restarting":true}"#,
            r#"{"daemon":"db","event":"waiting","for":["web"]}"#,
            r#"{"daemon":"web","event":"stopping"}"#,
            r#"{"daemon":"web","event":"stopped"}"#,
            r#"{"daemon":"db","event":"stopping"}"#,
            r#"{"daemon":"db","event":"stopped"}"#,
            r#"{"daemon":"web","event":"waiting","for":["db"]}"#,
            r#"{"daemon":"db","event":"spawned"}"#,
            r#"{"daemon":"db","event":"waiting_for_ping"}"#,
            r#"{"daemon":"db","event":"ready"}"#,
            r#"{"daemon":"web","event":"spawned"}"#,
            r#"{"daemon":"web","event":"waiting_for_ping"}"#,
            r#"{"daemon":"web","event":"ready"}"#,
            r#"{"action":"up","already_running":0,"event":"summary","failed":0,"ready":0,"restarted":2,"skipped":0}"#,
        ]
    );
    // Exactly one terminal event per daemon: the stops are not terminal.
    for daemon in ["db", "web"] {
        let ends = lines
            .iter()
            .filter(|line| line["daemon"] == daemon)
            .filter(|line| {
                ["ready", "already_running", "failed", "skipped"]
                    .contains(&line["event"].as_str().unwrap_or(""))
            })
            .count();
        assert_eq!(ends, 1, "{daemon}");
    }
}

#[test]
fn a_failed_stop_counts_as_failed_in_the_one_summary() {
    // The recorded stop command fails; devup kills the process after
    // stop_timeout (it is proven the daemon), then starts it again.
    let project = Project::new(
        "daemons:\n  db:\n    daemonize: true\n    start: \": {tag}; exec sleep 600\"\n    \
         stop: \"exit 3\"\n    stop_timeout: 1s\n",
    );
    project.devup(["up"]).status(0).run();
    project.edit("daemons.yaml", "sleep 600", "sleep 601");
    project
        .devup(["up"])
        .status(1)
        .stderr(
            "db: changed (start), restarting\n\
         db: stopping (pid {pid})\n\
         db: killing (pid {pid}): stop timeout passed\n\
         db: failed after {time}\n\
         db: starting\n\
         db: spawned (pid {pid})\n\
         db: ready in {time} (pid {pid})\n\
         up: 1 ready, 1 failed in {time}\n\
         \n\
         error: db: could not stop: the stop command `exit 3` exited with status 3\n",
        )
        .run();
}

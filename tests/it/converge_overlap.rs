//! A converge is one schedule (SPEC §6): the stop of a changed daemon and
//! the start of an unrelated one run at the same time, while a dependent of
//! the restarted daemon is still stopped before it and started after it;
//! `--remove-orphans` stops print no block of their own, and one summary
//! counts everything. Overlap is shown by the order of events (a stop that
//! can only end once the unrelated start happened), never by timing.
use crate::harness;

use harness::{Project, recorder, recorders};
use regex::Regex;
use serde_json::Value;

/// `text` with every duration as `T` and every pid as `N`.
fn normalized(text: &str) -> String {
    let times = Regex::new(r"\d+(\.\d+)?(ms|s)\b").unwrap();
    let pids = Regex::new(r"pid \d+").unwrap();
    pids.replace_all(&times.replace_all(text, "T"), "pid N")
        .into_owned()
}

/// `db`, whose stop waits until `mail` has started (so it can only end
/// when that start overlaps it), `web` on `db`, and `mail`, unrelated.
fn waiting_stop() -> String {
    format!(
        "daemons:\n{}    stop: \"until grep -qx 'start mail' events.log; do sleep 0.01; done; \
         kill $(cat .devup/run/db.pid)\"\n    stop_timeout: 10s\n{}{}",
        recorder("db", &[]),
        recorder("web", &["db"]),
        recorder("mail", &[])
    )
}

#[test]
fn a_changed_daemons_stop_overlaps_an_unrelated_start_and_keeps_the_dependency_order() {
    let project = Project::new(&waiting_stop());
    project.devup(["web"]).status(0).run();
    let manifest = project.read("daemons.yaml").replacen(
        "echo start db >> events.log",
        "echo start db >> events.log; : v2",
        1,
    );
    project.write("daemons.yaml", &manifest);
    // All stops before all starts would wait for `start mail` until the
    // stop timeout, then fail.
    project
        .devup(["up"])
        .status(0)
        // mail starts beside the restart: its lines interleave with it.
        .stderr_any_order(
            "\
db: changed (start), restarting
db: waiting for web
web: stopping (pid {pid})
web: waiting for db
web: stopped in {time} (pid {pid})
db: stopping (pid {pid})
mail: starting
mail: spawned (pid {pid})
mail: waiting for ping (pid {pid})
mail: ready in {time} (pid {pid})
db: stopped in {time} (pid {pid})
db: starting
db: spawned (pid {pid})
db: waiting for ping (pid {pid})
db: ready in {time} (pid {pid})
web: starting
web: spawned (pid {pid})
web: waiting for ping (pid {pid})
web: ready in {time} (pid {pid})
up: 2 restarted, 1 ready in {time}
",
        )
        .run();
    let events = project.events();
    assert_eq!(events[..2], ["start db", "start web"]);
    let at = |event: &str| {
        events
            .iter()
            .position(|line| line == event)
            .unwrap_or_else(|| panic!("no `{event}` in {events:?}"))
    };
    assert!(at("start mail") < at("stop db"), "{events:?}");
    let after_the_stops = &events[2..];
    let restarts: Vec<&String> = after_the_stops
        .iter()
        .filter(|line| !line.ends_with("mail"))
        .collect();
    assert_eq!(restarts, ["stop web", "stop db", "start db", "start web"]);
}

/// `db`, `web` (on db) and `old` (on db) running; then `old` removed from
/// the manifest and `db` changed.
fn orphan_and_change() -> Project {
    let project = Project::new(&recorders(&[
        ("db", &[]),
        ("web", &["db"]),
        ("old", &["db"]),
    ]));
    project.devup(["up"]).status(0).run();
    let manifest = recorders(&[("db", &[]), ("web", &["db"])]).replacen(
        "echo start db >> events.log",
        "echo start db >> events.log; : v2",
        1,
    );
    project.write("daemons.yaml", &manifest);
    project
}

#[test]
fn remove_orphans_stops_are_part_of_the_one_block_and_its_summary() {
    let project = orphan_and_change();
    // One block and one summary; stops and starts that overlap interleave.
    let outcome = project
        .devup(["up", "--remove-orphans"])
        .status(0)
        .stderr_any_order(
            "\
warning: old: orphan (pid {pid}), no longer in the manifest; stopping it (--remove-orphans)
db: changed (start), restarting
db: waiting for web
old: stopping (pid {pid})
web: stopping (pid {pid})
old: stopped in {time} (pid {pid})
web: stopped in {time} (pid {pid})
db: stopping (pid {pid})
db: stopped in {time} (pid {pid})
web: waiting for db
db: starting
db: spawned (pid {pid})
db: waiting for ping (pid {pid})
db: ready in {time} (pid {pid})
web: starting
web: spawned (pid {pid})
web: waiting for ping (pid {pid})
web: ready in {time} (pid {pid})
up: 2 restarted, 1 orphan stopped in {time}
",
        )
        .run();
    let stderr = normalized(&outcome.stderr);
    assert!(!stderr.contains("down:"), "a block of its own:\n{stderr}");
    assert_eq!(stderr.matches("\nup: ").count(), 1, "{stderr}");
    assert!(
        stderr.ends_with("\nup: 2 restarted, 1 orphan stopped in T\n"),
        "{stderr}"
    );
    assert!(
        stderr.starts_with(
            "warning: old: orphan (pid N), no longer in the manifest; \
             stopping it (--remove-orphans)\n\
             db: changed (start), restarting\n"
        ),
        "{stderr}"
    );
    for line in [
        "old: stopped in T (pid N)\n",
        "web: stopped in T (pid N)\n",
        "db: stopped in T (pid N)\n",
        "db: ready in T (pid N)\n",
        "web: ready in T (pid N)\n",
    ] {
        assert_eq!(stderr.matches(line).count(), 1, "{line:?} in\n{stderr}");
    }
    // The orphan stops before anything starts; the restart keeps its order.
    let events = project.events();
    let stops_and_starts: Vec<&String> = events[3..].iter().collect();
    assert_eq!(stops_and_starts.len(), 5, "{events:?}");
    let at = |event: &str| events.iter().rposition(|line| line == event).unwrap();
    assert!(at("stop old") < at("start db"), "{events:?}");
    assert!(at("stop web") < at("stop db"), "{events:?}");
    assert!(at("stop db") < at("start db"), "{events:?}");
    assert!(at("start db") < at("start web"), "{events:?}");
}

#[test]
fn remove_orphans_in_json_has_one_summary_that_counts_the_orphan() {
    let project = orphan_and_change();
    let outcome = project
        .devup(["up", "--remove-orphans", "--json"])
        .status(0)
        .run();
    let lines: Vec<Value> = outcome
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON"))
        .collect();
    let summaries: Vec<&Value> = lines
        .iter()
        .filter(|line| line["event"] == "summary")
        .collect();
    assert_eq!(summaries.len(), 1, "{lines:#?}");
    let mut summary = summaries[0].clone();
    summary.as_object_mut().unwrap().remove("elapsed_ms");
    assert_eq!(
        summary,
        serde_json::json!({"event": "summary", "action": "up", "ready": 0,
            "already_running": 0, "restarted": 2, "orphans_stopped": 1,
            "failed": 0, "skipped": 0})
    );
    assert_eq!(lines.last(), Some(summaries[0]));
    let old: Vec<&str> = lines
        .iter()
        .filter(|line| line["daemon"] == "old")
        .map(|line| line["event"].as_str().unwrap())
        .collect();
    assert_eq!(old, ["orphan", "stopping", "stopped"]);
}

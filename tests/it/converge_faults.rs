//! Faults during a converge (SPEC §6): a devup SIGKILLed after the stops
//! and before the starts leaves the next devup to finish the job; two
//! devups converging at once stop and start each daemon exactly once.
use crate::harness;

use harness::{Project, recorders, wait_until};
use nix::sys::signal::Signal;

/// `db` and `web` (on db), running; then db's definition changed so that
/// its next start waits in `before_start` until `go` exists.
fn changed_and_blocking() -> Project {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"])]));
    project.devup(["up"]).status(0).run();
    project.edit("daemons.yaml", "  db:\n", "  db:\n    before_start: \"touch in_before_start; while [ ! -e go ]; do sleep 0.01; done\"\n");
    project
}

#[test]
fn a_devup_killed_after_the_stops_leaves_the_next_one_to_finish() {
    let project = changed_and_blocking();
    let converging = project.devup(["up"]).spawn();
    wait_until("the new db's before_start runs", || {
        project.path("in_before_start").exists()
    });
    assert_eq!(project.events()[2..], ["stop web", "stop db"]);
    converging.signal(Signal::SIGKILL);
    let _ = converging.finish();
    project.write("go", "");
    project
        .devup(["up"])
        .status(0)
        .stderr(
            "\
web: waiting for db
db: starting
db: before_start: touch in_before_start; while [ ! -e go ]; do sleep 0.01; done
db: spawned (pid {pid})
db: waiting for ping (pid {pid})
db: ready in {time} (before_start {time}, pid {pid})
web: starting
web: spawned (pid {pid})
web: waiting for ping (pid {pid})
web: ready in {time} (pid {pid})
up: 2 ready in {time}
",
        )
        .run();
    assert_eq!(
        project.events()[2..],
        ["stop web", "stop db", "start db", "start web"]
    );
    project
        .devup(["up"])
        .status(0)
        .stderr(
            "\
web: waiting for db
db: already running (pid {pid})
web: already running (pid {pid})
up: 2 already running in {time}
",
        )
        .run();
}

#[test]
fn two_converging_devups_restart_each_daemon_once() {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"])]));
    project.devup(["up"]).status(0).run();
    project.edit(
        "daemons.yaml",
        "echo start db >> events.log",
        "echo start db >> events.log; : v2",
    );
    let first = project.devup(["up"]).spawn();
    let second = project.devup(["up"]).spawn();
    first.finish().status(0);
    second.finish().status(0);
    assert_eq!(
        project.events()[2..],
        ["stop web", "stop db", "start db", "start web"]
    );
    project
        .devup(["up"])
        .status(0)
        .stderr(
            "\
web: waiting for db
db: already running (pid {pid})
web: already running (pid {pid})
up: 2 already running in {time}
",
        )
        .run();
}

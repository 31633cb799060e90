//! `status` says `starting` while a start of the daemon is in progress
//! anywhere (its lock held by a start), in its `before_start` as well as
//! while it waits for its ping (SPEC §4, §6).
use crate::harness;

use harness::{Project, wait_until};

#[test]
fn status_is_starting_during_before_start_and_while_the_ping_waits() {
    let project = Project::new(
        "daemons:\n  db:\n    daemonize: true\n    \
         before_start: \"while [ ! -e go1 ]; do sleep 0.01; done\"\n    \
         start: \"trap 'exit 0' TERM; : {tag}; while [ ! -e go2 ]; do sleep 0.01; done; echo ready; \
         while :; do sleep 1 & wait $!; done\"\n    \
         ping: { log: \"^ready$\" }\n",
    );
    let state = || {
        let json = project.devup(["status", "--json"]).run().json();
        json[0]["state"].as_str().unwrap_or_default().to_string()
    };
    assert_eq!(state(), "stopped");
    let up = project.devup(["up"]).spawn();
    wait_until("status says starting in before_start", || {
        project.path(".devup/state/db.state.starting").exists() && state() == "starting"
    });
    project.write("go1", "");
    wait_until("the daemon is spawned", || {
        project.path(".devup/run/db.pid").exists()
    });
    assert_eq!(state(), "starting", "waiting for its ping");
    project.write("go2", "");
    up.finish().status(0);
    assert_eq!(state(), "running");
}

//! SPEC §3, what a failed start reports: the daemon's name, the reason and
//! the output of the command at fault, and exit 1 from `devup`.

mod dispositions;
mod ports;
mod support;

use support::Project;

#[test]
fn a_failing_before_start_shows_its_own_output_and_stops_the_list() {
    let project = Project::new(
        "daemons:\n  web:\n    daemonize: true\n    before_start:\n      - echo one >> steps.txt\n      \
         - echo it-broke; exit 3\n      - echo three >> steps.txt\n    start: \"sleep 100 # {tag}\"\n",
    );
    project
        .devup(["up"])
        .exits(1)
        .stderr_has(
            "web: could not start: before_start `echo it-broke; exit 3` exited with status 3",
        )
        .stderr_has("output of before_start:\n  it-broke")
        .stderr_lacks("output of the start command");
    assert_eq!(project.read("steps.txt"), "one\n");
    assert!(project.processes_with(project.tag()).is_empty());
}

#[test]
fn a_start_command_that_fails_shows_the_start_commands_output() {
    let project = Project::new(
        "daemons:\n  web:\n    pid_file: web.pid\n    start: echo {tag} is broken; exit 4\n",
    );
    project
        .devup(["up"])
        .exits(1)
        .stderr_has("web: could not start:")
        .stderr_has("status 4")
        .stderr_has("output of the start command:\n  ")
        .stderr_has("is broken");
}

/// A `daemonize: true` start command that cannot even be run, or that
/// exits non-zero at once, is a failed start (SPEC §3: "`start` exits
/// non-zero"). Without a `ping`, the wait loop in src/controller/wait.rs
/// calls the daemon ready as soon as the pid file devup itself wrote on the
/// helper's `Spawned` report names a live process, and that process is
/// alive from the fork until the exec fails or the command exits; the
/// `ExecFailed`/`Exited` report that follows is never read, because
/// `settle_command_exit` returns at once when `daemonize` is true. So
/// `start: [/nonexistent/prog]` or `start: [false]` is reported `ready`
/// (about 1 run in 3 on a loaded machine), `devup` exits 0 and leaves a
/// stale pid file.
#[test]
#[ignore = "bug in src/controller/wait.rs (perf branch): a daemonize: true start without ping is called ready before its exec failure or exit is read"]
fn a_daemonized_start_that_cannot_run_or_exits_at_once_fails() {
    let project = Project::new(
        "daemons:\n  missing:\n    daemonize: true\n    start: [/nonexistent/prog]\n  \
         exits:\n    daemonize: true\n    start: [\"false\"]\n",
    );
    for _ in 0..20 {
        project
            .devup(["up"])
            .exits(1)
            .stderr_has("missing: could not start")
            .stderr_has("exits: could not start")
            .stderr_lacks("ready");
    }
}

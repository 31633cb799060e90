//! `devup exec [NAME...] -- CMD`: CMD's exit code, and exactly the daemons
//! this call started are stopped afterwards, even when CMD fails or devup
//! is interrupted.

use crate::harness;

use harness::{Project, Running, recorders, wait_until};
use nix::sys::signal::Signal;

/// `devup exec -- sh -c LOOP` with a command (marked `TAG-cmd`) that runs
/// until a signal ends it, once the command runs.
fn exec_a_looping_command(project: &Project) -> Running {
    let script = format!(
        ": {}-cmd; touch cmd.started; while :; do sleep 1; done",
        project.tag()
    );
    let running = project.devup(["exec", "--", "sh", "-c", &script]).spawn();
    wait_until("the command runs", || project.path("cmd.started").exists());
    running
}

/// Asserts that the command of [`exec_a_looping_command`] no longer runs.
#[track_caller]
fn assert_command_gone(project: &Project) {
    assert!(
        project
            .processes_with(&format!("{}-cmd", project.tag()))
            .is_empty()
    );
}

#[test]
fn runs_the_command_with_the_daemons_up_then_stops_them() {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"])]));
    project
        .devup(["exec", "--", "sh", "-c", "cat events.log; exit 7"])
        .status(7)
        .stdout(
            "\
start db
start web
",
        )
        .run();
    assert_eq!(
        project.events(),
        ["start db", "start web", "stop web", "stop db"]
    );
}

#[test]
fn leaves_the_daemons_that_were_already_running() {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"])]));
    project.devup(["db"]).status(0).run();
    project.devup(["exec", "web", "--", "true"]).status(0).run();
    assert_eq!(project.events(), ["start db", "start web", "stop web"]);
    project.devup(["status", "db"]).status(0).run();
}

#[test]
fn does_not_run_the_command_when_up_fails_and_exits_1() {
    let manifest = format!(
        "{}  broken:\n    pid_file: broken.pid\n    start: exit 1\n",
        recorders(&[("db", &[])])
    );
    let project = Project::new(&manifest);
    project
        .devup(["exec", "--", "touch", "ran"])
        .status(1)
        // db and broken start in parallel: their lines interleave; broken
        // may fail before its wait for the pid file is reported.
        .stderr_any_order(
            "\
broken: starting
broken: spawned (pid {pid})
{maybe}broken: waiting for pid file
db: starting
db: spawned (pid {pid})
broken: aborting: the start command exited with status 1
broken: failed after {time}
db: waiting for ping (pid {pid})
db: ready in {time} (pid {pid})
up: 1 ready, 1 failed in {time}

error: broken: could not start: the start command exited with status 1
db: stopping (pid {pid})
db: stopped in {time} (pid {pid})
down: 1 stopped in {time}
",
        )
        .run();
    assert!(!project.path("ran").exists(), "CMD must not run");
    assert_eq!(project.events(), ["start db", "stop db"]);
}

#[test]
fn a_command_killed_by_a_signal_gives_128_plus_the_signal() {
    let project = Project::new(&recorders(&[("db", &[])]));
    project
        .devup(["exec", "--", "sh", "-c", "kill -TERM $$"])
        .status(143)
        .run();
    assert_eq!(project.events(), ["start db", "stop db"]);
}

#[test]
fn a_command_that_does_not_exist_exits_127_and_the_daemons_are_stopped() {
    let project = Project::new(&recorders(&[("db", &[])]));
    project
        .devup(["exec", "--", "no-such-program-devup-test"])
        .status(127)
        .stderr(
            "\
db: starting
db: spawned (pid {pid})
db: waiting for ping (pid {pid})
db: ready in {time} (pid {pid})
up: 1 ready in {time}
error: could not run `no-such-program-devup-test`: No such file or directory (os error 2)
db: stopping (pid {pid})
db: stopped in {time} (pid {pid})
down: 1 stopped in {time}
",
        )
        .run();
    assert_eq!(project.events(), ["start db", "stop db"]);
}

#[test]
fn the_command_gets_no_blocked_signals() {
    let project = Project::new(&recorders(&[("db", &[])]));
    let outcome = project
        .devup(["exec", "--", "grep", "^SigBlk", "/proc/self/status"])
        .status(0)
        .run();
    let mask = outcome.stdout.split_whitespace().nth(1).expect("a mask");
    assert!(mask.chars().all(|c| c == '0'), "blocked: {mask}");
}

#[test]
fn sigterm_is_forwarded_to_the_command_and_the_daemons_are_stopped() {
    let project = Project::new(&recorders(&[("db", &[])]));
    let running = exec_a_looping_command(&project);
    running.signal(Signal::SIGTERM);
    running.finish().status(143);
    assert_command_gone(&project);
    assert_eq!(project.events(), ["start db", "stop db"]);
}

#[test]
fn ctrl_c_while_the_command_runs_stops_the_daemons_and_exits_130() {
    let project = Project::new(&recorders(&[("db", &[])]));
    let running = exec_a_looping_command(&project);
    running.signal_group(Signal::SIGINT);
    running.finish().status(130);
    assert_command_gone(&project);
    assert_eq!(project.events(), ["start db", "stop db"]);
}

#[test]
fn ctrl_c_during_up_stops_what_this_call_started_and_does_not_run_the_command() {
    let manifest = format!(
        "{}  slow:\n    daemonize: true\n    depends_on: [db]\n    \
         start: \": {{tag}}-slow; touch slow.spawned; sleep 600\"\n    \
         ping: {{ command: \"false\" }}\n",
        recorders(&[("db", &[])])
    );
    let project = Project::new(&manifest);
    let running = project.devup(["exec", "--", "touch", "ran"]).spawn();
    wait_until("slow is spawned", || project.path("slow.spawned").exists());
    running.signal_group(Signal::SIGINT);
    running.finish().status(130);
    assert!(!project.path("ran").exists(), "CMD must not run");
    assert_eq!(project.events(), ["start db", "stop db"]);
    assert!(
        project
            .processes_with(&format!("{}-slow", project.tag()))
            .is_empty()
    );
}

//! Ctrl-C and SIGTERM during `devup`: the starts in progress are aborted
//! (nothing half-started survives), ready daemons stay running, and devup
//! exits 128 + the signal.

use crate::harness;

use harness::{Project, recorder, wait_until};
use nix::sys::signal::Signal;

/// `db` becomes ready at once; `slow` depends on it and never becomes ready
/// (its ping never succeeds), after touching `slow.spawned`.
fn manifest() -> String {
    format!(
        "daemons:\n{}  slow:\n    daemonize: true\n    depends_on: [db]\n    \
         start_abort_timeout: 20s\n    start: \": {{tag}}-slow; touch slow.spawned; sleep 600\"\n    \
         ping: {{ command: \"false\" }}\n",
        recorder("db", &[])
    )
}

fn interrupt_during_start(signal: Signal, group: bool) -> (Project, harness::Outcome) {
    let project = Project::new(&manifest());
    let running = project.devup(["up"]).spawn();
    wait_until("slow is spawned", || project.path("slow.spawned").exists());
    if group {
        running.signal_group(signal);
    } else {
        running.signal(signal);
    }
    let outcome = running.finish();
    (project, outcome)
}

#[test]
fn ctrl_c_aborts_the_start_in_progress_and_leaves_ready_daemons_running() {
    let (project, outcome) = interrupt_during_start(Signal::SIGINT, true);
    outcome.status(130).stderr(
        "\
slow: waiting for db
db: starting
db: spawned (pid {pid})
db: waiting for ping (pid {pid})
db: ready in {time} (pid {pid})
slow: starting
slow: spawned (pid {pid})
slow: waiting for ping (pid {pid})
slow: aborting: interrupted
slow: failed after {time}
up: 1 ready, 1 failed in {time}

error: slow: start interrupted; the start was aborted
",
    );
    let survivors = project.processes_with(&format!("{}-slow", project.tag()));
    assert!(survivors.is_empty(), "left running: {survivors:?}");
    project.devup(["status", "db"]).status(0).run();
    project
        .devup(["status", "slow"])
        .status(3)
        .stdout("slow  stopped             -  -\n")
        .run();
}

#[test]
fn sigterm_exits_143_and_sighup_129() {
    let (project, outcome) = interrupt_during_start(Signal::SIGTERM, false);
    outcome.status(143);
    assert!(
        project
            .processes_with(&format!("{}-slow", project.tag()))
            .is_empty()
    );
    let (project, outcome) = interrupt_during_start(Signal::SIGHUP, false);
    outcome.status(129);
    assert!(
        project
            .processes_with(&format!("{}-slow", project.tag()))
            .is_empty()
    );
}

#[test]
fn daemons_and_their_before_start_get_no_blocked_signals() {
    let project = Project::new(
        "daemons:\n  probe:\n    daemonize: true\n    \
         start: \": {tag}; grep ^SigBlk /proc/self/status > mask.tmp; mv mask.tmp mask; sleep 600\"\n    \
         before_start: \"grep ^SigBlk /proc/self/status > before.mask\"\n    \
         ping: { command: \"test -s mask\" }\n",
    );
    project.devup(["up"]).status(0).run();
    for file in ["mask", "before.mask"] {
        let mask = project.read(file);
        let mask = mask.split_whitespace().nth(1).expect("a mask");
        assert!(mask.chars().all(|c| c == '0'), "{file}: blocked {mask}");
    }
}

#[test]
fn a_second_ctrl_c_kills_a_start_that_ignores_sigterm() {
    // The trap writes its file with a builtin, never a child process: the
    // abort sends SIGTERM to every process that appears in the start's tree
    // (that is its job), so a `touch` forked by the trap could be killed
    // before it creates the file, and the test would wait for it in vain.
    let project = Project::new(
        "daemons:\n  stubborn:\n    daemonize: true\n    start_abort_timeout: 2m\n    \
         start: |\n      : {tag}-stubborn\n      trap ': > term.received' TERM\n      \
         touch stubborn.spawned\n      while :; do sleep 1 & wait $!; done\n    \
         ping: { command: \"false\" }\n",
    );
    let running = project.devup(["up"]).spawn();
    wait_until("stubborn is spawned", || {
        project.path("stubborn.spawned").exists()
    });
    running.signal_group(Signal::SIGINT);
    wait_until("the abort sent SIGTERM", || {
        project.path("term.received").exists()
    });
    running.signal_group(Signal::SIGINT);
    // Without the second Ctrl-C this would take start_abort_timeout (2m);
    // `finish` fails the test after 30s.
    running.finish().status(130);
    let survivors = project.processes_with(&format!("{}-stubborn", project.tag()));
    assert!(survivors.is_empty(), "left running: {survivors:?}");
}

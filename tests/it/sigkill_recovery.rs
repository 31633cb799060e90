//! devup killed or interrupted at every phase. SIGKILL while it
//! holds the lock in `before_start`, while it waits for the pid file, while
//! it waits for the ping, and while `devdown` stops: the next `devup` or
//! `devdown` recovers (no deadlock: it runs within the test deadline), no
//! daemon runs twice, and stale state is cleaned. SIGINT, SIGTERM and
//! SIGHUP mid-start and mid-stop: exit 130, 143, 129, and a process scan
//! finds nothing half-started or orphaned. (A stop is not aborted by a
//! signal, by design: it is bounded by `stop_timeout`, so the test uses a
//! short one.)

use crate::harness;

use harness::{Project, wait_until};
use nix::sys::signal::Signal;

/// The live processes of the fake daemon, found by their tag.
fn daemons(project: &Project) -> Vec<u32> {
    project.processes_with(&format!("{}-daemon", project.tag()))
}

#[test]
fn sigkill_while_before_start_holds_the_lock_then_up_recovers() {
    let project = Project::new(
        "daemons:\n  fake:\n    daemonize: true\n    \
         before_start: \"if [ ! -e once ]; then touch once; exec '{fake}' --tag {tag}-bs --hang; fi\"\n    \
         start: [\"{fake}\", --tag, \"{tag}-daemon\"]\n",
    );
    let running = project.devup(["up"]).spawn();
    wait_until("before_start runs", || {
        !project
            .processes_with(&format!("{}-bs", project.tag()))
            .is_empty()
    });
    running.signal(Signal::SIGKILL);
    running.finish();
    project.devup(["up"]).spawn().finish().status(0);
    assert_eq!(daemons(&project).len(), 1, "{:?}", daemons(&project));
    // The before_start of the killed devup is not left running either.
    let left = project.processes_with(&format!("{}-bs", project.tag()));
    assert!(
        left.is_empty(),
        "the killed start's before_start runs: {left:?}"
    );
    project.devdown([] as [&str; 0]).status(0).run();
    assert!(daemons(&project).is_empty());
}

#[test]
fn sigkill_while_waiting_for_the_pid_file_then_up_starts_it_once() {
    let project = Project::new(
        "daemons:\n  fake:\n    pid_file: fake.pid\n    start_timeout: 60s\n    start: |\n      \
         if [ -e second ]; then wait=0; else wait=600000; fi\n      \
         exec '{fake}' --tag {tag}-daemon --daemonize --pid-file fake.pid --ready-after $wait\n",
    );
    let running = project.devup(["up"]).spawn();
    wait_until("the daemon runs", || !daemons(&project).is_empty());
    assert!(!project.path("fake.pid").exists());
    running.signal(Signal::SIGKILL);
    running.finish();
    project.write("second", "");
    project.devup(["up"]).spawn().finish().status(0);
    let left = daemons(&project);
    assert_eq!(left.len(), 1, "the daemon runs twice: {left:?}");
    assert_eq!(project.read("fake.pid").trim(), left[0].to_string());
    project.devdown([] as [&str; 0]).status(0).run();
    assert!(daemons(&project).is_empty());
}

#[test]
fn sigkill_while_waiting_for_the_ping_then_up_recovers() {
    let project = Project::new(
        "daemons:\n  fake:\n    daemonize: true\n    start_timeout: 60s\n    \
         ping: { command: \"test -e pingable\" }\n    \
         start: [\"{fake}\", --tag, \"{tag}-daemon\"]\n",
    );
    let running = project.devup(["up"]).spawn();
    wait_until("the pid file is written", || {
        project.path(".devup/run/fake.pid").exists()
    });
    running.signal(Signal::SIGKILL);
    running.finish();
    project.write("pingable", "");
    project.devup(["up"]).spawn().finish().status(0);
    let left = daemons(&project);
    assert_eq!(left.len(), 1, "the daemon runs twice: {left:?}");
    project.devup(["status"]).status(0).run();
    project.devdown([] as [&str; 0]).status(0).run();
    assert!(daemons(&project).is_empty());
    assert!(!project.path(".devup/run/fake.pid").exists());
    assert!(!project.path(".devup/state/fake.state").exists());
}

#[test]
fn sigkill_during_stop_then_devdown_recovers() {
    let project = Project::new(
        "daemons:\n  fake:\n    daemonize: true\n    \
         stop: \"if [ -e second ]; then kill $(cat .devup/run/fake.pid); else touch stopping; exec '{fake}' --tag {tag}-stop --hang; fi\"\n    \
         start: [\"{fake}\", --tag, \"{tag}-daemon\"]\n",
    );
    project.devup(["up"]).status(0).run();
    let running = project.devdown([] as [&str; 0]).spawn();
    wait_until("the stop command runs", || {
        project.path("stopping").exists()
    });
    running.signal(Signal::SIGKILL);
    running.finish();
    assert_eq!(daemons(&project).len(), 1);
    project.write("second", "");
    project.devdown([] as [&str; 0]).spawn().finish().status(0);
    assert!(daemons(&project).is_empty());
    assert!(!project.path(".devup/run/fake.pid").exists());
    assert!(!project.path(".devup/state/fake.state").exists());
    project
        .devup(["status"])
        .status(3)
        .stdout("fake  stopped             -  -\n")
        .run();
    // The stop command the killed devdown left is gone too.
    let left = project.processes_with(&format!("{}-stop", project.tag()));
    assert!(left.is_empty(), "the killed stop's command runs: {left:?}");
}

/// `db` is ready at once; `app` depends on it, double-forks into a new
/// session and never becomes ready; its `before_start` has left a helper.
fn start_manifest() -> &'static str {
    "daemons:\n  db:\n    daemonize: true\n    start: [\"{fake}\", --tag, \"{tag}-db\"]\n  \
     app:\n    depends_on: [db]\n    pid_file: app.pid\n    start_timeout: 60s\n    \
     start_abort_timeout: 2s\n    \
     start: [\"{fake}\", --tag, \"{tag}-app\", --daemonize, --pid-file, app.pid, \
     --fork-child-ignoring-term, --hang]\n"
}

#[test]
fn sigint_sigterm_sighup_mid_start_exit_128_plus_and_leave_nothing_half_started() {
    for (signal, code) in [
        (Signal::SIGINT, 130),
        (Signal::SIGTERM, 143),
        (Signal::SIGHUP, 129),
    ] {
        let project = Project::new(start_manifest());
        let app = format!("{}-app", project.tag());
        let running = project.devup(["up"]).spawn();
        wait_until("app and its child run", || {
            project.processes_with(&app).len() >= 2
        });
        running.signal(signal);
        let outcome = running.finish();
        assert_eq!(outcome.code, Some(code), "{signal}: {}", outcome.stderr);
        let left = project.processes_with(&app);
        assert!(left.is_empty(), "{signal}: half-started: {left:?}");
        assert!(
            !project.path("app.pid").exists(),
            "{signal}: stale pid file"
        );
        // The ready dependency stays, tracked.
        project.devup(["status", "db"]).status(0).run();
        project.devdown([] as [&str; 0]).status(0).run();
        let left = project.processes_with(project.tag());
        assert!(left.is_empty(), "{signal}: orphaned: {left:?}");
    }
}

#[test]
fn sigint_sigterm_sighup_mid_stop_exit_128_plus_and_orphan_nothing() {
    for (signal, code) in [
        (Signal::SIGINT, 130),
        (Signal::SIGTERM, 143),
        (Signal::SIGHUP, 129),
    ] {
        let project = Project::new(
            "daemons:\n  fake:\n    daemonize: true\n    stop_timeout: 3s\n    \
             stop: \"if [ -e second ]; then kill $(cat .devup/run/fake.pid); else touch stopping; exec '{fake}' --tag {tag}-stop --hang; fi\"\n    \
             start: [\"{fake}\", --tag, \"{tag}-daemon\"]\n",
        );
        project.devup(["up"]).status(0).run();
        let running = project.devdown([] as [&str; 0]).spawn();
        wait_until("the stop command runs", || {
            project.path("stopping").exists()
        });
        running.signal(signal);
        let outcome = running.finish();
        assert_eq!(outcome.code, Some(code), "{signal}: {}", outcome.stderr);
        let stop = format!("{}-stop", project.tag());
        let left = project.processes_with(&stop);
        assert!(
            left.is_empty(),
            "{signal}: the stop command is orphaned: {left:?}"
        );
        // The daemon is stopped, or still running and still tracked.
        let alive = daemons(&project);
        if alive.is_empty() {
            assert!(!project.path(".devup/run/fake.pid").exists(), "{signal}");
        } else {
            assert_eq!(
                project.read(".devup/run/fake.pid").trim(),
                alive[0].to_string(),
                "{signal}: running untracked"
            );
            project.devup(["status"]).status(0).run();
        }
        project.write("second", "");
        project.devdown([] as [&str; 0]).status(0).run();
        assert!(daemons(&project).is_empty(), "{signal}");
    }
}

/// The blocked signals of a process, from its `mask` file ("" if missing).
fn blocked(project: &Project, file: &str) -> String {
    project
        .read(file)
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .to_string()
}

#[test]
fn every_command_devup_runs_gets_an_empty_signal_mask() {
    // devup blocks SIGINT/SIGTERM/SIGHUP to take them in one thread; a
    // command that inherited that mask, or a server it starts, could never
    // be stopped with SIGTERM. (grep reads its own mask: a shell reading
    // /proc/$$ would see the one it sets around each fork.) The ping waits
    // for start.mask, so the stop cannot kill the start before it wrote it.
    let project = Project::new(
        "daemons:\n  db:\n    daemonize: true\n    \
         before_start: \"grep ^SigBlk /proc/self/status > before_start.mask\"\n    \
         ping: { command: \"grep ^SigBlk /proc/self/status > ping.mask && grep -q SigBlk start.mask\" }\n    \
         stop: \"grep ^SigBlk /proc/self/status > stop.mask; kill $(cat .devup/run/db.pid)\"\n    \
         start: \"grep ^SigBlk /proc/self/status > start.mask; exec '{fake}' --tag {tag}-daemon\"\n",
    );
    project.devup(["up"]).status(0).run();
    project
        .devup([
            "exec",
            "--",
            "sh",
            "-c",
            "grep ^SigBlk /proc/self/status > exec.mask",
        ])
        .status(0)
        .run();
    project.devdown([] as [&str; 0]).status(0).run();
    for file in [
        "before_start.mask",
        "ping.mask",
        "start.mask",
        "stop.mask",
        "exec.mask",
    ] {
        let mask = blocked(&project, file);
        assert!(
            !mask.is_empty() && mask.chars().all(|c| c == '0'),
            "{file}: blocked signals {mask:?}"
        );
    }
}

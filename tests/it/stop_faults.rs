//! Stops that do not go to plan, and a dependency that dies: a
//! SIGSTOPped daemon, a stop command that hangs or fails: `stop_timeout`
//! applies, then SIGKILL to the verified pid, and the daemon is gone. A
//! dependency that dies while its dependent starts is reported, never taken
//! for ready.

use crate::harness;

use harness::{Project, wait_until};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

fn daemons(project: &Project) -> Vec<u32> {
    project.processes_with(&format!("{}-daemon", project.tag()))
}

#[test]
fn a_sigstopped_daemon_is_killed_after_stop_timeout() {
    let project = Project::new(
        "daemons:\n  fake:\n    daemonize: true\n    stop_timeout: 1s\n    \
         start: [\"{fake}\", --tag, \"{tag}-daemon\"]\n",
    );
    project.devup(["up"]).status(0).run();
    let pid = project.pid_in(".devup/run/fake.pid");
    kill(Pid::from_raw(pid as i32), Signal::SIGSTOP).unwrap();
    wait_until("the daemon is stopped", || {
        harness::procs::state(pid) == Some('T')
    });
    project.devdown([] as [&str; 0]).status(0).run();
    assert!(daemons(&project).is_empty());
    assert!(!project.path(".devup/run/fake.pid").exists());
}

#[test]
fn a_hanging_stop_command_gets_stop_timeout_then_the_daemon_gets_sigkill() {
    let project = Project::new(
        "daemons:\n  fake:\n    daemonize: true\n    stop_timeout: 1s\n    \
         stop: [\"{fake}\", --tag, \"{tag}-stop\", --hang]\n    \
         start: [\"{fake}\", --tag, \"{tag}-daemon\", --ignore-term]\n",
    );
    project.devup(["up"]).status(0).run();
    project.devdown([] as [&str; 0]).spawn().finish();
    assert!(daemons(&project).is_empty(), "the daemon survived");
    let stop = project.processes_with(&format!("{}-stop", project.tag()));
    assert!(stop.is_empty(), "the stop command survived: {stop:?}");
    assert!(!project.path(".devup/run/fake.pid").exists());
}

#[test]
fn a_failing_stop_command_gets_stop_timeout_then_the_daemon_gets_sigkill() {
    let project = Project::new(
        "daemons:\n  fake:\n    daemonize: true\n    stop_timeout: 1s\n    \
         stop: \"echo cannot stop; exit 1\"\n    \
         start: [\"{fake}\", --tag, \"{tag}-daemon\", --ignore-term]\n",
    );
    project.devup(["up"]).status(0).run();
    let outcome = project.devdown([] as [&str; 0]).spawn().finish();
    assert!(
        daemons(&project).is_empty(),
        "the daemon survived a failing stop command: {}",
        outcome.stderr
    );
    assert!(!project.path(".devup/run/fake.pid").exists());
    project
        .devup(["status"])
        .status(3)
        .stdout("fake  stopped             -  -\n")
        .run();
}

#[test]
fn a_dependency_that_dies_while_its_dependent_starts_is_reported() {
    let project = Project::new(
        "daemons:\n  db:\n    daemonize: true\n    start: [\"{fake}\", --tag, \"{tag}-db\"]\n  \
         app:\n    daemonize: true\n    depends_on: [db]\n    ping: { command: \"test -e go\" }\n    \
         start: \"touch app.spawned; exec '{fake}' --tag {tag}-daemon\"\n",
    );
    let running = project.devup(["up"]).spawn();
    wait_until("app is spawned", || project.path("app.spawned").exists());
    let db = project.pid_in(".devup/run/db.pid");
    kill(Pid::from_raw(db as i32), Signal::SIGKILL).unwrap();
    wait_until("db is gone", || !harness::is_alive(db));
    project.write("go", "");
    // Up fails with a dead dependency.
    running.finish().status(1).stderr(
        "\
app: waiting for db
db: starting
db: spawned (pid {pid})
db: ready in {time} (pid {pid})
app: starting
app: spawned (pid {pid})
app: waiting for ping (pid {pid})
app: ready in {time} (pid {pid})
db: exited after it was ready (pid {pid})
up: 1 ready, 1 failed in {time}

error: db: could not start: it exited after it was ready, while the daemons after it started
",
    );
    let status = project.devup(["status", "--json"]).status(3).run();
    assert!(
        !status
            .stdout
            .contains("\"name\":\"db\",\"state\":\"running\"")
    );
}

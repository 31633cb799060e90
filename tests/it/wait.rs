//! `devup wait [NAME...] [--timeout D]` (SPEC §8): waits until each daemon
//! is running and its ping answers, starting nothing and taking no lock;
//! exit 0 ready, 1 with the reason when not ready in time.

use crate::harness;

use std::fs::File;

use harness::{Project, Test};

/// A daemon that listens on `{port1}` (the fake daemon, in the foreground).
const LISTENER: &str = "daemons:\n  web:\n    daemonize: true\n    \
    start: [\"{fake}\", --tag, \"{tag}\", --listen, \"127.0.0.1:{port1}\"]\n    \
    ping: { tcp: \"127.0.0.1:{port1}\" }\n";

/// A daemon whose ping answers only once the file `healthy` exists.
const FLAKY: &str = "daemons:\n  flaky:\n    daemonize: true\n    \
    start: \": {tag}; exec sleep 600\"\n    ping: { command: \"test -e healthy\" }\n";

#[test]
fn a_running_daemon_whose_ping_answers_is_ready_at_once() {
    let project = Project::new(LISTENER);
    project.devup(["-q", "up"]).status(0).run();
    let pid = project.status_pid("web");
    project
        .devup(["wait", "web"])
        .status(0)
        .run()
        .stderr(&format!("web: ready (pid {pid})\n"));
    project.devup(["wait", "-q"]).status(0).stderr("").run();
}

#[test]
fn a_daemon_nobody_starts_is_not_ready_and_wait_starts_nothing() {
    let project = Project::new(LISTENER);
    let pid_file = project.path(".devup/run/web.pid");
    project
        .devup(["wait", "--timeout", "200ms"])
        .status(1)
        .run()
        .stderr(&format!(
            "error: web: not ready after 200ms: not running (no pid file at {})\n",
            pid_file.display()
        ));
    assert!(!pid_file.exists());
    assert_eq!(project.processes_with(project.tag()), Vec::<u32>::new());
}

#[test]
fn a_ping_that_does_not_answer_is_named() {
    let project = Project::new(FLAKY);
    project.write("healthy", "");
    project.devup(["-q", "up"]).status(0).run();
    std::fs::remove_file(project.path("healthy")).unwrap();
    let pid = project.status_pid("flaky");
    project
        .devup(["wait", "flaky", "--timeout", "300ms"])
        .status(1)
        .run()
        .stderr(&format!(
            "error: flaky: not ready after 300ms: running (pid {pid}), but its ping (command `test -e healthy`) does not answer; its last attempt: exited with status 1\n"
        ));
}

#[test]
fn the_default_timeout_is_the_daemons_start_timeout() {
    Test::new()
        .manifest(&format!("{LISTENER}    start_timeout: 300ms\n"))
        .args(["wait"])
        .status(1)
        .stderr(
            "error: web: not ready after 300ms: not running (no pid file at {dir}/.devup/run/web.pid)\n",
        )
        .run();
}

#[test]
fn wait_returns_once_someone_else_has_started_the_daemon() {
    let project = Project::new(LISTENER);
    let waiting = project.devup(["wait", "--timeout", "30s"]).spawn();
    project.devup(["-q", "up"]).status(0).run();
    let outcome = waiting.finish().status(0);
    let pid = project.status_pid("web");
    assert_eq!(outcome.stderr, format!("web: ready (pid {pid})\n"));
}

#[test]
fn wait_returns_when_the_ping_starts_answering() {
    let project = Project::new(FLAKY);
    project.write("healthy", "");
    project.devup(["-q", "up"]).status(0).run();
    std::fs::remove_file(project.path("healthy")).unwrap();
    let waiting = project.devup(["wait", "--timeout", "30s"]).spawn();
    project.write("healthy", "");
    waiting
        .finish()
        .status(0)
        .stderr("flaky: ready (pid {pid})\n");
}

#[test]
fn wait_takes_no_lock() {
    let project = Project::new(LISTENER);
    project.devup(["-q", "up"]).status(0).run();
    // Held as a start or a stop holds it: wait does not queue behind it.
    let lock = File::options()
        .read(true)
        .write(true)
        .open(project.path(".devup/run/web.pid.lock"))
        .expect("the lock file");
    lock.lock().expect("taking the daemon's lock");
    project.devup(["wait", "-q", "web"]).status(0).run();
}

#[test]
fn every_named_daemon_is_waited_for_and_each_failure_reported() {
    let project = Project::new(
        "daemons:\n  a:\n    daemonize: true\n    start: \"sleep 600\"\n  \
         b:\n    daemonize: true\n    start: \"sleep 600\"\n",
    );
    project
        .devup(["wait", "a", "b", "--timeout", "100ms"])
        .status(1)
        .run()
        .stderr(&format!(
            "error: a: not ready after 100ms: not running (no pid file at {})\n\
             error: b: not ready after 100ms: not running (no pid file at {})\n",
            project.path(".devup/run/a.pid").display(),
            project.path(".devup/run/b.pid").display()
        ));
}

#[test]
fn an_unknown_name_or_a_bad_timeout_is_a_usage_error() {
    let project = Project::new(LISTENER);
    project
        .devup(["wait", "wbe"])
        .status(2)
        .stderr("error: {dir}/daemons.yaml: unknown daemon `wbe`, did you mean `web`?\n")
        .run();
    project
        .devup(["wait", "--timeout", "soon"])
        .status(2)
        .run()
        .stderr(
            "error: --timeout: invalid duration `soon`; expected a number of seconds or a number followed by ms, s or m (500ms, 15s, 2m)\n",
        );
}

#[test]
fn a_log_ping_is_ready_once_the_log_has_a_matching_line() {
    let project = Project::new(
        "daemons:\n  logger:\n    daemonize: true\n    \
         start: \": {tag}; echo booting; echo accepting connections; exec sleep 600\"\n    \
         ping: { log: \"^accepting\" }\n",
    );
    project.devup(["-q", "up"]).status(0).run();
    project
        .devup(["wait", "-q", "--timeout", "5s"])
        .status(0)
        .run();
}

/// The library entry point under `devup wait`: `wait_ready` says what is
/// missing, then returns the pid once the daemon runs and answers.
#[test]
fn the_library_waits_with_wait_ready() {
    use devup::{DaemonController, NotReady, Ping};
    use std::time::Duration;

    let project = Project::new("daemons: {}\n");
    let port = harness::free_port();
    let controller = DaemonController::builder("web")
        .start_command(vec![
            harness::fake_daemon().display().to_string(),
            "--tag".into(),
            project.tag().to_string(),
            "--listen".into(),
            format!("127.0.0.1:{port}"),
        ])
        .daemonize(true)
        .pid_file(project.path("web.pid"))
        .log_file(project.path("web.log"))
        .ping(Ping::tcp(format!("127.0.0.1:{port}")))
        .build()
        .unwrap();
    assert_eq!(
        controller.wait_ready(Duration::from_millis(50)),
        Err(NotReady::NotRunning {
            reason: format!("no pid file at {}", project.path("web.pid").display())
        })
    );
    let started = controller.start().unwrap();
    assert_eq!(
        controller.wait_ready(Duration::from_secs(5)),
        Ok(started.pid)
    );
    controller.stop().unwrap();
}

#[test]
fn tasks_have_nothing_to_wait_for() {
    let project = Project::new(
        "tasks:\n  migrate:\n    run: \"true\"\ndaemons:\n  web:\n    daemonize: true\n    \
         start: \": {tag}; exec sleep 600\"\n    depends_on: [migrate]\n",
    );
    project.devup(["-q", "up"]).status(0).run();
    // All daemons when none are named: the task is not one of them.
    project
        .devup(["wait", "-q", "--timeout", "5s"])
        .status(0)
        .run();
    project
        .devup(["wait", "migrate"])
        .status(2)
        .run()
        .stderr("error: `migrate` is a task, not a daemon: there is nothing to wait for\n");
    project.devdown(["-q"]).status(0).run();
}

//! A `daemonize: true` string start command that is one simple command is
//! run as `exec COMMAND` by its shell, so the process devup records (and
//! `status` shows, and stops) is the daemon itself, not `/bin/sh -c`.
use crate::harness;

use harness::Project;

fn python_available() -> bool {
    harness::programs::installed("python3")
}

#[test]
fn status_reports_the_daemons_pid_not_a_wrapping_shell() {
    if !python_available() {
        return;
    }
    let project = Project::new(
        "daemons:\n  web:\n    daemonize: true\n    start: python3 app/web.py {tag}\n",
    );
    project.write(
        "app/web.py",
        "import time\nwhile True:\n    time.sleep(1)\n",
    );
    project.devup(["web"]).status(0).run();
    let pid = project.status_pid("web");
    // A `python3` on PATH may itself be a script that execs the real one
    // (pyenv's shims do): the pid stays, the program becomes python.
    harness::wait_until("the recorded process runs python", || {
        harness::procs::comm(pid).starts_with("python3")
    });
    assert_eq!(project.processes_with(project.tag()), [pid]);
    project
        .devup(["down"])
        .status(0)
        .stderr(
            "\
web: stopping (pid {pid})
web: stopped in {time} (pid {pid})
down: 1 stopped in {time}
",
        )
        .run();
    assert!(project.processes_with(project.tag()).is_empty());
}

#[test]
fn a_command_with_shell_syntax_runs_as_written() {
    let project =
        Project::new("daemons:\n  web:\n    daemonize: true\n    start: \": {tag}; sleep 600\"\n");
    project.devup(["web"]).status(0).run();
    assert_eq!(harness::procs::comm(project.status_pid("web")), "sh");
}

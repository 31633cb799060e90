//! A `daemonize: true` string start command that is one simple command is
//! run as `exec COMMAND` by its shell, so the process devup records (and
//! `status` shows, and stops) is the daemon itself, not `/bin/sh -c`.
use crate::harness;

use harness::Project;

/// The pid `devup status --json` reports for `daemon`.
fn status_pid(project: &Project, daemon: &str) -> u64 {
    let outcome = project.devup(["status", "--json", daemon]).status(0).run();
    outcome.json()[0]["pid"]
        .as_u64()
        .unwrap_or_else(|| panic!("no pid in {}", outcome.stdout))
}

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
    let pid = status_pid(&project, "web");
    // A `python3` on PATH may itself be a script that execs the real one
    // (pyenv's shims do): the pid stays, the program becomes python.
    harness::wait_until("the recorded process runs python", || {
        harness::procs::comm(pid as u32).starts_with("python3")
    });
    assert_eq!(project.processes_with(project.tag()), [pid as u32]);
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
    assert_eq!(
        harness::procs::comm(status_pid(&project, "web") as u32),
        "sh"
    );
}

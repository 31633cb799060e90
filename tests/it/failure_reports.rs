//! SPEC §3, what a failed start reports: the daemon's name, the reason and
//! the output of the command at fault, and exit 1 from `devup`.

use crate::harness;

use harness::Project;

#[test]
fn a_failing_before_start_shows_its_own_output_and_stops_the_list() {
    let project = Project::new(
        "daemons:\n  web:\n    daemonize: true\n    before_start:\n      - echo one >> steps.txt\n      \
         - echo it-broke; exit 3\n      - echo three >> steps.txt\n    start: \"sleep 100 # {tag}\"\n",
    );
    project
        .devup(["up"])
        .status(1)
        .stderr(
            "\
web: starting
web: before_start: echo one >> steps.txt
web: before_start: echo it-broke; exit 3
web: failed after {time}
up: 1 failed in {time}

error: web: could not start: before_start `echo it-broke; exit 3` exited with status 3
output of before_start:
  it-broke
",
        )
        .run();
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
        .status(1)
        // The start command may fail before the wait for the pid file is
        // reported.
        .stderr(
            "\
web: starting
web: spawned (pid {pid})
{maybe}web: waiting for pid file
web: aborting: the start command exited with status 4
web: failed after {time}
up: 1 failed in {time}

error: web: could not start: the start command exited with status 4
output of the start command:
  {tag} is broken
",
        )
        .run();
}

/// A `daemonize: true` start command that cannot even be run is a failed
/// start (SPEC §3: "`start` exits non-zero"), never `ready`, every time:
/// the start helper confirms the exec before it reports the spawn, so the
/// exec failure is always read first. (A command that executes and exits
/// at once, `start: [false]`, is another matter: without a ping a
/// `daemonize: true` daemon is ready once it has executed and is seen
/// alive, so it may be called ready; the README says to give it a ping.)
#[test]
fn a_daemonized_start_that_cannot_run_fails() {
    let project =
        Project::new("daemons:\n  missing:\n    daemonize: true\n    start: [/nonexistent/prog]\n");
    for _ in 0..20 {
        project
            .devup(["up"])
            .status(1)
            .stderr("\
missing: starting
missing: aborting: cannot run `/nonexistent/prog`: No such file or directory (os error 2)
missing: failed after {time}
up: 1 failed in {time}

error: missing: could not start: cannot run `/nonexistent/prog`: No such file or directory (os error 2)
")
            .run();
    }
}

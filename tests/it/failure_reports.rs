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
        .stderr_includes(
            "web: could not start: before_start `echo it-broke; exit 3` exited with status 3",
        )
        .stderr_includes("output of before_start:\n  it-broke")
        .stderr_excludes("output of the start command")
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
        .stderr_includes("web: could not start:")
        .stderr_includes("status 4")
        .stderr_includes("output of the start command:\n  ")
        .stderr_includes("is broken")
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
            .stderr_includes("missing: could not start")
            .stderr_includes("cannot run `/nonexistent/prog`")
            .stderr_excludes("ready in")
            .run();
    }
}

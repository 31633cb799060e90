//! The output of a start command whose daemon forks away (`daemonize:
//! false`): kept for the error message as its first and last lines, read
//! in bounded memory however long it is, and written to a file anyone can
//! see (`.devup/state/NAME.output`), which the daemon keeps as its stdout
//! after the start: never an unlinked temp file that fills the disk unseen.
use crate::harness;

use harness::Project;

/// The error messages at the end of a run's stderr.
fn errors(stderr: &str) -> &str {
    let start = stderr.find("error: ").unwrap_or(stderr.len());
    &stderr[start..]
}

fn numbered(lines: impl Iterator<Item = usize>) -> String {
    lines.map(|n| format!("\n  {n}")).collect()
}

#[test]
fn a_failed_start_shows_the_first_and_last_lines_of_its_output() {
    let project = Project::new(
        "daemons:\n  web:\n    pid_file: web.pid\n    start: \": {tag}; seq 1 100; exit 1\"\n",
    );
    // Before: only the last 30 lines (71 to 100).
    let outcome = project.devup(["up"]).status(1).run();
    assert_eq!(
        errors(&outcome.stderr),
        format!(
            "error: web: could not start: the start command exited with status 1\n\
             output of the start command:{}\n  ... 70 lines not shown{}\n",
            numbered(1..=10),
            numbered(81..=100)
        ),
        "{}",
        outcome.stderr
    );
}

#[test]
fn a_long_output_is_shown_by_its_ends() {
    let project = Project::new(
        "daemons:\n  web:\n    pid_file: web.pid\n    start: \": {tag}; seq 1 2000000; exit 1\"\n",
    );
    let outcome = project.devup(["up"]).status(1).run();
    assert_eq!(
        errors(&outcome.stderr),
        format!(
            "error: web: could not start: the start command exited with status 1\n\
             output of the start command:{}\n  ... 1999970 lines not shown{}\n",
            numbered(1..=10),
            numbered(1999981..=2000000)
        ),
        "{}",
        outcome.stderr
    );
}

#[test]
fn the_daemon_keeps_a_visible_file_as_its_stdout() {
    // 20 MB before it forks its daemon, which keeps the start's stdout.
    let project = Project::new(
        "daemons:\n  web:\n    pid_file: web.pid\n    start: |\n      : {tag}\n      \
         head -c 20000000 /dev/zero | tr '\\0' x\n      \
         (while :; do sleep 1; done) &\n      echo $! > web.pid\n",
    );
    project.devup(["up"]).status(0).run();
    let pid = project.read("web.pid").trim().to_string();
    let output = project.path(".devup/state/web.output");
    // Before: "/tmp/#1234 (deleted)", held until the daemon exits.
    assert_eq!(
        std::fs::read_link(format!("/proc/{pid}/fd/1")).unwrap(),
        output
    );
    assert_eq!(std::fs::metadata(&output).unwrap().len(), 20_000_000);
    project.devdown(["-q"]).status(0).run();
    assert!(project.processes_with(project.tag()).is_empty());
}

//! Control bytes a daemon writes (`\x1b`, `\x07`, `\r`, other C0 and C1
//! characters) are escaped when devup prints them in a failure message, so
//! a log cannot move the cursor, retitle the terminal or hide lines. The
//! log itself keeps them.
use crate::harness;

use harness::Project;

/// Retitles the terminal, returns the carriage, clears the line: on a
/// terminal, "booting" would vanish behind "hidden".
const NASTY: &str = r"booting\033]0;pwned\007\r\033[2Khidden\302\233K";

/// The same line, as devup prints it.
const ESCAPED: &str = r"booting\x1b]0;pwned\x07\r\x1b[2Khidden\u{9b}K";

/// The error messages at the end of a run's stderr.
fn errors(stderr: &str) -> &str {
    let start = stderr.find("error: ").unwrap_or(stderr.len());
    &stderr[start..]
}

fn assert_no_control_bytes(stderr: &str) {
    let raw: Vec<char> = stderr
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect();
    assert!(raw.is_empty(), "raw control bytes {raw:?} in {stderr:?}");
}

#[test]
fn log_lines_in_a_failure_are_escaped() {
    let project = Project::new(&format!(
        "daemons:\n  web:\n    daemonize: true\n    ping: {{ log: \"^ready$\" }}\n    \
         start: |\n      : {{tag}}\n      printf '{NASTY}\\n'\n      exit 3\n"
    ));
    // Before: the bytes were copied raw into stderr.
    let outcome = project.devup(["up"]).status(1).run();
    assert_no_control_bytes(&outcome.stderr);
    assert_eq!(
        errors(&outcome.stderr),
        format!(
            "error: web: could not start: the daemon exited with status 3 before it was ready\n\
             log during this start ({}):\n  {ESCAPED}\n",
            project.path(".devup/log/web.log").display()
        ),
        "{}",
        outcome.stderr
    );
    // The log keeps what the daemon wrote.
    assert_eq!(
        project.read(".devup/log/web.log"),
        "booting\x1b]0;pwned\x07\r\x1b[2Khidden\u{9b}K\n"
    );
}

#[test]
fn a_fail_when_log_line_and_the_start_commands_output_are_escaped() {
    let project = Project::new(&format!(
        "daemons:\n  web:\n    pid_file: web.pid\n    log_file: web.log\n    \
         fail_when_log: FATAL\n    ping: {{ log: \"^ready$\" }}\n    start: |\n      : {{tag}}\n      \
         printf 'output {NASTY}\\n'\n      \
         (printf 'FATAL {NASTY}\\n' >> web.log; sleep 600) &\n      echo $! > web.pid\n"
    ));
    let outcome = project.devup(["up"]).status(1).run();
    assert_no_control_bytes(&outcome.stderr);
    assert_eq!(
        errors(&outcome.stderr),
        format!(
            "error: web: could not start: a log line matches fail_when_log /FATAL/: \
             FATAL {ESCAPED}\n\
             output of the start command:\n  output {ESCAPED}\n\
             log during this start ({}):\n  FATAL {ESCAPED}\n",
            project.path("web.log").display()
        ),
        "{}",
        outcome.stderr
    );
    assert!(project.processes_with(project.tag()).is_empty());
}

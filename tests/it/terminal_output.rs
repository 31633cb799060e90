//! Output on a terminal: live progress lines (indicatif) with ✔ marks and
//! colours; `NO_COLOR` removes the colours, `CI` switches to plain lines.
//! The terminal is a pseudo-terminal made by `script(1)`. The live screens
//! are checked in part: a progress line is redrawn as time passes, so what
//! the terminal got differs from run to run; the plain lines are whole.

use crate::harness;

use harness::{Project, recorders};

/// `devup ARGS` on a pseudo-terminal (see [`harness::on_terminal`]) with
/// `env` set: what it wrote; `None` when `script` is not installed.
fn on_terminal(project: &Project, args: &str, env: &[(&str, &str)]) -> Option<String> {
    let output = harness::on_terminal(project.dir(), &format!("\"$DEVUP\" {args}"), env)?;
    assert!(output.status.success(), "{output:?}");
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn a_terminal_gets_live_lines_with_marks_and_colours() {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"])]));
    let Some(screen) = on_terminal(&project, "up", &[]) else {
        return;
    };
    assert!(screen.contains("\x1b[32m✔\x1b[0m db"), "{screen:?}");
    assert!(screen.contains("ready in"), "{screen:?}");
    assert!(screen.contains("up: 2 ready in"), "{screen:?}");
}

#[test]
fn no_color_keeps_the_marks_without_colours() {
    let project = Project::new(&recorders(&[("db", &[])]));
    let Some(screen) = on_terminal(&project, "up", &[("NO_COLOR", "1")]) else {
        return;
    };
    assert!(screen.contains("✔ db"), "{screen:?}");
    assert!(!screen.contains("\x1b[32m"), "{screen:?}");
}

#[test]
fn ci_gets_plain_lines_even_on_a_terminal() {
    let project = Project::new(&recorders(&[("db", &[])]));
    let Some(output) = harness::on_terminal(project.dir(), "\"$DEVUP\" up", &[("CI", "true")])
    else {
        return;
    };
    // The terminal ends each line with CR LF.
    project.outcome(output).status(0).stdout(
        "db: starting\r\ndb: spawned (pid {pid})\r\ndb: waiting for ping (pid {pid})\r\n\
         db: ready in {time} (pid {pid})\r\nup: 1 ready in {time}\r\n",
    );
}

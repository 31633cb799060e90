//! `devup logs [NAME...] [-n N] [-f]`: every daemon with a log file when
//! none are named, lines prefixed `name | ` padded to one width when there
//! are several, `-n` per daemon, `-f` following all of them interleaved as
//! written and across a rotation.
use crate::harness;

use std::io::{BufRead, BufReader, Write};

use harness::Project;
use nix::sys::signal::Signal;

/// Two daemons that log two lines each, then `ready`, and a third without
/// a log file.
fn project() -> Project {
    Project::new(
        "daemons:\n  db:\n    daemonize: true\n    \
         start: \": {tag}; echo db one; echo db two; echo ready; exec sleep 600\"\n    \
         ping: { log: \"^ready$\" }\n  \
         search:\n    daemonize: true\n    \
         start: \": {tag}; echo search one; echo search two; echo ready; exec sleep 600\"\n    \
         ping: { log: \"^ready$\" }\n  \
         quiet:\n    start: \"true\"\n    pid_file: quiet.pid\n",
    )
}

#[test]
fn without_names_every_log_is_printed_with_padded_prefixes() {
    let project = project();
    project.devup(["up", "db", "search"]).status(0).run();
    project
        .devup(["logs"])
        .status(0)
        .stdout(
            "db     | db one\n\
         db     | db two\n\
         db     | ready\n\
         search | search one\n\
         search | search two\n\
         search | ready\n",
        )
        .run();
}

#[test]
fn dash_n_counts_per_daemon_and_names_choose_the_logs() {
    let project = project();
    project.devup(["up", "db", "search"]).status(0).run();
    project
        .devup(["logs", "-n", "2", "search", "db"])
        .status(0)
        .stdout("db     | db two\ndb     | ready\nsearch | search two\nsearch | ready\n")
        .run();
    // One daemon: its lines as they are.
    project
        .devup(["logs", "-n", "1", "search"])
        .status(0)
        .stdout("ready\n")
        .run();
    project
        .devup(["logs", "quiet", "db"])
        .status(2)
        .stderr("error: quiet: no log_file in {dir}/daemons.yaml (set `log_file`, or `daemonize: true` for the default)\n")
        .run();
}

#[test]
fn no_colour_without_a_terminal_even_without_no_color() {
    let project = project();
    project.devup(["up", "db", "search"]).status(0).run();
    project
        .devup(["logs", "-n", "1"])
        .status(0)
        .stdout(
            "\
db     | ready
search | ready
",
        )
        .run();
}

#[test]
fn follow_interleaves_the_logs_as_written_and_survives_a_rotation() {
    let project = Project::new(
        "daemons:\n  app:\n    start: \"true\"\n    pid_file: app.pid\n    log_file: app.log\n  \
         worker:\n    start: \"true\"\n    pid_file: worker.pid\n    log_file: worker.log\n",
    );
    project.write("app.log", "old app\n");
    project.write("worker.log", "old worker\n");
    let mut running = project.devup(["logs", "-f", "-n", "1"]).spawn();
    let mut stdout = BufReader::new(running.take_stdout());
    let mut next_line = || {
        let mut line = String::new();
        stdout.read_line(&mut line).expect("reading the output");
        line
    };
    assert_eq!(next_line(), "app    | old app\n");
    assert_eq!(next_line(), "worker | old worker\n");
    let append = |file: &str, text: &str| {
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(project.path(file))
            .expect("opening the log");
        file.write_all(text.as_bytes()).expect("appending");
    };
    // Each line is awaited before the next is written: the order of the
    // output is the order of the writes, whichever file they went to.
    append("worker.log", "worker 1\n");
    assert_eq!(next_line(), "worker | worker 1\n");
    append("app.log", "app 1\n");
    assert_eq!(next_line(), "app    | app 1\n");
    // A line written in two pieces comes out whole, once.
    append("worker.log", "worker ");
    append("app.log", "app 2\n");
    assert_eq!(next_line(), "app    | app 2\n");
    append("worker.log", "2\n");
    assert_eq!(next_line(), "worker | worker 2\n");
    // Rotation: the file is moved away and a new one written.
    std::fs::rename(project.path("app.log"), project.path("app.log.1")).unwrap();
    project.write("app.log", "app after rotation\n");
    assert_eq!(next_line(), "app    | app after rotation\n");
    running.signal(Signal::SIGTERM);
    running.finish().status(143);
}

/// `devup ARGS` on a pseudo-terminal (see [`harness::on_terminal`]) with
/// `env` set: what it wrote; `None` when `script` is not installed.
fn on_terminal(project: &Project, args: &str, env: &[(&str, &str)]) -> Option<String> {
    let output = harness::on_terminal(project.dir(), &format!("\"$DEVUP\" {args}"), env)?;
    assert!(output.status.success(), "{output:?}");
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn on_a_terminal_each_daemon_gets_its_colour_unless_no_color() {
    let project = project();
    project.devup(["up", "db", "search"]).status(0).run();
    let Some(screen) = on_terminal(&project, "logs -n 1", &[]) else {
        return;
    };
    assert_eq!(
        screen,
        "\x1b[36mdb     |\x1b[0m ready\r\n\x1b[33msearch |\x1b[0m ready\r\n"
    );
    let Some(screen) = on_terminal(&project, "logs -n 1", &[("NO_COLOR", "1")]) else {
        return;
    };
    assert_eq!(screen, "db     | ready\r\nsearch | ready\r\n");
}

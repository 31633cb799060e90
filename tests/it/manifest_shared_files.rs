//! Two daemons sharing a pid file, lock file, state file, or a log file
//! that devup writes is a manifest error: exit 2, both
//! names, the positions of both keys. Asserted as whole messages.
use crate::harness;

use std::path::Path;

use devup::manifest::Manifest;
use harness::Project;

fn errors(text: &str) -> String {
    let env = |_: &str| None;
    match Manifest::parse_with_env(text, Path::new("daemons.yaml"), &env) {
        Ok(_) => panic!("the manifest was accepted:\n{text}"),
        Err(error) => error.to_string(),
    }
}

fn accepted(text: &str) {
    let env = |_: &str| None;
    if let Err(error) = Manifest::parse_with_env(text, Path::new("daemons.yaml"), &env) {
        panic!("the manifest was refused: {error}\n{text}");
    }
}

const TAIL: &str = "two daemons cannot share a pid file, lock file, state file, or a log file devup writes (daemonize: true): give each its own";

#[test]
fn a_shared_pid_file() {
    let text = "\
daemons:
  a:
    start: x
    pid_file: run/x.pid
  b:
    start: y
    pid_file: ./run/../run/x.pid
";
    assert_eq!(
        errors(text),
        format!(
            "daemons.yaml:7:15: daemon `b`, key `pid_file`: `run/x.pid` is also daemon `a`'s `pid_file` (line 4, column 15); {TAIL}"
        )
    );
}

#[test]
fn a_shared_lock_file_and_a_lock_file_on_another_daemons_pid_file() {
    let text = "\
daemons:
  a:
    start: x
    pid_file: a.pid
    lock_file: shared.lock
  b:
    start: y
    pid_file: b.pid
    lock_file: shared.lock
  c:
    start: z
    daemonize: true
    lock_file: a.pid
";
    assert_eq!(
        errors(text),
        format!(
            "daemons.yaml:9:16: daemon `b`, key `lock_file`: `shared.lock` is also daemon `a`'s `lock_file` (line 5, column 16); {TAIL}\n\
             daemons.yaml:13:16: daemon `c`, key `lock_file`: `a.pid` is also daemon `a`'s `pid_file` (line 4, column 15); {TAIL}"
        )
    );
}

#[test]
fn a_pid_file_from_defaults_shared_by_every_daemon() {
    let text = "\
defaults:
  pid_file: one.pid
daemons:
  a:
    start: x
  b:
    start: y
";
    assert_eq!(
        errors(text),
        format!(
            "daemons.yaml:2:13: daemon `b`, key `pid_file`: `one.pid` is also daemon `a`'s `pid_file` (line 2, column 13); {TAIL}"
        )
    );
}

#[test]
fn a_log_file_devup_writes_and_another_state_file() {
    let text = "\
daemons:
  a:
    start: x
    daemonize: true
    log_file: shared.log
  b:
    start: y
    pid_file: b.pid
    log_file: shared.log
  c:
    start: z
    pid_file: .devup/state/a.state
";
    assert_eq!(
        errors(text),
        format!(
            "daemons.yaml:9:15: daemon `b`, key `log_file`: `shared.log` is also daemon `a`'s `log_file` (line 5, column 15); {TAIL}\n\
             daemons.yaml:12:15: daemon `c`, key `pid_file`: `.devup/state/a.state` is also daemon `a`'s state file; {TAIL}"
        )
    );
}

#[test]
fn a_log_file_shared_by_daemons_that_write_it_themselves_is_fine() {
    accepted(
        "\
daemons:
  a:
    start: x
    pid_file: a.pid
    log_file: shared.log
  b:
    start: y
    pid_file: b.pid
    log_file: shared.log
",
    );
}

#[test]
fn devup_check_refuses_a_shared_pid_file_with_exit_2_and_down_stops_nothing() {
    let project = Project::new(
        "daemons:\n  a:\n    daemonize: true\n    pid_file: run/x.pid\n    start: [\"{fake}\", --tag, \"{tag}\"]\n  \
         b:\n    daemonize: true\n    pid_file: run/x.pid\n    lock_file: run/b.lock\n    start: [\"{fake}\", --tag, \"{tag}\"]\n",
    );
    let manifest = project.manifest().display().to_string();
    let expected = format!(
        "{manifest}:8:15: daemon `b`, key `pid_file`: `run/x.pid` is also daemon `a`'s `pid_file` (line 4, column 15); {TAIL}\n"
    );
    for args in [vec!["check"], vec!["up"], vec!["down", "b"]] {
        project
            .devup(&args)
            .status(2)
            .stderr(&format!("error: {expected}"))
            .run();
    }
    assert!(project.processes_with(project.tag()).is_empty());
}

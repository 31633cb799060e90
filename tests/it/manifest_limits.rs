//! Values that used to pass `devup check` and fail later: a duration above the documented bound (one day) made `up`
//! and `down` panic on "overflow when adding duration to instant", leaving
//! a process `status` called stopped; an empty program (`start: [""]`, in
//! `before_start`, `stop` or a `command` ping) failed only at start. Both
//! are manifest errors now (exit 2, with positions), and builder errors.
use crate::harness;

use std::path::Path;
use std::time::Duration;

use devup::manifest::Manifest;
use devup::{DaemonController, Error, Ping};
use harness::Project;

fn errors(text: &str) -> String {
    let env = |_: &str| None;
    match Manifest::parse_with_env(text, Path::new("daemons.yaml"), &env) {
        Ok(_) => panic!("the manifest was accepted:\n{text}"),
        Err(error) => error.to_string(),
    }
}

const TOO_LONG: &str = "it is longer than the longest devup allows, one day (86400s, 1440m)";
const EMPTY_PROGRAM: &str =
    "an empty program: the first item of the command list is empty; it names the program to run";

#[test]
fn durations_above_one_day_are_manifest_errors_and_one_day_is_fine() {
    let text = "\
defaults:
  start_abort_timeout: 1441m
daemons:
  web:
    start: x
    daemonize: true
    start_timeout: 99999999999s
    stop_timeout: 99999999999
    log_activity_timeout: 86400.5
  ok:
    start: y
    daemonize: true
    start_timeout: 86400
    stop_timeout: 1440m
";
    assert_eq!(
        errors(text),
        format!(
            "daemons.yaml:2:24: key `defaults.start_abort_timeout`: invalid duration `1441m`: {TOO_LONG}\n\
             daemons.yaml:7:20: daemon `web`, key `start_timeout`: invalid duration `99999999999s`: {TOO_LONG}\n\
             daemons.yaml:8:19: daemon `web`, key `stop_timeout`: invalid duration `99999999999`: {TOO_LONG}\n\
             daemons.yaml:9:27: daemon `web`, key `log_activity_timeout`: invalid duration `86400.5`: {TOO_LONG}"
        )
    );
    let env = |_: &str| None;
    let fine = "daemons:\n  ok:\n    start: y\n    daemonize: true\n    start_timeout: 86400\n    stop_timeout: 1440m\n";
    let manifest = Manifest::parse_with_env(fine, Path::new("daemons.yaml"), &env).unwrap();
    assert_eq!(
        manifest.daemon("ok").unwrap().start_timeout,
        Duration::from_secs(86400)
    );
}

#[test]
fn up_and_down_refuse_a_huge_timeout_before_running_anything() {
    let project = Project::new(
        "daemons:\n  fake:\n    daemonize: true\n    start_timeout: 99999999999s\n    \
         stop_timeout: 99999999999s\n    start: [\"{fake}\", --tag, \"{tag}\"]\n",
    );
    let manifest = project.manifest().display().to_string();
    let expected = format!(
        "error: {manifest}:4:20: daemon `fake`, key `start_timeout`: invalid duration `99999999999s`: {TOO_LONG}\n\
         {manifest}:5:19: daemon `fake`, key `stop_timeout`: invalid duration `99999999999s`: {TOO_LONG}\n"
    );
    for args in [&["check"][..], &["up"], &["down", "fake"]] {
        let outcome = project.devup(args).status(2).run();
        assert_eq!(outcome.stderr, expected, "{args:?}");
    }
    assert!(project.processes_with(project.tag()).is_empty());
}

#[test]
fn the_builder_refuses_a_timeout_above_one_day_for_every_timeout() {
    type Set = fn(devup::DaemonControllerBuilder, Duration) -> devup::DaemonControllerBuilder;
    let setters: [(&str, Set); 4] = [
        ("start_timeout", |b, d| b.start_timeout(d)),
        ("start_abort_timeout", |b, d| b.start_abort_timeout(d)),
        ("stop_timeout", |b, d| b.stop_timeout(d)),
        ("log_activity_timeout", |b, d| b.log_activity_timeout(d)),
    ];
    for (name, set) in setters {
        let builder = DaemonController::builder("web")
            .start_command("sleep 1")
            .daemonize(true);
        match set(builder, Duration::MAX).build() {
            Err(Error::Config {
                daemon,
                key,
                reason,
            }) => {
                assert_eq!((daemon.as_str(), key), ("web", name));
                assert!(
                    reason.ends_with("is longer than the longest devup allows, one day (86400s)"),
                    "{name}: {reason}"
                );
            }
            Err(other) => panic!("{name}: {other}"),
            Ok(_) => panic!("{name}: Duration::MAX was accepted"),
        }
        let builder = DaemonController::builder("web")
            .start_command("sleep 1")
            .daemonize(true);
        assert!(
            set(builder, devup::controller::MAX_DURATION)
                .build()
                .is_ok(),
            "{name}: one day was refused"
        );
    }
}

#[test]
fn empty_programs_are_manifest_errors() {
    let text = "\
daemons:
  web:
    start: [\"\"]
    daemonize: true
    before_start:
      - echo fine
      - [\" \", x]
    stop: [\"\", \"-TERM\"]
    ping: { command: [\"\"] }
  db:
    start: [\"${EMPTY:-}\", x]
    daemonize: true
    stop: \"  \"
";
    assert_eq!(
        errors(text),
        format!(
            "daemons.yaml:3:12: daemon `web`, key `start`: {EMPTY_PROGRAM}\n\
             daemons.yaml:5:5: daemon `web`, key `before_start`: {EMPTY_PROGRAM}\n\
             daemons.yaml:8:11: daemon `web`, key `stop`: {EMPTY_PROGRAM}\n\
             daemons.yaml:9:22: daemon `web`, key `ping`: `command`: {EMPTY_PROGRAM}\n\
             daemons.yaml:11:12: daemon `db`, key `start`: {EMPTY_PROGRAM}\n\
             daemons.yaml:13:11: daemon `db`, key `stop`: the command is empty"
        )
    );
}

#[test]
fn devup_check_refuses_an_empty_program_and_up_starts_nothing() {
    let project = Project::new(
        "daemons:\n  fake:\n    daemonize: true\n    start: [\"\"]\n  \
         other:\n    daemonize: true\n    start: [\"{fake}\", --tag, \"{tag}\"]\n",
    );
    let manifest = project.manifest().display().to_string();
    let expected = format!("error: {manifest}:4:12: daemon `fake`, key `start`: {EMPTY_PROGRAM}\n");
    for args in ["check", "up"] {
        let outcome = project.devup([args]).status(2).run();
        assert_eq!(outcome.stderr, expected, "{args}");
    }
    assert!(project.processes_with(project.tag()).is_empty());
}

#[test]
fn the_builder_refuses_empty_programs_in_every_command() {
    let base = || {
        DaemonController::builder("web")
            .start_command("sleep 1")
            .daemonize(true)
    };
    let cases: Vec<(&str, devup::DaemonControllerBuilder)> = vec![
        ("start", base().start_command(vec![""])),
        ("start", base().start_command(" ")),
        ("before_start", base().before_start(vec!["", "x"])),
        ("stop", base().stop_command(vec![" "])),
        ("ping", base().ping(Ping::command(vec![""]))),
    ];
    for (key, builder) in cases {
        match builder.build() {
            Err(Error::Config { key: named, .. }) => assert_eq!(named, key),
            Err(other) => panic!("{key}: {other}"),
            Ok(_) => panic!("{key}: an empty program was accepted"),
        }
    }
}

//! A start fails at once, with the reason, the start command's output and
//! the log lines of this start, and nothing it spawned is left running.

use std::time::Duration;

use crate::harness::*;
use devup::{AbortSignal, Error, Event, Ping};

/// The reason, output and log of a `StartFailed`, or a panic.
fn start_failed(result: devup::Result<devup::Started>) -> (String, Vec<String>, Vec<String>) {
    match result {
        Err(Error::StartFailed {
            daemon,
            reason,
            failure,
            output,
            log,
        }) => {
            assert_eq!(daemon, "fake");
            assert_eq!(reason, failure.to_string(), "the reason is the kind's text");
            (reason, output.lines, log.lines)
        }
        other => panic!("expected StartFailed, got {other:?}"),
    }
}

#[test]
fn a_start_command_that_exits_non_zero_fails_with_its_output() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let daemon = fake(
        &dir,
        &tag,
        &["--print", "hello from start", "--crash-before-daemonize"],
    )
    .pid_file("fake.pid")
    .build()
    .unwrap();
    let error = daemon.start().unwrap_err();
    let message = error.to_string();
    let (reason, output, _) = start_failed(Err(error));
    assert_eq!(reason, "the start command exited with status 1");
    assert_eq!(
        output,
        [
            "hello from start",
            "fake-daemon: crashing (before daemonizing)"
        ]
    );
    assert!(message.starts_with("fake: could not start: the start command exited with status 1"));
    assert!(message.contains("  hello from start"), "{message}");
    assert_none_left(&tag);
}

#[test]
fn a_start_command_killed_by_a_signal_names_the_signal() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let daemon = fake(&dir, &tag, &["--die-by-signal", "KILL"])
        .pid_file("fake.pid")
        .build()
        .unwrap();
    let (reason, _, _) = start_failed(daemon.start());
    assert_eq!(reason, "the start command was killed by SIGKILL");
}

#[test]
fn a_start_command_that_exits_non_zero_after_daemonizing_leaves_nothing_running() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let address = free_address();
    let daemon = fake(
        &dir,
        &tag,
        &[
            "--daemonize",
            "--exit-code",
            "3",
            "--pid-file",
            "fake.pid",
            "--listen",
            &address,
        ],
    )
    .pid_file("fake.pid")
    .ping(Ping::tcp(address))
    .build()
    .unwrap();
    let (reason, _, _) = start_failed(daemon.start());
    assert_eq!(reason, "the start command exited with status 3");
    assert!(
        procs::tagged(&tag).is_empty(),
        "the daemon survived its failed start"
    );
    assert!(!dir.join("fake.pid").exists());
}

#[test]
fn a_missing_program_fails_the_start() {
    let dir = TempDir::new();
    let daemon = devup::DaemonController::builder("fake")
        .dir(dir.path())
        .start_command(["devup-no-such-program-anywhere", "--flag"])
        .pid_file("fake.pid")
        .build()
        .unwrap();
    let (reason, _, _) = start_failed(daemon.start());
    assert_eq!(reason, "command not found: devup-no-such-program-anywhere");

    let daemon = devup::DaemonController::builder("fake")
        .dir(dir.path())
        .start_command(["./not-here"])
        .pid_file("fake.pid")
        .build()
        .unwrap();
    let (reason, _, _) = start_failed(daemon.start());
    assert!(
        reason.starts_with("cannot run `./not-here`: No such file"),
        "{reason}"
    );
}

#[test]
fn a_detached_daemon_without_a_ping_that_cannot_be_executed_is_never_ready() {
    // Without a ping, ready means "its pid is alive": the pid must be the
    // executed program's, not the forked copy of devup before its execve.
    let dir = TempDir::new();
    std::fs::write(dir.join("not-executable"), "#!/bin/sh\n").unwrap();
    for _ in 0..20 {
        let daemon = devup::DaemonController::builder("fake")
            .dir(dir.path())
            .daemonize(true)
            .start_command(["./not-executable"])
            .build()
            .unwrap();
        let (reason, _, _) = start_failed(daemon.start());
        assert!(
            reason.starts_with("cannot run `./not-executable`: Permission denied"),
            "{reason}"
        );
    }
}

#[test]
fn a_daemon_that_dies_after_daemonizing_fails_the_start_at_once() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    // No pid file ever appears and the start command exited 0: only the
    // start tree's reaper can tell, long before any timeout.
    let daemon = fake(
        &dir,
        &tag,
        &[
            "--daemonize",
            "--crash-after-daemonize",
            "--log",
            "fake.log",
        ],
    )
    .pid_file("fake.pid")
    .log_file("fake.log")
    .start_timeout(Duration::from_secs(120))
    .log_activity_timeout(Duration::from_secs(120))
    .build()
    .unwrap();
    let (reason, _, log) = start_failed(daemon.start());
    assert_eq!(reason, "the daemon exited before it was ready");
    assert_eq!(
        log.last().unwrap(),
        "fake-daemon: crashing (after daemonizing)"
    );
}

#[test]
fn a_daemon_that_dies_after_writing_its_pid_file_fails_the_start() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let daemon = daemonizing(&dir, &tag, &["--crash-after-pid-file", "--log", "fake.log"])
        .log_file("fake.log")
        .ping(Ping::tcp(free_address()))
        .start_timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let (reason, _, log) = start_failed(daemon.start());
    // "the daemon (pid N) exited ..." when devup saw it run first.
    assert!(reason.starts_with("the daemon "), "{reason}");
    assert!(reason.ends_with(" exited before it was ready"), "{reason}");
    assert!(log.contains(&"fake-daemon: crashing (after writing the pid file)".to_string()));
    assert!(
        !dir.join("fake.pid").exists(),
        "the pid file of a failed start is removed"
    );
}

#[test]
fn a_fail_when_log_line_fails_the_start_with_the_log() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    std::fs::write(dir.join("fake.log"), "an old line from yesterday\n").unwrap();
    let daemon = daemonizing(
        &dir,
        &tag,
        &[
            "--log",
            "fake.log",
            "--log-line",
            "FATAL: bad configuration",
        ],
    )
    .log_file("fake.log")
    .fail_when_log("^FATAL")
    .ping(Ping::tcp(free_address()))
    .start_timeout(Duration::from_secs(120))
    .build()
    .unwrap();
    let (reason, _, log) = start_failed(daemon.start());
    assert_eq!(
        reason,
        "a log line matches fail_when_log /^FATAL/: FATAL: bad configuration"
    );
    assert_eq!(
        log.first().unwrap(),
        &format!("fake-daemon: starting (pid {})", log_pid(&log))
    );
    assert!(
        !log.iter().any(|line| line.contains("yesterday")),
        "only this start's lines"
    );
    assert_nothing_running(&tag);
}

fn log_pid(log: &[String]) -> String {
    log[0]
        .trim_start_matches("fake-daemon: starting (pid ")
        .trim_end_matches(')')
        .to_string()
}

#[test]
fn a_quiet_log_without_a_pid_file_fails_the_start() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let daemon = fake(&dir, &tag, &["--daemonize", "--hang", "--log", "fake.log"])
        .pid_file("fake.pid")
        .log_file("fake.log")
        .log_activity_timeout(Duration::from_millis(300))
        .start_timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let (reason, _, log) = start_failed(daemon.start());
    assert!(
        reason.starts_with("the start command exited 0, but no valid pid file appeared at"),
        "{reason}"
    );
    assert!(reason.ends_with("has not grown for 300ms"), "{reason}");
    assert!(log[0].starts_with("fake-daemon: starting"), "{log:?}");
    assert!(
        procs::tagged(&tag).is_empty(),
        "the hanging daemon survived"
    );
}

#[test]
fn past_start_timeout_everything_the_start_spawned_is_killed() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let events = Events::default();
    // The daemon ignores nothing, but it forked a child into a new session
    // that ignores SIGTERM: only SIGKILL after start_abort_timeout ends it.
    let daemon = fake(
        &dir,
        &tag,
        &[
            "--daemonize",
            "--fork-child-ignoring-term",
            "--child-pid-file",
            "child.pid",
            "--pid-file",
            "fake.pid",
            "--log",
            "fake.log",
        ],
    )
    .pid_file("fake.pid")
    .log_file("fake.log")
    .ping(Ping::tcp(free_address()))
    .start_timeout(Duration::from_millis(500))
    .start_abort_timeout(Duration::from_millis(300))
    .observer({
        let record = events.observer();
        let child_pid_file = dir.join("child.pid");
        move |event| {
            record(event);
            // Holding the loop here until the child runs makes sure the
            // timeout finds it, however loaded the machine is.
            if matches!(event, Event::WaitingForPing { .. }) {
                wait_until("the child runs", || child_pid_file.exists());
            }
        }
    })
    .build()
    .unwrap();
    match daemon.start() {
        Err(Error::StartTimeout {
            daemon,
            timeout,
            waiting_for,
            log,
            ..
        }) => {
            assert_eq!(daemon, "fake");
            assert_eq!(timeout, Duration::from_millis(500));
            assert!(
                waiting_for.starts_with("the ping (tcp 127.0.0.1:"),
                "{waiting_for}"
            );
            assert!(log.lines[0].starts_with("fake-daemon: starting"));
        }
        other => panic!("expected StartTimeout, got {other:?}"),
    }
    let child: u32 = std::fs::read_to_string(dir.join("child.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(!is_alive(child), "the child ignoring SIGTERM survived");
    assert_nothing_running(&tag);
    assert!(!dir.join("fake.pid").exists());
    assert!(
        events
            .all()
            .iter()
            .any(|event| matches!(event, Event::Aborting { .. }))
    );
}

#[test]
fn an_aborted_start_is_interrupted_and_leaves_nothing() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let abort = AbortSignal::new();
    let trigger = abort.clone();
    let running = tag.clone();
    let daemon = fake(&dir, &tag, &["--daemonize", "--hang", "--ignore-term"])
        .pid_file("fake.pid")
        .abort_signal(abort)
        .observer(move |event| {
            if matches!(event, Event::WaitingForPidFile) {
                wait_until_tagged_runs("the daemon runs", &running);
                trigger.kill();
            }
        })
        .build()
        .unwrap();
    assert_interrupted(daemon.start());
    assert_nothing_running(&tag);
}

#[test]
fn a_failing_before_start_command_fails_the_start_with_its_output() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let daemon = daemonizing(&dir, &tag, &[])
        .before_start("echo preparing; echo broken >&2; exit 4")
        .build()
        .unwrap();
    let (reason, output, _) = start_failed(daemon.start());
    assert_eq!(
        reason,
        "before_start `echo preparing; echo broken >&2; exit 4` exited with status 4"
    );
    assert_eq!(output, ["preparing", "broken"]);
    assert!(
        procs::tagged(&tag).is_empty(),
        "start ran after a failed before_start"
    );

    let daemon = daemonizing(&dir, &tag, &[])
        .before_start_fn(|| Err(std::io::Error::other("no config")))
        .build()
        .unwrap();
    let (reason, _, _) = start_failed(daemon.start());
    assert_eq!(reason, "the before_start closure failed: no config");
}

#[test]
fn before_start_runs_in_the_daemons_dir_with_its_env_before_start() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let daemon = devup::DaemonController::builder("fake")
        .dir(dir.path())
        .env("FAKE_PID", "fake.pid")
        .before_start("echo prepared > prep.txt")
        .start_command(format!(
            "test -f prep.txt && exec {} --tag {tag} --daemonize --pid-file \"$FAKE_PID\"",
            fake_daemon().display()
        ))
        .pid_file("fake.pid")
        .build()
        .unwrap();
    let started = daemon.start().unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("prep.txt")).unwrap(),
        "prepared\n"
    );
    assert_one_instance(&tag, started.pid);
    daemon.stop().unwrap();
}

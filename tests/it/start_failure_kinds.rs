//! A failed or timed-out start says what failed as a value
//! (`devup::StartFailure`, `devup::WaitingFor`), not only as words: the
//! step and its exit status, the pid that died, what was still awaited.
//! The message's words are the kind's text, and the output's title follows
//! from the kind.

use std::time::Duration;

use crate::harness::*;
use devup::{Error, ExitStatus, Ping, StartFailure, WaitingFor};

/// The kind and whole message of a `StartFailed`, or a panic.
#[track_caller]
fn failure_of(result: devup::Result<devup::Started>) -> (StartFailure, String) {
    match result {
        Err(error @ Error::StartFailed { .. }) => {
            let message = error.to_string();
            let Error::StartFailed { failure, .. } = error else {
                unreachable!()
            };
            (failure, message)
        }
        other => panic!("expected StartFailed, got {other:?}"),
    }
}

#[test]
fn a_failed_before_start_names_its_step_and_status_and_shows_its_output() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let daemon = daemonizing(&dir, &tag, &[])
        .before_start("echo the-step-said-so; exit 4")
        .build()
        .unwrap();
    let (failure, message) = failure_of(daemon.start());
    assert_eq!(
        failure,
        StartFailure::BeforeStart {
            step: "echo the-step-said-so; exit 4".into(),
            status: ExitStatus::Code(4),
        }
    );
    assert_eq!(
        message,
        "fake: could not start: before_start `echo the-step-said-so; exit 4` exited with status 4\n\
         output of before_start:\n  the-step-said-so"
    );
}

#[test]
fn a_start_command_killed_by_a_signal_is_a_start_command_failure_with_that_signal() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let daemon = fake(&dir, &tag, &["--die-by-signal", "KILL"])
        .pid_file("fake.pid")
        .build()
        .unwrap();
    let (failure, _) = failure_of(daemon.start());
    assert_eq!(
        failure,
        StartFailure::StartCommand(ExitStatus::Signal(libc::SIGKILL))
    );
}

#[test]
fn a_daemon_that_dies_after_its_pid_file_died_before_ready() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let daemon = daemonizing(&dir, &tag, &["--crash-after-pid-file"])
        .ping(Ping::tcp(free_address()))
        .start_timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let (failure, message) = failure_of(daemon.start());
    // With its pid when devup saw it run before it died, else without.
    let StartFailure::DiedBeforeReady { pid } = failure else {
        panic!("expected DiedBeforeReady, got {failure:?}");
    };
    let expected = match pid {
        Some(pid) => format!("the daemon (pid {pid}) exited before it was ready"),
        None => "the daemon exited before it was ready".to_string(),
    };
    assert_eq!(
        message.lines().next(),
        Some(format!("fake: could not start: {expected}").as_str())
    );
    assert_none_left(&tag);
}

#[test]
fn a_timeout_says_it_waited_for_the_ping_with_its_last_attempt() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let address = free_address();
    let daemon = daemonizing(&dir, &tag, &["--listen", &address, "--http-status", "503"])
        .ping(Ping::http(format!("http://{address}/")))
        .start_timeout(Duration::from_secs(2))
        .start_abort_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    match daemon.start() {
        Err(Error::StartTimeout {
            waiting_for,
            awaited,
            ..
        }) => {
            assert_eq!(
                awaited,
                WaitingFor::Ping {
                    ping: format!("http http://{address}/"),
                    last_attempt: Some("answered HTTP 503 FAKE: ok".into()),
                }
            );
            assert_eq!(waiting_for, awaited.to_string());
        }
        other => panic!("expected StartTimeout, got {other:?}"),
    }
    assert_nothing_running(&tag);
}

//! `stop` returns only when the process is gone; a daemon not running is a
//! success; past `stop_timeout`, SIGKILL; the pid file is removed.

use std::time::Duration;

use crate::harness::*;
use devup::{DaemonController, Event, Signal};

/// Starts `daemon` and stops it, asserting that `stop` names the pid it
/// started and returns only once that process is gone; the pid.
#[track_caller]
fn start_and_stop(daemon: &DaemonController) -> u32 {
    let started = daemon.start().unwrap();
    assert_eq!(daemon.stop().unwrap(), Some(started.pid));
    assert!(
        !is_alive(started.pid),
        "stop returned before the process was gone"
    );
    started.pid
}

#[test]
fn stopping_a_daemon_that_does_not_run_is_a_success() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let events = Events::default();
    let daemon = fake(&dir, &tag, &[])
        .pid_file("fake.pid")
        .observer(events.observer())
        .build()
        .unwrap();
    assert_eq!(daemon.stop().unwrap(), None);
    assert_eq!(events.all(), [Event::NotRunning]);
}

#[test]
fn stop_waits_for_a_slow_daemon_to_be_gone() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let daemon = daemonizing(&dir, &tag, &["--stop-delay", "300"])
        .build()
        .unwrap();
    start_and_stop(&daemon);
    assert!(!dir.join("fake.pid").exists());
}

#[test]
fn a_daemon_ignoring_the_stop_signal_is_killed_after_stop_timeout() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let events = Events::default();
    let daemon = daemonizing(&dir, &tag, &["--ignore-term"])
        .stop_timeout(Duration::from_millis(300))
        .observer(events.observer())
        .build()
        .unwrap();
    let pid = start_and_stop(&daemon);
    assert!(events.all().contains(&Event::Killing { pid }));
    assert!(!dir.join("fake.pid").exists());
}

#[test]
fn the_stop_signal_can_be_chosen() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let events = Events::default();
    let daemon = daemonizing(&dir, &tag, &["--ignore-term"])
        .stop_signal(Signal::Int)
        .stop_timeout(Duration::from_secs(60))
        .observer(events.observer())
        .build()
        .unwrap();
    let pid = start_and_stop(&daemon);
    assert!(!events.all().contains(&Event::Killing { pid }));
}

#[test]
fn a_stop_command_stops_the_daemon() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let daemon = daemonizing(&dir, &tag, &["--log", "fake.log"])
        .stop_command("kill -INT $(cat fake.pid)")
        .build()
        .unwrap();
    start_and_stop(&daemon);
    let log = std::fs::read_to_string(dir.join("fake.log")).unwrap();
    assert!(log.contains("got SIGINT"), "{log}");
}

#[test]
fn a_failing_stop_command_is_stop_failed() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let daemon = daemonizing(&dir, &tag, &[])
        .stop_command("echo cannot stop; exit 2")
        .stop_timeout(std::time::Duration::from_secs(1))
        .build()
        .unwrap();
    let started = daemon.start().unwrap();
    match daemon.stop() {
        Err(devup::Error::StopFailed { reason, output, .. }) => {
            assert_eq!(
                reason,
                "the stop command `echo cannot stop; exit 2` exited with status 2"
            );
            assert_eq!(output.lines, ["cannot stop"]);
        }
        other => panic!("expected StopFailed, got {other:?}"),
    }
    // stop_timeout applies to a failed stop command too, then SIGKILL.
    assert!(!is_alive(started.pid));
}

#[test]
fn restart_replaces_the_process() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let daemon = daemonizing(&dir, &tag, &[]).build().unwrap();
    let first = daemon.start().unwrap();
    let second = daemon.restart().unwrap();
    assert_ne!(first.pid, second.pid);
    assert!(!is_alive(first.pid));
    assert_one_instance(&tag, second.pid);
    daemon.stop().unwrap();
}

#[test]
fn stop_timeout_also_bounds_a_hung_stop_command() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let (stop_tag, _stop_cleanup) = tagged();
    let events = Events::default();
    let daemon = daemonizing(&dir, &tag, &[])
        .stop_command(fake_command(&stop_tag, &["--hang"]))
        .stop_timeout(Duration::from_millis(300))
        .observer(events.observer())
        .build()
        .unwrap();
    let pid = start_and_stop(&daemon);
    assert!(events.all().contains(&Event::Killing { pid }));
    assert!(
        procs::tagged(&stop_tag).is_empty(),
        "the hung stop command was left running"
    );
}

//! `daemonize: true`: devup detaches a foreground command into its own
//! session and process group, writes its pid file, appends its output to
//! the log file (default paths under `.devup/`), and stops the whole group.

use std::time::Duration;

use crate::harness::*;
use devup::{DaemonController, Error, Ping};

#[test]
fn a_foreground_command_is_detached_with_default_pid_and_log_files() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let address = free_address();
    std::fs::create_dir_all(dir.join(".devup/log")).unwrap();
    std::fs::write(dir.join(".devup/log/web.log"), "a previous run\n").unwrap();
    let daemon = DaemonController::builder("web")
        .dir(dir.path())
        .daemonize(true)
        .start_command(fake_command(
            &tag,
            &["--print", "hello from web", "--listen", &address],
        ))
        .ping(Ping::tcp(address.clone()))
        .build()
        .unwrap();
    assert_eq!(daemon.spec().pid_file, dir.join(".devup/run/web.pid"));
    let started = daemon.start().unwrap();
    let pid_text = std::fs::read_to_string(dir.join(".devup/run/web.pid")).unwrap();
    assert_eq!(pid_text, format!("{}\n", started.pid));
    assert_eq!(
        procs::group_and_session(started.pid),
        (started.pid, started.pid)
    );
    wait_until("the output reaches the log", || {
        std::fs::read_to_string(dir.join(".devup/log/web.log"))
            .unwrap()
            .contains("hello from web")
    });
    let log = std::fs::read_to_string(dir.join(".devup/log/web.log")).unwrap();
    assert!(
        log.starts_with("a previous run\n"),
        "the log was truncated: {log}"
    );

    assert_eq!(daemon.stop().unwrap(), Some(started.pid));
    assert!(!dir.join(".devup/run/web.pid").exists());
    assert_nothing_running(&tag);
}

#[test]
fn the_stop_signal_goes_to_the_whole_process_group() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let fake = fake_daemon().display().to_string();
    let daemon = DaemonController::builder("group")
        .dir(dir.path())
        .daemonize(true)
        .start_command(format!("{fake} --tag {tag} & exec {fake} --tag {tag}"))
        .build()
        .unwrap();
    let started = daemon.start().unwrap();
    wait_until("both processes run", || procs::tagged(&tag).len() == 2);
    for pid in procs::tagged(&tag) {
        assert_eq!(procs::group_and_session(pid).0, started.pid);
    }
    daemon.stop().unwrap();
    // The background member got SIGTERM with its leader (without the group
    // signal it would run forever), and stop waited for it too.
    assert_nothing_running(&tag);
}

#[test]
fn a_detached_daemon_that_exits_before_ready_fails_with_its_log() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let daemon = DaemonController::builder("web")
        .dir(dir.path())
        .daemonize(true)
        .start_command(fake_command(
            &tag,
            &["--print", "bad config", "--crash-before-daemonize"],
        ))
        .ping(Ping::tcp(free_address()))
        .start_timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    match daemon.start() {
        Err(Error::StartFailed { reason, log, .. }) => {
            assert_eq!(
                reason,
                "the daemon exited with status 1 before it was ready"
            );
            assert_eq!(
                log.lines,
                ["bad config", "fake-daemon: crashing (before daemonizing)"]
            );
            assert_eq!(log.path, Some(dir.join(".devup/log/web.log")));
        }
        other => panic!("expected StartFailed, got {other:?}"),
    }
    assert!(!dir.join(".devup/run/web.pid").exists());
}

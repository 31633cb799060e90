//! The start's wait loop reads what woke it: a pid file the daemon rewrites
//! in place while its ping is awaited is still followed to its new process
//! (a turn without a report takes the last check again only while the pid
//! file is unchanged), and a log in a directory that did not exist when the
//! wait began, which no file event can announce, is still read at every
//! turn.

use crate::harness;

use std::time::Duration;

use devup::Ping;
use harness::*;

fn quoted(path: &std::path::Path) -> String {
    format!("'{}'", path.display())
}

#[test]
fn a_pid_file_rewritten_in_place_while_the_ping_is_awaited_names_the_daemon() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let fake = quoted(&fake_daemon());
    // The start command backgrounds a first process and writes its pid; the
    // first ping attempt starts a second one and writes its pid over the
    // first, in place (same file, most likely the same length and the same
    // coarse modification time), and fails; the next attempt succeeds.
    let start = format!("{fake} --tag {tag} --hang >/dev/null 2>&1 & echo $! > fake.pid");
    let ping = format!(
        "[ -e second.pid ] && exit 0; {fake} --tag {tag} --hang >/dev/null 2>&1 & \
         echo $! > second.pid; echo $! > fake.pid; exit 1"
    );
    let daemon = devup::DaemonController::builder("fake")
        .dir(dir.path())
        .start_command(start.as_str())
        .pid_file("fake.pid")
        .ping(Ping::command(ping.as_str()))
        .start_timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let started = daemon.start().unwrap();
    let second: u32 = std::fs::read_to_string(dir.join("second.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(started.pid, second);
    assert_eq!(daemon.pid(), Some(second));
    daemon.stop().unwrap();
    wait_until("the second process is stopped", || !is_alive(second));
}

#[test]
fn a_log_whose_directory_appears_during_the_wait_is_still_followed() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    // The pid file's directory (run/, which devup creates) is watched; the
    // log's does not exist until the first ping attempt creates it, outside
    // run/, and writes the failing line there.
    let ping = "mkdir -p logs && echo 'FATAL: disk full' >> logs/fake.log; exit 1";
    let daemon = fake(&dir, &tag, &["--daemonize", "--pid-file", "run/fake.pid"])
        .pid_file("run/fake.pid")
        .log_file("logs/fake.log")
        .fail_when_log("FATAL")
        .ping(Ping::command(ping))
        .start_timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let result = daemon.start();
    assert_eq!(
        start_failure_reason(&result),
        "a log line matches fail_when_log /FATAL/: FATAL: disk full"
    );
    assert_none_left(&tag);
}

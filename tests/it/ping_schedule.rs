//! The readiness loop's ping keeps its own schedule: a file event (a log
//! line the loop follows) re-runs the cheap checks but does not ping again
//! at once, and a `command` ping in flight is cut short when the daemon
//! dies meanwhile.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::harness::*;
use devup::{Error, Ping};

/// Serves HTTP 404 on a free loopback port once `pid_file` exists (before,
/// devup would take it for a foreign listener), appending one line to `log`
/// per request, the way a daemon that logs every request does; returns the
/// address and the request count.
fn logging_404_server(pid_file: PathBuf, log: PathBuf) -> (String, Arc<AtomicUsize>) {
    let address = free_address();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    let bind = address.clone();
    std::thread::spawn(move || {
        wait_until("the daemon writes its pid file", || pid_file.exists());
        let listener = TcpListener::bind(&bind).expect("binding the ping's address");
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buffer = [0u8; 1024];
            let _ = stream.read(&mut buffer);
            let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)
                .expect("opening the log");
            let _ = writeln!(file, "\"GET / HTTP/1.1\" 404 -");
        }
    });
    (address, count)
}

#[test]
fn a_log_line_per_request_does_not_make_the_http_ping_storm() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let log = dir.join("fake.log");
    let (address, requests) = logging_404_server(dir.join("fake.pid"), log.clone());
    let daemon = fake(&dir, &tag, &["--pid-file", "fake.pid"])
        .pid_file("fake.pid")
        .log_file(&log)
        .fail_when_log("this line never comes")
        .ping(Ping::http(format!("http://{address}/")))
        .start_timeout(Duration::from_secs(2))
        .start_abort_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    match daemon.start() {
        Err(Error::StartTimeout { waiting_for, .. }) => assert_eq!(
            waiting_for,
            format!(
                "the ping (http http://{address}/) to succeed; its last attempt: answered HTTP 404 Not Found"
            )
        ),
        other => panic!("expected StartTimeout, got {other:?}"),
    }
    // The ping's own schedule makes about 350 attempts in 2 s; a ping per
    // log line makes one after another, thousands.
    let made = requests.load(Ordering::SeqCst);
    assert!(made > 0, "the ping was never tried");
    assert!(made < 1000, "{made} pings in a 2 s start: the ping storms");
    assert_none_left(&tag);
}

#[test]
fn a_command_ping_in_flight_is_cut_short_when_the_daemon_dies() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let (ping_tag, _ping_cleanup) = tagged();
    // The ping waits until the daemon is gone, then, 2 s later (well
    // within its own 5 s timeout), leaves a mark and hangs: a devup that
    // lets the ping run on after the daemon's exit was reported finds the
    // mark there.
    let script = "pid=$(cat fake.pid); while kill -0 \"$pid\" 2>/dev/null; do sleep 0.05; done; \
                  sleep 2; touch ran-on; sleep 20";
    let daemon = fake(
        &dir,
        &tag,
        &[
            "--ready-after",
            "300",
            "--pid-file",
            "own.pid",
            "--crash-after-pid-file",
        ],
    )
    .daemonize(true)
    .pid_file("fake.pid")
    .ping(Ping::command(vec![
        "sh".to_string(),
        "-c".to_string(),
        script.to_string(),
        ping_tag.clone(),
    ]))
    .start_timeout(Duration::from_secs(60))
    .start_abort_timeout(Duration::from_secs(5))
    .build()
    .unwrap();
    let reason = start_failure_reason(&daemon.start());
    assert_eq!(
        reason,
        "the daemon exited with status 1 before it was ready"
    );
    assert_none_left(&ping_tag);
    assert!(
        !dir.join("ran-on").exists(),
        "the command ping ran on after the daemon's exit was reported"
    );
    assert_none_left(&tag);
}

#[test]
fn a_command_ping_in_flight_is_cut_short_by_the_abort_signal() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let (ping_tag, _ping_cleanup) = tagged();
    let abort = devup::AbortSignal::new();
    let trigger = abort.clone();
    let running = ping_tag.clone();
    // Aborted as soon as the ping runs; a ping let run on leaves its mark
    // 2 s later, well within its own 5 s timeout.
    let daemon = fake(&dir, &tag, &["--hang"])
        .daemonize(true)
        .pid_file("fake.pid")
        .ping(Ping::command(vec![
            "sh".to_string(),
            "-c".to_string(),
            "sleep 2; touch ran-on; sleep 20".to_string(),
            ping_tag.clone(),
        ]))
        .start_timeout(Duration::from_secs(60))
        .start_abort_timeout(Duration::from_secs(5))
        .abort_signal(abort)
        .build()
        .unwrap();
    let aborter = std::thread::spawn(move || {
        wait_until_tagged_runs("the command ping runs", &running);
        trigger.abort();
    });
    assert_interrupted(daemon.start());
    aborter.join().unwrap();
    assert_none_left(&ping_tag);
    assert!(
        !dir.join("ran-on").exists(),
        "the command ping ran on after the start was aborted"
    );
    assert_none_left(&tag);
}

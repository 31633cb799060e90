//! Every kind of ping decides readiness, and a foreign process already
//! holding the ping's address is never mistaken for the daemon.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::harness::*;
use devup::{Error, Ping};

fn expect_timeout(result: devup::Result<devup::Started>) -> String {
    match result {
        Err(Error::StartTimeout { waiting_for, .. }) => waiting_for,
        other => panic!("expected StartTimeout, got {other:?}"),
    }
}

#[test]
fn unix_ping() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let socket = dir.join("fake.sock");
    let socket_arg = socket.display().to_string();
    let daemon = daemonizing(&dir, &tag, &["--ready-after", "100", "--unix", &socket_arg])
        .ping(Ping::unix(&socket))
        .build()
        .unwrap();
    daemon.start().unwrap();
    std::os::unix::net::UnixStream::connect(&socket).expect("listening once start returns");
    daemon.stop().unwrap();
    assert_none_left(&tag);
}

#[test]
fn http_ping_needs_a_status_from_200_to_399() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let address = free_address();
    let daemon = daemonizing(&dir, &tag, &["--listen", &address, "--ready-after", "50"])
        .ping(Ping::http(format!("http://{address}/health")))
        .build()
        .unwrap();
    daemon.start().unwrap();
    daemon.stop().unwrap();

    let address = free_address();
    let daemon = daemonizing(&dir, &tag, &["--listen", &address, "--http-status", "503"])
        .ping(Ping::http(format!("http://{address}/")))
        .start_timeout(Duration::from_secs(2))
        .start_abort_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let waiting_for = expect_timeout(daemon.start());
    assert_eq!(
        waiting_for,
        format!(
            "the ping (http http://{address}/) to succeed; its last attempt: answered HTTP 503 FAKE: ok"
        )
    );
    assert_nothing_running(&tag);
}

#[test]
fn command_ping_runs_in_the_daemons_dir_until_it_exits_0() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let daemon = daemonizing(&dir, &tag, &["--ready-after", "100", "--unix", "fake.sock"])
        .ping(Ping::command("test -S fake.sock"))
        .build()
        .unwrap();
    daemon.start().unwrap();
    assert!(dir.join("fake.sock").exists());
    daemon.stop().unwrap();
}

#[test]
fn a_hung_command_ping_cannot_stall_the_start() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let (ping_tag, _ping_cleanup) = tagged();
    let daemon = daemonizing(&dir, &tag, &[])
        .ping(Ping::command(fake_command(&ping_tag, &["--hang"])))
        .start_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    expect_timeout(daemon.start());
    assert_nothing_running(&tag);
    assert!(
        procs::tagged(&ping_tag).is_empty(),
        "the hung ping command was left running"
    );
}

#[test]
fn log_ping_only_counts_lines_of_this_start() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    std::fs::write(
        dir.join("fake.log"),
        "accepting connections (an old line)\n",
    )
    .unwrap();
    let daemon = daemonizing(&dir, &tag, &["--log", "fake.log"])
        .log_file("fake.log")
        .ping(Ping::log("accepting connections"))
        .start_timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let waiting_for = expect_timeout(daemon.start());
    assert_eq!(
        waiting_for,
        "the ping (log /accepting connections/) to succeed"
    );

    let daemon = daemonizing(
        &dir,
        &tag,
        &[
            "--log",
            "fake.log",
            "--ready-after",
            "100",
            "--log-line",
            "accepting connections on port 1",
        ],
    )
    .log_file("fake.log")
    .ping(Ping::log("accepting connections on port \\d"))
    .build()
    .unwrap();
    let started = daemon.start().unwrap();
    let log = std::fs::read_to_string(dir.join("fake.log")).unwrap();
    assert!(log.ends_with("accepting connections on port 1\n"), "{log}");
    assert_one_instance(&tag, started.pid);
    daemon.stop().unwrap();
}

#[test]
fn notify_ping_waits_for_ready_1() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let daemon = daemonizing(&dir, &tag, &["--ready-after", "50", "--notify"])
        .ping(Ping::notify())
        .build()
        .unwrap();
    daemon.start().unwrap();
    daemon.stop().unwrap();

    let daemon = daemonizing(&dir, &tag, &[])
        .ping(Ping::notify())
        .start_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    assert_eq!(
        expect_timeout(daemon.start()),
        "the ping (notify) to succeed"
    );
    assert_nothing_running(&tag);
}

#[test]
fn custom_ping_is_called_until_it_returns_true() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let daemon = daemonizing(&dir, &tag, &[])
        .ping(Ping::custom(move || {
            counter.fetch_add(1, Ordering::SeqCst) >= 2
        }))
        .build()
        .unwrap();
    daemon.start().unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    daemon.stop().unwrap();
}

/// This test process's command line as the message quotes a holder's: the
/// arguments joined by spaces, at most 80 characters.
fn own_command_line() -> String {
    let raw = std::fs::read("/proc/self/cmdline").unwrap();
    let command = String::from_utf8(raw)
        .unwrap()
        .trim_end_matches('\0')
        .replace('\0', " ");
    if command.chars().count() > 80 {
        command.chars().take(79).collect::<String>() + "…"
    } else {
        command
    }
}

#[test]
fn a_foreign_listener_on_the_address_fails_the_start_at_once() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let foreign = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = foreign.local_addr().unwrap().to_string();
    // Held until both starts are over, so the message can name its holder.
    let held = foreign.try_clone().unwrap();
    let accept = std::thread::spawn(move || {
        // Answer one HTTP request, as a foreign web server would.
        use std::io::{Read, Write};
        for stream in foreign.incoming().take(2) {
            let mut stream = stream.unwrap();
            let mut buffer = [0u8; 512];
            let _ = stream.read(&mut buffer);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        }
    });
    for ping in [
        Ping::tcp(address.clone()),
        Ping::http(format!("http://{address}/")),
    ] {
        let daemon = daemonizing(&dir, &tag, &["--listen", &address])
            .ping(ping)
            .build()
            .unwrap();
        let reason = start_failure_reason(&daemon.start());
        // The holder is this test process (its accepting thread).
        assert_eq!(
            reason,
            format!(
                "{address} is already in use by another process: pid {} ({}); stop it, or \
                 give `fake` another address",
                std::process::id(),
                own_command_line()
            )
        );
        assert!(procs::tagged(&tag).is_empty(), "the start command was run");
    }
    accept.join().unwrap();
    drop(held);

    let socket = dir.join("foreign.sock");
    let _foreign = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let daemon = daemonizing(&dir, &tag, &[])
        .ping(Ping::unix(&socket))
        .build()
        .unwrap();
    let reason = start_failure_reason(&daemon.start());
    assert_eq!(
        reason,
        format!(
            "{} is already in use by another process: pid {} ({}); stop it, or give `fake` \
             another address",
            socket.display(),
            std::process::id(),
            own_command_line()
        )
    );
    assert_nothing_running(&tag);
}

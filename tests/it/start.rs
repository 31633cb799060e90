//! Starting a daemon: ready means pid file valid, process alive, ping ok;
//! a running daemon is not started twice; what a successful start leaves.

use crate::harness::*;
use devup::{DaemonState, Error, Event};

#[test]
fn a_self_daemonizing_daemon_is_ready_when_its_ping_succeeds_and_stops() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let address = free_address();
    let events = Events::default();
    let daemon = listening(&dir, &tag, &address, &["--ready-after", "50"])
        .observer(events.observer())
        .build()
        .unwrap();
    let started = daemon.start().unwrap();
    // Ready means: the port answers right now, the pid file names a live process.
    std::net::TcpStream::connect(&address).expect("the daemon listens once start returns");
    let pid_text = std::fs::read_to_string(dir.join("fake.pid")).unwrap();
    assert_eq!(pid_text.trim(), started.pid.to_string());
    assert!(is_alive(started.pid));
    assert!(daemon.is_running());
    assert_eq!(daemon.pid(), Some(started.pid));
    assert_eq!(daemon.status().state, DaemonState::Running);
    assert!(
        events
            .all()
            .iter()
            .any(|event| matches!(event, Event::Ready { pid, .. } if *pid == started.pid))
    );

    assert_eq!(daemon.stop().unwrap(), Some(started.pid));
    assert!(!is_alive(started.pid));
    assert!(!dir.join("fake.pid").exists());
    assert_eq!(daemon.status().state, DaemonState::Stopped);
    assert_none_left(&tag);
}

#[test]
fn starting_a_running_daemon_is_already_started() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let daemon = daemonizing(&dir, &tag, &[]).build().unwrap();
    let first = daemon.start().unwrap();
    match daemon.start() {
        Err(Error::AlreadyStarted { daemon: name, pid }) => {
            assert_eq!(name, "fake");
            assert_eq!(pid, first.pid);
        }
        other => panic!("expected AlreadyStarted, got {other:?}"),
    }
    assert_one_instance(&tag, first.pid);
    daemon.stop().unwrap();
    assert_none_left(&tag);
}

#[test]
fn a_start_leaves_the_host_process_as_it_was() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let daemon = daemonizing(&dir, &tag, &[]).build().unwrap();
    let started = daemon.start().unwrap();
    let mut subreaper: libc::c_int = -1;
    // SAFETY: PR_GET_CHILD_SUBREAPER writes one int into our variable.
    unsafe {
        libc::prctl(
            libc::PR_GET_CHILD_SUBREAPER,
            &mut subreaper as *mut libc::c_int,
        )
    };
    assert_eq!(
        subreaper, 0,
        "the subreaper flag was set on the host process"
    );
    // The daemon is not the host's child: it was adopted by init.
    assert_ne!(procs::parent(started.pid), std::process::id());
    daemon.stop().unwrap();
}

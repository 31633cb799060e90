//! Pid files are never trusted blindly: corrupt ones, dead pids, zombies and
//! pids reused by another process are stale; stale pid files are removed and
//! reported, and their pids are never signalled.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime};

use crate::harness::*;
use devup::{DaemonController, DaemonState, Event};

fn daemon(dir: &TempDir, tag: &str, events: &Events) -> DaemonController {
    daemonizing(dir, tag, &[])
        .observer(events.observer())
        .build()
        .unwrap()
}

fn stale_reported(events: &Events) -> bool {
    events
        .all()
        .iter()
        .any(|event| matches!(event, Event::StalePidFile { .. }))
}

/// A process devup did not start (`sleep 1000`), whose pid a pid file may
/// name.
fn unrelated_process() -> Child {
    Command::new("sleep")
        .arg("1000")
        .stdin(Stdio::null())
        .spawn()
        .unwrap()
}

/// Ends a process of [`unrelated_process`].
fn end_unrelated(mut unrelated: Child) {
    unrelated.kill().unwrap();
    unrelated.wait().unwrap();
}

/// Writes `pid` into the daemon's pid file, `fake.pid`.
fn write_pid_file(dir: &TempDir, pid: u32) {
    std::fs::write(dir.join("fake.pid"), format!("{pid}\n")).unwrap();
}

/// Asserts that `daemon`'s pid file is stale: its status says so, it does
/// not count as running, and `stop` finds nothing to signal.
#[track_caller]
fn assert_stale_and_not_signalled(daemon: &DaemonController) {
    assert_eq!(daemon.status().state, DaemonState::Stale);
    assert!(!daemon.is_running());
    assert_eq!(daemon.stop().unwrap(), None);
}

/// Asserts that `unrelated` was never signalled: it still runs.
#[track_caller]
fn assert_still_running(unrelated: &mut Child) {
    assert!(
        unrelated.try_wait().unwrap().is_none(),
        "the unrelated process was signalled"
    );
}

/// Sets the mtime of `path` an hour back.
fn backdate_an_hour(path: &Path) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
}

/// The permission bits of `path`.
fn permissions(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn corrupt_pid_files_are_stale_removed_and_never_signalled() {
    let huge = "9".repeat(40);
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let events = Events::default();
    let daemon = daemon(&dir, &tag, &events);
    // "-1" would be kill(-1): every process of this user, this test first.
    for content in [
        "", " \n", "abc", "0", "1", "-1", "12abc", "12 13", "0x10", &huge,
    ] {
        std::fs::write(dir.join("fake.pid"), content).unwrap();
        assert_eq!(daemon.status().state, DaemonState::Stale, "{content:?}");
        assert!(!daemon.is_running(), "{content:?}");
        assert_eq!(daemon.pid(), None);
        assert_eq!(daemon.stop().unwrap(), None, "{content:?}");
        assert!(
            !dir.join("fake.pid").exists(),
            "{content:?} was not removed"
        );
    }
    assert!(stale_reported(&events));

    // And a start over a corrupt pid file removes it and starts.
    std::fs::write(dir.join("fake.pid"), "garbage").unwrap();
    let started = daemon.start().unwrap();
    assert_one_instance(&tag, started.pid);
    daemon.stop().unwrap();
}

#[test]
fn a_pid_file_that_is_too_big_or_not_a_file_is_stale_without_blocking() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let events = Events::default();
    let daemon = daemon(&dir, &tag, &events);
    std::fs::write(dir.join("fake.pid"), "4".repeat(1 << 20)).unwrap();
    assert_eq!(daemon.status().state, DaemonState::Stale);
    std::fs::remove_file(dir.join("fake.pid")).unwrap();

    // Opening a FIFO for reading would block until a writer comes.
    let status = Command::new("mkfifo")
        .arg(dir.join("fake.pid"))
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(daemon.status().state, DaemonState::Stale);
    assert_eq!(daemon.stop().unwrap(), None);
    assert!(!dir.join("fake.pid").exists());
}

#[test]
fn a_dead_pid_and_a_zombie_are_stale() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let events = Events::default();
    let daemon = daemon(&dir, &tag, &events);

    let mut exited = Command::new("true").spawn().unwrap();
    let dead_pid = exited.id();
    exited.wait().unwrap();
    write_pid_file(&dir, dead_pid);
    assert_eq!(daemon.status().state, DaemonState::Stale);

    // Not waited for: it stays a zombie, which runs no code.
    let mut zombie = Command::new("true").spawn().unwrap();
    let zombie_pid = zombie.id();
    wait_until("the child is a zombie", || !is_alive(zombie_pid));
    assert!(std::path::Path::new(&format!("/proc/{zombie_pid}")).exists());
    write_pid_file(&dir, zombie_pid);
    assert_stale_and_not_signalled(&daemon);
    zombie.wait().unwrap();
}

#[test]
fn a_pid_reused_by_a_process_started_after_the_pid_file_is_stale() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let events = Events::default();
    let daemon = daemon(&dir, &tag, &events);
    let mut unrelated = unrelated_process();
    write_pid_file(&dir, unrelated.id());
    // The pid file was written an hour before this process started.
    backdate_an_hour(&dir.join("fake.pid"));

    assert_stale_and_not_signalled(&daemon);
    assert!(stale_reported(&events));
    assert_still_running(&mut unrelated);
    let started = daemon.start().unwrap();
    assert_ne!(started.pid, unrelated.id());
    daemon.stop().unwrap();
    assert_still_running(&mut unrelated);
    end_unrelated(unrelated);
}

#[test]
fn a_pid_that_is_not_the_process_devup_started_is_stale() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let events = Events::default();
    let daemon = daemon(&dir, &tag, &events);
    // devup started pid P; P died; an unrelated process got P, and the pid
    // file still names it. Simulated: the state file records P with another
    // start time than the live process P has. The mtime rule alone cannot
    // see it (the pid file is newer than the process).
    let mut unrelated = unrelated_process();
    write_pid_file(&dir, unrelated.id());
    assert!(
        daemon.is_running(),
        "without a state file, the pid looks right"
    );
    let boot_id = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap();
    std::fs::write(
        dir.join("fake.pid.state"),
        format!(
            r#"{{"pid":{},"start_ticks":1,"boot_id":"{}"}}"#,
            unrelated.id(),
            boot_id.trim()
        ),
    )
    .unwrap();
    assert_eq!(daemon.status().state, DaemonState::Stale);
    assert_eq!(daemon.stop().unwrap(), None);
    assert!(!dir.join("fake.pid").exists());
    assert_still_running(&mut unrelated);
    end_unrelated(unrelated);
}

#[test]
fn a_successful_start_records_what_it_started() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let events = Events::default();
    let daemon = daemon(&dir, &tag, &events);
    let started = daemon.start().unwrap();
    let state = std::fs::read_to_string(dir.join("fake.pid.state")).unwrap();
    assert!(
        state.contains(&format!("\"pid\":{}", started.pid)),
        "{state}"
    );
    assert_eq!(permissions(&dir.join("fake.pid.state")), 0o600);
    assert_eq!(permissions(&dir.join("fake.pid.lock")), 0o600);
    daemon.stop().unwrap();
    assert!(!dir.join("fake.pid.state").exists());
}

#[test]
fn what_devup_recorded_outweighs_the_pid_files_mtime() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let events = Events::default();
    let daemon = daemon(&dir, &tag, &events);
    let started = daemon.start().unwrap();
    // As after the wall clock jumped forward: the pid file looks older than
    // the process, but the state file proves it is the one devup started.
    backdate_an_hour(&dir.join("fake.pid"));
    assert_eq!(daemon.pid(), Some(started.pid));
    assert_eq!(daemon.stop().unwrap(), Some(started.pid));
    assert!(!is_alive(started.pid));
}

/// The `StalePidFile` events reported so far, as (path, reason).
fn stale_reports(events: &Events) -> Vec<(std::path::PathBuf, String)> {
    events
        .all()
        .into_iter()
        .filter_map(|event| match event {
            Event::StalePidFile { path, reason } => Some((path, reason)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_corrupt_pid_file_beside_the_live_recorded_daemon_is_removed_and_reported() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let events = Events::default();
    let daemon = daemon(&dir, &tag, &events);
    let started = daemon.start().unwrap();
    let removed = (dir.join("fake.pid"), "`garbage` is not a pid".to_string());

    // up: the state file names the live daemon, which is left alone; the
    // pid file, which cannot be trusted, goes.
    std::fs::write(dir.join("fake.pid"), "garbage").unwrap();
    assert_eq!(
        daemon.up().unwrap(),
        devup::UpOutcome::AlreadyRunning { pid: started.pid }
    );
    assert!(!dir.join("fake.pid").exists(), "the corrupt pid file stays");
    assert_eq!(stale_reports(&events), std::slice::from_ref(&removed));
    assert_eq!(daemon.pid(), Some(started.pid));

    // start: refused, as the daemon runs; the corrupt pid file goes too.
    std::fs::write(dir.join("fake.pid"), "garbage").unwrap();
    assert!(matches!(
        daemon.start(),
        Err(devup::Error::AlreadyStarted { pid, .. }) if pid == started.pid
    ));
    assert!(!dir.join("fake.pid").exists(), "the corrupt pid file stays");
    assert_eq!(stale_reports(&events), [removed.clone(), removed.clone()]);

    // stop: the recorded daemon is the one stopped.
    std::fs::write(dir.join("fake.pid"), "garbage").unwrap();
    assert_eq!(daemon.stop().unwrap(), Some(started.pid));
    assert!(!is_alive(started.pid));
    assert!(!dir.join("fake.pid").exists());
    assert_eq!(
        stale_reports(&events),
        [removed.clone(), removed.clone(), removed]
    );
}

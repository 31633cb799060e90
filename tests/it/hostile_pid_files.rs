//! Hostile pid files: whatever a pid file holds, devup never
//! signals a process it cannot prove is the daemon. A live sentinel process
//! is the target of every hostile pid file that can name a pid (`+PID`,
//! `PID PID`, `0xHEX`, full-width digits...); after `status` and `stop` it
//! must still run, unsignalled, and every such file is reported stale.

use std::os::unix::fs::symlink;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::harness::*;
use devup::{DaemonController, DaemonState, Error, Event};

/// A live process that no pid file may get signalled: any stop signal would
/// end it (SIGTERM, SIGKILL) or stop it (SIGSTOP, seen as state `T`).
struct Sentinel {
    child: Child,
}

impl Sentinel {
    fn spawn(tag: &str) -> Sentinel {
        let child = Command::new(fake_daemon())
            .args(["--tag", tag, "--hang"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawning the sentinel");
        Sentinel { child }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails the test when the sentinel was killed or stopped.
    fn assert_untouched(&mut self, case: &str) {
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "{case}: the sentinel was killed"
        );
        let state = procs::state(self.pid());
        assert_ne!(state, Some('T'), "{case}: the sentinel was stopped");
    }
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn daemon(dir: &TempDir, tag: &str, events: &Events) -> DaemonController {
    fake(dir, tag, &["--daemonize", "--pid-file", "fake.pid"])
        .pid_file("fake.pid")
        .stop_timeout(Duration::from_secs(5))
        .observer(events.observer())
        .build()
        .unwrap()
}

fn stale_events(events: &Events) -> usize {
    events
        .all()
        .iter()
        .filter(|event| matches!(event, Event::StalePidFile { .. }))
        .count()
}

fn full_width(digits: &str) -> String {
    digits
        .chars()
        .map(|c| char::from_u32('０' as u32 + c.to_digit(10).unwrap()).unwrap())
        .collect()
}

fn pid_max() -> u64 {
    std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn hostile_pid_file_contents_are_stale_and_never_signalled() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let mut sentinel = Sentinel::spawn(&format!("{tag}-sentinel"));
    let pid = sentinel.pid();
    let events = Events::default();
    let daemon = daemon(&dir, &tag, &events);
    let mut binary = format!("{pid}").into_bytes();
    binary.extend_from_slice(&[0, 0xff, 0xfe, b'\n']);
    let cases: Vec<(String, Vec<u8>)> = [
        ("empty", String::new()),
        ("white space", " \t\n \n".into()),
        ("zero", "0".into()),
        ("one", "1\n".into()),
        ("minus one", "-1".into()),
        ("minus the pid", format!("-{pid}")),
        ("plus the pid", format!("+{pid}")),
        ("two pids", format!("{pid} {pid}")),
        ("the pid and a word", format!("{pid}\nhello")),
        ("hex", "0x10".into()),
        ("hex pid", format!("0x{pid:x}")),
        ("octal-looking", format!("0{pid:o}x")),
        ("full-width digits", full_width("12")),
        ("the pid in full-width digits", full_width(&pid.to_string())),
        ("above pid_max", (pid_max() + 1).to_string()),
        ("above u32", "4294967298".into()),
        ("pid with NUL", format!("{pid}\0")),
    ]
    .into_iter()
    .map(|(name, text)| (name.to_string(), text.into_bytes()))
    .chain([
        ("binary junk".to_string(), binary),
        ("10 MB of digits".to_string(), vec![b'7'; 10 * 1024 * 1024]),
    ])
    .collect();
    for (case, content) in &cases {
        std::fs::write(dir.join("fake.pid"), content).unwrap();
        let before = stale_events(&events);
        assert_eq!(daemon.status().state, DaemonState::Stale, "{case}");
        assert!(!daemon.is_running(), "{case}");
        assert_eq!(daemon.pid(), None, "{case}");
        assert_eq!(daemon.stop().unwrap(), None, "{case}");
        assert_eq!(stale_events(&events), before + 1, "{case}: not reported");
        assert!(!dir.join("fake.pid").exists(), "{case}: not removed");
        sentinel.assert_untouched(case);
    }
}

#[test]
fn pid_files_that_are_not_regular_files_are_stale_and_never_block() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let mut sentinel = Sentinel::spawn(&format!("{tag}-sentinel"));
    let events = Events::default();
    let daemon = daemon(&dir, &tag, &events);
    let path = dir.join("fake.pid");

    // A symlink to /proc/self/stat: it starts with the reader's own pid.
    symlink("/proc/self/stat", &path).unwrap();
    assert_eq!(daemon.status().state, DaemonState::Stale, "symlink");
    assert_eq!(daemon.stop().unwrap(), None);
    assert!(std::fs::symlink_metadata(&path).is_err(), "symlink kept");
    assert!(std::fs::metadata("/proc/self/stat").is_ok());

    // A symlink to a file naming the sentinel: devup does not follow it.
    std::fs::write(dir.join("elsewhere.pid"), format!("{}\n", sentinel.pid())).unwrap();
    symlink(dir.join("elsewhere.pid"), &path).unwrap();
    assert_ne!(
        daemon.status().state,
        DaemonState::Running,
        "symlink to a pid"
    );
    let _ = daemon.stop();
    sentinel.assert_untouched("symlink to a pid");
    let _ = std::fs::remove_file(&path);

    // A FIFO: reading it must not wait for a writer.
    nix::unistd::mkfifo(&path, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
    assert_eq!(daemon.status().state, DaemonState::Stale, "fifo");
    assert_eq!(daemon.stop().unwrap(), None, "fifo");
    assert!(std::fs::symlink_metadata(&path).is_err(), "fifo kept");

    // A directory: stale, and never removed recursively.
    std::fs::create_dir(&path).unwrap();
    std::fs::write(path.join("keep"), "x").unwrap();
    assert_eq!(daemon.status().state, DaemonState::Stale, "directory");
    match daemon.stop() {
        Ok(None) => {}
        Err(Error::PidFile { path: named, .. }) => assert_eq!(named, path),
        other => panic!("directory: {other:?}"),
    }
    assert!(path.join("keep").exists(), "the directory was emptied");
    sentinel.assert_untouched("directory");
}

#[test]
fn devdown_and_status_refuse_hostile_pid_files_from_the_command_line() {
    let project_dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let mut sentinel = Sentinel::spawn(&format!("{tag}-sentinel"));
    let pid = sentinel.pid();
    std::fs::write(
        project_dir.join("daemons.yaml"),
        format!(
            "daemons:\n  fake:\n    start: [{:?}, --tag, {tag}, --daemonize, --pid-file, fake.pid]\n    pid_file: fake.pid\n",
            fake_daemon().display().to_string()
        ),
    )
    .unwrap();
    let devup = env!("CARGO_BIN_EXE_devup");
    let devdown = env!("CARGO_BIN_EXE_devdown");
    for content in [
        format!("+{pid}"),
        format!("{pid} 1"),
        "-1".into(),
        "１".into(),
    ] {
        std::fs::write(project_dir.join("fake.pid"), &content).unwrap();
        let status = Command::new(devup)
            .args(["status", "--json"])
            .current_dir(project_dir.path())
            .output()
            .unwrap();
        assert_eq!(status.status.code(), Some(3), "{content:?}");
        let json = String::from_utf8_lossy(&status.stdout);
        assert!(json.contains("\"stale\""), "{content:?}: {json}");
        let down = Command::new(devdown)
            .current_dir(project_dir.path())
            .output()
            .unwrap();
        assert_eq!(down.status.code(), Some(0), "{content:?}");
        assert!(!project_dir.join("fake.pid").exists(), "{content:?}");
        sentinel.assert_untouched(&content);
    }
    nix::unistd::mkfifo(
        &project_dir.join("fake.pid"),
        nix::sys::stat::Mode::from_bits_truncate(0o644),
    )
    .unwrap();
    let down = Command::new(devdown)
        .current_dir(project_dir.path())
        .output()
        .unwrap();
    assert_eq!(down.status.code(), Some(0), "fifo");
}

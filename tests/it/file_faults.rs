//! File-system faults and planted files: missing directories are
//! created; unwritable ones, read-only mounts, FIFOs, /dev/null, a rotated
//! log and a full disk give a clear error naming the path (or work), never
//! a hang and never a daemon left running unknown; symlinks planted at the
//! paths devup writes are never followed; files get 0644 (pid, log) and
//! 0600 (state, lock) whatever the umask, and existing files keep theirs.
//! Mount tricks run inside a private mount namespace (`unshare --mount`),
//! so nothing leaks to the host; as root (CI) directly, as an unprivileged
//! developer inside a user namespace mapping them to root (`--user
//! --map-root-user`), skipped where neither is permitted.

#![allow(clippy::result_large_err)] // thread results carry devup::Error

use crate::harness;

use std::os::unix::fs::{FileTypeExt, PermissionsExt, symlink};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::harness::*;
use harness::Project;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// True when `unshare --mount` works here; false (after a notice) when not,
/// which fails the test under `CI=true`.
fn can_unshare_mounts() -> bool {
    let ok = Command::new("unshare")
        .args(harness::programs::unshare_user_args())
        .args(["--mount", "--propagation", "private", "true"])
        .status()
        .is_ok_and(|status| status.success());
    harness::skip_unless(ok, "unshare --mount is not permitted here")
}

/// Runs `script` with `sh` in a private mount namespace in `dir`, `$DEVUP`
/// and `$DEVDOWN` naming the binaries, in the project's directory.
fn in_mount_namespace(project: &Project, script: &str) -> Outcome {
    let output = Command::new("unshare")
        .args(harness::programs::unshare_user_args())
        .args(["--mount", "--propagation", "private", "sh", "-ec", script])
        .current_dir(project.dir())
        .env("DEVUP", env!("CARGO_BIN_EXE_devup"))
        .env("DEVDOWN", env!("CARGO_BIN_EXE_devdown"))
        .env_remove("DEVUP_FILE")
        .output()
        .unwrap();
    project.outcome(output)
}

#[test]
fn missing_pid_log_and_lock_directories_are_created() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let daemon = fake(&dir, &tag, &[])
        .daemonize(true)
        .pid_file("run/a/b/fake.pid")
        .log_file("log/c/fake.log")
        .lock_file("locks/d/fake.lock")
        .build()
        .unwrap();
    let started = daemon.start().unwrap();
    assert!(dir.join("run/a/b/fake.pid").is_file());
    assert!(dir.join("log/c/fake.log").is_file());
    assert!(dir.join("locks/d/fake.lock").is_file());
    assert_one_instance(&tag, started.pid);
    daemon.stop().unwrap();
    assert_none_left(&tag);
}

#[test]
fn a_file_where_a_directory_is_expected_is_an_error_naming_the_path() {
    for key in ["pid_file", "log_file", "lock_file"] {
        let dir = TempDir::new();
        let (tag, _cleanup) = tagged();
        std::fs::write(dir.join("blocker"), "a file, not a directory").unwrap();
        let mut builder = fake(&dir, &tag, &[]).daemonize(true);
        builder = match key {
            "pid_file" => builder.pid_file("blocker/fake.pid"),
            "log_file" => builder.log_file("blocker/fake.log"),
            _ => builder.lock_file("blocker/fake.lock"),
        };
        let error = builder.build().unwrap().start().unwrap_err();
        let message = error.to_string();
        assert!(message.contains("fake"), "{key}: {message}");
        assert!(
            message.contains(&dir.join("blocker").display().to_string()),
            "{key}: the message does not name the path: {message}"
        );
        assert_none_left(&tag);
    }
}

#[test]
fn an_unwritable_project_directory_is_an_error_naming_the_path_for_an_unprivileged_user() {
    let project = Project::new(
        "daemons:\n  fake:\n    daemonize: true\n    start: [\"{fake}\", --tag, \"{tag}\"]\n",
    );
    if !nix::unistd::geteuid().is_root() {
        // An unprivileged developer: permission bits stop the writes.
        std::fs::set_permissions(project.dir(), std::fs::Permissions::from_mode(0o555)).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_devup"))
            .arg("up")
            .current_dir(project.dir())
            .env_remove("DEVUP_FILE")
            .output()
            .unwrap();
        std::fs::set_permissions(project.dir(), std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_unwritable_directory_error(&project, output);
        return;
    }
    // Root writes through permission bits: run devup as `nobody` instead.
    std::fs::set_permissions(project.dir(), std::fs::Permissions::from_mode(0o755)).unwrap();
    // A copy nobody can run wherever the build is (the checkout may not be
    // readable by nobody); the project dir stays root's and 0755. `cp`
    // writes it, not this process: a copy written here could be executed
    // while a child another test thread forked meanwhile still holds it open
    // for writing (until that child execs), and exec would fail with "text
    // file busy". Once `cp` exited, nobody has it open.
    let devup = project.dir().join("devup-copy");
    let copied = Command::new("cp")
        .arg(env!("CARGO_BIN_EXE_devup"))
        .arg(&devup)
        .status()
        .unwrap();
    assert!(copied.success(), "cp of the devup binary failed");
    std::fs::set_permissions(&devup, std::fs::Permissions::from_mode(0o755)).unwrap();
    let output = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&devup)
        .arg("up")
        .current_dir(project.dir())
        .env_remove("DEVUP_FILE")
        .output()
        .unwrap();
    assert_unwritable_directory_error(&project, output);
}

/// devup exited 1 naming the daemon and the directory it could not create,
/// and started nothing.
#[track_caller]
fn assert_unwritable_directory_error(project: &Project, output: std::process::Output) {
    // {any}: root (as nobody) and other users meet the missing permission
    // at different files under .devup.
    project.outcome(output).status(1).stderr(
        "\
fake: starting
fake: failed after {time}
up: 1 failed in {time}

error: fake: {any}{dir}/.devup/{any}: Permission denied (os error 13)
",
    );
    assert!(project.processes_with(project.tag()).is_empty());
}

#[test]
fn a_lock_file_on_a_read_only_directory_still_locks_or_is_a_clear_error() {
    if !can_unshare_mounts() {
        return;
    }
    let project = Project::new(
        "daemons:\n  fake:\n    daemonize: true\n    lock_file: locks/fake.lock\n    \
         start: [\"{fake}\", --tag, \"{tag}\"]\n",
    );
    std::fs::create_dir(project.path("locks")).unwrap();
    // No lock file yet on the read-only directory: a clear error.
    in_mount_namespace(
        &project,
        "mount --bind locks locks; mount -o remount,bind,ro locks; exec \"$DEVUP\" up",
    )
    .status(1)
    .stderr(
        "\
fake: starting
fake: failed after {time}
up: 1 failed in {time}

error: fake: lock file {dir}/locks/fake.lock: Read-only file system (os error 30)
",
    );
    assert!(project.processes_with(project.tag()).is_empty());
    // An existing lock file on a read-only directory: it still locks.
    std::fs::write(project.path("locks/fake.lock"), "").unwrap();
    in_mount_namespace(
        &project,
        "mount --bind locks locks; mount -o remount,bind,ro locks; \
         \"$DEVUP\" up; \"$DEVUP\" status; exec \"$DEVDOWN\"",
    )
    .status(0)
    .stderr(
        "\
fake: starting
fake: spawned (pid {pid})
fake: ready in {time} (pid {pid})
up: 1 ready in {time}
fake: stopping (pid {pid})
fake: stopped in {time} (pid {pid})
down: 1 stopped in {time}
",
    );
    assert_none_left(project.tag());
}

#[test]
fn a_log_file_that_is_a_fifo_never_hangs_a_start() {
    for daemonize in [true, false] {
        let dir = TempDir::new();
        let (tag, _cleanup) = tagged();
        nix::unistd::mkfifo(
            &dir.join("fake.log"),
            nix::sys::stat::Mode::from_bits_truncate(0o644),
        )
        .unwrap();
        // daemonize: true, devup opens the log; false: the start fails and
        // devup reads the log for the excerpt. Neither may wait for a peer.
        let daemon = if daemonize {
            fake(&dir, &tag, &[]).daemonize(true)
        } else {
            fake(&dir, &tag, &["--crash-before-daemonize"]).pid_file("fake.pid")
        }
        .log_file("fake.log")
        .start_timeout(Duration::from_secs(20))
        .build()
        .unwrap();
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = send.send(daemon.start().map(|started| started.pid));
        });
        let result = receive
            .recv_timeout(Duration::from_secs(15))
            .unwrap_or_else(|_| panic!("daemonize {daemonize}: start hangs on a FIFO log"));
        match result {
            Err(error) => assert!(
                error.to_string().contains("fake.log") || !daemonize,
                "{error}"
            ),
            Ok(_) => panic!("daemonize {daemonize}: a FIFO log started"),
        }
        assert!(
            std::fs::symlink_metadata(dir.join("fake.log"))
                .unwrap()
                .file_type()
                .is_fifo()
        );
        assert_none_left(&tag);
    }
}

#[test]
fn dev_null_as_the_log_file_works_and_stays_a_device() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let daemon = fake(&dir, &tag, &["--print", "hello"])
        .daemonize(true)
        .log_file("/dev/null")
        .build()
        .unwrap();
    let started = daemon.start().unwrap();
    assert_one_instance(&tag, started.pid);
    daemon.stop().unwrap();
    let meta = std::fs::symlink_metadata("/dev/null").unwrap();
    assert!(meta.file_type().is_char_device(), "/dev/null was replaced");
    assert_eq!(
        mode(Path::new("/dev/null")),
        0o666,
        "/dev/null changed mode"
    );
}

#[test]
fn a_log_rotated_during_the_start_is_followed_to_the_new_file() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    // The daemon logs "starting", waits for `go`, then appends READY to a
    // fresh log, in one write with a long line after it, so the new file is
    // longer than the old one when devup reads it.
    let script = format!(
        ": {tag}; echo starting >> fake.log; while [ ! -e go ]; do sleep 0.01; done; \
         printf 'READY\\n%0200d\\n' 0 >> fake.log; echo $$ > fake.pid; exec sleep 600"
    );
    let daemon = devup::DaemonController::builder("fake")
        .dir(dir.path())
        .start_command(vec!["sh".to_string(), "-c".into(), script, tag.clone()])
        .daemonize(true)
        .log_file("fake.log")
        .ping(devup::Ping::log("^READY$"))
        .start_timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let start = std::thread::spawn(move || daemon.start().map(|_| daemon));
    wait_until("the daemon logs", || {
        std::fs::read_to_string(dir.join("fake.log")).is_ok_and(|log| log.contains("starting"))
    });
    std::fs::rename(dir.join("fake.log"), dir.join("fake.log.1")).unwrap();
    std::fs::write(dir.join("go"), "").unwrap();
    // With daemonize: true the daemon's stdout still is the old file: this
    // is the daemon appending to the path, as a daemon reopening its log.
    let daemon = start
        .join()
        .unwrap()
        .expect("the start sees READY in the new log");
    daemon.stop().unwrap();
    assert_none_left(&tag);
}

#[test]
fn a_full_disk_for_devup_files_is_a_clear_error_and_leaves_nothing_running() {
    if !can_unshare_mounts() {
        return;
    }
    // Full: the pid file cannot be written. One page left: the pid file fits,
    // the state file does not.
    for (case, fill) in [
        (
            "full",
            "dd if=/dev/zero of=.devup/fill bs=4k count=64 2>/dev/null || true",
        ),
        (
            "one page left",
            "dd if=/dev/zero of=.devup/fill bs=4k count=15 2>/dev/null",
        ),
    ] {
        let project = Project::new(
            "daemons:\n  fake:\n    daemonize: true\n    log_file: fake.log\n    \
             start: [\"{fake}\", --tag, \"{tag}\"]\n",
        );
        std::fs::create_dir(project.path(".devup")).unwrap();
        let script = format!(
            "mount -t tmpfs -o size=64k,mode=755 tmpfs .devup; mkdir -p .devup/run; {fill}; \
             \"$DEVUP\" up && exit 0; code=$?; \"$DEVUP\" status >&2 || true; exit $code"
        );
        eprintln!("a tmpfs {case}");
        // Partial: which write fails first (the start marker, the pid
        // file) depends on how full the file system is.
        in_mount_namespace(&project, &script)
            .status(1)
            .stderr_includes("fake: failed after {time}\nup: 1 failed in {time}\n\nerror: fake: ")
            .stderr_includes("{dir}/.devup/")
            .stderr_includes(": No space left on device (os error 28)\n");
        assert_none_left(project.tag());
    }
}

#[test]
fn symlinks_planted_at_devup_files_are_never_followed() {
    // One planted symlink at a time, so each path is reached.
    for planted in ["fake.pid", "fake.log", "fake.lock", "fake.state"] {
        let dir = TempDir::new();
        let (tag, _cleanup) = tagged();
        let victim = dir.join("victim");
        std::fs::write(&victim, "precious\n").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o640)).unwrap();
        symlink(&victim, dir.join(planted)).unwrap();
        let daemon = fake(&dir, &tag, &["--print", "through the symlink"])
            .daemonize(true)
            .pid_file("fake.pid")
            .log_file("fake.log")
            .lock_file("fake.lock")
            .state_file("fake.state")
            .build()
            .unwrap();
        // Refused with an error naming the path, or done without following.
        match daemon.start() {
            Ok(_) => {
                daemon.stop().unwrap();
            }
            Err(error) => {
                let message = error.to_string();
                assert!(message.contains(planted), "{planted}: {message}");
            }
        }
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "precious\n",
            "{planted}: written through"
        );
        assert_eq!(mode(&victim), 0o640, "{planted}: the victim's mode changed");
        assert_none_left(&tag);
    }
}

#[test]
fn files_devup_creates_get_their_modes_whatever_the_umask() {
    let project = Project::new(
        "daemons:\n  fake:\n    daemonize: true\n    start: [\"{fake}\", --tag, \"{tag}\"]\n",
    );
    let output = Command::new("sh")
        .args(["-c", "umask 000; exec \"$0\" up"])
        .arg(env!("CARGO_BIN_EXE_devup"))
        .current_dir(project.dir())
        .env_remove("DEVUP_FILE")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    for (file, expected) in [
        (".devup/run/fake.pid", 0o644),
        (".devup/log/fake.log", 0o644),
        (".devup/run/fake.pid.lock", 0o600),
        (".devup/state/fake.state", 0o600),
    ] {
        let actual = mode(&project.path(file));
        assert_eq!(actual, expected, "{file}: {actual:o}");
    }
    for dir in [".devup", ".devup/run", ".devup/log", ".devup/state"] {
        let actual = mode(&project.path(dir));
        assert_eq!(actual & 0o002, 0, "{dir} is world-writable: {actual:o}");
    }
    project.devdown([] as [&str; 0]).status(0).run();
}

#[test]
fn existing_files_keep_their_modes() {
    let project = Project::new(
        "daemons:\n  fake:\n    daemonize: true\n    start: [\"{fake}\", --tag, \"{tag}\"]\n",
    );
    std::fs::create_dir_all(project.path(".devup/log")).unwrap();
    std::fs::create_dir_all(project.path(".devup/run")).unwrap();
    std::fs::write(project.path(".devup/log/fake.log"), "old line\n").unwrap();
    std::fs::set_permissions(
        project.path(".devup/log/fake.log"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    std::fs::write(project.path(".devup/run/fake.pid.lock"), "").unwrap();
    std::fs::set_permissions(
        project.path(".devup/run/fake.pid.lock"),
        std::fs::Permissions::from_mode(0o400),
    )
    .unwrap();
    project.devup(["up"]).status(0).run();
    assert_eq!(mode(&project.path(".devup/log/fake.log")), 0o640);
    assert_eq!(mode(&project.path(".devup/run/fake.pid.lock")), 0o400);
    assert!(
        project
            .read(".devup/log/fake.log")
            .starts_with("old line\n")
    );
    project.devdown([] as [&str; 0]).status(0).run();
}

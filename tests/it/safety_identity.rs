//! Never signal a process that is not the daemon:
//! a pid file overwritten to name an unrelated process older than the pid
//! file, while devup's state names the live daemon (directly, or through a
//! pid-file directory replaced by a symlink), and a pid file naming a
//! process of another user. The state decides; an unrelated process is
//! never signalled, and the real daemon is the one stopped.

use crate::harness;
use crate::harness::dispositions;

use std::os::unix::fs::{PermissionsExt, symlink};
use std::process::{Child, Command};

use harness::{Project, is_alive};

/// A `sleep` that is not the daemon, started before the daemon (so older
/// than its pid file); killed when dropped.
struct Bystander(Child);

impl Bystander {
    fn spawn(tag: &str) -> Bystander {
        dispositions::reset();
        // `exec -a` puts the tag in its command line, so the project's
        // cleanup would find it if the test panicked before the drop.
        let child = Command::new("bash")
            .args(["-c", &format!("exec -a {tag}-bystander sleep 600")])
            .spawn()
            .expect("spawning sleep");
        Bystander(child)
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }

    /// Waits until a process started now is surely younger than this one:
    /// start times count clock ticks (10 ms), and two processes started
    /// within one tick cannot be told apart by age.
    fn wait_a_tick(&self) {
        let started = harness::procs::start_ticks(self.pid());
        harness::wait_until("a clock tick since the bystander started", || {
            now_ticks() > started + 1
        });
    }

    fn assert_alive(&mut self, when: &str) {
        assert!(
            self.0.try_wait().unwrap().is_none(),
            "{when}: devup signalled the unrelated process {}",
            self.pid()
        );
    }
}

impl Drop for Bystander {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn fake(pid_file: &str) -> String {
    format!(
        "daemons:\n  fake:\n    daemonize: true\n    pid_file: {pid_file}\n    \
         start: [\"{{fake}}\", --tag, \"{{tag}}\"]\n"
    )
}

/// `status --json`'s state and pid for the one daemon.
fn state_and_pid(project: &Project) -> (String, Option<u64>) {
    let outcome = project.devup(["status", "--json"]).run();
    let json = outcome.json();
    let entry = &json[0];
    (
        entry["state"].as_str().unwrap_or_default().to_string(),
        entry["pid"].as_u64(),
    )
}

#[test]
fn a_pid_file_overwritten_to_name_an_older_process_does_not_outvote_the_state() {
    let project = Project::new(&fake("run/fake.pid"));
    let mut bystander = Bystander::spawn(project.tag());
    project
        .devup(["up"])
        .status(0)
        .stderr(
            "\
fake: starting
fake: spawned (pid {pid})
fake: ready in {time} (pid {pid})
up: 1 ready in {time}
",
        )
        .run();
    let daemon = project.pid_in("run/fake.pid");
    std::fs::write(
        project.path("run/fake.pid"),
        format!("{}\n", bystander.pid()),
    )
    .unwrap();

    assert_eq!(
        state_and_pid(&project),
        ("running".to_string(), Some(daemon as u64))
    );
    project
        .devup(["up"])
        .status(0)
        .stderr(
            "\
fake: already running (pid {pid})
up: 1 already running in {time}
",
        )
        .run();
    project.devdown(["fake"]).status(0).run();
    bystander.assert_alive("devdown");
    assert!(!is_alive(daemon), "the real daemon {daemon} still runs");
}

#[test]
fn a_pid_file_directory_replaced_by_a_symlink_does_not_outvote_the_state() {
    let project = Project::new(&fake("run/fake.pid"));
    let mut bystander = Bystander::spawn(project.tag());
    project
        .devup(["up"])
        .status(0)
        .stderr(
            "\
fake: starting
fake: spawned (pid {pid})
fake: ready in {time} (pid {pid})
up: 1 ready in {time}
",
        )
        .run();
    let daemon = project.pid_in("run/fake.pid");
    std::fs::rename(project.path("run"), project.path("run.moved")).unwrap();
    std::fs::create_dir(project.path("elsewhere")).unwrap();
    std::fs::write(
        project.path("elsewhere/fake.pid"),
        format!("{}\n", bystander.pid()),
    )
    .unwrap();
    symlink(project.path("elsewhere"), project.path("run")).unwrap();

    assert_eq!(
        state_and_pid(&project),
        ("running".to_string(), Some(daemon as u64))
    );
    project.devdown([] as [&str; 0]).status(0).run();
    bystander.assert_alive("devdown");
    assert!(!is_alive(daemon), "the real daemon {daemon} still runs");
}

#[test]
fn a_pid_file_naming_a_process_older_than_the_recorded_daemon_is_stale() {
    // The daemon devup started died; its pid file now names a process that
    // started before it, so cannot be it, although older than the pid file.
    let project = Project::new(&fake("run/fake.pid"));
    let mut bystander = Bystander::spawn(project.tag());
    bystander.wait_a_tick();
    project
        .devup(["up"])
        .status(0)
        .stderr(
            "\
fake: starting
fake: spawned (pid {pid})
fake: ready in {time} (pid {pid})
up: 1 ready in {time}
",
        )
        .run();
    let daemon = project.pid_in("run/fake.pid");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(daemon as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    harness::wait_until("the daemon is gone", || !is_alive(daemon));
    std::fs::write(
        project.path("run/fake.pid"),
        format!("{}\n", bystander.pid()),
    )
    .unwrap();

    assert_eq!(state_and_pid(&project), ("stale".to_string(), None));
    project.devdown([] as [&str; 0]).status(0).run();
    bystander.assert_alive("devdown");
    assert!(
        !project.path("run/fake.pid").exists(),
        "stale pid file kept"
    );
}

/// A process of another user than the one devup runs as, and how to run
/// devup as that one: as root, devup runs as `nobody` (setpriv) and the
/// other process is a root `sleep`; as an unprivileged user, the other
/// process is any root process of the machine.
#[test]
fn a_pid_file_naming_a_process_of_another_user_is_not_the_daemon() {
    let project = Project::new(&fake(".devup/run/fake.pid"));
    let root = nix::unistd::geteuid().is_root();
    let mut bystander = root.then(|| Bystander::spawn(project.tag()));
    let foreign = match &bystander {
        Some(bystander) => bystander.pid(),
        None => match process_of_another_user() {
            Some(pid) => pid,
            None => {
                harness::skip_unless(false, "no process of another user found");
                return;
            }
        },
    };
    project.write(".devup/run/fake.pid", &format!("{foreign}\n"));
    let (devup, devdown) = if root {
        nobody_owns(&project)
    } else {
        (harness::devup_bin(), harness::devdown_bin())
    };
    let run = |program: &std::path::Path, args: &[&str]| {
        let mut command = if root {
            let mut command = Command::new("setpriv");
            command
                .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(program);
            command
        } else {
            Command::new(program)
        };
        let output = command
            .args(args)
            .current_dir(project.dir())
            .env_remove("DEVUP_FILE")
            .env_remove("CI")
            .output()
            .unwrap();
        project.outcome(output)
    };

    let status = run(&devup, &["status", "--json"]).status(3);
    assert_eq!(status.json()[0]["state"], "stale", "{}", status.stdout);

    run(&devup, &["up"]).status(0).stderr("\
fake: removed stale pid file {dir}/.devup/run/fake.pid (pid {pid} belongs to a process of another user, which devup cannot signal)
fake: starting
fake: spawned (pid {pid})
fake: ready in {time} (pid {pid})
up: 1 ready in {time}
");
    let daemon = project.pid_in(".devup/run/fake.pid");
    assert_ne!(daemon, foreign);

    run(&devdown, &[]).status(0).stderr(
        "\
fake: stopping (pid {pid})
fake: stopped in {time} (pid {pid})
down: 1 stopped in {time}
",
    );
    assert!(!is_alive(daemon), "the daemon {daemon} still runs");
    if let Some(bystander) = &mut bystander {
        bystander.assert_alive("devdown");
    }
    assert!(is_alive(foreign));
}

/// Hands the project dir to `nobody` and returns copies of devup and
/// devdown that `nobody` can run, and a fake daemon it can run too.
fn nobody_owns(project: &Project) -> (std::path::PathBuf, std::path::PathBuf) {
    let chown = Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(project.dir())
        .status()
        .unwrap();
    assert!(chown.success(), "chown failed");
    // Copies written by `cp`, not by this process: a file this process
    // wrote could still be open for writing in a child another test thread
    // forked meanwhile, and exec would fail with "text file busy".
    let copy = |from: std::path::PathBuf, name: &str| {
        let to = project.path(name);
        let copied = Command::new("cp").arg(&from).arg(&to).status().unwrap();
        assert!(copied.success(), "cp {} failed", from.display());
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o755)).unwrap();
        to
    };
    let fake_copy = copy(harness::fake_daemon(), "fake-daemon-copy");
    project.write(
        "daemons.yaml",
        &fake(".devup/run/fake.pid").replace("{fake}", &fake_copy.display().to_string()),
    );
    let _ = Command::new("chown")
        .args(["65534:65534"])
        .arg(project.manifest())
        .status();
    (
        copy(harness::devup_bin(), "devup-copy"),
        copy(harness::devdown_bin(), "devdown-copy"),
    )
}

/// A live process (pid above 1) owned by another user than this one.
fn process_of_another_user() -> Option<u32> {
    let me = nix::unistd::geteuid().as_raw();
    harness::procs::live()
        .into_iter()
        .map(|process| process.pid)
        .find(|&pid| pid > 1 && harness::procs::uid(pid).is_some_and(|uid| uid != me))
}

/// Clock ticks since boot now (`/proc/uptime`, at 100 ticks a second).
fn now_ticks() -> u64 {
    let uptime = std::fs::read_to_string("/proc/uptime").unwrap();
    let seconds: f64 = uptime.split_whitespace().next().unwrap().parse().unwrap();
    (seconds * 100.0) as u64
}

#[test]
fn a_corrupt_pid_file_beside_the_recorded_daemon_is_removed_and_reported_by_up() {
    let project = Project::new(&fake("run/fake.pid"));
    project.devup(["up"]).status(0).run();
    let daemon = project.pid_in("run/fake.pid");
    std::fs::write(project.path("run/fake.pid"), "4242 garbage\n").unwrap();

    let path = project.path("run/fake.pid");
    project
        .devup(["up"])
        .placeholder("daemon", daemon)
        .status(0)
        .stderr(
            "fake: removed stale pid file {dir}/run/fake.pid (`4242 garbage` is not a pid)\n\
             fake: already running (pid {daemon})\n\
             up: 1 already running in {time}\n",
        )
        .run();
    assert!(!path.exists(), "the corrupt pid file stays");
    assert_eq!(
        state_and_pid(&project),
        ("running".to_string(), Some(daemon as u64))
    );
    project.devdown([] as [&str; 0]).status(0).run();
    assert!(!is_alive(daemon), "the real daemon {daemon} still runs");
}

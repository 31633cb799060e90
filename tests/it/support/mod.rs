//! The one test builder of the command-line tests: a [`Project`] is a temp
//! dir with a `daemons.yaml`; `project.devup(["status", "--json"])` runs the
//! real binary there and returns an [`Outcome`] to assert on, so a test reads
//! like a sentence:
//!
//! ```ignore
//! let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"])]));
//! project.devup(["up"]).succeeds().stderr_has("web: ready in");
//! ```
//!
//! Manifests may use placeholders: `{fake}` (the fake-daemon test program),
//! `{tag}` (a marker unique to the project, for process scans), `{dir}` (the
//! project directory) and `{port1}`..`{port3}` (free loopback ports). A
//! project stops its daemons with `devdown` and kills every process that
//! carries its tag when dropped, so a failing test leaves nothing behind.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long any wait of a test may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// The `devup` binary under test.
pub fn devup_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_devup"))
}

/// The `devdown` binary under test.
pub fn devdown_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_devdown"))
}

/// The fake daemon of `devup-testbins`, rebuilt (once per test process)
/// whenever `testbins/` changed: see [`crate::common::testbin`].
pub fn fake_daemon() -> PathBuf {
    crate::common::testbin("fake-daemon")
}

/// A free loopback port, never one another test of this process got
/// (see `tests/ports`).
pub fn free_port() -> u16 {
    crate::ports::free_port()
}

/// Waits until `condition` holds, failing the test after [`DEADLINE`].
#[track_caller]
pub fn wait_until(what: &str, condition: impl FnMut() -> bool) {
    crate::waiting::wait_for(what, DEADLINE, condition)
}

/// A daemon for `daemons:` that appends `start NAME` to `events.log` just
/// before it is ready and `stop NAME` when it gets SIGTERM, so tests can
/// observe the order of starts and stops. Its readiness is a `log` ping.
pub fn recorder(name: &str, depends_on: &[&str]) -> String {
    let deps = if depends_on.is_empty() {
        String::new()
    } else {
        format!("    depends_on: [{}]\n", depends_on.join(", "))
    };
    format!(
        "  {name}:\n    daemonize: true\n    start: |\n      : {{tag}}-{name}\n      \
         trap 'echo stop {name} >> events.log; exit 0' TERM\n      \
         echo start {name} >> events.log\n      echo ready\n      \
         while :; do sleep 1 & wait $!; done\n    ping: {{ log: \"^ready$\" }}\n{deps}"
    )
}

/// A manifest of [`recorder`] daemons: `(name, depends_on)` pairs.
pub fn recorders(daemons: &[(&str, &[&str])]) -> String {
    let mut text = String::from("daemons:\n");
    for (name, deps) in daemons {
        text.push_str(&recorder(name, deps));
    }
    text
}

/// A temp dir holding a manifest; cleaned up (daemons stopped, processes
/// killed, files removed) when dropped.
pub struct Project {
    dir: PathBuf,
    tag: String,
    manifest: PathBuf,
}

impl Project {
    /// A project whose `daemons.yaml` is `manifest` (placeholders replaced).
    pub fn new(manifest: &str) -> Project {
        Project::with_file("daemons.yaml", manifest)
    }

    /// A project whose manifest is called `file`.
    pub fn with_file(file: &str, manifest: &str) -> Project {
        crate::dispositions::reset();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let unique = format!(
            "{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let dir = std::env::temp_dir().join(format!("devup-cli-{unique}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("creating the project dir");
        let dir = dir.canonicalize().expect("canonical project dir");
        let project = Project {
            manifest: dir.join(file),
            tag: format!("devup-cli-tag-{unique}"),
            dir,
        };
        project.write(file, manifest);
        project
    }

    /// Writes `text` (placeholders replaced) to `path` in the project.
    pub fn write(&self, path: &str, text: &str) {
        let path = self.dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("creating a dir in the project");
        }
        std::fs::write(&path, self.expand(text)).expect("writing a project file");
    }

    fn expand(&self, text: &str) -> String {
        let mut text = text
            .replace("{fake}", &fake_daemon().display().to_string())
            .replace("{tag}", &self.tag)
            .replace("{dir}", &self.dir.display().to_string());
        for n in 1..=3 {
            let key = format!("{{port{n}}}");
            if text.contains(&key) {
                text = text.replace(&key, &free_port().to_string());
            }
        }
        text
    }

    /// The project directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The manifest file.
    pub fn manifest(&self) -> &Path {
        &self.manifest
    }

    /// The project's process tag.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// `path` in the project.
    pub fn path(&self, path: &str) -> PathBuf {
        self.dir.join(path)
    }

    /// The text of `path` in the project ("" when it does not exist).
    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.path(path)).unwrap_or_default()
    }

    /// The lines of `events.log` (see [`recorder`]).
    pub fn events(&self) -> Vec<String> {
        self.read("events.log").lines().map(String::from).collect()
    }

    /// `devup ARGS` in the project dir.
    pub fn devup<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Run::new(devup_bin(), &self.dir).args(args)
    }

    /// `devdown ARGS` in the project dir.
    pub fn devdown<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Run::new(devdown_bin(), &self.dir).args(args)
    }

    /// The live processes whose command line contains `marker` (a process
    /// scan of /proc; zombies do not count).
    pub fn processes_with(&self, marker: &str) -> Vec<u32> {
        processes_with(marker)
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = Command::new(devdown_bin())
            .arg("-q")
            .arg("-f")
            .arg(&self.manifest)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        for pid in processes_with(&self.tag) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The live processes whose command line contains `marker`.
pub fn processes_with(marker: &str) -> Vec<u32> {
    let me = std::process::id();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline);
        if cmdline.contains(marker) && is_alive(pid) {
            found.push(pid);
        }
    }
    found
}

/// True when `pid` runs and is not a zombie.
pub fn is_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let state = stat
            .rfind(')')
            .and_then(|at| stat[at + 1..].split_whitespace().next());
        !matches!(state, Some("Z") | Some("X") | None)
    })
}

/// One invocation of a binary, being described.
pub struct Run {
    command: Command,
}

impl Run {
    fn new(program: PathBuf, dir: &Path) -> Run {
        crate::dispositions::reset();
        let mut command = Command::new(program);
        command
            .current_dir(dir)
            .env_remove("DEVUP_FILE")
            .env_remove("CI")
            .env_remove("NO_COLOR")
            .stdin(Stdio::null());
        Run { command }
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Run {
        self.command.env(key, value);
        self
    }

    /// Runs in `dir` instead of the project dir.
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Run {
        self.command.current_dir(dir);
        self
    }

    /// Runs it to the end.
    pub fn run(mut self) -> Outcome {
        let output = self.command.output().expect("running the binary");
        Outcome {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs it to the end; it must exit 0.
    #[track_caller]
    pub fn succeeds(self) -> Outcome {
        self.run().exits(0)
    }

    /// Runs it to the end; it must exit `code`.
    #[track_caller]
    pub fn exits(self, code: i32) -> Outcome {
        self.run().exits(code)
    }

    /// Starts it in its own process group, stdout and stderr piped, and
    /// returns at once.
    pub fn spawn(mut self) -> Running {
        use std::os::unix::process::CommandExt;
        let child = self
            .command
            .process_group(0)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning the binary");
        Running { child: Some(child) }
    }
}

/// A binary running in its own process group. Dropped before [`finish`]
/// (a test that failed on the way), it SIGKILLs that whole group, so the
/// project's cleanup never waits for a devup that still holds the lock.
///
/// [`finish`]: Running::finish
pub struct Running {
    /// `None` once `finish` reaped it.
    child: Option<Child>,
}

impl Running {
    /// Its pid (also its process group).
    pub fn pid(&self) -> u32 {
        self.child().id()
    }

    fn child(&self) -> &Child {
        self.child.as_ref().expect("not finished yet")
    }

    fn child_mut(&mut self) -> &mut Child {
        self.child.as_mut().expect("not finished yet")
    }

    /// Sends `signal` to its whole process group, as a terminal's Ctrl-C does.
    pub fn signal_group(&self, signal: nix::sys::signal::Signal) {
        nix::sys::signal::killpg(nix::unistd::Pid::from_raw(self.pid() as i32), signal)
            .expect("signalling the process group");
    }

    /// Sends `signal` to the process alone, as `kill PID` does.
    pub fn signal(&self, signal: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid() as i32), signal)
            .expect("signalling the process");
    }

    /// The stdout pipe, to read as it comes.
    pub fn take_stdout(&mut self) -> std::process::ChildStdout {
        self.child_mut().stdout.take().expect("stdout is piped")
    }

    /// The stderr pipe, to read as it comes.
    pub fn take_stderr(&mut self) -> std::process::ChildStderr {
        self.child_mut().stderr.take().expect("stderr is piped")
    }

    /// Waits for it to exit (failing the test after [`DEADLINE`]).
    #[track_caller]
    pub fn finish(mut self) -> Outcome {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if self.child_mut().try_wait().expect("try_wait").is_some() {
                break;
            }
            // Past the deadline, `drop` kills the process group.
            assert!(
                Instant::now() < deadline,
                "the binary did not exit within {DEADLINE:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        let child = self.child.take().expect("not finished yet");
        let output = child.wait_with_output().expect("collecting output");
        Outcome {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let Some(child) = &mut self.child else {
            return;
        };
        // Not reaped yet, so its pid (and process group id) is still its
        // own: no other process can have taken it.
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
        let _ = child.wait();
    }
}

/// What a finished invocation did; every method asserts and returns `self`.
#[derive(Debug)]
pub struct Outcome {
    /// The exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    /// Everything it printed on stdout.
    pub stdout: String,
    /// Everything it printed on stderr.
    pub stderr: String,
}

impl Outcome {
    fn context(&self) -> String {
        format!(
            "\n--- exit code: {:?}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// It exited with `code`.
    #[track_caller]
    pub fn exits(self, code: i32) -> Outcome {
        assert_eq!(
            self.code,
            Some(code),
            "unexpected exit code{}",
            self.context()
        );
        self
    }

    /// Its stderr contains `text`.
    #[track_caller]
    pub fn stderr_has(self, text: &str) -> Outcome {
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}{}",
            self.context()
        );
        self
    }

    /// Its stderr does not contain `text`.
    #[track_caller]
    pub fn stderr_lacks(self, text: &str) -> Outcome {
        assert!(
            !self.stderr.contains(text),
            "stderr has {text:?}{}",
            self.context()
        );
        self
    }

    /// Its stdout contains `text`.
    #[track_caller]
    pub fn stdout_has(self, text: &str) -> Outcome {
        assert!(
            self.stdout.contains(text),
            "stdout lacks {text:?}{}",
            self.context()
        );
        self
    }

    /// Its stdout is exactly `text`.
    #[track_caller]
    pub fn stdout_is(self, text: &str) -> Outcome {
        assert_eq!(self.stdout, text, "unexpected stdout{}", self.context());
        self
    }

    /// Its stderr is empty.
    #[track_caller]
    pub fn stderr_is_empty(self) -> Outcome {
        assert!(
            self.stderr.is_empty(),
            "stderr is not empty{}",
            self.context()
        );
        self
    }

    /// `text` occurs in stderr exactly `times` times.
    #[track_caller]
    pub fn stderr_count(self, text: &str, times: usize) -> Outcome {
        assert_eq!(
            self.stderr.matches(text).count(),
            times,
            "{text:?} not found {times} times in stderr{}",
            self.context()
        );
        self
    }

    /// Its stdout parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON: {error}{}", self.context()))
    }
}

/// Runs `shell` (under `/bin/sh`; `$DEVUP` names the devup binary) on a
/// pseudo-terminal made by `script(1)` in `dir`, with `env` set and
/// `CI`, `NO_COLOR` and `DEVUP_FILE` removed; `None` (after a skip notice)
/// when `script` is not installed, which fails the test under `CI=true`.
pub fn on_terminal(dir: &Path, shell: &str, env: &[(&str, &str)]) -> Option<std::process::Output> {
    let available = Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !available {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "script(1) is required in CI"
        );
        eprintln!("skipped: script(1) is not installed");
        return None;
    }
    let mut command = Command::new("script");
    command
        .args(["-qec", shell, "/dev/null"])
        .current_dir(dir)
        .env("DEVUP", devup_bin())
        .env_remove("CI")
        .env_remove("NO_COLOR")
        .env_remove("DEVUP_FILE")
        .env("TERM", "xterm");
    for (key, value) in env {
        command.env(key, value);
    }
    Some(command.output().expect("running script"))
}

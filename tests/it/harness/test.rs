//! The one test builder: a [`Test`] is one run of `devup` (or `devdown`)
//! being described — where, with which arguments and environment, and
//! what it must do — and `run()` runs it to the end and checks it all:
//!
//! ```ignore
//! Test::new()
//!     .manifest("daemons:\n  db:\n    start: exec sleep 600\n")
//!     .args(["up"])
//!     .status(0)
//!     .stderr("db: ready in {time}\nup: 1 ready in {time}\n")
//!     .run();
//! ```
//!
//! `Test::new()` makes a project of its own (kept by the [`Outcome`]);
//! `project.devup(ARGS)` describes a run in an existing one. `spawn()`
//! starts the run and returns a [`Running`] to signal and `finish()`.

use std::ffi::OsStr;
use std::panic::Location;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::expected::Context;
use super::outcome::{Expectation, Expected, Extent, Outcome, Stream};
use super::project::Project;
use super::{DEADLINE, TempDir};

/// How long one run may take before the test gives up on it (a real
/// PostgreSQL's first start takes its time on a busy machine).
const RUN_DEADLINE: Duration = Duration::from_secs(180);

/// One run of a binary, being described.
pub struct Test {
    command: Command,
    context: Context,
    expected: Vec<Expected>,
    /// The project of [`Test::new`].
    project: Option<Project>,
}

impl Test {
    /// `devup` in a project of its own, with no manifest yet.
    pub fn new() -> Test {
        let project = Project::empty();
        let mut test = project.devup::<[&str; 0], &str>([]);
        test.project = Some(project);
        test
    }

    /// `program` in `dir`, with `context` for its expectations; the
    /// environment has no `DEVUP_FILE`, `CI` or `NO_COLOR` of the caller.
    pub(super) fn in_dir(program: PathBuf, dir: &Path, context: Context) -> Test {
        crate::harness::dispositions::reset();
        let mut command = Command::new(program);
        command
            .current_dir(dir)
            .env_remove("DEVUP_FILE")
            .env_remove("CI")
            .env_remove("NO_COLOR")
            .stdin(Stdio::null());
        Test {
            command,
            context,
            expected: Vec::new(),
            project: None,
        }
    }

    /// Writes the project's `daemons.yaml` (placeholders replaced).
    pub fn manifest(self, text: &str) -> Test {
        self.write("daemons.yaml", text)
    }

    /// Writes `text` (placeholders replaced) to `path` in the project.
    pub fn write(mut self, path: &str, text: &str) -> Test {
        let project = self.project.as_ref().expect("Test::new owns a project");
        project.write(path, text);
        self.context = project.context();
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Test {
        self.command.env(key, value);
        self
    }

    /// Runs in `dir` instead of the project dir.
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Test {
        self.command.current_dir(dir);
        self
    }

    /// `{NAME}` stands for `value` in this run's expected texts.
    pub fn placeholder(mut self, name: &str, value: impl ToString) -> Test {
        self.context.set(name, value.to_string());
        self
    }

    #[track_caller]
    fn expect(mut self, what: Expectation) -> Test {
        self.expected.push(Expected {
            what,
            at: Location::caller(),
        });
        self
    }

    /// It must exit with `code`.
    #[track_caller]
    pub fn status(self, code: i32) -> Test {
        self.expect(Expectation::Status(code))
    }

    /// Its whole stdout must be `text` (placeholders: see `expected.rs`).
    #[track_caller]
    pub fn stdout(self, text: &str) -> Test {
        self.expect(Expectation::Output(
            Stream::Stdout,
            Extent::Whole,
            text.into(),
        ))
    }

    /// Its whole stderr must be `text` (placeholders: see `expected.rs`).
    #[track_caller]
    pub fn stderr(self, text: &str) -> Test {
        self.expect(Expectation::Output(
            Stream::Stderr,
            Extent::Whole,
            text.into(),
        ))
    }

    /// Its stderr must be the lines of `text` in any order: for daemons
    /// started or stopped in parallel, whose lines interleave.
    #[track_caller]
    pub fn stderr_any_order(self, text: &str) -> Test {
        self.expect(Expectation::Output(
            Stream::Stderr,
            Extent::AnyOrder,
            text.into(),
        ))
    }

    /// Its stderr must include `text`: a partial check, only for output
    /// that is not the same from run to run; say why where it is used.
    #[track_caller]
    pub fn stderr_includes(self, text: &str) -> Test {
        self.expect(Expectation::Output(
            Stream::Stderr,
            Extent::Includes,
            text.into(),
        ))
    }

    /// Its stdout must include `text` (a partial check: see
    /// [`stderr_includes`](Test::stderr_includes)).
    #[track_caller]
    pub fn stdout_includes(self, text: &str) -> Test {
        self.expect(Expectation::Output(
            Stream::Stdout,
            Extent::Includes,
            text.into(),
        ))
    }

    /// Runs it to the end (its output in files, so that a daemon that
    /// keeps an inherited descriptor cannot hang the test) and checks every
    /// expectation.
    #[track_caller]
    pub fn run(mut self) -> Outcome {
        let files = TempDir::of_kind("out");
        let (out_path, err_path) = (files.join("stdout"), files.join("stderr"));
        let create = |path: &Path| std::fs::File::create(path).expect("creating an output file");
        self.command
            .stdout(create(&out_path))
            .stderr(create(&err_path));
        let mut child = self.command.spawn().expect("spawning the binary");
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("waiting for the binary") {
                break status;
            }
            if start.elapsed() > RUN_DEADLINE {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{:?} ran past {RUN_DEADLINE:?}", self.command);
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let read = |path: &Path| {
            String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
        };
        let outcome = Outcome {
            code: status.code(),
            stdout: read(&out_path),
            stderr: read(&err_path),
            context: self.context,
            project: self.project,
        };
        for expected in &self.expected {
            outcome.check(expected);
        }
        outcome
    }

    /// Starts it in its own process group, stdout and stderr piped, and
    /// returns at once; [`Running::finish`] checks the expectations.
    pub fn spawn(mut self) -> Running {
        use std::os::unix::process::CommandExt;
        let child = self
            .command
            .process_group(0)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning the binary");
        Running {
            child: Some(child),
            context: self.context,
            expected: self.expected,
            project: self.project,
        }
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
    context: Context,
    expected: Vec<Expected>,
    project: Option<Project>,
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

    /// Waits for it to exit (failing the test after [`DEADLINE`]) and
    /// checks the expectations.
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
        let outcome = Outcome {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            context: std::mem::take(&mut self.context),
            project: self.project.take(),
        };
        for expected in &self.expected {
            outcome.check(expected);
        }
        outcome
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

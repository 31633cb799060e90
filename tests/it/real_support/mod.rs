//! Support for the real-daemon tests: an [`Example`] is a copy of the
//! repository's `examples/` folder in a fresh temp dir, with free loopback
//! ports in its environment, on which the real `devup` binary runs. The
//! protocol probes live in `probe.rs`, the `/proc` scans in `procs.rs`.

pub mod probe;
pub mod procs;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long one `devup` run may take before the test gives up on it.
const DEVUP_DEADLINE: Duration = Duration::from_secs(180);

/// True when every program is installed. Otherwise prints a skip notice and
/// returns false, except under `CI=true`, where a missing daemon is a failure.
pub fn require(test: &str, programs: &[&str]) -> bool {
    crate::dispositions::reset();
    let missing: Vec<&str> = programs
        .iter()
        .copied()
        .filter(|program| find_program(program).is_none())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let notice = format!("{test}: skipped, not installed: {}", missing.join(", "));
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{notice} (CI=true: every real daemon must be installed)");
    }
    eprintln!("{notice}");
    false
}

/// The program's path: in `PATH`, or (PostgreSQL's server binaries on
/// Debian, which `pg.sh` puts on its own `PATH`) in
/// `/usr/lib/postgresql/*/bin`. The clients (`pg_isready`, `psql`) must be
/// on `PATH`: the example's ping and the tests' probes run them from there.
pub fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    let server_binary = matches!(program, "initdb" | "postgres");
    if server_binary && let Ok(entries) = fs::read_dir("/usr/lib/postgresql") {
        dirs.extend(entries.flatten().map(|entry| entry.path().join("bin")));
    }
    dirs.into_iter()
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// A free TCP port on 127.0.0.1, never one another test of this process
/// got (see `tests/ports`).
pub fn free_port() -> u16 {
    crate::ports::free_port()
}

/// Polls `condition` until it holds; panics with `what` past `deadline`.
#[track_caller]
pub fn wait_until(what: &str, deadline: Duration, condition: impl FnMut() -> bool) {
    crate::waiting::wait_for(what, deadline, condition)
}

/// What one `devup` run did.
#[derive(Debug)]
pub struct Run {
    /// Its exit code (None when killed by a signal).
    pub code: Option<i32>,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

impl Run {
    /// Asserts exit 0 and returns self.
    #[track_caller]
    pub fn success(self) -> Self {
        assert_eq!(self.code, Some(0), "devup failed:\n{}", self.stderr);
        self
    }

    /// Asserts exit `code` and that stderr contains every one of `needles`.
    #[track_caller]
    pub fn failure(self, code: i32, needles: &[&str]) -> Self {
        assert_eq!(
            self.code,
            Some(code),
            "expected exit {code}; stderr:\n{}",
            self.stderr
        );
        for needle in needles {
            assert!(
                self.stderr.contains(needle),
                "stderr lacks {needle:?}:\n{}",
                self.stderr
            );
        }
        self
    }
}

/// One daemon's line of `devup status --json`.
#[derive(Debug)]
pub struct DaemonStatus {
    /// `running`, `stopped`, ...
    pub state: String,
    /// Its pid, when alive.
    pub pid: Option<u32>,
}

/// A copy of `examples/` in a temp dir (removed on drop, after a last
/// `devup down`), and the example folder inside it to run devup in.
pub struct Example {
    root: PathBuf,
    dir: PathBuf,
    env: Vec<(String, String)>,
    runs: AtomicUsize,
}

impl Example {
    /// Copies `examples/` and selects `examples/NAME`; `env` is added to every
    /// `devup` run (the ports).
    pub fn new(name: &str, env: &[(&str, String)]) -> Example {
        crate::dispositions::reset();
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.subsec_nanos())
            .unwrap_or(0);
        let root = std::env::temp_dir().join(format!(
            "devup-real-{name}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        copy_tree(&source, &root.join("examples"));
        // Whatever the umask: www-data and postgres must traverse it.
        fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).expect("chmod the temp dir");
        Example {
            dir: root.join("examples").join(name),
            root,
            env: env
                .iter()
                .map(|(key, value)| (key.to_string(), value.clone()))
                .collect(),
            runs: AtomicUsize::new(0),
        }
    }

    /// The example's folder (the copy).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The temp dir holding the copy; every daemon process of this example
    /// names it in its command line or working directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Runs `devup ARGS` in the example's folder.
    pub fn devup(&self, args: &[&str]) -> Run {
        self.devup_with(args, &[])
    }

    /// Runs `devup ARGS` with extra environment variables.
    pub fn devup_with(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_devup"));
        command
            .args(args)
            .current_dir(&self.dir)
            .env_remove("DEVUP_FILE")
            .env("NO_COLOR", "1")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .envs(extra_env.iter().copied())
            .stdin(Stdio::null());
        let runs = self.runs.fetch_add(1, Ordering::SeqCst);
        let output = self.root.join(format!("devup-run-{runs}"));
        run_with_deadline(command, &output, DEVUP_DEADLINE)
    }

    /// `devup status --json`, parsed: one entry per daemon, by name; and
    /// its exit code (0 when all run, 3 otherwise).
    pub fn status(&self) -> (Option<i32>, Vec<(String, DaemonStatus)>) {
        let run = self.devup(&["status", "--json"]);
        let value: serde_json::Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|error| panic!("status --json: {error}:\n{}", run.stdout));
        let array = value.as_array().expect("status --json prints an array");
        let daemons = array
            .iter()
            .map(|entry| {
                let name = entry["name"].as_str().expect("a name").to_string();
                let state = entry["state"].as_str().expect("a state").to_string();
                let pid = entry["pid"].as_u64().map(|pid| pid as u32);
                (name, DaemonStatus { state, pid })
            })
            .collect();
        (run.code, daemons)
    }

    /// Asserts `status --json` says each of `names` — every daemon of the
    /// manifest — is running with a live pid, and exits 0; returns the pids.
    #[track_caller]
    pub fn assert_running(&self, names: &[&str]) -> Vec<u32> {
        let (code, status) = self.status();
        assert_eq!(code, Some(0), "status exit code: {status:?}");
        assert_eq!(status.len(), names.len(), "daemons: {status:?}");
        names
            .iter()
            .map(|name| {
                let (_, daemon) = status
                    .iter()
                    .find(|(found, _)| found == name)
                    .unwrap_or_else(|| panic!("status --json lacks {name}: {status:?}"));
                assert_eq!(daemon.state, "running", "{name}: {status:?}");
                let pid = daemon.pid.unwrap_or_else(|| panic!("{name} has no pid"));
                assert!(procs::is_alive(pid), "{name}'s pid {pid} is not alive");
                pid
            })
            .collect()
    }

    /// Runs `devup down` and asserts that nothing is left: no pid alive, no
    /// process naming the temp dir, nothing listening on the ports.
    #[track_caller]
    pub fn down_and_assert_gone(&self, pids: &[u32], ports: &[u16]) {
        assert!(
            !procs::naming(&self.root).is_empty(),
            "no process names {} before down: the scan would prove nothing",
            self.root.display()
        );
        self.devup(&["down"]).success();
        for pid in pids {
            assert!(!procs::is_alive(*pid), "pid {pid} outlived devup down");
        }
        wait_until(
            "the example's processes to exit",
            Duration::from_secs(10),
            || procs::naming(&self.root).is_empty(),
        );
        for port in ports {
            assert!(
                !probe::accepts(*port),
                "something still listens on 127.0.0.1:{port} after devup down"
            );
        }
        let (code, status) = self.status();
        assert_eq!(code, Some(3), "status exit code after down: {status:?}");
        for (name, daemon) in status {
            assert_eq!(daemon.state, "stopped", "{name} after down");
        }
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        // A failed assertion must not leave daemons behind.
        if !procs::naming(&self.root).is_empty() {
            let _ = self.devup(&["down"]);
            for pid in procs::naming(&self.root) {
                // SAFETY: kill(2) has no memory effects; the pid is a live
                // process whose command line or directory is this test's.
                unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            }
        }
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// Copies a tree, skipping `.devup` state and Rust sources, with modes that
/// let the daemons' unprivileged users (www-data, postgres) read it.
fn copy_tree(from: &Path, to: &Path) {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(to)
        .unwrap_or_else(|error| panic!("creating {}: {error}", to.display()));
    fs::set_permissions(to, fs::Permissions::from_mode(0o755)).expect("chmod a copy dir");
    for entry in fs::read_dir(from).expect("reading examples/").flatten() {
        let name = entry.file_name();
        if name == OsStr::new(".devup") || Path::new(&name).extension() == Some(OsStr::new("rs")) {
            continue;
        }
        let (source, target) = (entry.path(), to.join(&name));
        if source.is_dir() {
            copy_tree(&source, &target);
        } else {
            let executable = source.metadata().map(|m| m.mode() & 0o111 != 0);
            let mode = if executable.unwrap_or(false) {
                copy_executable(&source, &target);
                0o755
            } else {
                fs::copy(&source, &target).expect("copying an example file");
                0o644
            };
            fs::set_permissions(&target, fs::Permissions::from_mode(mode)).expect("chmod");
        }
    }
}

/// Copies a program with `cp`, not in this process: a file this process
/// writes may still be open for writing in a child another test thread
/// forked meanwhile (until that child execs), and executing it then fails
/// with "text file busy". Once `cp` exited, nobody has the copy open.
fn copy_executable(source: &Path, target: &Path) {
    let status = Command::new("cp")
        .arg(source)
        .arg(target)
        .status()
        .expect("running cp");
    assert!(status.success(), "cp {} failed", source.display());
}

/// Runs `command` with its output in files (a daemon that keeps an
/// inherited descriptor open must not hang the test), killing it past
/// `deadline`.
fn run_with_deadline(mut command: Command, output: &Path, deadline: Duration) -> Run {
    let (out_path, err_path) = (output.with_extension("out"), output.with_extension("err"));
    let create = |path: &Path| {
        fs::File::create(path)
            .unwrap_or_else(|error| panic!("creating {}: {error}", path.display()))
    };
    command.stdout(create(&out_path)).stderr(create(&err_path));
    let mut child = command.spawn().expect("spawning devup");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for devup") {
            break status;
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("devup {:?} ran past {deadline:?}", command.get_args());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |path: &Path| fs::read_to_string(path).unwrap_or_default();
    Run {
        code: status.code(),
        stdout: read(&out_path),
        stderr: read(&err_path),
    }
}

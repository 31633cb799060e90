//! The real-daemon tests' project: an [`Example`] is a copy of the
//! repository's `examples/` folder in a fresh temp dir, with free loopback
//! ports in its environment, on which the real `devup` binary runs as a
//! [`Test`]. The protocol probes live in `probe.rs`.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

use super::expected::Context;
use super::{Outcome, TempDir, Test, probe, procs, programs, wait_until};

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
    root: TempDir,
    dir: std::path::PathBuf,
    env: Vec<(String, String)>,
}

impl Example {
    /// Copies `examples/` and selects `examples/NAME`; `env` is added to every
    /// `devup` run (the ports), and each variable's value stands as `{VAR}`
    /// in the expected output.
    pub fn new(name: &str, env: &[(&str, String)]) -> Example {
        let root = TempDir::of_kind(&format!("real-{name}"));
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        copy_tree(&source, &root.join("examples"));
        // Whatever the umask: www-data and postgres must traverse it.
        fs::set_permissions(root.path(), fs::Permissions::from_mode(0o755))
            .expect("chmod the temp dir");
        Example {
            dir: root.join("examples").join(name),
            root,
            env: env
                .iter()
                .map(|(key, value)| (key.to_string(), value.clone()))
                .collect(),
        }
    }

    /// The example's folder (the copy).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The temp dir holding the copy; every daemon process of this example
    /// names it in its command line or working directory.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// `devup ARGS` in the example's folder, without colours.
    pub fn devup(&self, args: &[&str]) -> Test {
        let mut context = Context::default();
        context.set("dir", self.dir().display().to_string());
        context.set("root", self.root().display().to_string());
        for (key, value) in &self.env {
            context.set(key, value.clone());
        }
        let mut test = Test::in_dir(programs::devup_bin(), &self.dir, context)
            .args(args)
            .env("NO_COLOR", "1");
        for (key, value) in &self.env {
            test = test.env(key, value);
        }
        test
    }

    /// `devup status --json`, parsed: one entry per daemon, by name; and
    /// its exit code (0 when all run, 3 otherwise).
    pub fn status(&self) -> (Option<i32>, Vec<(String, DaemonStatus)>) {
        let run: Outcome = self.devup(&["status", "--json"]).run();
        let value = run.json();
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
            !procs::naming(self.root()).is_empty(),
            "no process names {} before down: the scan would prove nothing",
            self.root().display()
        );
        self.devup(&["down"]).status(0).run();
        for pid in pids {
            assert!(!procs::is_alive(*pid), "pid {pid} outlived devup down");
        }
        wait_until("the example's processes exit", || {
            procs::naming(self.root()).is_empty()
        });
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
        if !procs::naming(self.root()).is_empty() {
            let _ = self.devup(&["down"]).run();
            procs::kill_all(&procs::naming(self.root()));
        }
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

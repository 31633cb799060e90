//! A project of the command-line tests: a temp dir with a `daemons.yaml`
//! (or any files), in which [`Project::devup`] describes a run of the real
//! binary. Manifests may use placeholders: `{fake}` (the fake-daemon test
//! program), `{tag}` (a marker unique to the project, for process scans),
//! `{dir}` (the project directory) and `{port1}`..`{port3}` (free loopback
//! ports); the same placeholders stand for those values in the expected
//! output. A project stops its daemons with `devdown` and kills every
//! process that carries its tag when dropped, so a failing test leaves
//! nothing behind.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::expected::Context;
use super::{Outcome, TempDir, Test, procs, programs};

/// A temp dir holding a manifest; cleaned up (daemons stopped, processes
/// killed, files removed) when dropped.
pub struct Project {
    dir: TempDir,
    tag: String,
    manifest: PathBuf,
    /// The ports `{port1}`.. stood for in the files written last.
    ports: Mutex<Vec<(String, u16)>>,
}

impl Project {
    /// A project whose `daemons.yaml` is `manifest` (placeholders replaced).
    pub fn new(manifest: &str) -> Project {
        Project::with_file("daemons.yaml", manifest)
    }

    /// A project whose manifest is called `file`.
    pub fn with_file(file: &str, manifest: &str) -> Project {
        let project = Project::named(file);
        project.write(file, manifest);
        project
    }

    /// A project with no files yet (its manifest is `daemons.yaml`).
    pub fn empty() -> Project {
        Project::named("daemons.yaml")
    }

    fn named(file: &str) -> Project {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = TempDir::of_kind("cli");
        let unique = format!(
            "{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        Project {
            manifest: dir.join(file),
            tag: format!("devup-cli-tag-{unique}"),
            dir,
            ports: Mutex::new(Vec::new()),
        }
    }

    /// Writes `text` (placeholders replaced) to `path` in the project.
    pub fn write(&self, path: &str, text: &str) {
        let path = self.dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("creating a dir in the project");
        }
        std::fs::write(&path, self.expand(text)).expect("writing a project file");
    }

    /// Replaces the first `from` in the project's file `path` by `to`
    /// (placeholders replaced); fails the test when `from` is not there.
    #[track_caller]
    pub fn edit(&self, path: &str, from: &str, to: &str) {
        let text = self.read(path);
        assert!(text.contains(from), "{path} has no {from:?}:\n{text}");
        self.write(path, &text.replacen(from, to, 1));
    }

    fn expand(&self, text: &str) -> String {
        let mut text = text
            .replace("{fake}", &programs::fake_daemon().display().to_string())
            .replace("{tag}", &self.tag)
            .replace("{dir}", &self.dir().display().to_string());
        for n in 1..=3 {
            let key = format!("{{port{n}}}");
            if text.contains(&key) {
                let port = crate::harness::free_port();
                text = text.replace(&key, &port.to_string());
                let mut ports = self.ports.lock().unwrap();
                ports.retain(|(known, _)| *known != key);
                ports.push((key, port));
            }
        }
        text
    }

    /// The values the placeholders stand for, for expected output.
    pub fn context(&self) -> Context {
        let mut context = Context::default();
        context.set("dir", self.dir().display().to_string());
        context.set("tag", self.tag.clone());
        context.set("fake", programs::fake_daemon().display().to_string());
        for (key, port) in self.ports.lock().unwrap().iter() {
            context.set(key.trim_matches(['{', '}']), port.to_string());
        }
        context
    }

    /// The project directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
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

    /// The pid in the pid file `path` of the project.
    #[track_caller]
    pub fn pid_in(&self, path: &str) -> u32 {
        let text = self.read(path);
        text.trim()
            .parse()
            .unwrap_or_else(|_| panic!("no pid in {path}: {text:?}"))
    }

    /// The pid of the daemon `name` in its default pid file,
    /// `.devup/run/NAME.pid`.
    #[track_caller]
    pub fn pid(&self, name: &str) -> u32 {
        self.pid_in(&format!(".devup/run/{name}.pid"))
    }

    /// The pid `devup status --json NAME` reports (whatever its exit code).
    #[track_caller]
    pub fn status_pid(&self, name: &str) -> u32 {
        let status = self.devup(["status", "--json", name]).run();
        let pid = status.json()[0]["pid"].as_u64();
        pid.unwrap_or_else(|| panic!("no pid of {name} in {}", status.stdout)) as u32
    }

    /// The lines of `events.log` (see [`recorder`]).
    pub fn events(&self) -> Vec<String> {
        self.read("events.log").lines().map(String::from).collect()
    }

    /// `devup ARGS` in the project dir.
    pub fn devup<I, S>(&self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Test::in_dir(programs::devup_bin(), self.dir(), self.context()).args(args)
    }

    /// `devdown ARGS` in the project dir.
    pub fn devdown<I, S>(&self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Test::in_dir(programs::devdown_bin(), self.dir(), self.context()).args(args)
    }

    /// What a run of devup made some other way (under `unshare`, as
    /// another user) did, as an [`Outcome`] to check with the project's
    /// placeholders.
    pub fn outcome(&self, output: std::process::Output) -> Outcome {
        Outcome::new(output, self.context())
    }

    /// Asserts that `actual` (a screen, a line: text no run returned) is
    /// `expected` whole, with the project's placeholders.
    #[track_caller]
    pub fn assert_text(&self, what: &str, actual: &str, expected: &str) {
        super::outcome::assert_text(&self.context(), what, actual, expected);
    }

    /// The live processes whose command line contains `marker`.
    pub fn processes_with(&self, marker: &str) -> Vec<u32> {
        procs::with_marker(marker)
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = Command::new(programs::devdown_bin())
            .arg("-q")
            .arg("-f")
            .arg(&self.manifest)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        procs::kill_all(&procs::with_marker(&self.tag));
    }
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

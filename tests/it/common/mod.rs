//! Helpers shared by the controller integration tests: the test-only
//! programs of the `devup-testbins` crate (built on first use), temp dirs,
//! free loopback ports, waiting for a condition, finding a test's processes
//! by a tag in their command line, builders for a fake daemon
//! ([`fake`], [`daemonizing`], [`listening`]) and the assertions the tests
//! share ([`assert_nothing_running`], [`start_failure_reason`], ...).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The directory the test binary was built into (`target/debug`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    // target/debug/deps/it-HASH → target/debug
    exe.parent()
        .and_then(Path::parent)
        .expect("test binary in target/PROFILE/deps")
        .to_path_buf()
}

/// The path of a `devup-testbins` program, building the crate's binaries
/// once per test process (a no-op when they are up to date): Cargo builds
/// another package's binaries only when that package's own tests need them.
pub fn testbin(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    let profile = profile_dir();
    BUILT.get_or_init(|| {
        let target = profile.parent().expect("target dir");
        let mut cargo = std::process::Command::new(env!("CARGO"));
        cargo
            .args(["build", "--quiet", "-p", "devup-testbins", "--bins"])
            .arg("--target-dir")
            .arg(target)
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if profile.file_name().is_some_and(|name| name == "release") {
            cargo.arg("--release");
        }
        let status = cargo
            .status()
            .expect("running cargo build -p devup-testbins");
        assert!(status.success(), "cargo build -p devup-testbins failed");
    });
    let path = profile.join(name);
    assert!(path.exists(), "{} was not built", path.display());
    path
}

/// The fake daemon (see testbins/src/bin/fake-daemon.rs).
pub fn fake_daemon() -> PathBuf {
    testbin("fake-daemon")
}

/// A directory under the system temp dir, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        crate::dispositions::reset();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "devup-t{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("creating a temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Default for TempDir {
    fn default() -> Self {
        TempDir::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A loopback address with a port nobody listens on right now and no other
/// test of this process got (see `tests/ports`).
pub fn free_address() -> String {
    format!("127.0.0.1:{}", crate::ports::free_port())
}

/// Waits until `condition` holds, failing the test after `seconds`.
#[track_caller]
pub fn wait_until(what: &str, seconds: u64, condition: impl FnMut() -> bool) {
    crate::waiting::wait_for(what, Duration::from_secs(seconds), condition)
}

/// Waits (up to 30 s) until some process carries `tag`; `what` names that
/// moment in the failure message.
#[track_caller]
pub fn wait_until_tagged_runs(what: &str, tag: &str) {
    wait_until(what, 30, || !processes_tagged(tag).is_empty());
}

/// A tag unique to this call, to pass as `--tag TAG` to the fake daemon.
pub fn unique_tag() -> String {
    crate::dispositions::reset();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "tag-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The live (non-zombie) processes whose command line holds `tag` as one
/// argument.
pub fn processes_tagged(tag: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        if cmdline
            .split(|byte| *byte == 0)
            .any(|arg| arg == tag.as_bytes())
            && is_alive(pid)
        {
            found.push(pid);
        }
    }
    found
}

/// True when `pid` runs and is not a zombie.
pub fn is_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat
                .rfind(')')
                .and_then(|index| stat[index + 1..].split_whitespace().next());
            !matches!(state, Some("Z") | Some("X") | None)
        }
        Err(_) => false,
    }
}

/// Waits until no process carries `tag`; SIGKILLs survivors and fails the
/// test when some remain after `seconds`.
#[track_caller]
pub fn assert_none_left(tag: &str, seconds: u64) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        let left = processes_tagged(tag);
        if left.is_empty() {
            return;
        }
        if Instant::now() >= deadline {
            kill_tagged(tag);
            panic!("processes of {tag} still running: {left:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// SIGKILLs every process that carries `tag` (test cleanup).
pub fn kill_tagged(tag: &str) {
    for pid in processes_tagged(tag) {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
}

/// Kills a test's processes when dropped, so a failing test leaves nothing.
pub struct KillOnDrop(pub String);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        kill_tagged(&self.0);
    }
}

/// A fake daemon's command line: `fake-daemon --tag TAG ARGS...`.
pub fn fake_command(tag: &str, args: &[&str]) -> Vec<String> {
    let mut argv = vec![
        fake_daemon().display().to_string(),
        "--tag".into(),
        tag.into(),
    ];
    argv.extend(args.iter().map(|arg| arg.to_string()));
    argv
}

/// Collects a controller's events.
#[derive(Clone, Default)]
pub struct Events(std::sync::Arc<std::sync::Mutex<Vec<devup::Event>>>);

impl Events {
    pub fn observer(&self) -> impl Fn(&devup::Event) + Send + Sync + 'static {
        let events = self.0.clone();
        move |event| events.lock().unwrap().push(event.clone())
    }

    pub fn all(&self) -> Vec<devup::Event> {
        self.0.lock().unwrap().clone()
    }
}

/// A builder for a daemon called "fake" in `dir`, started as
/// `fake-daemon --tag TAG ARGS...`.
pub fn fake(dir: &TempDir, tag: &str, args: &[&str]) -> devup::DaemonControllerBuilder {
    devup::DaemonController::builder("fake")
        .dir(dir.path())
        .start_command(fake_command(tag, args))
}

/// A builder for a fake daemon that forks into the background and writes
/// `fake.pid`, the pid file the builder watches: `fake-daemon --tag TAG
/// --daemonize --pid-file fake.pid ARGS...`.
pub fn daemonizing(dir: &TempDir, tag: &str, args: &[&str]) -> devup::DaemonControllerBuilder {
    let argv = [&["--daemonize", "--pid-file", "fake.pid"][..], args].concat();
    fake(dir, tag, &argv).pid_file("fake.pid")
}

/// A [`daemonizing`] fake daemon that listens on `address` and is ready
/// once it accepts a TCP connection there.
pub fn listening(
    dir: &TempDir,
    tag: &str,
    address: &str,
    args: &[&str],
) -> devup::DaemonControllerBuilder {
    let argv = [&["--listen", address][..], args].concat();
    daemonizing(dir, tag, &argv).ping(devup::Ping::tcp(address))
}

/// Asserts that no process carries `tag` right now (no waiting: see
/// [`assert_none_left`] for that).
#[track_caller]
pub fn assert_nothing_running(tag: &str) {
    let left = processes_tagged(tag);
    assert!(
        left.is_empty(),
        "processes of {tag} still running: {left:?}"
    );
}

/// The reason of a `StartFailed`; any other result fails the test.
#[track_caller]
pub fn start_failure_reason<T: std::fmt::Debug>(result: &devup::Result<T>) -> String {
    match result {
        Err(devup::Error::StartFailed { reason, .. }) => reason.clone(),
        other => panic!("expected StartFailed, got {other:?}"),
    }
}

/// What `build()` refuses: the daemon, the key and the reason of its
/// `Error::Config`; anything else fails the test.
#[track_caller]
pub fn config_refusal(builder: devup::DaemonControllerBuilder) -> (String, &'static str, String) {
    match builder.build() {
        Err(devup::Error::Config {
            daemon,
            key,
            reason,
        }) => (daemon, key, reason),
        Err(other) => panic!("expected a configuration error, got: {other}"),
        Ok(_) => panic!("the builder accepted it"),
    }
}

/// Asserts that `result` is the `Interrupted` error of the daemon "fake".
#[track_caller]
pub fn assert_interrupted<T: std::fmt::Debug>(result: devup::Result<T>) {
    match result {
        Err(devup::Error::Interrupted { daemon }) => assert_eq!(daemon, "fake"),
        other => panic!("expected Interrupted, got {other:?}"),
    }
}

/// A test's processes: a unique tag, SIGKILLed when the test ends.
pub fn tagged() -> (String, KillOnDrop) {
    let tag = unique_tag();
    (tag.clone(), KillOnDrop(tag))
}

/// The race-start helper (see testbins/src/bin/race-start.rs).
pub fn race_start() -> PathBuf {
    testbin("race-start")
}

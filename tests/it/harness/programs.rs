//! The programs the tests run: the binaries under test, the test-only
//! programs of `testbins/` (built on first use), and the machine's own
//! programs, with the one rule for a missing one: a skip notice locally, a
//! failure under `CI=true` ([`skip_unless`]).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The `devup` binary under test.
pub fn devup_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_devup"))
}

/// The `devdown` binary under test.
pub fn devdown_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_devdown"))
}

/// The fake daemon (see testbins/src/bin/fake-daemon.rs).
pub fn fake_daemon() -> PathBuf {
    testbin("fake-daemon")
}

/// The race-start helper (see testbins/src/bin/race-start.rs).
pub fn race_start() -> PathBuf {
    testbin("race-start")
}

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
        let mut cargo = Command::new(env!("CARGO"));
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

/// True when `available`. Otherwise prints the skip notice `skipped:
/// NOTICE` and returns false, except under `CI=true`, where the missing
/// program (or permission) fails the test: CI installs everything.
#[track_caller]
pub fn skip_unless(available: bool, notice: &str) -> bool {
    if available {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "skipped: {notice}, and CI=true: every program the tests use must be there"
    );
    eprintln!("skipped: {notice}");
    false
}

/// True when `PROGRAM --version` runs and succeeds.
pub fn answers_version(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

/// True when `program` answers `--version`; otherwise the skip rule of
/// [`skip_unless`].
#[track_caller]
pub fn installed(program: &str) -> bool {
    skip_unless(
        answers_version(program),
        &format!("{program} is not installed"),
    )
}

/// True when every one of `programs` is found (see [`find_program`]);
/// otherwise the skip rule of [`skip_unless`], naming `test`.
#[track_caller]
pub fn require(test: &str, programs: &[&str]) -> bool {
    let missing: Vec<&str> = programs
        .iter()
        .copied()
        .filter(|program| find_program(program).is_none())
        .collect();
    skip_unless(
        missing.is_empty(),
        &format!("{test}: not installed: {}", missing.join(", ")),
    )
}

/// The `unshare` options that let a test create namespaces: none as root;
/// as an unprivileged user, a user namespace mapping it to root, so that
/// mounts, `/proc` writes and `ns_last_pid` work on the same files.
pub fn unshare_user_args() -> &'static [&'static str] {
    if nix::unistd::geteuid().is_root() {
        &[]
    } else {
        &["--user", "--map-root-user"]
    }
}

/// The program's path: in `PATH`, or (PostgreSQL's server binaries on
/// Debian, which `pg.sh` puts on its own `PATH`) in
/// `/usr/lib/postgresql/*/bin`. The clients (`pg_isready`, `psql`) must be
/// on `PATH`: the example's ping and the tests' probes run them from there.
pub fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    let server_binary = matches!(program, "initdb" | "postgres");
    if server_binary && let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        dirs.extend(entries.flatten().map(|entry| entry.path().join("bin")));
    }
    dirs.into_iter()
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

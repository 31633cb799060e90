//! Finding the release `devup` binary: `--devup PATH` or `$DEVUP_BIN` when
//! given, else `cargo build --release --bin devup -p devup` in this
//! workspace (so the benchmark is one command) and the binary next to this
//! one's target directory.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `devup` binary to measure.
pub fn devup(explicit: Option<PathBuf>, build: bool) -> Result<PathBuf, String> {
    if let Some(path) = explicit.or_else(|| std::env::var_os("DEVUP_BIN").map(PathBuf::from)) {
        return Ok(path);
    }
    let target = target_dir()?;
    if build {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .ok_or("the bench crate has no parent directory")?;
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--release", "--bin", "devup", "-p", "devup"])
            .current_dir(workspace)
            .status()
            .map_err(|error| format!("cannot run cargo: {error}"))?;
        if !status.success() {
            return Err("`cargo build --release --bin devup -p devup` failed".into());
        }
    }
    let devup = target.join("release").join("devup");
    if devup.is_file() {
        Ok(devup)
    } else {
        Err(format!("{} does not exist", devup.display()))
    }
}

/// The target directory this benchmark binary was built into (the parent of
/// its profile directory).
fn target_dir() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|error| format!("no current exe: {error}"))?;
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .ok_or_else(|| format!("{} has no target directory", exe.display()))
}

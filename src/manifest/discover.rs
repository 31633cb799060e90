//! Which manifest a command uses: `-f PATH`, else `$DEVUP_FILE`, else the
//! first `daemons.yaml` or `daemons.yml` in the current directory or any
//! parent. The environment variable's value is passed in, so tests never
//! touch the process environment.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::{ManifestError, Problem};

/// The file names looked for, in this order, in each directory.
pub const FILE_NAMES: [&str; 2] = ["daemons.yaml", "daemons.yml"];

/// Finds the manifest. `explicit` (`-f`) and `devup_file` (`$DEVUP_FILE`,
/// ignored when empty) are taken relative to `cwd`; the file they name must
/// exist. Without them, `cwd` and its parents are searched. The path
/// returned is absolute when `cwd` is.
pub fn discover(
    explicit: Option<&Path>,
    devup_file: Option<&OsStr>,
    cwd: &Path,
) -> Result<PathBuf, ManifestError> {
    let named = match (explicit, devup_file.filter(|value| !value.is_empty())) {
        (Some(path), _) => Some((cwd.join(path), "-f")),
        (None, Some(value)) => Some((cwd.join(value), "$DEVUP_FILE")),
        (None, None) => None,
    };
    if let Some((path, source)) = named {
        if path.is_file() {
            return Ok(path);
        }
        let what = if path.exists() {
            "not a file"
        } else {
            "no such file"
        };
        return Err(ManifestError::one(
            path,
            Problem::new(format!("{what} (the manifest named by {source})")),
        ));
    }
    for dir in cwd.ancestors() {
        for name in FILE_NAMES {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(ManifestError::one(
        cwd,
        Problem::new(
            "no daemons.yaml or daemons.yml in this directory or any parent; create one, or name one with -f PATH or $DEVUP_FILE",
        ),
    ))
}

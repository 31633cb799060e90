//! The `daemons.yaml` file: discovery (`-f`, `$DEVUP_FILE`, the nearest
//! `daemons.yaml`/`daemons.yml`), parsing with positions, `${VAR}`
//! interpolation, `defaults:` and `env:` merging, and validation. A loaded
//! [`Manifest`] is valid: every daemon has a start command, every dependency
//! exists, there is no cycle. It turns each daemon into a
//! [`crate::DaemonControllerBuilder`]; it never runs anything.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::controller::DaemonControllerBuilder;

/// One problem in a manifest, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The daemon it is about, when any.
    pub daemon: Option<String>,
    /// The key it is about ("ping", "depends_on"), when any.
    pub key: Option<String>,
    /// What is wrong, and what would have been valid.
    pub message: String,
}

/// A manifest that could not be found, read, or is invalid: every problem
/// found, each with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// The manifest file (or the directory searched, when none was found).
    pub path: PathBuf,
    /// The problems, in the order of the file.
    pub problems: Vec<Problem>,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Filled in by the manifest work: `daemons.yaml:12:5: daemon `web`, key `ping`: ...`
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{}: {}", self.path.display(), problem.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ManifestError {}

/// One daemon of a manifest: its name, what it depends on, and everything
/// needed to build its controller.
#[derive(Debug, Clone)]
pub struct DaemonEntry {
    /// The daemon's name (its key under `daemons:`).
    pub name: String,
    /// Names of the daemons that must be ready first.
    pub depends_on: Vec<String>,
}

/// A loaded, valid manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The manifest file, absolute.
    pub path: PathBuf,
    /// Its directory, against which relative paths resolve.
    pub dir: PathBuf,
    /// The daemons, in the file's order.
    pub daemons: Vec<DaemonEntry>,
}

impl Manifest {
    /// Finds the manifest: `explicit` (`-f`), else `$DEVUP_FILE`, else the
    /// first `daemons.yaml` or `daemons.yml` in `cwd` or any parent.
    pub fn discover(explicit: Option<&Path>, cwd: &Path) -> Result<PathBuf, ManifestError> {
        let _ = (explicit, cwd);
        todo!()
    }

    /// Reads, parses, interpolates and validates the manifest at `path`.
    pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
        let _ = path;
        todo!()
    }

    /// The same from text already read (`path` is used for messages and to
    /// resolve relative paths).
    pub fn parse(text: &str, path: &Path) -> Result<Manifest, ManifestError> {
        let _ = (text, path);
        todo!()
    }

    /// The daemon called `name`.
    pub fn daemon(&self, name: &str) -> Option<&DaemonEntry> {
        self.daemons.iter().find(|daemon| daemon.name == name)
    }

    /// A builder for the daemon's controller with every key of the manifest
    /// applied and every path resolved against the manifest's directory; the
    /// caller adds an observer and an abort signal, then builds.
    pub fn controller_builder(&self, name: &str) -> Option<DaemonControllerBuilder> {
        let _ = name;
        todo!()
    }
}

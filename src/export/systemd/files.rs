//! Writing the units into a directory. A file that exists and does not
//! start with devup's generated-file marker was not written by devup (a
//! hand-written unit, another tool's): it is left alone and the export
//! fails before writing anything, unless forced. Each file is written to a
//! temporary name and renamed, so systemd never reads half a unit.

use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::Unit;
use super::unit_file::GENERATED_MARKER;

/// Why the units could not be written.
#[derive(Debug)]
pub enum WriteError {
    /// A file there that devup did not write (pass `--force`).
    NotOurs(PathBuf),
    /// A file operation failed.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::NotOurs(path) => write!(
                f,
                "{} exists and was not written by devup; not overwriting it (use --force to replace it)",
                path.display()
            ),
            WriteError::Io { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for WriteError {}

/// Writes `units` into `dir` (made when missing); returns the paths written.
pub fn write_units(dir: &Path, units: &[Unit], force: bool) -> Result<Vec<PathBuf>, WriteError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| WriteError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    if !force {
        for unit in units {
            let path = dir.join(&unit.file_name);
            if !is_ours(&path).map_err(io(&path))? {
                return Err(WriteError::NotOurs(path));
            }
        }
    }
    let mut written = Vec::new();
    for unit in units {
        let path = dir.join(&unit.file_name);
        let temporary = dir.join(format!(".{}.devup-tmp", unit.file_name));
        std::fs::write(&temporary, &unit.text).map_err(io(&temporary))?;
        std::fs::rename(&temporary, &path).map_err(io(&path))?;
        written.push(path);
    }
    Ok(written)
}

/// True when `path` is missing or starts with the marker.
fn is_ours(path: &Path) -> io::Result<bool> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(true),
        Err(error) => return Err(error),
    };
    let mut head = vec![0; GENERATED_MARKER.len()];
    let mut read = 0;
    while read < head.len() {
        match file.read(&mut head[read..])? {
            0 => break,
            n => read += n,
        }
    }
    Ok(head[..read] == *GENERATED_MARKER.as_bytes())
}

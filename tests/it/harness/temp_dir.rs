//! The one temp-dir type of the tests: a fresh directory under the system
//! temp dir (`$TMPDIR`), canonical (so `/proc` paths and messages name it
//! the same way), removed when dropped.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A directory of its own for one test, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A fresh directory named `devup-KIND-PID-N`.
    pub fn new() -> TempDir {
        TempDir::of_kind("t")
    }

    /// A fresh directory named `devup-KIND-PID-N`.
    pub fn of_kind(kind: &str) -> TempDir {
        crate::harness::dispositions::reset();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "devup-{kind}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("creating a temp dir");
        TempDir(path.canonicalize().expect("a canonical temp dir"))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// `name` in the directory.
    pub fn join(&self, name: impl AsRef<Path>) -> PathBuf {
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

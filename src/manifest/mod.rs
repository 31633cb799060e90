//! The `daemons.yaml` file: discovery, parsing, interpolation and validation
//! with positions. (Stub: the manifest issue fills this in.)

use std::fmt;

/// A manifest that could not be loaded or is invalid.
#[derive(Debug)]
pub struct ManifestError {
    /// The rendered message.
    pub message: String,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ManifestError {}

//! What can stop a command before it produces its own exit code, and the
//! exit code each of those gets.

use std::fmt;
use std::io;

use crate::exit_code;
use crate::manifest::ManifestError;

/// An error of the command line itself (a daemon that fails is not one:
/// it is reported and turned into exit code 1 by the command).
#[derive(Debug)]
pub enum CliError {
    /// The arguments could not be parsed (or `--help`/`--version` was asked
    /// for: clap renders both).
    Usage(clap::Error),
    /// The manifest is missing or invalid, or names a daemon that is not in it.
    Manifest(ManifestError),
    /// A request that the manifest cannot answer: `logs` of a daemon
    /// without a `log_file`.
    Invalid(String),
    /// A file or process operation of the command line failed.
    Io {
        /// What devup was doing: "reading the log file log/web.log".
        action: String,
        /// Why it failed.
        source: io::Error,
    },
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(error) => u8::try_from(error.exit_code()).unwrap_or(exit_code::USAGE),
            CliError::Manifest(_) | CliError::Invalid(_) => exit_code::USAGE,
            CliError::Io { .. } => exit_code::FAILURE,
        }
    }

    /// Prints the error to stderr, as clap does for usage errors and as
    /// `error: ...` otherwise.
    pub fn print(&self) {
        match self {
            CliError::Usage(error) => {
                let _ = error.print();
            }
            other => eprintln!("error: {other}"),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(error) => write!(f, "{error}"),
            CliError::Manifest(error) => write!(f, "{error}"),
            CliError::Invalid(message) => f.write_str(message),
            CliError::Io { action, source } => write!(f, "{action}: {source}"),
        }
    }
}

impl std::error::Error for CliError {}

impl From<ManifestError> for CliError {
    fn from(error: ManifestError) -> Self {
        CliError::Manifest(error)
    }
}

impl From<clap::Error> for CliError {
    fn from(error: clap::Error) -> Self {
        CliError::Usage(error)
    }
}

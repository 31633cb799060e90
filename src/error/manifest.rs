//! A manifest error, rendered like a compiler's: one problem per line,
//! `daemons.yaml:12:5: daemon `web`, key `ping`: unknown ping kind ...`.
//! The path is shown as devup was given it or found it (discovery yields
//! absolute paths).

use std::fmt;
use std::path::PathBuf;

/// A 1-based line and column (in characters) in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// One problem in a manifest, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The daemon it is about, when any.
    pub daemon: Option<String>,
    /// The task it is about, when any (never with a daemon).
    pub task: Option<String>,
    /// The key it is about ("ping", "depends_on"), when any.
    pub key: Option<String>,
    /// What is wrong, and what would have been valid.
    pub message: String,
}

impl Problem {
    /// A problem without position, daemon or key.
    pub fn new(message: impl Into<String>) -> Self {
        Problem {
            line: None,
            column: None,
            daemon: None,
            task: None,
            key: None,
            message: message.into(),
        }
    }

    /// Sets the position (`None` leaves it unknown).
    pub(crate) fn at(mut self, pos: Option<Pos>) -> Self {
        self.line = pos.map(|pos| pos.line);
        self.column = pos.map(|pos| pos.column);
        self
    }

    /// Sets the daemon.
    pub fn daemon(mut self, daemon: impl Into<String>) -> Self {
        self.daemon = Some(daemon.into());
        self
    }

    /// Sets the task.
    pub fn task(mut self, task: impl Into<String>) -> Self {
        self.task = Some(task.into());
        self
    }

    /// Sets the key.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }
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

impl ManifestError {
    /// An error with one problem.
    pub fn one(path: impl Into<PathBuf>, problem: Problem) -> Self {
        ManifestError {
            path: path.into(),
            problems: vec![problem],
        }
    }
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{}", self.path.display())?;
            match (problem.line, problem.column) {
                (Some(line), Some(column)) => write!(f, ":{line}:{column}")?,
                (Some(line), None) => write!(f, ":{line}")?,
                _ => {}
            }
            f.write_str(": ")?;
            let subject = match (&problem.daemon, &problem.task) {
                (Some(daemon), _) => Some(("daemon", daemon)),
                (None, Some(task)) => Some(("task", task)),
                (None, None) => None,
            };
            match (subject, &problem.key) {
                (Some((kind, name)), Some(key)) => write!(f, "{kind} `{name}`, key `{key}`: ")?,
                (Some((kind, name)), None) => write!(f, "{kind} `{name}`: ")?,
                (None, Some(key)) => write!(f, "key `{key}`: ")?,
                (None, None) => {}
            }
            f.write_str(&problem.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ManifestError {}

#[cfg(test)]
mod tests {
    use super::Pos;
    use super::*;

    #[test]
    fn each_problem_is_one_line_with_what_is_known() {
        let error = ManifestError {
            path: "daemons.yaml".into(),
            problems: vec![
                Problem::new("bad")
                    .at(Some(Pos {
                        line: 12,
                        column: 5,
                    }))
                    .daemon("web")
                    .key("ping"),
                Problem::new("no daemons"),
                Problem::new("top").key("version").at(Some(Pos {
                    line: 1,
                    column: 10,
                })),
                Problem::new("empty").daemon("db"),
            ],
        };
        assert_eq!(
            error.to_string(),
            "daemons.yaml:12:5: daemon `web`, key `ping`: bad\n\
             daemons.yaml: no daemons\n\
             daemons.yaml:1:10: key `version`: top\n\
             daemons.yaml: daemon `db`: empty"
        );
    }
}

//! Reading the dotenv files of a valid manifest: the top-level `env_file`
//! and each daemon's (its own, else `defaults.env_file`), in the order
//! listed (a later file wins), and `.env` next to the manifest, which only
//! supplies `${VAR}` values. A missing `env_file` is a problem placed at
//! the key that names it; a malformed line is an error naming that file and
//! line. Which variables win over which is `entry.rs`'s business.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::dotenv;
use super::locate::Positions;
use super::raw::{RawManifest, RawPaths};
use super::{ManifestError, Problem};

/// Variables.
pub(crate) type Vars = BTreeMap<String, String>;

/// The variables of every `env_file` of a manifest.
#[derive(Debug, Default)]
pub(crate) struct EnvFiles {
    /// The top-level `env_file`'s.
    pub top: Vars,
    /// Each daemon's own (or `defaults.env_file`'s), by name.
    pub daemons: HashMap<String, Vars>,
    /// Each task's own, by name.
    pub tasks: HashMap<String, Vars>,
}

/// Reads every `env_file` of `raw`, whose directory is `dir`.
pub(crate) fn load(
    raw: &RawManifest,
    dir: &Path,
    manifest: &Path,
    positions: &Positions,
) -> Result<EnvFiles, ManifestError> {
    let mut files = EnvFiles::default();
    if let Some(paths) = &raw.env_file {
        files.top = read_all(
            paths,
            dir,
            manifest,
            positions,
            &["env_file"],
            Owner::Manifest,
        )?;
    }
    let defaults = raw.defaults.as_ref().and_then(|d| d.env_file.as_ref());
    for (name, daemon) in &raw.daemons.0 {
        let (paths, at): (_, Vec<&str>) = match (&daemon.env_file, defaults) {
            (Some(paths), _) => (paths, vec!["daemons", name, "env_file"]),
            (None, Some(paths)) => (paths, vec!["defaults", "env_file"]),
            (None, None) => continue,
        };
        let vars = read_all(paths, dir, manifest, positions, &at, Owner::Daemon(name))?;
        files.daemons.insert(name.clone(), vars);
    }
    for (name, task) in raw.tasks.iter().flat_map(|tasks| &tasks.0) {
        if let Some(paths) = &task.env_file {
            let at = ["tasks", name.as_str(), "env_file"];
            let vars = read_all(paths, dir, manifest, positions, &at, Owner::Task(name))?;
            files.tasks.insert(name.clone(), vars);
        }
    }
    Ok(files)
}

/// The variables of `.env` in `dir`, for `${VAR}`; none when it does not
/// exist.
pub(crate) fn dotenv_file(dir: &Path) -> Result<Vars, ManifestError> {
    let path = dir.join(".env");
    match read(&path) {
        Ok(text) => parse(&path, &text, Owner::Manifest),
        Err(Unreadable::Io(error)) if error.kind() == std::io::ErrorKind::NotFound => {
            Ok(Vars::new())
        }
        Err(Unreadable::Io(error)) => Err(ManifestError::one(
            &path,
            Problem::new(format!("cannot read `.env`: {error}")),
        )),
        Err(Unreadable::NotAFile) => Err(ManifestError::one(
            &path,
            Problem::new(format!("cannot read `.env`: {NOT_A_FILE}")),
        )),
        Err(Unreadable::NotUtf8(problem)) => Err(ManifestError::one(&path, problem)),
    }
}

/// Why a dotenv file gave no text.
enum Unreadable {
    Io(std::io::Error),
    /// A directory, a FIFO, a device: reading one could block or never end.
    NotAFile,
    /// Placed at the first byte that is not UTF-8.
    NotUtf8(Problem),
}

const NOT_A_FILE: &str = "not a regular file";

/// The text of the dotenv file at `path`, which must be a regular file (a
/// FIFO or `/dev/zero` would hang the load) of UTF-8 text.
fn read(path: &Path) -> Result<String, Unreadable> {
    let metadata = std::fs::metadata(path).map_err(Unreadable::Io)?;
    if !metadata.is_file() {
        return Err(Unreadable::NotAFile);
    }
    let bytes = std::fs::read(path).map_err(Unreadable::Io)?;
    String::from_utf8(bytes).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        // Up to `valid_up_to` the bytes are UTF-8.
        let valid = std::str::from_utf8(valid).unwrap_or_default();
        let line_start = valid.rfind('\n').map_or(0, |i| i + 1);
        let mut problem = Problem::new(format!(
            "not UTF-8 text (byte 0x{:02x})",
            error.as_bytes()[valid.len()]
        ));
        problem.line = Some(valid.matches('\n').count() + 1);
        problem.column = Some(valid[line_start..].chars().count() + 1);
        Unreadable::NotUtf8(problem)
    })
}

fn read_all(
    paths: &RawPaths,
    dir: &Path,
    manifest: &Path,
    positions: &Positions,
    at: &[&str],
    owner: Owner<'_>,
) -> Result<Vars, ManifestError> {
    let mut vars = Vars::new();
    for written in &paths.0 {
        let path = dir.join(written);
        let text = read(&path).map_err(|error| {
            let reason = match error {
                Unreadable::Io(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    "no such file".to_string()
                }
                Unreadable::Io(error) => error.to_string(),
                Unreadable::NotAFile => NOT_A_FILE.to_string(),
                Unreadable::NotUtf8(problem) => {
                    let problem = match owner {
                        Owner::Manifest => problem,
                        owner => owner.mark(problem).key("env_file"),
                    };
                    return ManifestError::one(&path, problem);
                }
            };
            let problem = Problem::new(format!("cannot read env_file `{written}`: {reason}"))
                .at(positions.value(at))
                .key("env_file");
            ManifestError::one(manifest, owner.mark(problem))
        })?;
        vars.extend(parse(&path, &text, owner)?);
    }
    Ok(vars)
}

fn parse(path: &Path, text: &str, owner: Owner<'_>) -> Result<Vars, ManifestError> {
    dotenv::parse(text).map_err(|error| {
        let mut problem = Problem::new(error.message);
        problem.line = Some(error.line);
        problem.column = Some(1);
        if !matches!(owner, Owner::Manifest) {
            problem = owner.mark(problem.key("env_file"));
        }
        ManifestError::one(path, problem)
    })
}

/// Whose `env_file` is read: a problem names it.
#[derive(Clone, Copy)]
enum Owner<'a> {
    Daemon(&'a str),
    Task(&'a str),
    /// The manifest's own (`env_file:` at the top, or `.env`).
    Manifest,
}

impl Owner<'_> {
    fn mark(self, problem: Problem) -> Problem {
        match self {
            Owner::Daemon(name) => problem.daemon(name),
            Owner::Task(name) => problem.task(name),
            Owner::Manifest => problem,
        }
    }
}

//! Reading the dotenv files of a valid manifest: the top-level `env_file`
//! and each daemon's (its own, else `defaults.env_file`), in the order
//! listed (a later file wins), and `.env` next to the manifest, which only
//! supplies `${VAR}` values. A missing `env_file` is a problem placed at
//! the key that names it; a malformed line is an error naming that file and
//! line. Which variables win over which is `entry.rs`'s business.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::locate::Positions;
use super::raw::{RawManifest, RawPaths};
use super::{ManifestError, Problem};
use crate::controller::dotenv::{self, Unreadable};

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
    match dotenv::read(&path) {
        Ok(text) => parse(&path, &text, Owner::Manifest),
        Err(Unreadable::Io(error)) if error.kind() == std::io::ErrorKind::NotFound => {
            Ok(Vars::new())
        }
        Err(unreadable) => Err(ManifestError::one(
            &path,
            not_utf8(&unreadable).unwrap_or_else(|| {
                Problem::new(format!("cannot read `.env`: {}", unreadable.reason()))
            }),
        )),
    }
}

/// `Unreadable::NotUtf8` as a problem placed at that byte.
fn not_utf8(unreadable: &Unreadable) -> Option<Problem> {
    let Unreadable::NotUtf8 { line, column, .. } = unreadable else {
        return None;
    };
    let mut problem = Problem::new(unreadable.reason());
    problem.line = Some(*line);
    problem.column = Some(*column);
    Some(problem)
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
        let text = dotenv::read(&path).map_err(|unreadable| {
            if let Some(problem) = not_utf8(&unreadable) {
                let problem = match owner {
                    Owner::Manifest => problem,
                    owner => owner.mark(problem).key("env_file"),
                };
                return ManifestError::one(&path, problem);
            }
            let reason = unreadable.reason();
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

//! The validated configuration of one invocation: the flags every command
//! shares, merged from before and after the subcommand, and the loading of
//! the manifest and its plan.

use std::path::PathBuf;
use std::sync::Arc;

use super::CliError;
use super::args::{CommonArgs, LongCommonArgs};
use crate::manifest::Manifest;
use crate::plan::Plan;
use crate::report::{JsonReporter, OutputStyle, Tee};
use crate::run::SharedReporter;

/// The flags every command shares.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// `-f PATH` (or `$DEVUP_FILE`): the manifest, else discovery.
    pub file: Option<PathBuf>,
    /// `-q`: only errors.
    pub quiet: bool,
    /// `--json`: the run's events as JSON lines on stdout too.
    pub json: bool,
    /// `up --no-restart`: changed daemons are reported, not restarted.
    pub no_restart: bool,
    /// `--remove-orphans` (`up`, `down`): stop the orphans too.
    pub remove_orphans: bool,
}

/// A loaded manifest and its dependency plan.
#[derive(Debug)]
pub struct Project {
    /// The manifest.
    pub manifest: Manifest,
    /// Its dependency graph.
    pub plan: Plan,
}

impl Config {
    /// The flags given before the subcommand, overridden by those after it.
    pub fn merge(top: &CommonArgs, sub: Option<&CommonArgs>) -> Config {
        let sub = sub.cloned().unwrap_or_default();
        Config {
            file: sub.file.or_else(|| top.file.clone()),
            quiet: top.quiet || sub.quiet,
            ..Config::default()
        }
    }

    /// With `--json` when `json`.
    pub fn json(self, json: bool) -> Config {
        Config { json, ..self }
    }

    /// The same for `logs`, whose manifest flag is `--file` only.
    pub fn merge_long(top: &CommonArgs, sub: &LongCommonArgs) -> Config {
        Config {
            file: sub.file.clone().or_else(|| top.file.clone()),
            quiet: top.quiet || sub.quiet,
            ..Config::default()
        }
    }

    /// Finds the manifest's path (without reading it).
    pub fn discover(&self) -> Result<PathBuf, CliError> {
        let cwd = std::env::current_dir().map_err(|source| CliError::Io {
            action: "reading the current directory".into(),
            source,
        })?;
        let path = Manifest::discover(self.file.as_deref(), &cwd)?;
        Ok(if path.is_absolute() {
            path
        } else {
            cwd.join(path)
        })
    }

    /// Finds, loads and validates the manifest, and builds its plan.
    pub fn load(&self) -> Result<Project, CliError> {
        let path = self.discover()?;
        let manifest = Manifest::load(&path)?;
        let plan = manifest.plan();
        Ok(Project { manifest, plan })
    }

    /// The reporter for `up`/`down`: progress, plain lines or only errors,
    /// and with `--json` the JSON lines on stdout as well.
    pub fn reporter(&self) -> SharedReporter {
        let people = OutputStyle::detect(self.quiet).reporter();
        if self.json {
            Arc::new(Tee(vec![Arc::new(JsonReporter::new()), people]))
        } else {
            people
        }
    }
}

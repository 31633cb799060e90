//! `devup export systemd [NAME...] [-o DIR] [--user] [--project P]
//! [--force]`: loads the manifest (recording which `${VAR}`s it read),
//! builds the units (`crate::export::systemd`), makes the directories that
//! systemd opens logs in before any command runs, writes the files, prints
//! their paths on stdout and a warning on stderr for each setting systemd
//! cannot express (unless `-q`; the units carry them as comments anyway).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;

use super::inspect::print;
use super::{CliError, Config};
use crate::exit_code;
use crate::export::systemd::{self, Context, ExportFailure};
use crate::manifest::Manifest;

/// The options of `devup export systemd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemdOptions {
    /// The daemons and tasks (all when empty).
    pub names: Vec<String>,
    /// `-o DIR`.
    pub output: PathBuf,
    /// `--user`.
    pub user: bool,
    /// `--project P`.
    pub project: Option<String>,
    /// `--force`.
    pub force: bool,
}

/// Runs `devup export systemd`.
pub fn systemd(config: &Config, options: &SystemdOptions) -> Result<u8, CliError> {
    let io = |action: String| move |source| CliError::Io { action, source };
    let cwd = std::env::current_dir().map_err(io("reading the current directory".into()))?;
    let path = Manifest::discover(config.file.as_deref(), &cwd)?;
    let looked_up = RefCell::new(BTreeMap::new());
    let manifest = Manifest::load_with_env(&path, &|name| {
        let value = std::env::var(name).ok();
        looked_up
            .borrow_mut()
            .insert(name.to_string(), value.clone());
        value
    })?;
    let plan = manifest.plan();
    let project = match &options.project {
        Some(project) => {
            systemd::check_project(project).map_err(CliError::Invalid)?;
            project.clone()
        }
        None => systemd::project_name(&manifest.dir),
    };
    let context = Context {
        project,
        user: options.user,
        manifest: manifest.path.clone(),
        devup: std::env::current_exe().map_err(io("finding the devup binary".into()))?,
        interpolated: looked_up.into_inner(),
        path: std::env::var("PATH").ok(),
    };
    let export = systemd::export(&manifest, &plan, &options.names, &context).map_err(
        |failure| match failure {
            ExportFailure::Manifest(error) => CliError::Manifest(error),
            ExportFailure::Value(error) => {
                CliError::Invalid(format!("{}: {error}", manifest.path.display()))
            }
        },
    )?;
    for name in plan.up_set(&options.names)? {
        let Some(daemon) = manifest.daemon(&name).filter(|daemon| daemon.daemonize) else {
            continue;
        };
        for file in [Some(&daemon.pid_file), daemon.log_file.as_ref()]
            .into_iter()
            .flatten()
        {
            if let Some(dir) = file.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(io(format!("making the directory {}", dir.display())))?;
            }
        }
    }
    let output = cwd.join(&options.output);
    let written = systemd::write_units(&output, &export.units, options.force)
        .map_err(|error| CliError::Invalid(error.to_string()))?;
    // Under `-q` the warnings are only in the units' comments.
    for warning in export.warnings.iter().filter(|_| !config.quiet) {
        eprintln!("warning: {warning}");
    }
    let listing: String = written
        .iter()
        .map(|path| format!("{}\n", path.display()))
        .collect();
    print(&listing)?;
    Ok(exit_code::SUCCESS)
}

//! `devup export systemd`: one service unit per daemon and task and a
//! `devup-P.target` that wants them all (SPEC §9), written so that systemd
//! runs each command exactly as devup would and keeps devup's readiness:
//! a dependent starts only once what it depends on answers its ping.
//!
//! Files: `escape.rs` (systemd's quoting), `unit_file.rs` (the layout),
//! `names.rs` (project and unit names), `daemon.rs`, `task.rs` and
//! `target.rs` (one kind of unit each), `files.rs` (writing, refusing to
//! overwrite what devup did not write).

mod daemon;
pub mod escape;
mod files;
mod names;
mod target;
mod task;
mod unit_file;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

pub use files::{WriteError, write_units};
pub use names::{check_project, project_name};
pub use task::{TaskDefinition, task_unit};
pub use unit_file::GENERATED_MARKER;

use crate::manifest::Manifest;
use crate::plan::Plan;

/// What every unit of one export shares.
#[derive(Debug, Clone)]
pub struct Context {
    /// P of `devup-P-NAME.service` (already reduced to `[a-z0-9-]`).
    pub project: String,
    /// Units for `systemctl --user`.
    pub user: bool,
    /// The manifest, absolute.
    pub manifest: PathBuf,
    /// The devup binary that `ExecStartPost=` runs `wait` with, absolute.
    pub devup: PathBuf,
    /// The variables the manifest's `${VAR}` interpolation looked up at
    /// export time, with their values (`None`: unset): `devup wait` under
    /// systemd must load the manifest as it was exported, whatever the
    /// unit's own environment holds.
    pub interpolated: BTreeMap<String, Option<String>>,
    /// `PATH` at export time: devup's daemons inherit devup's environment,
    /// systemd's get its own minimal one, so each unit sets this one
    /// (unless the manifest's `env` sets `PATH`).
    pub path: Option<String>,
}

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// The file name: `devup-P-NAME.service`, `devup-P.target`.
    pub file_name: String,
    /// Its text.
    pub text: String,
}

/// The units of an export and what could not be expressed in them.
#[derive(Debug, Clone, Default)]
pub struct Export {
    /// The files, services first (in start order), the target last.
    pub units: Vec<Unit>,
    /// One line per manifest setting systemd cannot express
    /// (`web: fail_when_log ...`); each is also a comment in its unit.
    pub warnings: Vec<String>,
}

/// A manifest value that cannot be written into a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportError {
    /// The daemon or task.
    pub name: String,
    /// The manifest key.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}`, key `{}`: cannot be exported to systemd: {}",
            self.name, self.key, self.message
        )
    }
}

impl std::error::Error for ExportError {}

/// The units for `names` and what they depend on (all daemons when
/// empty), in start order, and the target; an unknown name or a value that
/// cannot be written fails the whole export.
pub fn export(
    manifest: &Manifest,
    plan: &Plan,
    names: &[String],
    context: &Context,
) -> Result<Export, ExportFailure> {
    let set = plan.up_set(names).map_err(ExportFailure::Manifest)?;
    let mut export = Export::default();
    let mut services = Vec::new();
    for name in plan.start_order(&set) {
        let unit = if let Some(entry) = manifest.daemon(&name) {
            let (unit, warnings) =
                daemon::daemon_unit(entry, context).map_err(ExportFailure::Value)?;
            export.warnings.extend(warnings);
            unit
        } else if let Some(entry) = manifest.task(&name) {
            let task = TaskDefinition::of(entry);
            if task.has_inputs {
                export
                    .warnings
                    .push(format!("{}: {}", task.name, task::INPUTS_LOST));
            }
            task_unit(&task, context).map_err(ExportFailure::Value)?
        } else {
            continue;
        };
        services.push(unit.file_name.clone());
        export.units.push(unit);
    }
    export.units.push(target::target_unit(&services, context));
    Ok(export)
}

/// Why an export failed before anything was written.
#[derive(Debug)]
pub enum ExportFailure {
    /// An unknown name.
    Manifest(crate::manifest::ManifestError),
    /// A value that cannot be written.
    Value(ExportError),
}

/// `30s`, `1500ms`: a duration as systemd reads it.
pub(crate) fn seconds(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{}ms", duration.as_millis())
    }
}

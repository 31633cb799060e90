//! The `daemons.yaml` file: discovery (`-f`, `$DEVUP_FILE`, the nearest
//! `daemons.yaml`/`daemons.yml`), parsing with positions, `${VAR}`
//! interpolation, `defaults:` and `env:` merging, and validation. A loaded
//! [`Manifest`] is valid: every daemon has a start command, every dependency
//! exists, there is no cycle. Each daemon is resolved once into the
//! controller's [`crate::controller::DaemonSpec`] (called [`DaemonEntry`]
//! here), which makes its [`crate::DaemonControllerBuilder`]; it never runs
//! anything.
//!
//! Files: `discover.rs` (which file), `raw/` (the serde types, also the
//! JSON Schema), `duration.rs`, `interpolate.rs`, `locate.rs` (positions)
//! with `yaml_key.rs` (YAML's rules for a line's key), `syntax.rs` (YAML
//! syntax errors), `validate/` (every problem at once),
//! `entry.rs` (a resolved daemon), `task_entry.rs` (a resolved task),
//! `shared_files.rs` (files two daemons must not share), `env_file.rs`
//! (`.env` and `env_file`, read with the controller's dotenv reader),
//! `error.rs` (the compiler-like rendering), `suggest.rs` (did you mean).

mod discover;
mod duration;
mod entry;
mod env_file;
mod interpolate;
mod locate;
mod raw;
mod shared_files;
pub(crate) mod suggest;
mod syntax;
mod task_entry;
mod validate;
mod yaml_key;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::controller::{DaemonControllerBuilder, DaemonSpec};
use crate::dependency_graph::DependencyGraph;

pub use crate::error::{ManifestError, Problem};
// The manifest's error type lives in `crate::error::manifest`; `super::error`
// keeps naming it for the files of this module.
use crate::error::manifest as error;
pub use discover::FILE_NAMES;
pub use duration::parse as parse_duration;
pub use entry::DaemonEntry;
pub use interpolate::interpolate;
pub use task_entry::{DEFAULT_TASK_TIMEOUT, TaskEntry};

/// A loaded, valid manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The manifest file, absolute.
    pub path: PathBuf,
    /// Its directory, against which relative paths resolve.
    pub dir: PathBuf,
    /// The daemons, in the file's order.
    pub daemons: Vec<DaemonEntry>,
    /// The tasks (SPEC §2 "Tasks"), in the file's order.
    pub tasks: Vec<TaskEntry>,
    /// The dependency graph validation built and checked, once: what
    /// `Manifest::plan` (in `plan.rs`, the layer above) hands out.
    dependencies: Arc<DependencyGraph>,
}

impl Manifest {
    /// Finds the manifest: `explicit` (`-f`), else `$DEVUP_FILE`, else the
    /// first `daemons.yaml` or `daemons.yml` in `cwd` or any parent.
    pub fn discover(explicit: Option<&Path>, cwd: &Path) -> Result<PathBuf, ManifestError> {
        let devup_file = std::env::var_os("DEVUP_FILE");
        discover::discover(explicit, devup_file.as_deref(), cwd)
    }

    /// [`Manifest::discover`] with the value of `$DEVUP_FILE` given, not read
    /// from the process environment.
    pub fn discover_with(
        explicit: Option<&Path>,
        devup_file: Option<&std::ffi::OsStr>,
        cwd: &Path,
    ) -> Result<PathBuf, ManifestError> {
        discover::discover(explicit, devup_file, cwd)
    }

    /// Reads, parses, interpolates and validates the manifest at `path`.
    pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
        let text = read(path)?;
        Manifest::parse(&text, path)
    }

    /// [`Manifest::load`] with `${VAR}` taken from `env`, not from the
    /// process environment.
    pub fn load_with_env(
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Manifest, ManifestError> {
        let text = read(path)?;
        Manifest::parse_with_env(&text, path, env)
    }

    /// The same from text already read (`path` is used for messages and to
    /// resolve relative paths).
    pub fn parse(text: &str, path: &Path) -> Result<Manifest, ManifestError> {
        Manifest::parse_with_env(text, path, &|name| std::env::var(name).ok())
    }

    /// [`Manifest::parse`] with `${VAR}` taken from `env`. Messages name the
    /// file as `path` is given; [`Manifest::path`] is made absolute.
    pub fn parse_with_env(
        text: &str,
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Manifest, ManifestError> {
        let error = |problems| ManifestError {
            path: path.to_path_buf(),
            problems,
        };
        // A byte order mark may open a YAML stream, but serde_yaml counts it
        // as a column of the first line, and a block mapping that starts
        // there then ends at the next line ("more than one document").
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let positions = locate::Positions::scan(text);
        let mut value: serde_yaml::Value = serde_yaml::from_str(text)
            .map_err(|e| error(vec![syntax::problem(&e, text, &positions)]))?;
        // `<<: *anchor` merge keys, so a daemon can reuse another's keys.
        value
            .apply_merge()
            .map_err(|e| error(vec![syntax::problem(&e, text, &positions)]))?;
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|e| {
                    error(vec![Problem::new(format!(
                        "cannot read the current directory: {e}"
                    ))])
                })?
                .join(path)
        };
        let dir = absolute
            .parent()
            .map_or_else(|| PathBuf::from("/"), Path::to_path_buf);
        // `.env` supplies `${VAR}` values; devup's own environment wins.
        let dotenv = env_file::dotenv_file(&dir)?;
        let env = |name: &str| env(name).or_else(|| dotenv.get(name).cloned());
        let (raw, dependencies) = validate::validate(value, &positions, &env)
            .map_err(|problems| error(problems.into_iter().map(|p| place(p, text)).collect()))?;
        let env_files = env_file::load(&raw, &dir, path, &positions)?;
        let mut raw = raw;
        let tasks = task_entry::resolve(
            raw.tasks.take().unwrap_or_default(),
            raw.env.as_ref().unwrap_or(&Default::default()),
            &env_files,
            &dir,
        );
        let daemons = entry::resolve(raw, &dir, &env_files);
        let shared = shared_files::check(&daemons, &positions, &dir);
        if !shared.is_empty() {
            return Err(error(shared));
        }
        Ok(Manifest {
            tasks,
            daemons,
            path: absolute,
            dir,
            dependencies: Arc::new(dependencies),
        })
    }

    /// The checked dependency graph, for the plan.
    pub(crate) fn dependencies(&self) -> &Arc<DependencyGraph> {
        &self.dependencies
    }

    /// The daemon called `name`.
    pub fn daemon(&self, name: &str) -> Option<&DaemonEntry> {
        self.daemons.iter().find(|daemon| daemon.name == name)
    }

    /// The task called `name`.
    pub fn task(&self, name: &str) -> Option<&TaskEntry> {
        self.tasks.iter().find(|task| task.name == name)
    }

    /// A builder for the daemon's controller with every key of the manifest
    /// applied and every path resolved against the manifest's directory; the
    /// caller adds an observer and an abort signal, then builds.
    pub fn controller_builder(&self, name: &str) -> Option<DaemonControllerBuilder> {
        self.daemon(name).map(DaemonSpec::controller_builder)
    }
}

/// The JSON Schema of the manifest (draft 7, which editors' YAML support
/// understands), pretty-printed, ending with a newline: what
/// `schema/daemons.schema.json` holds and `devup schema` prints.
pub fn json_schema() -> String {
    let schema = schemars::generate::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<raw::RawManifest>();
    let mut value = schema.to_value();
    tidy(&mut value);
    let mut text = serde_json::to_string_pretty(&value).expect("a schema is always JSON");
    text.push('\n');
    text
}

/// Every key of the manifest is optional but none may be `null`: schemars
/// describes an `Option` field as "this or null" with a `null` default, so
/// those are taken out again (a `$ref` stays wrapped in `allOf`, since
/// draft 7 ignores the siblings of a `$ref`, such as its description).
fn tidy(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(object) => {
            if object.get("default") == Some(&Value::Null) {
                object.remove("default");
            }
            if let Some(Value::Array(types)) = object.get_mut("type") {
                types.retain(|kind| kind != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    object.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(any_of)) = object.get("anyOf") {
                let null = serde_json::json!({ "type": "null" });
                let rest: Vec<Value> = any_of.iter().filter(|s| **s != null).cloned().collect();
                if rest.len() == 1 && any_of.len() == 2 {
                    object.remove("anyOf");
                    object.insert("allOf".into(), Value::Array(rest));
                }
            }
            object.values_mut().for_each(tidy);
        }
        Value::Array(items) => items.iter_mut().for_each(tidy),
        _ => {}
    }
}

/// A last resort for a top-level problem the position scan could not
/// place (a key that came from a `<<:` merge, one written with escapes or
/// as a complex `?` key): the line where that key is written, else the
/// first top-level `<<`, else the first top-level line that is not a known
/// key.
fn place(mut problem: Problem, text: &str) -> Problem {
    if problem.line.is_some()
        || problem.daemon.is_some()
        || problem.task.is_some()
        || problem.key.is_some()
    {
        return problem;
    }
    // The key may hold backticks itself: it ends where the fixed words
    // after it start (the known keys hold no backtick).
    let key = problem
        .message
        .strip_prefix("unknown key `")
        .and_then(|rest| {
            rest.rfind("`; expected one of ")
                .or_else(|| rest.rfind("`, did you mean `"))
                .map(|end| &rest[..end])
        })
        .filter(|key| !key.is_empty())
        .map(str::to_string);
    let written = |line: &str| {
        key.as_deref().is_some_and(|key| {
            line.starts_with(key) && line[key.len()..].trim_start().starts_with(':')
        })
    };
    let unknown = |line: &str| {
        // A top-level mapping may be indented as a whole: any indentation.
        let line = line.trim_start();
        let known = ["version", "env", "defaults", "daemons"]
            .iter()
            .any(|known| line.starts_with(known));
        !known
            && !yaml_key::document_marker(line)
            && !line.is_empty()
            && !line.starts_with(['#', '%'])
    };
    let lines = yaml_key::yaml_lines(text);
    let found = lines
        .iter()
        .position(|line| written(line))
        .or_else(|| lines.iter().position(|line| line.starts_with("<<")))
        .or_else(|| lines.iter().position(|line| unknown(line)));
    if let Some(index) = found {
        problem.line = Some(index + 1);
        problem.column = Some(1);
    }
    problem
}

fn read(path: &Path) -> Result<String, ManifestError> {
    let bytes = std::fs::read(path).map_err(|e| read_error(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        // Where the first byte that is not UTF-8 is, 1-based, in characters.
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let valid = std::str::from_utf8(valid).unwrap_or_default();
        let line_start = valid.rfind('\n').map_or(0, |i| i + 1);
        let mut problem = Problem::new(format!(
            "cannot read the manifest: not UTF-8 text (byte 0x{:02x})",
            e.as_bytes()[valid.len()]
        ));
        problem.line = Some(valid.matches('\n').count() + 1);
        problem.column = Some(valid[line_start..].chars().count() + 1);
        ManifestError::one(path, problem)
    })
}

fn read_error(path: &Path, e: std::io::Error) -> ManifestError {
    {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            std::io::ErrorKind::IsADirectory => "it is a directory".to_string(),
            _ => e.to_string(),
        };
        ManifestError::one(
            path,
            Problem::new(format!("cannot read the manifest: {reason}")),
        )
    }
}

//! What the state directory (`.devup/state/` under the manifest's
//! directory) says devup started from this manifest, read without the
//! manifest: the daemons recorded there that still run, the definition each
//! was started with, and its stop recipe. From it come the changed daemons
//! (SPEC §6), the orphans (recorded, running, no longer in the manifest),
//! and the controllers that stop a daemon as it was started.

use std::path::{Path, PathBuf};

use super::{RunEvent, SharedReporter};
use crate::controller::{AbortSignal, DaemonController, Fingerprint, Recorded, StopRecipe};
use crate::error::Error;
use crate::manifest::Manifest;

/// The state directory of the manifest in `dir`.
pub fn state_dir(dir: &Path) -> PathBuf {
    dir.join(".devup").join("state")
}

/// The state file of the daemon `name` of the manifest in `dir`.
pub fn state_file(dir: &Path, name: &str) -> PathBuf {
    state_dir(dir).join(format!("{name}.state"))
}

/// A recorded daemon that runs.
#[derive(Debug, Clone)]
pub struct Live {
    /// What its state file says.
    pub record: Recorded,
    /// Its pid, checked as a stop would check it.
    pub pid: u32,
}

/// A state file that cannot be trusted: it is never used to send a signal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untrusted {
    /// The state file.
    pub path: PathBuf,
    /// Why.
    pub reason: String,
}

/// Every daemon recorded in the state directory of the manifest in `dir`
/// that runs and has a stop recipe, in the recorded start order (the
/// earliest ready first), and the state files that cannot be trusted.
pub fn live(dir: &Path) -> (Vec<Live>, Vec<Untrusted>) {
    let (records, untrusted) = scan(dir);
    (running(records), untrusted)
}

/// Those of `records` whose daemon runs, in the recorded start order.
pub fn running(records: Vec<Recorded>) -> Vec<Live> {
    let mut live: Vec<Live> = records
        .into_iter()
        .filter_map(|record| {
            let pid = running_pid(&record)?;
            Some(Live { record, pid })
        })
        .collect();
    live.sort_by_key(|daemon| daemon.record.ready_at_ms);
    live
}

/// Every record of the state directory of the manifest in `dir`, running
/// or not (no process is looked at), and the state files that cannot be
/// trusted.
pub fn scan(dir: &Path) -> (Vec<Recorded>, Vec<Untrusted>) {
    let mut records = Vec::new();
    let mut untrusted = Vec::new();
    let Ok(entries) = std::fs::read_dir(state_dir(dir)) else {
        return (records, untrusted);
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "state"))
        .collect();
    paths.sort();
    for path in paths {
        let Some(name) = path.file_stem().and_then(|stem| stem.to_str()) else {
            continue;
        };
        match Recorded::read(name, &path) {
            Ok(Some(record)) => records.push(record),
            Ok(None) => {}
            Err(reason) => untrusted.push(Untrusted { path, reason }),
        }
    }
    (records, untrusted)
}

/// The pid of the recorded daemon when it runs, by its recorded pid file
/// and identity.
fn running_pid(record: &Recorded) -> Option<u32> {
    record.controller_builder()?.build().ok()?.pid()
}

/// The keys of `name`'s definition that changed since it was started:
/// `None` when it does not run as recorded, has no recorded definition or
/// one of another version (then it is left alone), or nothing changed.
pub fn changed_keys(manifest: &Manifest, name: &str) -> Option<Vec<String>> {
    let entry = manifest.daemon(name)?;
    let record = Recorded::read(name, &entry.state_file).ok()??;
    record.definition.as_ref()?;
    running_pid(&record)?;
    differs(manifest, &record)
}

/// [`changed_keys`] for a daemon of `records` (a scan of the state
/// directory), with its pid: the definitions are compared first, so that
/// only a daemon that changed is looked at as a process.
pub fn changed_keys_of(
    manifest: &Manifest,
    records: &[Recorded],
    name: &str,
) -> Option<(Vec<String>, u32)> {
    let record = records.iter().find(|record| record.name == name)?;
    let keys = differs(manifest, record)?;
    Some((keys, running_pid(record)?))
}

/// The keys in which `record`'s definition differs from the manifest's.
fn differs(manifest: &Manifest, record: &Recorded) -> Option<Vec<String>> {
    let recorded = record.definition.as_ref()?;
    let entry = manifest.daemon(&record.name)?;
    let now = Fingerprint::with_cache(entry, Some(recorded));
    let keys = recorded.changed_keys(&now)?;
    (!keys.is_empty()).then_some(keys)
}

/// The orphans of `manifest`: recorded daemons that run and whose names
/// are no longer in it.
pub fn orphans(manifest: &Manifest) -> Vec<Live> {
    orphans_of(manifest, &scan(&manifest.dir).0)
}

/// The orphans among `records` (a scan of the state directory).
pub fn orphans_of(manifest: &Manifest, records: &[Recorded]) -> Vec<Live> {
    running(
        records
            .iter()
            .filter(|record| manifest.daemon(&record.name).is_none())
            .cloned()
            .collect(),
    )
}

/// The controller that stops `name`: the recorded recipe when the
/// recorded daemon runs (it may have been started from another version of
/// the manifest: another `pid_file`, `stop` or environment), else the
/// manifest's (when it has `name`), else the recorded one. `scanned` is
/// the record as a scan of the state directory for this run found it;
/// `None` reads it now (from its copy too, when the state file is gone).
pub(crate) fn stop_controller(
    dir: &Path,
    manifest: Option<&Manifest>,
    scanned: Option<&Recorded>,
    name: &str,
    reporter: &SharedReporter,
    abort: &AbortSignal,
) -> Result<DaemonController, Error> {
    let record = match scanned {
        Some(record) => Some(record.clone()),
        None => Recorded::read(name, &state_file(dir, name)).ok().flatten(),
    };
    // The manifest's daemon stops as the record says when its recipe is the
    // recorded one (a daemon started from this definition): then which of
    // the two runs needs no look at the process first. (A manifest's
    // controller that cannot be built is chosen below only when the
    // recorded daemon does not run.)
    if let Some(manifest) = manifest
        && manifest.daemon(name).is_some()
        && let Ok(controller) = super::controller(manifest, name, reporter, abort)
    {
        let same_recipe = record.as_ref().is_none_or(|record| {
            record.state_file == controller.spec().state_file
                && record
                    .recipe
                    .as_ref()
                    .is_none_or(|recipe| *recipe == StopRecipe::of(controller.spec()))
        });
        if same_recipe {
            return Ok(controller);
        }
    }
    let recorded = record
        .as_ref()
        .and_then(Recorded::controller_builder)
        .and_then(|builder| builder.build().ok());
    let builder = match (recorded, manifest) {
        (Some(recorded), _) if recorded.is_running() => record
            .as_ref()
            .and_then(Recorded::controller_builder)
            .expect("built once already"),
        (_, Some(manifest)) if manifest.daemon(name).is_some() => {
            return super::controller(manifest, name, reporter, abort);
        }
        _ => match record.as_ref().and_then(Recorded::controller_builder) {
            Some(builder) => builder,
            None => {
                return Err(Error::Config {
                    daemon: name.to_string(),
                    key: "daemons",
                    reason: format!(
                        "no daemon `{name}` in the manifest, and no record of one in {}",
                        state_dir(dir).display()
                    ),
                });
            }
        },
    };
    let reporter = std::sync::Arc::clone(reporter);
    let daemon = name.to_string();
    builder
        .observer(move |event| {
            reporter.report(&RunEvent::Controller {
                daemon: &daemon,
                event,
            })
        })
        .abort_signal(abort.clone())
        .build()
}

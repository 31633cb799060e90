//! `up`, `down` and `restart`: take over the signals, load the manifest,
//! run, and turn the report into an exit code.

use super::{CliError, Config, install_signals};
use crate::controller::AbortSignal;
use crate::exit_code;
use crate::manifest::{Manifest, ManifestError};
use crate::plan::Plan;
use crate::run::{self, SharedReporter};
use crate::signals::Signals;

/// `devup [up] [NAME...]`: converging first (SPEC §6).
pub fn up(config: &Config, names: &[String]) -> Result<u8, CliError> {
    let signals = install_signals()?;
    let project = config.load()?;
    let options = run::ConvergeOptions {
        no_restart: config.no_restart,
        remove_orphans: config.remove_orphans,
    };
    let report = run::up_converging(
        &project.plan,
        &project.manifest,
        names,
        options,
        &config.reporter(),
        &signals.abort_signal(),
    )?;
    Ok(exit(&signals, report.success()))
}

/// `devup down [NAME...]`, `devdown [NAME...]`. Without names, a manifest
/// that cannot be loaded does not stop the stop: what devup recorded as
/// started from the manifest's directory is stopped as recorded, and the
/// manifest's error is shown as a warning (SPEC §6).
pub fn down(config: &Config, names: &[String]) -> Result<u8, CliError> {
    let signals = install_signals()?;
    let reporter = config.reporter();
    // The state directory is read while the manifest loads: for a project
    // of 400 daemons each takes milliseconds before the first stop begins.
    let manifest_dir = config
        .discover()
        .ok()
        .and_then(|path| Some(path.parent()?.to_path_buf()));
    std::thread::scope(|scope| {
        let scan = manifest_dir.map(|dir| {
            let scanning = dir.clone();
            let scan = std::thread::Builder::new()
                .name("devup-scan".into())
                .spawn_scoped(scope, move || run::recorded::scan(&scanning).0);
            (dir, scan)
        });
        down_loaded(config, names, &signals, &reporter, scan)
    })
}

/// [`down`] once the scan of the state directory is under way (`scan`:
/// the directory it reads and the thread reading it, if one could start).
fn down_loaded(
    config: &Config,
    names: &[String],
    signals: &Signals,
    reporter: &SharedReporter,
    scan: Option<(
        std::path::PathBuf,
        std::io::Result<std::thread::ScopedJoinHandle<'_, Vec<crate::controller::Recorded>>>,
    )>,
) -> Result<u8, CliError> {
    let project = match config.load() {
        Ok(project) => project,
        Err(CliError::Manifest(error)) if names.is_empty() => {
            let path = config.discover()?;
            let dir = path.parent().unwrap_or(std::path::Path::new("/"));
            let message = format!(
                "the manifest cannot be loaded; stopping what devup started from {} as recorded\n{error}",
                dir.display()
            );
            reporter.report(&run::RunEvent::Warning { message: &message });
            let report = run::down_recorded(dir, &path, reporter, &signals.abort_signal());
            return Ok(exit(signals, report.success()));
        }
        Err(error) => return Err(error),
    };
    // Only a scan of the directory the manifest loaded from is its own.
    let records = scan.and_then(|(dir, scan)| {
        let records = scan.ok()?.join().ok()?;
        (dir == project.manifest.dir).then_some(records)
    });
    let report = run::down_with_records(
        &project.plan,
        &project.manifest,
        names,
        config.remove_orphans,
        records,
        reporter,
        &signals.abort_signal(),
    )?;
    Ok(exit(signals, report.success()))
}

/// `devup restart [NAME...]`.
pub fn restart(config: &Config, names: &[String]) -> Result<u8, CliError> {
    lifecycle(config, names, run::restart, run::RestartReport::success)
}

/// `run::up`, `run::down` or `run::restart`, reporting `R`.
type Run<R> =
    fn(&Plan, &Manifest, &[String], &SharedReporter, &AbortSignal) -> Result<R, ManifestError>;

/// One of the runs over `names`, the same way for each: signals taken
/// over first, then the manifest loaded, then `run`, whose report
/// `success` judges.
fn lifecycle<R>(
    config: &Config,
    names: &[String],
    run: Run<R>,
    success: fn(&R) -> bool,
) -> Result<u8, CliError> {
    let signals = install_signals()?;
    let project = config.load()?;
    let report = run(
        &project.plan,
        &project.manifest,
        names,
        &config.reporter(),
        &signals.abort_signal(),
    )?;
    Ok(exit(&signals, success(&report)))
}

/// 128 + the signal when one interrupted the run, else 0 or 1.
fn exit(signals: &Signals, success: bool) -> u8 {
    match signals.received() {
        Some(signal) => exit_code::from_signal(signal),
        None if success => exit_code::SUCCESS,
        None => exit_code::FAILURE,
    }
}

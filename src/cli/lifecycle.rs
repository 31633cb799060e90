//! `up`, `down` and `restart`: take over the signals, load the manifest,
//! run, and turn the report into an exit code.

use super::{CliError, Config, install_signals};
use crate::controller::AbortSignal;
use crate::exit_code;
use crate::manifest::{Manifest, ManifestError};
use crate::plan::Plan;
use crate::run::{self, SharedReporter};
use crate::signals::Signals;

/// `devup [up] [NAME...]`.
pub fn up(config: &Config, names: &[String]) -> Result<u8, CliError> {
    lifecycle(config, names, run::up, run::UpReport::success)
}

/// `devup down [NAME...]`, `devdown [NAME...]`.
pub fn down(config: &Config, names: &[String]) -> Result<u8, CliError> {
    lifecycle(config, names, run::down, run::DownReport::success)
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

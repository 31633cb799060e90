//! `up`, `down` and `restart`: take over the signals, load the manifest,
//! run, and turn the report into an exit code.

use super::{CliError, Config, install_signals};
use crate::exit_code;
use crate::run;
use crate::signals::Signals;

/// `devup [up] [NAME...]`.
pub fn up(config: &Config, names: &[String]) -> Result<u8, CliError> {
    let signals = install_signals()?;
    let project = config.load()?;
    let report = run::up(
        &project.plan,
        &project.manifest,
        names,
        &config.reporter(),
        &signals.abort_signal(),
    )?;
    Ok(exit(&signals, report.success()))
}

/// `devup down [NAME...]`, `devdown [NAME...]`.
pub fn down(config: &Config, names: &[String]) -> Result<u8, CliError> {
    let signals = install_signals()?;
    let project = config.load()?;
    let report = run::down(
        &project.plan,
        &project.manifest,
        names,
        &config.reporter(),
        &signals.abort_signal(),
    )?;
    Ok(exit(&signals, report.success()))
}

/// `devup restart [NAME...]`.
pub fn restart(config: &Config, names: &[String]) -> Result<u8, CliError> {
    let signals = install_signals()?;
    let project = config.load()?;
    let report = run::restart(
        &project.plan,
        &project.manifest,
        names,
        &config.reporter(),
        &signals.abort_signal(),
    )?;
    Ok(exit(&signals, report.success()))
}

/// 128 + the signal when one interrupted the run, else 0 or 1.
fn exit(signals: &Signals, success: bool) -> u8 {
    match signals.received() {
        Some(signal) => exit_code::from_signal(signal),
        None if success => exit_code::SUCCESS,
        None => exit_code::FAILURE,
    }
}

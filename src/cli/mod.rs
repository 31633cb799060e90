//! The `devup` and `devdown` command lines, in layers: clap definitions
//! (`args.rs`) → the validated configuration (`config.rs`) → an
//! `enum Command` that executes (`command.rs`), with one file per command
//! that needs more than a few lines. The binaries call [`devup`] or
//! [`devdown`] and turn an error into an exit code, once.

mod args;
mod candidates;
mod command;
mod complete;
mod config;
mod error;
mod exec;
mod export;
mod inspect;
mod lifecycle;
mod log_file;
mod logs;
mod man;
mod status;
mod suggest;
mod tail;
mod wait;

use std::ffi::OsString;

use clap::Parser;

pub use args::{CommandArgs, CommonArgs, DevdownArgs, DevupArgs, ExportArgs, JsonArgs};
pub use command::Command;
pub use config::{Config, Project};
pub use error::CliError;

use crate::exit_code;
use crate::signals::Signals;

/// Runs `devup` with `args` (the program name first); returns the exit code.
pub fn devup<I, T>(args: I) -> Result<u8, CliError>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    if complete::answer(&args, false)? {
        return Ok(exit_code::SUCCESS);
    }
    let args = DevupArgs::try_parse_from(&args).map_err(|error| suggest::exec_tip(error, &args))?;
    let mistaken = suggest::Mistaken::of(&args);
    let (command, config) = Command::from_devup(args);
    command.execute(&config).map_err(|error| match &mistaken {
        Some(mistaken) => mistaken.explain(error),
        None => error,
    })
}

/// Runs `devdown` with `args` (the program name first); returns the exit code.
pub fn devdown<I, T>(args: I) -> Result<u8, CliError>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    if complete::answer(&args, true)? {
        return Ok(exit_code::SUCCESS);
    }
    let (command, config) = Command::from_devdown(DevdownArgs::try_parse_from(args)?);
    command.execute(&config)
}

/// Takes over SIGINT/SIGTERM/SIGHUP for a long-running command. Called on
/// the main thread before any other thread exists.
fn install_signals() -> Result<Signals, CliError> {
    Signals::install().map_err(|source| CliError::Io {
        action: "installing the signal handling".into(),
        source,
    })
}

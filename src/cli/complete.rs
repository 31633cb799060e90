//! Shell completion that knows the project: `devup completions SHELL`
//! prints a small registration script, and at each TAB the shell asks
//! devup itself what to offer (`COMPLETE=SHELL devup -- WORDS...`,
//! clap_complete's dynamic completion), so `devup logs <TAB>` offers the
//! names in the manifest that devup would use from the current directory
//! (`$DEVUP_FILE`, else the nearest daemons.yaml; a `-f` on the command
//! line being completed is not seen). The names themselves come from
//! `candidates.rs`, which the clap definitions name.

use std::ffi::OsString;
use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;
use clap_complete::env::{Bash, CompleteEnv, Elvish, EnvCompleter, Fish, Powershell, Zsh};

use super::CliError;
use super::args::{DevdownArgs, DevupArgs};

/// The environment variable that turns a run into a completion request.
const VAR: &str = "COMPLETE";

/// Answers a completion request when this run is one (`$COMPLETE` set);
/// `true` when it was.
pub(super) fn answer(args: &[OsString], devdown: bool) -> Result<bool, CliError> {
    let cwd = std::env::current_dir().ok();
    let answered = if devdown {
        CompleteEnv::with_factory(DevdownArgs::command)
            .try_complete(args.iter().cloned(), cwd.as_deref())
    } else {
        CompleteEnv::with_factory(DevupArgs::command)
            .try_complete(args.iter().cloned(), cwd.as_deref())
    };
    Ok(answered?)
}

/// The registration script of `shell` for `devup` and `devdown`.
pub(super) fn script(shell: Shell) -> Result<String, CliError> {
    let completer: &dyn EnvCompleter = match shell {
        Shell::Bash => &Bash,
        Shell::Zsh => &Zsh,
        Shell::Fish => &Fish,
        Shell::Elvish => &Elvish,
        Shell::PowerShell => &Powershell,
        other => {
            return Err(CliError::Invalid(format!(
                "no completion for {other} (try bash, zsh, fish, elvish or powershell)"
            )));
        }
    };
    let mut out = Vec::new();
    for program in ["devup", "devdown"] {
        completer
            .write_registration(VAR, program, program, program, &mut out)
            .and_then(|()| out.flush())
            .map_err(|source| CliError::Io {
                action: "writing the completion script".into(),
                source,
            })?;
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

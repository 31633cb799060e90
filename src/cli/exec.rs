//! `devup exec [NAME...] -- CMD [ARG...]`: up, run CMD with the terminal's
//! stdio, then stop exactly the daemons this call started (those running
//! before are left alone), whatever happens: CMD fails, CMD is killed,
//! devup is interrupted. Exit: CMD's code, 128 + the signal when CMD died
//! by one or devup itself was interrupted, 1 when up failed (CMD not run),
//! 127/126 when CMD could not be run at all.

use std::io;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::Command;

use super::{CliError, Config, install_signals};
use crate::controller::AbortSignal;
use crate::exit_code;
use crate::run;
use crate::signals::Signals;

/// Runs `command` with `names` (all when empty) up.
pub fn run(config: &Config, names: &[String], command: &[String]) -> Result<u8, CliError> {
    let signals = install_signals()?;
    let project = config.load()?;
    let reporter = config.reporter();
    let report = run::up(
        &project.plan,
        &project.manifest,
        names,
        &reporter,
        &signals.abort_signal(),
    )?;
    let started = report.started();
    let cleanup = || {
        if !started.is_empty() {
            // A fresh abort signal: the cleanup must happen even after
            // devup itself was interrupted.
            run::stop_exactly(
                &project.plan,
                &project.manifest,
                &started,
                &reporter,
                &AbortSignal::new(),
            );
        }
    };
    if let Some(signal) = signals.received() {
        cleanup();
        return Ok(exit_code::from_signal(signal));
    }
    if !report.success() {
        cleanup();
        return Ok(exit_code::FAILURE);
    }
    let code = run_command(command, &signals);
    cleanup();
    // An interrupted devup exits 128 + the signal, like every command, even
    // when CMD handled the forwarded signal and exited 0.
    Ok(signals.received().map_or(code, exit_code::from_signal))
}

/// Runs CMD, forwarding devup's signals to it, and returns the exit code
/// devup should end with.
fn run_command(command: &[String], signals: &Signals) -> u8 {
    let (program, args) = command
        .split_first()
        .expect("clap requires a command after `--`");
    let mut command = Command::new(program);
    command.args(args);
    // devup blocks SIGINT/SIGTERM/SIGHUP (see `signals.rs`) and a blocked
    // mask survives exec; std does not reset it, so CMD would ignore Ctrl-C.
    // SAFETY: the closure runs in the child between fork and exec and only
    // calls sigprocmask, which is async-signal-safe; it touches no memory
    // shared with the parent and allocates nothing.
    unsafe {
        command.pre_exec(|| {
            nix::sys::signal::sigprocmask(
                nix::sys::signal::SigmaskHow::SIG_SETMASK,
                Some(&nix::sys::signal::SigSet::empty()),
                None,
            )
            .map_err(io::Error::from)
        });
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => {
            eprintln!("error: could not run `{program}`: {error}");
            return if error.kind() == io::ErrorKind::NotFound {
                127
            } else {
                126
            };
        }
    };
    signals.forward_to(Some(child.id()));
    // A signal that came between the check before `up` returned and the
    // line above was not forwarded: forward it now.
    if let Some(Ok(signal)) = signals.received().map(nix::sys::signal::Signal::try_from) {
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        let _ = nix::sys::signal::kill(pid, signal);
    }
    let status = child.wait();
    signals.forward_to(None);
    match status {
        Ok(status) => match (status.code(), status.signal()) {
            (Some(code), _) => u8::try_from(code).unwrap_or(exit_code::FAILURE),
            (None, Some(signal)) => exit_code::from_signal(signal),
            (None, None) => exit_code::FAILURE,
        },
        Err(error) => {
            eprintln!("error: waiting for `{program}`: {error}");
            exit_code::FAILURE
        }
    }
}

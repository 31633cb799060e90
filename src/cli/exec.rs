//! `devup exec [NAME...] -- CMD [ARG...]`: up, holding a lease on each
//! daemon of the set (SPEC §7), run CMD with the terminal's stdio, then end
//! the leases, stopping the ephemeral daemons nobody else holds a lease on
//! (persistent ones are left alone; with `DEVUP_KEEP=1`, all are), whatever
//! happens: CMD fails, CMD is killed, devup is interrupted. Exit: CMD's
//! code, 128 + the signal when CMD died by one or devup itself was
//! interrupted, 1 when up failed (CMD not run), 127/126 when CMD could not
//! be run at all.
//!
//! Signals reach CMD once: when devup is the terminal's foreground process
//! group, CMD stays in it (so it can read the terminal) and gets the
//! terminal's signals, and those a process sends to the whole group, from
//! the kernel, devup forwarding only those sent to devup alone (told apart
//! by a sentinel in the group, `sys/sentinel.rs`); otherwise (CI, pipes, background) CMD gets a process group
//! of its own and devup forwards every signal, so one sent to devup's whole
//! group (a CI runner cancelling a job) is not delivered twice. CMD dies
//! with devup (`PR_SET_PDEATHSIG`): a SIGKILLed devup leaves no CMD behind.

use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::Command;

use super::{CliError, Config, Project, install_signals};
use crate::exit_code;
use crate::run::{self, Leases, SharedReporter};
use crate::signals::Signals;

/// Runs `command` with `names` (all when empty) up.
pub fn run(config: &Config, names: &[String], command: &[String]) -> Result<u8, CliError> {
    let signals = install_signals()?;
    let project = config.load()?;
    let reporter = config.reporter();
    let (report, leases) = run::up_leased(
        &project.plan,
        &project.manifest,
        names,
        &reporter,
        &signals.abort_signal(),
    )?;
    if let Some(signal) = signals.received() {
        release(&project, leases, &reporter);
        return Ok(exit_code::from_signal(signal));
    }
    if !report.success() {
        release(&project, leases, &reporter);
        return Ok(exit_code::FAILURE);
    }
    let code = run_command(command, &signals);
    release(&project, leases, &reporter);
    // An interrupted devup exits 128 + the signal, like every command, even
    // when CMD handled the forwarded signal and exited 0.
    Ok(signals.received().map_or(code, exit_code::from_signal))
}

/// Ends the leases, stopping what nobody else uses (never aborted: the
/// cleanup must happen even after devup itself was interrupted).
fn release(project: &Project, leases: Leases, reporter: &SharedReporter) {
    let keep = run::keep_from_env();
    if let Err(error) = run::release(&project.plan, &project.manifest, leases, keep, reporter) {
        eprintln!("error: {error}");
    }
}

/// Runs CMD, forwarding devup's signals to it, and returns the exit code
/// devup should end with.
fn run_command(command: &[String], signals: &Signals) -> u8 {
    let (program, args) = command
        .split_first()
        .expect("clap requires a command after `--`");
    let mut command = Command::new(program);
    command.args(args);
    let in_terminal_group = is_terminal_foreground();
    if !in_terminal_group {
        command.process_group(0);
    }
    let devup = std::process::id();
    // devup blocks SIGINT/SIGTERM/SIGHUP (see `signals.rs`) and a blocked
    // mask survives exec; std does not reset it, so CMD would ignore Ctrl-C.
    // CMD must not outlive a SIGKILLed devup (in a group of its own, a
    // kill of devup's group would miss it). The spawning thread waits for
    // CMD, so only devup's death fires the parent-death signal.
    crate::sys::child::unblock_signals_and_die_with_parent(&mut command, devup);
    let mut child = match signals.spawn_forwarded(&mut command, in_terminal_group) {
        Ok(child) => child,
        Err(error) => {
            signals.stop_forwarding();
            eprintln!("error: could not run `{program}`: {error}");
            return if error.kind() == io::ErrorKind::NotFound {
                127
            } else {
                126
            };
        }
    };
    let status = child.wait();
    signals.stop_forwarding();
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

/// True when devup's process group is the foreground group of its
/// controlling terminal (a person ran it in a shell): then the terminal's
/// signals (Ctrl-C) reach CMD directly, and CMD may read the terminal.
fn is_terminal_foreground() -> bool {
    let Ok(tty) = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOCTTY)
        .open("/dev/tty")
    else {
        return false;
    };
    nix::unistd::tcgetpgrp(&tty).is_ok_and(|group| group == nix::unistd::getpgrp())
}

//! What a child spawned with `std::process::Command` does between its fork
//! and its exec: only async-signal-safe calls, no allocation.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// Makes `command`'s child start with an empty signal mask (a blocked mask
/// survives exec, and std does not reset it) and die with SIGKILL when its
/// parent `parent` (this process) dies: PR_SET_PDEATHSIG, and a parent that
/// died before the prctl is seen through getppid.
pub(crate) fn unblock_signals_and_die_with_parent(command: &mut Command, parent: u32) {
    // SAFETY: the closure runs in the child between fork and exec and only
    // calls sigprocmask, prctl, getppid and raise, which are
    // async-signal-safe; it touches no memory shared with the parent and
    // allocates nothing.
    unsafe {
        command.pre_exec(move || {
            nix::sys::signal::sigprocmask(
                nix::sys::signal::SigmaskHow::SIG_SETMASK,
                Some(&nix::sys::signal::SigSet::empty()),
                None,
            )
            .map_err(io::Error::from)?;
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(io::Error::last_os_error());
            }
            if libc::getppid() as u32 != parent {
                libc::raise(libc::SIGKILL);
            }
            Ok(())
        });
    }
}

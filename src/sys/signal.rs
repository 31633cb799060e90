//! Sending signals by pid and process group, and waiting for one.

use nix::sys::signal::SigSet;

/// `kill(2)`: sends `signal` (0: only checks) to `pid`. The caller makes
/// sure `pid` names the one process it means: above 1, never -1 or 0.
pub(crate) fn kill(pid: i32, signal: libc::c_int) -> std::io::Result<()> {
    // SAFETY: kill takes two integers and touches no memory.
    if unsafe { libc::kill(pid, signal) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// `killpg(2)`: sends `signal` to every member of process group `pgid`
/// (0: only checks). The caller makes sure the group is the one it means
/// (above 1).
pub(crate) fn killpg(pgid: u32, signal: libc::c_int) -> std::io::Result<()> {
    // SAFETY: killpg takes two integers and touches no memory.
    if unsafe { libc::killpg(pgid as libc::pid_t, signal) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// `sigwaitinfo(2)`: waits until one of `set` (blocked in every thread) is
/// pending and takes it: its number and its `si_code` (`SI_KERNEL` for one
/// the terminal generated), or `None` when the wait was interrupted (a
/// stop/continue) and nothing was received.
pub(crate) fn wait_for(set: &SigSet) -> Option<(libc::c_int, libc::c_int)> {
    // SAFETY: siginfo_t is a plain C struct for which all-zero bytes are
    // a valid value; sigwaitinfo only writes into it.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid, initialised sigset_t and `info` a valid
    // out-pointer for the duration of the call.
    let signal = unsafe { libc::sigwaitinfo(set.as_ref(), &mut info) };
    (signal > 0).then_some((signal, info.si_code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    #[test]
    fn signal_0_checks_a_process_and_a_group_and_errs_for_none() {
        let mut child = Command::new("sleep")
            .arg("30")
            .process_group(0)
            .spawn()
            .unwrap();
        kill(child.id() as i32, 0).unwrap();
        killpg(child.id(), 0).unwrap();
        killpg(child.id(), libc::SIGKILL).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(libc::SIGKILL)
        );
        // Above pid_max: no such process or group (a reaped child's pid
        // could be reused already).
        let none = killpg(i32::MAX as u32, 0).unwrap_err();
        assert_eq!(none.raw_os_error(), Some(libc::ESRCH));
        let none = kill(i32::MAX, 0).unwrap_err();
        assert_eq!(none.raw_os_error(), Some(libc::ESRCH));
    }
}

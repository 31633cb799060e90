//! Processes by number: pidfds, the current ids, reaping a child.

use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// A pidfd of `pid` (`pidfd_open(2)`): a handle that names that process
/// for good, even after its pid is reused; `None` when it cannot be opened
/// (no such process, or a kernel before 5.3).
pub(crate) fn pidfd_open(pid: u32) -> Option<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: the kernel just gave us this fd; nobody else owns it.
    Some(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// Sends `signal` to the process `pidfd` names (`pidfd_send_signal(2)`).
pub(crate) fn pidfd_send_signal(pidfd: BorrowedFd<'_>, signal: libc::c_int) -> std::io::Result<()> {
    // SAFETY: the fd is a pidfd the caller holds; no siginfo, no flags.
    let result = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            signal,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// This process's id.
pub(crate) fn own_pid() -> libc::pid_t {
    // SAFETY: getpid has no preconditions.
    unsafe { libc::getpid() }
}

/// This process's effective user id.
pub(crate) fn effective_uid() -> u32 {
    // SAFETY: geteuid cannot fail and touches no memory.
    unsafe { libc::geteuid() }
}

/// Reaps the child `pid`, waiting for it, retried on EINTR; other errors
/// (no such child) end the wait.
/// Reaps the child `pid` if it has already ended, without waiting; true
/// when it was reaped (or is no child of ours to reap).
pub(crate) fn try_reap(pid: u32) -> bool {
    let mut status = 0;
    loop {
        // SAFETY: waitpid writes the status into the integer we own.
        match unsafe { libc::waitpid(pid as libc::pid_t, &mut status, libc::WNOHANG) } {
            0 => return false,
            -1 if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) => {}
            _ => return true,
        }
    }
}

pub(crate) fn reap(pid: u32) {
    let mut status = 0;
    // SAFETY: waitpid writes the status into the integer we own.
    while unsafe { libc::waitpid(pid as libc::pid_t, &mut status, 0) } < 0
        && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR)
    {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::poll::readable;
    use std::os::fd::AsFd;
    use std::process::Command;

    #[test]
    fn a_pidfd_signals_its_process_and_turns_readable_when_it_is_gone() {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        let pidfd = pidfd_open(child.id()).expect("pidfd_open on a live child");
        assert_eq!(readable(&[pidfd.as_raw_fd()], 0), 0);
        pidfd_send_signal(pidfd.as_fd(), libc::SIGKILL).unwrap();
        assert_eq!(readable(&[pidfd.as_raw_fd()], 10_000), 1);
        reap(child.id());
        // Reaped: the pidfd still names the process, which is gone.
        let gone = pidfd_send_signal(pidfd.as_fd(), 0).unwrap_err();
        assert_eq!(gone.raw_os_error(), Some(libc::ESRCH));
        assert!(child.try_wait().is_err(), "reap took the child's status");
    }

    #[test]
    fn own_ids_are_this_process_s() {
        assert_eq!(own_pid() as u32, std::process::id());
        assert_eq!(effective_uid(), nix::unistd::geteuid().as_raw());
        assert!(pidfd_open(i32::MAX as u32).is_none());
    }
}

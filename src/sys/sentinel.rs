//! A sentinel: a forked child that stays in this process's process group,
//! keeps some signals blocked, and answers one question over a pipe: "has
//! signal S reached you since I last asked?". A signal sent to the whole
//! group (`kill -- -PGID`) reaches it as it reaches this process; one sent
//! to this process alone (`kill PID`) does not. Both arrive with the same
//! `si_code` (`SI_USER`), so the sentinel is how the two are told apart.
//!
//! Asking right after this process took the signal is enough: a group's
//! members all get the signal within the one `kill` call, the newest member
//! first (the kernel walks the group's list from its head, where members
//! are added), and the sentinel is newer than the process that forked it.
//!
//! The child runs between `fork` and `_exit` of a possibly multithreaded
//! process, so it makes nothing but async-signal-safe raw syscalls on
//! values prepared before the fork. It dies with its parent
//! (`PR_SET_PDEATHSIG`) and is killed and reaped when dropped.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use super::fd;

/// The parent's handle on its sentinel.
#[derive(Debug)]
pub(crate) struct Sentinel {
    pid: libc::pid_t,
    /// Where questions go (a signal number, one byte).
    ask: OwnedFd,
    /// Where answers come from (1: it came, 0: it did not).
    answers: OwnedFd,
}

impl Sentinel {
    /// Forks a sentinel that keeps `signals` blocked (so that they stay
    /// pending in it until asked about). Call it from the thread that
    /// outlives the sentinel's use: the parent-death signal fires when
    /// that thread ends.
    pub(crate) fn spawn(signals: &[libc::c_int]) -> std::io::Result<Sentinel> {
        let (questions, ask) = fd::pipe_cloexec()?;
        let (answers, answer) = fd::pipe_cloexec()?;
        let parent = super::process::own_pid();
        // SAFETY: a sigset_t we own, emptied and filled before the fork.
        let mut blocked: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: as above; sigemptyset and sigaddset only write into it.
        unsafe {
            libc::sigemptyset(&mut blocked);
            for &signal in signals {
                libc::sigaddset(&mut blocked, signal);
            }
        }
        let (questions_fd, answer_fd) = (questions.as_raw_fd(), answer.as_raw_fd());
        // SAFETY: the child runs only `sentinel_main` (async-signal-safe
        // calls on the values above) and never returns.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            // SAFETY: in the freshly forked child, see `sentinel_main`.
            unsafe { sentinel_main(questions_fd, answer_fd, &blocked, parent) }
        }
        if pid < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Sentinel { pid, ask, answers })
    }

    /// True when `signal` reached the sentinel since the last question
    /// about it: it was sent to the whole process group. It is taken, so
    /// the next question is about the next one. False when the sentinel
    /// cannot answer (it died).
    pub(crate) fn took(&self, signal: libc::c_int) -> bool {
        let Ok(question) = u8::try_from(signal) else {
            return false;
        };
        // SAFETY: writing one byte we own to a descriptor we hold.
        let written = unsafe { libc::write(self.ask.as_raw_fd(), (&raw const question).cast(), 1) };
        if written != 1 {
            return false;
        }
        let mut answer = 0u8;
        loop {
            // SAFETY: reading one byte into a local we own, from a
            // descriptor we hold (blocking: the sentinel answers at once).
            let read = unsafe { libc::read(self.answers.as_raw_fd(), (&raw mut answer).cast(), 1) };
            if read == 1 {
                return answer == 1;
            }
            if read == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                return false;
            }
        }
    }
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        // The sentinel is our own unreaped child: its pid is no one else's.
        let _ = super::signal::kill(self.pid, libc::SIGKILL);
        super::process::reap(self.pid as u32);
    }
}

/// The sentinel: blocks `blocked`, closes every descriptor but its two pipe
/// ends, and answers each question until the question pipe ends.
///
/// # Safety
/// Must run in a child right after `fork`; calls only async-signal-safe
/// functions on values prepared before the fork, and never allocates.
unsafe fn sentinel_main(
    questions: RawFd,
    answer: RawFd,
    blocked: &libc::sigset_t,
    parent: libc::pid_t,
) -> ! {
    // SAFETY: raw syscalls on values prepared before the fork.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
        if libc::getppid() != parent {
            libc::_exit(0);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, blocked, std::ptr::null_mut());
        // Only the two pipe ends stay open: the parent's other descriptors
        // (its stdout, locks, leases) must not be kept alive by this child.
        libc::dup2(questions, 0);
        libc::dup2(answer, 1);
        libc::syscall(libc::SYS_close_range, 2, libc::c_uint::MAX, 0);
        let none = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        loop {
            let mut signal = 0u8;
            let read = libc::read(0, (&raw mut signal).cast(), 1);
            if read == 0 {
                libc::_exit(0);
            }
            if read < 0 {
                if *libc::__errno_location() == libc::EINTR {
                    continue;
                }
                libc::_exit(1);
            }
            let mut pending: libc::sigset_t = std::mem::zeroed();
            libc::sigpending(&mut pending);
            let came = libc::sigismember(&pending, libc::c_int::from(signal)) == 1;
            if came {
                let mut one: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut one);
                libc::sigaddset(&mut one, libc::c_int::from(signal));
                libc::sigtimedwait(&one, std::ptr::null_mut(), &none);
            }
            let answer = u8::from(came);
            libc::write(1, (&raw const answer).cast(), 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sentinel_tells_once_each_signal_that_reached_it() {
        let sentinel = Sentinel::spawn(&[libc::SIGUSR2]).unwrap();
        assert!(!sentinel.took(libc::SIGUSR2), "nothing was sent");
        // As a signal to the whole group would reach it.
        super::super::signal::kill(sentinel.pid, libc::SIGUSR2).unwrap();
        assert!(sentinel.took(libc::SIGUSR2));
        assert!(!sentinel.took(libc::SIGUSR2), "taken by the first question");
        drop(sentinel);
    }
}

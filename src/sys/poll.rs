//! Waiting for descriptors to turn readable: nix's `poll` over descriptor
//! numbers, the one wait every sleep of the controller goes through.

use std::os::fd::{BorrowedFd, RawFd};

use nix::poll::{PollFd, PollFlags, PollTimeout};

/// Waits up to `millis` milliseconds (0: just looks) until one of `fds` is
/// readable or hung up; the number of descriptors that are. 0 on timeout,
/// and 0 when the wait was interrupted (EINTR) or failed: every caller
/// checks again what it waits for, so a wake-up for nothing is harmless.
pub(crate) fn readable(fds: &[RawFd], millis: i32) -> usize {
    let mut polls: Vec<PollFd<'_>> = fds
        .iter()
        .map(|&fd| {
            // SAFETY: poll only reads the descriptor's number for the
            // duration of the call and touches no memory through it; a
            // number that is closed meanwhile is answered POLLNVAL, never
            // undefined behaviour. Each caller holds its descriptor open
            // across the call.
            let fd = unsafe { BorrowedFd::borrow_raw(fd) };
            PollFd::new(fd, PollFlags::POLLIN)
        })
        .collect();
    let timeout = PollTimeout::try_from(millis.max(0)).unwrap_or(PollTimeout::MAX);
    nix::poll::poll(&mut polls, timeout).map_or(0, |ready| ready.max(0) as usize)
}

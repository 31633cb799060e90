//! Waiting for descriptors to turn readable: nix's `ppoll` over descriptor
//! numbers, the one wait every sleep of the controller goes through.

use std::os::fd::{BorrowedFd, RawFd};
use std::time::Duration;

use nix::poll::{PollFd, PollFlags};
use nix::sys::time::TimeSpec;

/// Waits up to `millis` milliseconds (0: just looks) until one of `fds` is
/// readable or hung up; the number of descriptors that are. 0 on timeout,
/// and 0 when the wait was interrupted (EINTR) or failed: every caller
/// checks again what it waits for, so a wake-up for nothing is harmless.
pub(crate) fn readable(fds: &[RawFd], millis: i32) -> usize {
    let timeout = Duration::from_millis(millis.max(0) as u64);
    which_readable(fds, timeout).count_ones() as usize
}

/// Like [`readable`], with a timeout to the nanosecond (`poll` counts
/// whole milliseconds, so a wait loop's 1.5 ms nap took 2), and says
/// which: bit `i` is set when `fds[i]` is readable or hung up (at most the
/// first 32 descriptors are looked at).
pub(crate) fn which_readable(fds: &[RawFd], timeout: Duration) -> u32 {
    let fds = &fds[..fds.len().min(32)];
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
    let timeout = TimeSpec::from_duration(timeout);
    if !matches!(nix::poll::ppoll(&mut polls, Some(timeout), None), Ok(1..)) {
        return 0;
    }
    polls
        .iter()
        .enumerate()
        .filter(|(_, poll)| poll.any().unwrap_or(true))
        .fold(0, |set, (index, _)| set | 1 << index)
}

#[cfg(test)]
mod tests {
    use super::{readable, which_readable};
    use crate::sys::fd::pipe_cloexec;
    use std::io::Write;
    use std::os::fd::AsRawFd;

    #[test]
    fn an_empty_pipe_is_not_readable_and_one_with_bytes_or_closed_is() {
        let (read_end, write_end) = pipe_cloexec().unwrap();
        assert_eq!(readable(&[read_end.as_raw_fd()], 0), 0);
        let mut writer = std::fs::File::from(write_end);
        writer.write_all(b"x").unwrap();
        assert_eq!(readable(&[read_end.as_raw_fd()], 0), 1);
        let (other_read, other_write) = pipe_cloexec().unwrap();
        drop(other_write);
        let both = [read_end.as_raw_fd(), other_read.as_raw_fd()];
        assert_eq!(readable(&both, 0), 2);
        let (quiet, _quiet_writer) = pipe_cloexec().unwrap();
        let three = [quiet.as_raw_fd(), read_end.as_raw_fd()];
        assert_eq!(which_readable(&three, std::time::Duration::ZERO), 0b10);
    }
}

//! File descriptors the standard library has no call for: a copy numbered
//! above the stdio slots, non-blocking mode, a raw read.

use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

/// A copy of `fd` numbered 3 or above, close-on-exec: a child that moves
/// descriptors onto 0, 1 and 2 must not find its sources there.
pub(crate) fn dup_above_stdio(fd: RawFd) -> std::io::Result<OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor or -1.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if new < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

/// A pipe whose two ends are close-on-exec: (read end, write end).
pub(crate) fn pipe_cloexec() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: pipe2 writes two descriptors into the array we own.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: pipe2 just created both; nothing else owns them.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Turns on O_NONBLOCK on `fd` (errors ignored, as a read then blocks).
pub(crate) fn set_nonblocking(fd: BorrowedFd<'_>) {
    // SAFETY: fcntl on a descriptor the caller holds open.
    unsafe {
        let flags = libc::fcntl(fd.as_raw_fd(), libc::F_GETFL);
        libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK);
    }
}

/// One `read(2)` into `buffer`: the bytes read (0 at the end), or the
/// error (EAGAIN on an empty non-blocking pipe, EINTR, ...).
pub(crate) fn read(fd: BorrowedFd<'_>, buffer: &mut [u8]) -> std::io::Result<usize> {
    // SAFETY: reading into a buffer we borrow mutably, at most its length,
    // from a descriptor the caller holds open.
    let read = unsafe { libc::read(fd.as_raw_fd(), buffer.as_mut_ptr().cast(), buffer.len()) };
    if read < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(read as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::fd::AsFd;

    #[test]
    fn a_nonblocking_pipe_reads_what_was_written_then_would_block_then_ends() {
        let (read_end, write_end) = pipe_cloexec().unwrap();
        set_nonblocking(read_end.as_fd());
        let mut writer = std::fs::File::from(write_end);
        writer.write_all(b"abc").unwrap();
        let mut buffer = [0u8; 8];
        assert_eq!(read(read_end.as_fd(), &mut buffer).unwrap(), 3);
        assert_eq!(&buffer[..3], b"abc");
        let empty = read(read_end.as_fd(), &mut buffer).unwrap_err();
        assert_eq!(empty.kind(), std::io::ErrorKind::WouldBlock);
        drop(writer);
        assert_eq!(read(read_end.as_fd(), &mut buffer).unwrap(), 0);
    }

    #[test]
    fn a_copy_above_stdio_is_numbered_3_or_more_and_close_on_exec() {
        let (read_end, _write_end) = pipe_cloexec().unwrap();
        let copy = dup_above_stdio(read_end.as_raw_fd()).unwrap();
        assert!(copy.as_raw_fd() >= 3);
        let flags = nix::fcntl::fcntl(copy.as_fd(), nix::fcntl::FcntlArg::F_GETFD).unwrap();
        assert_eq!(flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
        assert!(dup_above_stdio(-1).is_err());
    }
}

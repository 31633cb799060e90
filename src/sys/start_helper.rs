//! The fork and exec of a start (see `controller/spawn.rs` for why there is
//! a helper): the parent's fork with every signal blocked, and the child
//! side, the helper H and the start command G (cloned by H into H's own
//! memory, vfork-style, so a start copies devup's page tables once, not
//! twice), which run between `fork` and `execve` of a possibly
//! multithreaded process and so make nothing but
//! async-signal-safe raw syscalls on data prepared before the fork: no
//! allocation, no lock, no Rust std call that might take one. Also the
//! record format H writes on its report pipe (`controller/start_tree.rs`
//! reads it).

use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use super::fd;

/// One fixed-size record on the report pipe.
pub(crate) struct Record;

impl Record {
    /// G was forked: `pid` is its pid.
    pub(crate) const SPAWNED: u32 = 1;
    /// A process of the tree was reaped: `pid`, `value` = raw wait status.
    pub(crate) const EXITED: u32 = 2;
    /// H has no children left.
    pub(crate) const ALL_GONE: u32 = 3;
    /// G could not start the command: `pid` = stage, `value` = errno.
    pub(crate) const EXEC_FAILED: u32 = 4;
    /// H could not fork G: `value` = errno.
    pub(crate) const FORK_FAILED: u32 = 5;
    /// Stage of `EXEC_FAILED`: changing to the daemon's directory.
    pub(crate) const DURING_CHDIR: i32 = 0;
    /// Stage of `EXEC_FAILED`: execve.
    pub(crate) const DURING_EXEC: i32 = 1;
    /// Bytes per record.
    pub(crate) const SIZE: usize = 16;

    /// The bytes of one record (no allocation: H calls this after fork).
    pub(crate) fn encode(kind: u32, pid: i32, value: i32) -> [u8; Self::SIZE] {
        let mut bytes = [0u8; Self::SIZE];
        bytes[0..4].copy_from_slice(&kind.to_ne_bytes());
        bytes[4..8].copy_from_slice(&pid.to_ne_bytes());
        bytes[8..12].copy_from_slice(&value.to_ne_bytes());
        bytes
    }
}

/// Everything H and G need, as the C values `execve` takes, built before
/// the fork.
pub(crate) struct ExecImage {
    program: CString,
    /// Kept alive for the pointers in `argv_ptrs`.
    _argv: Vec<CString>,
    argv_ptrs: Vec<*const libc::c_char>,
    /// Kept alive for the pointers in `envp_ptrs`.
    _envp: Vec<CString>,
    envp_ptrs: Vec<*const libc::c_char>,
    dir: CString,
    stdin: OwnedFd,
    output: OwnedFd,
    new_session: bool,
}

fn pointers(strings: &[CString]) -> Vec<*const libc::c_char> {
    let mut ptrs: Vec<*const libc::c_char> = strings.iter().map(|s| s.as_ptr()).collect();
    ptrs.push(std::ptr::null());
    ptrs
}

impl ExecImage {
    /// The image of `program` (a path) with `argv` and `envp` (`KEY=value`
    /// strings), run in `dir` with `stdin` and stdout+stderr on `output`
    /// (each numbered 3 or above, see [`fd::dup_above_stdio`]), in a
    /// session of its own when `new_session`.
    pub(crate) fn new(
        program: CString,
        argv: Vec<CString>,
        envp: Vec<CString>,
        dir: CString,
        stdin: OwnedFd,
        output: OwnedFd,
        new_session: bool,
    ) -> ExecImage {
        ExecImage {
            program,
            argv_ptrs: pointers(&argv),
            _argv: argv,
            envp_ptrs: pointers(&envp),
            _envp: envp,
            dir,
            stdin,
            output,
            new_session,
        }
    }

    /// Forks the helper H, which forks and reaps the start command. Returns
    /// at once with H's pid and the read end of its report pipe.
    pub(crate) fn spawn(&self) -> std::io::Result<(u32, OwnedFd)> {
        let (read_end, write_end) = fd::pipe_cloexec()?;
        let write_end = fd::dup_above_stdio(write_end.as_raw_fd())?;
        let parent = super::process::own_pid();
        // Block every signal across fork: a Ctrl-C (or the host's handlers)
        // must not run in H before H has left devup's session. H keeps them
        // blocked (only SIGKILL ends it); G unblocks them before execve.
        // SAFETY: sigset_t values we own, filled by sigfillset.
        let mut all: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: as above, filled by pthread_sigmask.
        let mut previous: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: as above; pthread_sigmask only affects this thread.
        unsafe {
            libc::sigfillset(&mut all);
            libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut previous);
        }
        // SAFETY: the child runs only async-signal-safe code (`helper_main`)
        // with data prepared before the fork, and never returns.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            // SAFETY: in the freshly forked child, see `helper_main`.
            unsafe { helper_main(self, write_end.as_raw_fd(), parent) }
        }
        let fork_error = std::io::Error::last_os_error();
        // SAFETY: restoring the mask saved above.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &previous, std::ptr::null_mut()) };
        drop(write_end);
        if pid < 0 {
            return Err(fork_error);
        }
        Ok((pid as u32, read_end))
    }
}

/// Writes one record to the report pipe (16 bytes: atomic, below PIPE_BUF).
///
/// # Safety
/// Async-signal-safe: a stack buffer and `write`.
unsafe fn report(fd: RawFd, kind: u32, pid: i32, value: i32) {
    let bytes = Record::encode(kind, pid, value);
    // SAFETY: writing our stack buffer to a descriptor we hold.
    unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
}

fn errno() -> i32 {
    // SAFETY: __errno_location returns this thread's errno slot.
    unsafe { *libc::__errno_location() }
}

/// The helper H: leaves devup's session, becomes the start's subreaper,
/// forks G, then reaps everything and reports it until nothing is left.
///
/// # Safety
/// Must run in a child right after `fork`; calls only async-signal-safe
/// functions (`errno()` reads this thread's errno), and never allocates.
unsafe fn helper_main(start: &ExecImage, reports: RawFd, parent: libc::pid_t) -> ! {
    // SAFETY: raw syscalls on values prepared before the fork.
    unsafe {
        // Its own session: a Ctrl-C on devup's terminal never reaches the
        // start tree, which devup aborts itself, in order.
        libc::setsid();
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        // If devup dies (SIGKILL), H dies too; what it started lives on, as
        // a daemon should, and the lock is free again.
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
        if libc::getppid() != parent {
            libc::_exit(1);
        }
        // Close every descriptor but the three H and G need: another
        // thread's start may have been preparing its own (a lock file, a
        // pipe) when we forked, and H must not keep them open.
        let mut keep = [start.stdin.as_raw_fd(), start.output.as_raw_fd(), reports];
        keep.sort_unstable();
        let mut next: libc::c_uint = 3;
        for fd in keep {
            let fd = fd as libc::c_uint;
            if fd > next {
                libc::syscall(libc::SYS_close_range, next, fd - 1, 0);
            }
            next = next.max(fd + 1);
        }
        libc::syscall(libc::SYS_close_range, next, libc::c_uint::MAX, 0);
        // waitpid needs SIGCHLD not ignored (an ignored SIGCHLD auto-reaps).
        let mut default_action: libc::sigaction = std::mem::zeroed();
        default_action.sa_sigaction = libc::SIG_DFL;
        libc::sigaction(libc::SIGCHLD, &default_action, std::ptr::null_mut());
        // G is made the way posix_spawn makes a child: it shares H's memory
        // (CLONE_VM, so no copy of devup's page tables is made, nor torn
        // down again by G's execve) and H is suspended until G has executed
        // the start command or died trying (CLONE_VFORK). So SPAWNED never
        // names a process that is still a copy of devup: without that, a
        // `daemonize: true` daemon without a ping, whose readiness is "its
        // pid is alive", could be declared ready before its execve failed.
        // G runs on a stack of its own, carved from H's frame, which H does
        // not touch while it is suspended.
        let mut stack = GStack([0; G_STACK_SIZE]);
        let mut args = GArgs {
            start,
            reports,
            default_action: &default_action,
        };
        let top = stack
            .0
            .as_mut_ptr()
            .add(G_STACK_SIZE)
            .cast::<libc::c_void>();
        let child = libc::clone(
            start_command_entry,
            top,
            libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
            (&raw mut args).cast(),
        );
        if child < 0 {
            report(reports, Record::FORK_FAILED, 0, errno());
            libc::_exit(1);
        }
        report(reports, Record::SPAWNED, child, 0);
        loop {
            let mut status = 0;
            let reaped = libc::waitpid(-1, &mut status, 0);
            if reaped > 0 {
                report(reports, Record::EXITED, reaped, status);
            } else if errno() != libc::EINTR {
                report(reports, Record::ALL_GONE, 0, 0);
                libc::_exit(0);
            }
        }
    }
}

/// The size of G's stack until its execve: G's frames are small (no
/// allocation, a few syscalls), and the page of guard H's own stack has
/// below is never reached.
const G_STACK_SIZE: usize = 64 * 1024;

/// G's stack, aligned as the ABI wants a stack pointer to be.
#[repr(C, align(16))]
struct GStack([u8; G_STACK_SIZE]);

/// What G is given, on H's stack (H is suspended while G uses it).
struct GArgs<'a> {
    start: &'a ExecImage,
    reports: RawFd,
    default_action: &'a libc::sigaction,
}

/// The entry of G under `clone`: its argument is H's [`GArgs`].
extern "C" fn start_command_entry(args: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `args` points to the `GArgs` H passed to clone, alive while H
    // is suspended (CLONE_VFORK); G only reads it.
    let args = unsafe { &*args.cast::<GArgs<'_>>() };
    // SAFETY: G runs only async-signal-safe syscalls on H's prepared data,
    // and ends in execve or _exit (see `start_command_main`).
    unsafe { start_command_main(args.start, args.reports, args.default_action) }
}

/// The start command G: its own session for `daemonize: true`, default
/// signal dispositions and an empty mask, stdio, directory, execve.
///
/// # Safety
/// As `helper_main`; besides, G shares H's memory until its execve
/// (CLONE_VM), so it writes nothing but its own stack and this thread's
/// errno (H's, unread by H until G is gone or has executed).
unsafe fn start_command_main(
    start: &ExecImage,
    reports: RawFd,
    default_action: &libc::sigaction,
) -> ! {
    // SAFETY: raw syscalls on values prepared before the fork.
    unsafe {
        if start.new_session {
            libc::setsid();
        }
        for signal in 1..32 {
            if signal != libc::SIGKILL && signal != libc::SIGSTOP {
                libc::sigaction(signal, default_action, std::ptr::null_mut());
            }
        }
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
        libc::dup2(start.stdin.as_raw_fd(), 0);
        libc::dup2(start.output.as_raw_fd(), 1);
        libc::dup2(start.output.as_raw_fd(), 2);
        if libc::chdir(start.dir.as_ptr()) != 0 {
            report(reports, Record::EXEC_FAILED, Record::DURING_CHDIR, errno());
            libc::_exit(127);
        }
        libc::execve(
            start.program.as_ptr(),
            start.argv_ptrs.as_ptr(),
            start.envp_ptrs.as_ptr(),
        );
        report(reports, Record::EXEC_FAILED, Record::DURING_EXEC, errno());
        libc::_exit(127)
    }
}

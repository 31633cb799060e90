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

use super::{fd, raw_syscall};

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

    /// Starts the helper H, which clones and reaps the start command.
    /// Returns at once with H's pid, the read end of its report pipe, and
    /// the memory H runs on, which must outlive H: drop it only once H has
    /// been reaped. H shares devup's memory where [`raw_syscall`] allows it
    /// (`CLONE_VM`: no copy of devup's page tables is made, and devup's
    /// threads take no copy-on-write fault for each page they write while H
    /// lives, which is most of the cost of a start among hundreds); it is a
    /// forked copy elsewhere.
    pub(crate) fn spawn(self) -> std::io::Result<(u32, OwnedFd, HelperMemory)> {
        let (read_end, write_end) = fd::pipe_cloexec()?;
        let write_end = fd::dup_above_stdio(write_end.as_raw_fd())?;
        let mut memory = HelperMemory {
            args: Box::new(HelperArgs {
                image: self,
                reports: write_end.as_raw_fd(),
                parent: super::process::own_pid(),
                g_stack_top: std::ptr::null_mut(),
            }),
            stack: Vec::with_capacity(H_STACK_SIZE / 16),
            g_stack: Vec::with_capacity(G_STACK_SIZE / 16),
        };
        memory.args.g_stack_top = top_of(&mut memory.g_stack);
        // Block every signal across the clone: a Ctrl-C (or the host's
        // handlers) must not run in H before H has left devup's session. H
        // keeps them blocked (only SIGKILL ends it); G unblocks them.
        // SAFETY: sigset_t values we own, filled by sigfillset.
        let mut all: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: as above, filled by pthread_sigmask.
        let mut previous: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: as above; pthread_sigmask only affects this thread.
        unsafe {
            libc::sigfillset(&mut all);
            libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut previous);
        }
        let args: *mut HelperArgs = &raw mut *memory.args;
        let pid = if raw_syscall::SHARES_MEMORY {
            let top = top_of(&mut memory.stack);
            // SAFETY: H runs `helper_entry` on `memory.stack` with `args`,
            // both owned by `memory`, which the caller keeps until H is
            // reaped; H makes only raw system calls (`raw_syscall`), which
            // write nothing of devup's but H's own stack.
            unsafe {
                libc::clone(
                    helper_entry,
                    top,
                    libc::SIGCHLD | libc::CLONE_VM,
                    args.cast(),
                )
            }
        } else {
            // SAFETY: the child runs only async-signal-safe code
            // (`helper_main`) with data prepared before the fork, and never
            // returns.
            let pid = unsafe { libc::fork() };
            if pid == 0 {
                // SAFETY: in the freshly forked child, on data it owns.
                unsafe { helper_main(&*args) }
            }
            pid
        };
        let clone_error = std::io::Error::last_os_error();
        // SAFETY: restoring the mask saved above.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &previous, std::ptr::null_mut()) };
        drop(write_end);
        if pid < 0 {
            return Err(clone_error);
        }
        Ok((pid as u32, read_end, memory))
    }
}

/// The size of H's stack (its frames are small: no allocation, a few
/// system calls). Left uninitialized: only the pages H touches are made.
const H_STACK_SIZE: usize = 64 * 1024;

/// The size of G's stack until its execve, as H's.
const G_STACK_SIZE: usize = 64 * 1024;

/// A stack: u128, aligned as a stack pointer must be; never initialized.
type Stack = Vec<std::mem::MaybeUninit<u128>>;

/// The top of `stack`'s memory, where a stack pointer starts.
fn top_of(stack: &mut Stack) -> *mut libc::c_void {
    stack.spare_capacity_mut().as_mut_ptr_range().end.cast()
}

/// What H is given: the image to start, where to report, and G's stack.
struct HelperArgs {
    image: ExecImage,
    reports: RawFd,
    parent: libc::pid_t,
    g_stack_top: *mut libc::c_void,
}

/// The memory H runs on and reads: its stack and its arguments. Dropped
/// only once H has been reaped (see [`ExecImage::spawn`]).
pub(crate) struct HelperMemory {
    args: Box<HelperArgs>,
    /// H's stack.
    stack: Stack,
    /// G's stack, which G uses while H is suspended.
    g_stack: Stack,
}

impl std::fmt::Debug for HelperMemory {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("HelperMemory")
    }
}

// SAFETY: the raw pointers in the image point into the CStrings the image
// owns, and G's stack pointer into `g_stack`'s buffer; these never change
// and move with the memory. Nothing here is tied to the thread that made it.
unsafe impl Send for HelperMemory {}

/// The entry of H under `clone`: its argument is its [`HelperArgs`].
extern "C" fn helper_entry(args: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `args` points to the `HelperArgs` that `spawn` keeps alive
    // until H is reaped; H only reads it.
    let args = unsafe { &*args.cast::<HelperArgs>() };
    // SAFETY: H makes only raw system calls on data prepared before it
    // was cloned, and never returns (see `helper_main`).
    unsafe { helper_main(args) }
}

/// A raw system call of H or G (see `raw_syscall.rs`): never `errno`.
///
/// # Safety
/// As [`raw_syscall::syscall`].
unsafe fn sys(number: libc::c_long, args: &[usize]) -> isize {
    let mut all = [0usize; 6];
    all[..args.len()].copy_from_slice(args);
    // SAFETY: the caller's contract.
    unsafe { raw_syscall::syscall(number, all) }
}

/// Writes one record to the report pipe (16 bytes: atomic, below PIPE_BUF).
///
/// # Safety
/// A stack buffer and a raw `write`.
unsafe fn report(fd: RawFd, kind: u32, pid: i32, value: i32) {
    let bytes = Record::encode(kind, pid, value);
    // SAFETY: writing our stack buffer to a descriptor we hold.
    unsafe {
        sys(
            libc::SYS_write,
            &[fd as usize, bytes.as_ptr() as usize, bytes.len()],
        )
    };
}

/// Ends H or G at once, with `code`.
///
/// # Safety
/// A raw `exit_group`: H and G are each a thread group of their own.
unsafe fn exit(code: i32) -> ! {
    loop {
        // SAFETY: exit_group takes no pointer and does not return.
        unsafe { sys(libc::SYS_exit_group, &[code as usize]) };
    }
}

/// The kernel's `struct sigaction` for SIG_DFL with no flag and no mask:
/// zeros, as many as any architecture's layout has.
const DEFAULT_ACTION: [u64; 4] = [0; 4];

/// Sets `signal` to its default action.
///
/// # Safety
/// A raw `rt_sigaction` on a constant.
unsafe fn default_action(signal: i32) {
    let action = DEFAULT_ACTION.as_ptr() as usize;
    // SAFETY: the kernel reads the constant; no old action is asked for.
    unsafe { sys(libc::SYS_rt_sigaction, &[signal as usize, action, 0, 8]) };
}

/// The helper H: leaves devup's session, becomes the start's subreaper,
/// clones G, then reaps everything and reports it until nothing is left.
///
/// # Safety
/// Must run in H, cloned or forked by [`ExecImage::spawn`]: makes only raw
/// system calls (H may share devup's memory and thread pointer, so it must
/// not touch `errno` or anything else of devup's), and never allocates.
unsafe fn helper_main(args: &HelperArgs) -> ! {
    let (start, reports) = (&args.image, args.reports);
    // SAFETY: raw syscalls on values prepared before the clone.
    unsafe {
        // Its own session: a Ctrl-C on devup's terminal never reaches the
        // start tree, which devup aborts itself, in order.
        sys(libc::SYS_setsid, &[]);
        sys(libc::SYS_prctl, &[libc::PR_SET_CHILD_SUBREAPER as usize, 1]);
        // If devup dies (SIGKILL), H dies too; what it started lives on, as
        // a daemon should, and the lock is free again.
        sys(
            libc::SYS_prctl,
            &[libc::PR_SET_PDEATHSIG as usize, libc::SIGKILL as usize],
        );
        if sys(libc::SYS_getppid, &[]) != args.parent as isize {
            exit(1);
        }
        // Close every descriptor but the three H and G need: another
        // thread's start may have been preparing its own (a lock file, a
        // pipe) when H was made, and H must not keep them open. (H has a
        // table of descriptors of its own: no CLONE_FILES.)
        let mut keep = [start.stdin.as_raw_fd(), start.output.as_raw_fd(), reports];
        keep.sort_unstable();
        let mut next: usize = 3;
        for fd in keep {
            let fd = fd as usize;
            if fd > next {
                sys(libc::SYS_close_range, &[next, fd - 1, 0]);
            }
            next = next.max(fd + 1);
        }
        sys(
            libc::SYS_close_range,
            &[next, libc::c_uint::MAX as usize, 0],
        );
        // waitpid needs SIGCHLD not ignored (an ignored SIGCHLD auto-reaps).
        default_action(libc::SIGCHLD);
        // G is made the way posix_spawn makes a child: it shares H's memory
        // (CLONE_VM, so no copy of devup's page tables is made, nor torn
        // down again by G's execve) and H is suspended until G has executed
        // the start command or died trying (CLONE_VFORK). So SPAWNED never
        // names a process that is still a copy of devup: without that, a
        // `daemonize: true` daemon without a ping, whose readiness is "its
        // pid is alive", could be declared ready before its execve failed.
        // G runs on a stack of its own, made with H's.
        let mut g_args = GArgs { start, reports };
        let child = raw_syscall::clone_vfork(
            start_command_entry,
            args.g_stack_top,
            (&raw mut g_args).cast(),
        );
        if child < 0 {
            report(reports, Record::FORK_FAILED, 0, -child as i32);
            exit(1);
        }
        report(reports, Record::SPAWNED, child as i32, 0);
        loop {
            let mut status: libc::c_int = 0;
            let status_at = (&raw mut status) as usize;
            let reaped = sys(libc::SYS_wait4, &[-1isize as usize, status_at, 0, 0]);
            if reaped > 0 {
                report(reports, Record::EXITED, reaped as i32, status);
            } else if reaped != -(libc::EINTR as isize) {
                report(reports, Record::ALL_GONE, 0, 0);
                exit(0);
            }
        }
    }
}

/// What G is given, on H's stack (H is suspended while G uses it).
struct GArgs<'a> {
    start: &'a ExecImage,
    reports: RawFd,
}

/// The entry of G under `clone`: its argument is H's [`GArgs`].
unsafe extern "C" fn start_command_entry(args: *mut libc::c_void) -> ! {
    // SAFETY: `args` points to the `GArgs` H passed to clone, alive while H
    // is suspended (CLONE_VFORK); G only reads it.
    let args = unsafe { &*args.cast::<GArgs<'_>>() };
    // SAFETY: G runs only raw syscalls on H's prepared data, and ends in
    // execve or exit (see `start_command_main`).
    unsafe { start_command_main(args.start, args.reports) }
}

/// The start command G: its own session for `daemonize: true`, default
/// signal dispositions and an empty mask, stdio, directory, execve.
///
/// # Safety
/// As `helper_main`; besides, G shares H's memory until its execve
/// (CLONE_VM), so it writes nothing but its own stack.
unsafe fn start_command_main(start: &ExecImage, reports: RawFd) -> ! {
    // SAFETY: raw syscalls on values prepared before the clone.
    unsafe {
        if start.new_session {
            sys(libc::SYS_setsid, &[]);
        }
        for signal in 1..32 {
            if signal != libc::SIGKILL && signal != libc::SIGSTOP {
                default_action(signal);
            }
        }
        let none: u64 = 0;
        let none_at = (&raw const none) as usize;
        sys(
            libc::SYS_rt_sigprocmask,
            &[libc::SIG_SETMASK as usize, none_at, 0, 8],
        );
        // dup3 of a descriptor above 2 (see `fd::dup_above_stdio`) onto 0-2.
        let (stdin, output) = (
            start.stdin.as_raw_fd() as usize,
            start.output.as_raw_fd() as usize,
        );
        sys(libc::SYS_dup3, &[stdin, 0, 0]);
        sys(libc::SYS_dup3, &[output, 1, 0]);
        sys(libc::SYS_dup3, &[output, 2, 0]);
        let chdir = sys(libc::SYS_chdir, &[start.dir.as_ptr() as usize]);
        if chdir < 0 {
            report(
                reports,
                Record::EXEC_FAILED,
                Record::DURING_CHDIR,
                -chdir as i32,
            );
            exit(127);
        }
        let exec = sys(
            libc::SYS_execve,
            &[
                start.program.as_ptr() as usize,
                start.argv_ptrs.as_ptr() as usize,
                start.envp_ptrs.as_ptr() as usize,
            ],
        );
        report(
            reports,
            Record::EXEC_FAILED,
            Record::DURING_EXEC,
            -exec as i32,
        );
        exit(127)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    /// The errno slot of the calling thread.
    fn errno_slot() -> &'static mut i32 {
        // SAFETY: __errno_location returns this thread's errno slot, valid
        // for the thread's life.
        unsafe { &mut *libc::__errno_location() }
    }

    /// The records H writes until its pipe ends.
    fn all_records(reports: &OwnedFd) -> Vec<(u32, i32, i32)> {
        let mut bytes = Vec::new();
        let mut buffer = [0u8; Record::SIZE];
        while let Ok(read @ 1..) = fd::read(reports.as_fd(), &mut buffer) {
            bytes.extend_from_slice(&buffer[..read]);
        }
        bytes
            .chunks(Record::SIZE)
            .map(|record| {
                let field = |at: usize| i32::from_ne_bytes(record[at..at + 4].try_into().unwrap());
                (field(0) as u32, field(4), field(8))
            })
            .collect()
    }

    #[test]
    fn a_start_that_cannot_execute_reports_it_and_leaves_the_callers_errno_alone() {
        let dev_null = std::fs::File::open("/dev/null").unwrap();
        let image = ExecImage::new(
            c"/nonexistent/devup-test-program".to_owned(),
            vec![c"devup-test-program".to_owned()],
            Vec::new(),
            c"/".to_owned(),
            fd::dup_above_stdio(dev_null.as_raw_fd()).unwrap(),
            fd::dup_above_stdio(dev_null.as_raw_fd()).unwrap(),
            false,
        );
        let (helper, reports, memory) = image.spawn().unwrap();
        // H and G run while this thread goes on: a failure of theirs must
        // not be written into this thread's errno, as libc would.
        *errno_slot() = 4242;
        let records = all_records(&reports);
        assert_eq!(*errno_slot(), 4242, "records: {records:?}");
        let kinds: Vec<u32> = records.iter().map(|(kind, _, _)| *kind).collect();
        // G reports its failure while H is suspended, before H's SPAWNED.
        assert_eq!(
            kinds,
            [
                Record::EXEC_FAILED,
                Record::SPAWNED,
                Record::EXITED,
                Record::ALL_GONE
            ]
        );
        assert_eq!(
            records[0],
            (Record::EXEC_FAILED, Record::DURING_EXEC, libc::ENOENT)
        );
        super::super::process::reap(helper);
        drop(memory);
    }
}

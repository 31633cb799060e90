//! Spawning a start command inside its own reaper. Each start forks a small
//! helper process H that is a child subreaper (`PR_SET_CHILD_SUBREAPER`): it
//! forks the start command G, and every process of the start that is
//! orphaned (the daemon after a double fork, its intermediate processes) is
//! reparented to H instead of init. H reaps them all and reports each exit,
//! and finally "all gone", on a pipe. So the death of a daemon that went into
//! the background is seen at once, the whole start tree is known (H's
//! descendants), the subreaper flag never touches the host process, and
//! parallel starts never see each other's orphans.
//!
//! Everything H and G need (argv with the program's path resolved, envp,
//! directory, file descriptors) is prepared before `fork()`: between `fork`
//! and `execve` the child of a possibly multithreaded process may only make
//! async-signal-safe calls, so H and G call nothing but raw syscalls.
//! Reading the reports lives in `start_tree.rs`.

use std::ffi::{CString, OsStr, OsString};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::DaemonSpec;
use super::start_tree::{Record, StartTree};

/// One start, ready to fork.
pub(crate) struct PreparedStart {
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

/// Resolves `program` the way `execvp` would, with the PATH the command will
/// see, but before forking.
fn resolve_program(program: &str, path_var: Option<&OsStr>, dir: &Path) -> Option<PathBuf> {
    if program.contains('/') {
        return Some(dir.join(program));
    }
    let path_var = path_var.unwrap_or(OsStr::new("/usr/local/bin:/usr/bin:/bin"));
    std::env::split_paths(path_var)
        .map(|entry| dir.join(entry).join(program))
        .find(|candidate| {
            std::fs::metadata(candidate)
                .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        })
}

fn c_string(bytes: &[u8]) -> Result<CString, String> {
    CString::new(bytes).map_err(|_| "a NUL byte in the command or its environment".to_string())
}

/// A copy of `fd` numbered 3 or above, close-on-exec: the child moves fds
/// onto 0, 1 and 2, which must not be where the sources are.
fn high_fd(fd: RawFd) -> std::io::Result<OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor or -1.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if new < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

impl PreparedStart {
    /// Prepares the daemon's start command: its argv, its environment
    /// (devup's own, then the daemon's `env`, then `extra_env`; devup's own
    /// `NOTIFY_SOCKET` is never passed on), its directory, stdin from
    /// /dev/null and stdout+stderr to `output`. The error is a reason for
    /// people.
    pub(crate) fn new(
        spec: &DaemonSpec,
        extra_env: &[(String, String)],
        output: &impl AsRawFd,
    ) -> Result<PreparedStart, String> {
        let mut env: Vec<(OsString, OsString)> = std::env::vars_os()
            .filter(|(key, _)| key != "NOTIFY_SOCKET")
            .collect();
        for (key, value) in spec.env.iter().chain(extra_env.iter().map(|(k, v)| (k, v))) {
            env.retain(|(existing, _)| existing != key.as_str());
            env.push((key.into(), value.into()));
        }
        // A daemon devup detaches is the process it spawns: no shell between.
        let argv = if spec.daemonize {
            spec.start.daemon_argv()
        } else {
            spec.start.argv()
        };
        let path_var = env
            .iter()
            .find(|(key, _)| key == "PATH")
            .map(|(_, value)| value.as_os_str());
        let program = resolve_program(&argv[0], path_var, &spec.dir)
            .ok_or_else(|| format!("command not found: {}", argv[0]))?;
        let argv: Vec<CString> = argv
            .iter()
            .map(|arg| c_string(arg.as_bytes()))
            .collect::<Result<_, _>>()?;
        let envp: Vec<CString> = env
            .iter()
            .map(|(key, value)| {
                let mut pair = key.as_bytes().to_vec();
                pair.push(b'=');
                pair.extend_from_slice(value.as_bytes());
                c_string(&pair)
            })
            .collect::<Result<_, _>>()?;
        let pointers = |strings: &[CString]| {
            let mut ptrs: Vec<*const libc::c_char> = strings.iter().map(|s| s.as_ptr()).collect();
            ptrs.push(std::ptr::null());
            ptrs
        };
        let io_error = |what: &str, error: std::io::Error| format!("{what}: {error}");
        let dev_null =
            std::fs::File::open("/dev/null").map_err(|e| io_error("opening /dev/null", e))?;
        Ok(PreparedStart {
            program: c_string(program.as_os_str().as_bytes())?,
            argv_ptrs: pointers(&argv),
            _argv: argv,
            envp_ptrs: pointers(&envp),
            _envp: envp,
            dir: c_string(spec.dir.as_os_str().as_bytes())?,
            stdin: high_fd(dev_null.as_raw_fd())
                .map_err(|e| io_error("duplicating /dev/null", e))?,
            output: high_fd(output.as_raw_fd())
                .map_err(|e| io_error("duplicating the output", e))?,
            new_session: spec.daemonize,
        })
    }

    /// Forks the helper H, which forks and reaps the start command. Returns
    /// at once; the start's progress arrives as records on the tree's pipe.
    pub(crate) fn spawn(&self) -> std::io::Result<StartTree> {
        let mut fds = [0 as RawFd; 2];
        // SAFETY: pipe2 writes two descriptors into the array we own.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: pipe2 just created both; nothing else owns them.
        let (read_end, write_end) =
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        let write_end = high_fd(write_end.as_raw_fd())?;
        // SAFETY: getpid has no preconditions.
        let parent = unsafe { libc::getpid() };
        // Block every signal across fork: a Ctrl-C (or the host's handlers)
        // must not run in H before H has left devup's session. H keeps them
        // blocked (only SIGKILL ends it); G unblocks them before execve.
        // SAFETY: sigset_t values we own, filled by sigfillset.
        let mut all: libc::sigset_t = unsafe { std::mem::zeroed() };
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
        StartTree::new(pid as u32, read_end)
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
unsafe fn helper_main(start: &PreparedStart, reports: RawFd, parent: libc::pid_t) -> ! {
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
        // G's end of this pipe is close-on-exec: H's read returns when G
        // has executed the start command (or died trying), so SPAWNED never
        // names a process that is still a copy of devup. Without it, a
        // `daemonize: true` daemon without a ping, whose readiness is "its
        // pid is alive", could be declared ready before its execve failed.
        let mut exec_sync = [-1 as libc::c_int; 2];
        let synced = libc::pipe2(exec_sync.as_mut_ptr(), libc::O_CLOEXEC) == 0;
        let child = libc::fork();
        if child == 0 {
            if synced {
                libc::close(exec_sync[0]);
            }
            start_command_main(start, reports, &default_action);
        }
        if synced {
            libc::close(exec_sync[1]);
        }
        if child < 0 {
            report(reports, Record::FORK_FAILED, 0, errno());
            libc::_exit(1);
        }
        if synced {
            let mut byte = 0u8;
            while libc::read(exec_sync[0], (&raw mut byte).cast(), 1) < 0 && errno() == libc::EINTR
            {
            }
            libc::close(exec_sync[0]);
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

/// The start command G: its own session for `daemonize: true`, default
/// signal dispositions and an empty mask, stdio, directory, execve.
///
/// # Safety
/// As `helper_main`.
unsafe fn start_command_main(
    start: &PreparedStart,
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

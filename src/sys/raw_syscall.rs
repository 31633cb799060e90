//! System calls that never touch `errno`, for code that runs in devup's
//! memory without being one of its threads: the start helper H and the
//! start command G (`start_helper.rs`) are processes cloned with
//! `CLONE_VM`, so they share devup's address space and the thread pointer
//! of the thread that cloned them. libc's wrappers store a failure's code
//! in that thread's `errno`, where it would overwrite a code that thread
//! is about to read. These return the kernel's answer as it is: the result,
//! or a negative error number.
//!
//! On x86-64 the `syscall` instruction is made directly. Elsewhere H is a
//! forked copy of devup with memory of its own ([`SHARES_MEMORY`] is false),
//! and libc's `syscall` is used, its `errno` read back at once.

/// Whether H may share devup's memory: these calls avoid `errno` here.
pub(crate) const SHARES_MEMORY: bool = cfg!(target_arch = "x86_64");

/// System call `number` with `args`; the kernel's result (negative: -errno).
///
/// # Safety
/// As the system call itself: every pointer among `args` must be valid for
/// what the call does with it.
#[cfg(target_arch = "x86_64")]
pub(crate) unsafe fn syscall(number: libc::c_long, args: [usize; 6]) -> isize {
    let result: isize;
    // SAFETY: the x86-64 Linux system call convention: number in rax,
    // arguments in rdi, rsi, rdx, r10, r8, r9; the kernel clobbers rcx and
    // r11 and returns in rax. What the call does is the caller's contract.
    unsafe {
        std::arch::asm!(
            "syscall",
            inlateout("rax") number as isize => result,
            in("rdi") args[0],
            in("rsi") args[1],
            in("rdx") args[2],
            in("r10") args[3],
            in("r8") args[4],
            in("r9") args[5],
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    result
}

/// System call `number` with `args`; the kernel's result (negative: -errno).
///
/// # Safety
/// As the system call itself: every pointer among `args` must be valid for
/// what the call does with it.
#[cfg(not(target_arch = "x86_64"))]
pub(crate) unsafe fn syscall(number: libc::c_long, args: [usize; 6]) -> isize {
    // SAFETY: the caller's contract; H has memory of its own here, so the
    // errno written is its own.
    unsafe {
        let result = libc::syscall(number, args[0], args[1], args[2], args[3], args[4], args[5]);
        if result == -1 {
            -(*libc::__errno_location() as isize)
        } else {
            result as isize
        }
    }
}

/// Clones a child that shares this process's memory and runs `entry(arg)`
/// on the stack whose top is `stack_top`, this thread being suspended until
/// the child has executed a program or exited (`CLONE_VM | CLONE_VFORK`,
/// the way posix_spawn makes a child); the child's exit is reported to the
/// parent with SIGCHLD. Returns the child's pid or -errno.
///
/// # Safety
/// `stack_top` must be the 16-byte aligned top of memory the child may use
/// as its stack; `entry` must never return (it ends in execve or exit) and
/// make only calls that are safe in a vfork child.
#[cfg(target_arch = "x86_64")]
pub(crate) unsafe fn clone_vfork(
    entry: unsafe extern "C" fn(*mut libc::c_void) -> !,
    stack_top: *mut libc::c_void,
    arg: *mut libc::c_void,
) -> isize {
    let flags = (libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD) as usize;
    let result: isize;
    // SAFETY: clone(flags, stack, 0, 0, 0). In the child, rsp is the new
    // stack and every register but rax is as the parent left it, so r12 and
    // r13 still hold `arg` and `entry`; it clears the frame pointer, calls
    // `entry(arg)` with the stack aligned as the ABI wants and never comes
    // back (ud2 traps if it did). The parent resumes after the child's
    // execve or exit, with rax the child's pid or -errno.
    unsafe {
        std::arch::asm!(
            "syscall",
            "test rax, rax",
            "jnz 2f",
            "xor ebp, ebp",
            "mov rdi, r12",
            "call r13",
            "ud2",
            "2:",
            inlateout("rax") libc::SYS_clone as isize => result,
            in("rdi") flags,
            in("rsi") stack_top,
            in("rdx") 0usize,
            in("r10") 0usize,
            in("r8") 0usize,
            in("r12") arg,
            in("r13") entry,
            lateout("rcx") _,
            lateout("r11") _,
        );
    }
    result
}

/// As the x86-64 version, through libc's `clone`.
///
/// # Safety
/// As the x86-64 version.
#[cfg(not(target_arch = "x86_64"))]
pub(crate) unsafe fn clone_vfork(
    entry: unsafe extern "C" fn(*mut libc::c_void) -> !,
    stack_top: *mut libc::c_void,
    arg: *mut libc::c_void,
) -> isize {
    extern "C" fn trampoline(arg: *mut libc::c_void) -> libc::c_int {
        // SAFETY: `arg` is the pair built below, on the parent's frame,
        // which is suspended until this child has executed or exited.
        let (entry, arg) = unsafe {
            *arg.cast::<(
                unsafe extern "C" fn(*mut libc::c_void) -> !,
                *mut libc::c_void,
            )>()
        };
        // SAFETY: the caller's contract for `entry`.
        unsafe { entry(arg) }
    }
    let mut pair = (entry, arg);
    // SAFETY: the caller's contract; H has memory of its own here.
    unsafe {
        let pid = libc::clone(
            trampoline,
            stack_top,
            libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
            (&raw mut pair).cast(),
        );
        if pid < 0 {
            -(*libc::__errno_location() as isize)
        } else {
            pid as isize
        }
    }
}

//! `atexit(3)`: a function run when the process exits normally.

/// Registers `hook` to run at normal process exit (after `main` returns or
/// on `std::process::exit`). `hook` must not unwind: catch panics in it.
pub(crate) fn register(hook: extern "C" fn()) {
    // SAFETY: `hook` is a plain `extern "C" fn()` with no captured state;
    // atexit only stores the pointer, which lives as long as the program.
    unsafe {
        libc::atexit(hook);
    }
}

//! The test process's signal dispositions, made the same wherever `cargo
//! test` was started. A job started in the background of a non-interactive
//! shell (a CI script's `cmd &`) or under `nohup` inherits SIGINT, SIGQUIT
//! or SIGHUP ignored, an ignored disposition survives fork and exec, and
//! every devup, daemon and command the tests spawn would inherit it: a
//! Ctrl-C the test sends would then not end a `sh` that devup runs, and the
//! test would wait in vain. The harness calls [`reset`] before they
//! spawn anything.
#![allow(dead_code)]

use std::sync::Once;

use nix::sys::signal::{SigHandler, Signal, signal};

/// Sets SIGINT, SIGQUIT, SIGHUP and SIGTERM back to their default action in
/// this process (once), so the processes tests spawn inherit the defaults,
/// as from an interactive terminal.
pub fn reset() {
    static RESET: Once = Once::new();
    RESET.call_once(|| {
        for signal_ in [
            Signal::SIGINT,
            Signal::SIGQUIT,
            Signal::SIGHUP,
            Signal::SIGTERM,
        ] {
            // SAFETY: SIG_DFL installs no handler, so no code of ours can
            // run in signal context; nothing else in the tests sets these.
            unsafe { signal(signal_, SigHandler::SigDfl) }.expect("resetting a signal disposition");
        }
    });
}

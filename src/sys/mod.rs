//! The system floor: every call into the kernel that needs `unsafe`, each
//! behind a small safe function, so the rest of the crate is ordinary Rust
//! (the crate root denies `unsafe_code`; only this module is allowed it).
//!
//! It sits below every other module and imports none of them: a function
//! here knows syscalls and their error conventions, never what a daemon,
//! a lease or a manifest is. Calls nix offers safely (sigprocmask, inotify,
//! socket) are made through nix where they are, not here.
//!
//! Each `unsafe` block says why it is sound in a `// SAFETY:` comment; the
//! lint below makes a block without one an error.

#![deny(clippy::undocumented_unsafe_blocks)]

pub(crate) mod atexit;
pub(crate) mod child;
pub(crate) mod clock;
pub(crate) mod fd;
pub(crate) mod poll;
pub(crate) mod process;
pub(crate) mod raw_syscall;
pub(crate) mod sentinel;
pub(crate) mod signal;
pub(crate) mod start_helper;

//! The exit codes of `devup` and `devdown`, named once (SPEC §4). The
//! library returns typed errors and outcomes; only the command line turns
//! them into these numbers.

/// Everything asked for succeeded.
pub const SUCCESS: u8 = 0;

/// A daemon failed to start or stop, or was skipped; `exec`: the daemons
/// could not be brought up, so the command was not run.
pub const FAILURE: u8 = 1;

/// A usage error (clap's own code) or an invalid or missing manifest.
pub const USAGE: u8 = 2;

/// `status`: at least one daemon is not running.
pub const NOT_ALL_RUNNING: u8 = 3;

/// The base of "killed by a signal" codes: 128 + the signal number.
pub const SIGNAL_BASE: u8 = 128;

/// The code for a run interrupted by `signal` (130 for SIGINT, 143 for
/// SIGTERM, 129 for SIGHUP), as shells report a process killed by it.
pub fn from_signal(signal: i32) -> u8 {
    u8::try_from(signal)
        .ok()
        .and_then(|number| SIGNAL_BASE.checked_add(number))
        .unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_codes_are_128_plus_the_number() {
        assert_eq!(from_signal(libc::SIGINT), 130);
        assert_eq!(from_signal(libc::SIGTERM), 143);
        assert_eq!(from_signal(libc::SIGHUP), 129);
    }
}

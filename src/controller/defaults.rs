//! Every per-daemon default, in one place: the builder, the manifest's
//! resolution and the JSON Schema all read these.

use std::time::Duration;

/// `start_timeout`: from spawning `start` to ready.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);
/// `start_abort_timeout`: after SIGTERM to an aborted start, before SIGKILL.
pub const START_ABORT_TIMEOUT: Duration = Duration::from_secs(10);
/// `stop_timeout`: from the stop signal or command to the process being gone.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// `log_activity_timeout`: see the manifest's key of that name.
pub const LOG_ACTIVITY_TIMEOUT: Duration = Duration::from_secs(10);

/// The defaults as the manifest writes them (for the JSON Schema).
pub mod text {
    /// [`super::START_TIMEOUT`].
    pub const START_TIMEOUT: &str = "30s";
    /// [`super::START_ABORT_TIMEOUT`].
    pub const START_ABORT_TIMEOUT: &str = "10s";
    /// [`super::STOP_TIMEOUT`].
    pub const STOP_TIMEOUT: &str = "30s";
    /// [`super::LOG_ACTIVITY_TIMEOUT`].
    pub const LOG_ACTIVITY_TIMEOUT: &str = "10s";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_defaults_are_the_durations() {
        let parse = |text: &str| Duration::from_secs(text.trim_end_matches('s').parse().unwrap());
        assert_eq!(parse(text::START_TIMEOUT), START_TIMEOUT);
        assert_eq!(parse(text::START_ABORT_TIMEOUT), START_ABORT_TIMEOUT);
        assert_eq!(parse(text::STOP_TIMEOUT), STOP_TIMEOUT);
        assert_eq!(parse(text::LOG_ACTIVITY_TIMEOUT), LOG_ACTIVITY_TIMEOUT);
    }
}

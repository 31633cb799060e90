//! How each kind of ping behaves while a start waits for it: whether devup
//! tries it on a schedule (a probe) or is told (a `log` line, a `notify`
//! datagram), how soon it may be tried again, whether it reads the log or
//! needs a notify socket. The wait loop (`wait.rs`), `wait_ready`
//! (`await_ready.rs`) and the start (`start.rs`) ask the ping these
//! questions instead of matching on its kind.

use std::time::Duration;

use regex::Regex;

use super::Ping;

impl Ping {
    /// The shortest interval between two polls, without a ping or with one
    /// whose attempt costs next to nothing.
    pub(crate) const MIN_INTERVAL: Duration = Duration::from_millis(1);

    /// True for a ping devup tries on its schedule (`tcp`, `unix`, `http`,
    /// `command`, a custom check); false for one that tells devup (`log`,
    /// `notify`).
    pub(crate) fn is_probe(&self) -> bool {
        !matches!(self, Ping::Log(_) | Ping::Notify)
    }

    /// True for a ping answered by the lines the daemon appends to its log.
    pub(crate) fn watches_log(&self) -> bool {
        matches!(self, Ping::Log(_))
    }

    /// True for a ping that needs a notify socket (`$NOTIFY_SOCKET`).
    pub(crate) fn listens_for_notify(&self) -> bool {
        matches!(self, Ping::Notify)
    }

    /// The first and shortest interval between two attempts: 10 ms for a
    /// `command` ping (each attempt forks), [`Ping::MIN_INTERVAL`] for the
    /// rest.
    pub(crate) fn min_interval(&self) -> Duration {
        match self {
            Ping::Command(_) => Duration::from_millis(10),
            _ => Self::MIN_INTERVAL,
        }
    }

    /// The regex of a `log` ping (`None` for other pings), compiled when
    /// the ping was made.
    pub(crate) fn log_regex(&self) -> Option<Regex> {
        match self {
            Ping::Log(regex) => Some(regex.clone()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_is_tried_and_a_told_ping_is_not() {
        assert!(Ping::tcp("127.0.0.1:1").is_probe());
        assert!(Ping::command("true").is_probe());
        assert!(Ping::custom(|| true).is_probe());
        assert!(!Ping::log("ready").is_probe());
        assert!(!Ping::notify().is_probe());
        assert!(Ping::log("ready").watches_log());
        assert!(!Ping::http("http://127.0.0.1:1/").watches_log());
        assert!(Ping::notify().listens_for_notify());
        assert!(!Ping::log("ready").listens_for_notify());
    }

    #[test]
    fn a_command_ping_is_tried_at_most_every_10ms() {
        assert_eq!(
            Ping::command("true").min_interval(),
            Duration::from_millis(10)
        );
        assert_eq!(
            Ping::unix("/x.sock").min_interval(),
            Duration::from_millis(1)
        );
        assert_eq!(
            Ping::log("ready (\\d+)").log_regex().map(|r| r.to_string()),
            Some("ready (\\d+)".to_string())
        );
        assert!(Ping::tcp("127.0.0.1:1").log_regex().is_none());
    }
}

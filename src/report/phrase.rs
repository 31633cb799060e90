//! The words every reporter uses for a daemon's state, so the progress
//! lines and the plain lines say the same thing.

use std::time::Duration;

use super::timeline::Took;
use crate::controller::{Event, format_duration};
use crate::run::{Action, Skip, Summary};

/// What a controller event says about the daemon's phase, or `None` for
/// the events a reporter shows from the run's own outcome instead (ready,
/// already running, stopped, not running). `command_pid`: the pid of the
/// daemon's start command, once it was spawned.
pub(crate) fn phase(event: &Event, command_pid: Option<u32>) -> Option<String> {
    Some(match event {
        Event::WaitingForLock => "waiting for the lock (another devup is at it)".into(),
        Event::StalePidFile { path, reason } => {
            format!("removed stale pid file {} ({reason})", path.display())
        }
        Event::BeforeStart { command } => format!("before_start: {command}"),
        Event::Spawned { pid } => format!("spawned (pid {pid})"),
        Event::WaitingForPidFile => "waiting for pid file".into(),
        Event::WaitingForPing { pid } => match command_pid {
            Some(command) if command != *pid => {
                format!("waiting for ping (pid {pid}, the daemon the start command forked)")
            }
            _ => format!("waiting for ping (pid {pid})"),
        },
        Event::Aborting { reason } => format!("aborting: {reason}"),
        Event::Stopping { pid } => format!("stopping (pid {pid})"),
        Event::Killing { pid } => format!("killing (pid {pid}): stop timeout passed"),
        _ => return None,
    })
}

/// The phase of a daemon whose turn just came.
pub(crate) fn begun(action: Action) -> &'static str {
    match action {
        Action::Up => "starting",
        Action::Down => "stopping",
    }
}

/// A start that ended ready, timed from the daemon's turn: `ready in 1.2s
/// (pid 42)`, or `ready in 1.8s (before_start 1.6s, pid 42)`.
pub(crate) fn ready(pid: u32, took: Took) -> String {
    match took.before_start {
        Some(share) => format!(
            "ready in {} (before_start {}, pid {pid})",
            format_duration(took.total),
            format_duration(share)
        ),
        None => format!("ready in {} (pid {pid})", format_duration(took.total)),
    }
}

/// A daemon `up` found running: `already running (pid 42)`.
pub(crate) fn already_running(pid: u32) -> String {
    format!("already running (pid {pid})")
}

/// A stop that ended with the process gone: `stopped in 0.1s (pid 42)`.
pub(crate) fn stopped(pid: u32, elapsed: Duration) -> String {
    format!("stopped in {} (pid {pid})", format_duration(elapsed))
}

/// A task that ran: `ran in 1.2s`.
pub(crate) fn task_ran(elapsed: Duration) -> String {
    format!("ran in {}", format_duration(elapsed))
}

/// A task that was up to date.
pub(crate) const UP_TO_DATE: &str = "up to date";

/// A daemon `down` found not running.
pub(crate) const NOT_RUNNING: &str = "not running";

/// A start or stop that failed: `failed after 2.0s`.
pub(crate) fn failed(elapsed: Duration) -> String {
    format!("failed after {}", format_duration(elapsed))
}

/// A daemon whose turn never came: `skipped (CAUSE)`.
pub(crate) fn skipped(cause: &Skip) -> String {
    format!("skipped ({cause})")
}

/// `up: 2 ready, 1 already running, 1 task ran, 1 failed, 1 skipped in
/// 1.3s`: the daemons' counts, then the tasks', then what went wrong.
pub(crate) fn summary(summary: &Summary) -> String {
    let mut parts = Vec::new();
    let mut part = |count: usize, what: &str| {
        if count > 0 {
            parts.push(format!("{count} {what}"));
        }
    };
    let verb = match summary.action {
        Action::Up => {
            part(summary.restarted, "restarted");
            part(summary.ready, "ready");
            part(summary.already_running, "already running");
            let tasks = |count| if count == 1 { "task" } else { "tasks" };
            let ran = summary.tasks_ran;
            part(ran, &format!("{} ran", tasks(ran)));
            let up_to_date = summary.tasks_up_to_date;
            part(up_to_date, &format!("{} up to date", tasks(up_to_date)));
            let orphans = summary.stopped;
            let noun = if orphans == 1 { "orphan" } else { "orphans" };
            part(orphans, &format!("{noun} stopped"));
            "up"
        }
        Action::Down => {
            part(summary.stopped, "stopped");
            part(summary.not_running, "not running");
            "down"
        }
    };
    part(summary.failed, "failed");
    part(summary.skipped, "skipped");
    if parts.is_empty() {
        parts.push("nothing to do".into());
    }
    format!(
        "{verb}: {} in {}",
        parts.join(", "),
        format_duration(summary.elapsed)
    )
}

/// The line for an event that is a notice rather than a daemon's state
/// (changed, orphan, a warning, an exit after ready), or `None` for every
/// other event.
pub(crate) fn notice(event: &crate::run::RunEvent<'_>) -> Option<String> {
    use crate::run::RunEvent;
    Some(match event {
        RunEvent::Changed {
            daemon,
            keys,
            restarting,
        } => {
            let what = if *restarting {
                "restarting"
            } else {
                "left running (--no-restart)"
            };
            format!("{daemon}: changed ({}), {what}", keys.join(", "))
        }
        RunEvent::Orphan {
            daemon,
            pid,
            removing,
        } => {
            let what = if *removing {
                "stopping it (--remove-orphans)"
            } else {
                "stop it with --remove-orphans or devdown"
            };
            format!("warning: {daemon}: orphan (pid {pid}), no longer in the manifest; {what}")
        }
        RunEvent::Warning { message } => format!("warning: {message}"),
        RunEvent::ExitedAfterReady { daemon, pid, .. } => {
            format!("{daemon}: exited after it was ready (pid {pid})")
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_count_only_what_happened() {
        let mut counts = Summary {
            action: Action::Up,
            ready: 2,
            already_running: 1,
            tasks_ran: 0,
            tasks_up_to_date: 0,
            restarted: 0,
            stopped: 0,
            not_running: 0,
            failed: 1,
            skipped: 0,
            elapsed: Duration::from_millis(1400),
        };
        assert_eq!(
            summary(&counts),
            "up: 2 ready, 1 already running, 1 failed in 1.4s"
        );
        counts = Summary {
            action: Action::Down,
            ready: 0,
            already_running: 0,
            tasks_ran: 0,
            tasks_up_to_date: 0,
            restarted: 0,
            failed: 0,
            ..counts
        };
        assert_eq!(summary(&counts), "down: nothing to do in 1.4s");
    }

    #[test]
    fn tasks_have_their_own_words_after_the_daemons() {
        let mut counts = Summary {
            action: Action::Up,
            ready: 1,
            already_running: 2,
            tasks_ran: 1,
            tasks_up_to_date: 2,
            restarted: 0,
            stopped: 0,
            not_running: 0,
            failed: 0,
            skipped: 1,
            elapsed: Duration::from_millis(900),
        };
        assert_eq!(
            summary(&counts),
            "up: 1 ready, 2 already running, 1 task ran, 2 tasks up to date, 1 skipped in 900ms"
        );
        counts = Summary {
            ready: 0,
            already_running: 0,
            tasks_ran: 2,
            tasks_up_to_date: 1,
            restarted: 0,
            skipped: 0,
            ..counts
        };
        assert_eq!(
            summary(&counts),
            "up: 2 tasks ran, 1 task up to date in 900ms"
        );
    }
}

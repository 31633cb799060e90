//! `--json`: one JSON object per line on stdout for every change of a
//! daemon's state, `{"daemon": "db", "event": "ready", "pid": 42,
//! "elapsed_ms": 1800}`, and a last `{"event": "summary", ...}` line with
//! the counts. Every daemon of a run ends with exactly one terminal event:
//! `ready`, `already_running`, `failed` (with `"error"`, the whole message)
//! or `skipped` (with `"reason"`) for up; `stopped`, `not_running`,
//! `failed` or `skipped` for down. What each event becomes is one match,
//! [`object`].

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::Reporter;
use super::output::{Clock, Output, system_clock};
use super::timeline::Timeline;
use crate::controller::Event;
use crate::run::{Action, RunEvent, Summary};

/// Writes one JSON object per line.
#[derive(Debug)]
pub struct JsonReporter {
    out: Output,
    timeline: Timeline,
    /// Daemons whose `waiting_for_pid_file` came before `spawned`.
    held: Mutex<HashSet<String>>,
}

impl JsonReporter {
    /// A reporter writing to stdout.
    pub fn new() -> Self {
        Self::to(Output::stdout(), system_clock())
    }

    /// A reporter writing to `out`, timing with `clock`.
    pub fn to(out: Output, clock: Arc<dyn Clock>) -> Self {
        JsonReporter {
            out,
            timeline: Timeline::new(clock),
            held: Mutex::new(HashSet::new()),
        }
    }

    fn write(&self, fields: Fields) {
        self.out.line(&line(&fields));
    }
}

impl Default for JsonReporter {
    fn default() -> Self {
        Self::new()
    }
}

impl Reporter for JsonReporter {
    fn report(&self, event: &RunEvent<'_>) {
        self.timeline.record(event);
        // The wait for a pid file may be told before the spawn it follows
        // (they come from two threads): it is shown after the spawn.
        let mut after_spawn = None;
        if let RunEvent::Controller {
            daemon,
            event: step,
        } = event
        {
            let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
            match step {
                Event::WaitingForPidFile if self.timeline.command_pid(daemon).is_none() => {
                    held.insert(daemon.to_string());
                    return;
                }
                Event::Spawned { .. } if held.remove(*daemon) => after_spawn = Some(*daemon),
                _ => {}
            }
        }
        if let Some(object) = object(event, &self.timeline) {
            self.write(object);
        }
        if let Some(daemon) = after_spawn {
            let waiting = RunEvent::Controller {
                daemon,
                event: &Event::WaitingForPidFile,
            };
            if let Some(object) = object(&waiting, &self.timeline) {
                self.write(object);
            }
        }
    }
}

/// The fields of one line, in the order they are written.
pub(crate) type Fields = Vec<(&'static str, Value)>;

/// `fields` as one JSON object, keys in their order (`daemon` and `event`
/// first, so a person reading the lines finds them).
pub(crate) fn line(fields: &Fields) -> String {
    let members: Vec<String> = fields
        .iter()
        .map(|(key, value)| format!("{}:{value}", Value::from(*key)))
        .collect();
    format!("{{{}}}", members.join(","))
}

/// What `event` becomes on a `--json` line, or `None` for events that are
/// no change of a daemon's state (the run's start, a daemon's turn: its
/// first step or outcome says that). Events added to [`RunEvent`] get
/// their line here.
pub(crate) fn object(event: &RunEvent<'_>, timeline: &Timeline) -> Option<Fields> {
    let (daemon, name, extra): (&str, &str, Fields) = match event {
        RunEvent::Begin { .. } | RunEvent::Begun { .. } => return None,
        RunEvent::Waiting {
            daemon,
            waiting_for,
        } => (daemon, "waiting", vec![("for", json!(waiting_for))]),
        RunEvent::Controller { daemon, event } => {
            let (name, extra) = controller(event)?;
            (daemon, name, extra)
        }
        RunEvent::Ready {
            daemon,
            pid,
            elapsed,
        } => {
            let took = timeline.took(daemon, *elapsed);
            let mut extra = vec![("pid", json!(pid)), ("elapsed_ms", millis(took.total))];
            if let Some(share) = took.before_start {
                extra.push(("before_start_ms", millis(share)));
            }
            (daemon, "ready", extra)
        }
        RunEvent::AlreadyRunning { daemon, pid } => {
            (daemon, "already_running", vec![("pid", json!(pid))])
        }
        RunEvent::Stopped {
            daemon,
            pid,
            elapsed,
        } => (
            daemon,
            "stopped",
            vec![("pid", json!(pid)), ("elapsed_ms", millis(*elapsed))],
        ),
        RunEvent::NotRunning { daemon } => (daemon, "not_running", vec![]),
        RunEvent::TaskDone { daemon, elapsed } => {
            (daemon, "done", vec![("elapsed_ms", millis(*elapsed))])
        }
        RunEvent::TaskUpToDate { daemon } => (daemon, "up_to_date", vec![]),
        RunEvent::Failed {
            daemon,
            error,
            elapsed,
        } => (
            daemon,
            "failed",
            vec![
                ("error", json!(error.to_string())),
                ("elapsed_ms", millis(*elapsed)),
            ],
        ),
        RunEvent::Skipped { daemon, cause } => (
            daemon,
            "skipped",
            vec![("reason", json!(cause.to_string()))],
        ),
        RunEvent::Summary(summary) => return Some(summary_fields(summary)),
        RunEvent::Changed {
            daemon,
            keys,
            restarting,
        } => (
            daemon,
            "changed",
            vec![("keys", json!(keys)), ("restarting", json!(restarting))],
        ),
        RunEvent::Orphan {
            daemon,
            pid,
            removing,
        } => (
            daemon,
            "orphan",
            vec![("pid", json!(pid)), ("removing", json!(removing))],
        ),
        // Not about one daemon's state: people's output only.
        RunEvent::Warning { .. } => return None,
        // Not a terminal event: the daemon's `ready` was its one.
        RunEvent::ExitedAfterReady { daemon, pid, error } => (
            daemon,
            "exited",
            vec![("pid", json!(pid)), ("error", json!(error.to_string()))],
        ),
    };
    let mut fields = vec![("daemon", json!(daemon)), ("event", json!(name))];
    fields.extend(extra);
    Some(fields)
}

/// A controller's step: its event name and fields.
fn controller(event: &Event) -> Option<(&'static str, Fields)> {
    Some(match event {
        Event::WaitingForLock => ("waiting_for_lock", vec![]),
        Event::StalePidFile { path, reason } => (
            "stale_pid_file",
            vec![
                ("path", json!(path.display().to_string())),
                ("reason", json!(reason)),
            ],
        ),
        Event::BeforeStart { command } => ("before_start", vec![("command", json!(command))]),
        Event::Spawned { pid } => ("spawned", vec![("pid", json!(pid))]),
        Event::WaitingForPidFile => ("waiting_for_pid_file", vec![]),
        Event::WaitingForPing { pid } => ("waiting_for_ping", vec![("pid", json!(pid))]),
        Event::Aborting { reason } => ("aborting", vec![("reason", json!(reason))]),
        Event::Stopping { pid } => ("stopping", vec![("pid", json!(pid))]),
        Event::Killing { pid } => ("killing", vec![("pid", json!(pid))]),
        // Shown from the run's own outcome instead.
        _ => return None,
    })
}

fn summary_fields(summary: &Summary) -> Fields {
    let mut fields = vec![("event", json!("summary"))];
    match summary.action {
        Action::Up => fields.extend([
            ("action", json!("up")),
            ("ready", json!(summary.ready)),
            ("already_running", json!(summary.already_running)),
        ]),
        Action::Down => fields.extend([
            ("action", json!("down")),
            ("stopped", json!(summary.stopped)),
            ("not_running", json!(summary.not_running)),
        ]),
    }
    // Only in runs that had tasks, so the summary of a run without any
    // reads as it always did.
    if summary.restarted > 0 {
        fields.push(("restarted", json!(summary.restarted)));
    }
    if summary.action == Action::Up && summary.stopped > 0 {
        fields.push(("orphans_stopped", json!(summary.stopped)));
    }
    if summary.tasks_ran > 0 {
        fields.push(("tasks_ran", json!(summary.tasks_ran)));
    }
    if summary.tasks_up_to_date > 0 {
        fields.push(("tasks_up_to_date", json!(summary.tasks_up_to_date)));
    }
    fields.extend([
        ("failed", json!(summary.failed)),
        ("skipped", json!(summary.skipped)),
        ("elapsed_ms", millis(summary.elapsed)),
    ]);
    fields
}

fn millis(duration: Duration) -> Value {
    json!(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}

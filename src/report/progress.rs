//! Live progress on a terminal (indicatif): one line per daemon with a
//! spinner, its current phase and the time since its turn came, ending in
//! `✔ ready in 212ms`, `✖ failed`, `⏭ skipped (redis failed)` or
//! `already running`; then a summary line and the full errors.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use super::Reporter;
use super::failures::Failures;
use super::phrase;
use crate::controller::format_duration;
use crate::run::{Action, RunEvent};

/// Draws one live line per daemon on stderr.
#[derive(Debug)]
pub struct ProgressReporter {
    color: bool,
    live: Mutex<Option<Live>>,
    failures: Failures,
}

/// The lines of the run being drawn.
#[derive(Debug)]
struct Live {
    multi: MultiProgress,
    bars: HashMap<String, ProgressBar>,
    action: Action,
    width: usize,
}

/// How a finished line starts.
#[derive(Clone, Copy)]
enum Mark {
    Done,
    Failed,
    Skipped,
    Quiet,
}

impl ProgressReporter {
    /// A reporter drawing on stderr, with colours when `color`.
    pub fn new(color: bool) -> Self {
        ProgressReporter {
            color,
            live: Mutex::new(None),
            failures: Failures::default(),
        }
    }

    fn live(&self) -> MutexGuard<'_, Option<Live>> {
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn paint(&self, mark: Mark) -> String {
        let (symbol, code) = match mark {
            Mark::Done => ("✔", "32"),
            Mark::Failed => ("✖", "31"),
            Mark::Skipped => ("⏭", "33"),
            Mark::Quiet => ("•", "2"),
        };
        if self.color {
            format!("\x1b[{code}m{symbol}\x1b[0m")
        } else {
            symbol.to_string()
        }
    }

    fn begin(&self, action: Action, daemons: &[String]) {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let width = daemons.iter().map(|name| name.chars().count()).max();
        let width = width.unwrap_or(0);
        let bars = daemons
            .iter()
            .map(|name| {
                let bar = multi.add(ProgressBar::new_spinner());
                bar.set_style(waiting_style());
                bar.set_prefix(format!("{name:<width$}"));
                bar.set_message("queued");
                bar.enable_steady_tick(Duration::from_millis(100));
                (name.clone(), bar)
            })
            .collect();
        *self.live() = Some(Live {
            multi,
            bars,
            action,
            width,
        });
    }

    /// Shows `message` as the daemon's phase; `begun`: its turn came now,
    /// so its clock starts.
    fn update(&self, daemon: &str, message: String, begun: bool) {
        if let Some(bar) = self.live().as_ref().and_then(|live| live.bars.get(daemon)) {
            if begun {
                bar.set_style(running_style());
                bar.reset_elapsed();
            }
            bar.set_message(message);
        }
    }

    fn finish(&self, daemon: &str, mark: Mark, text: String) {
        let live = self.live();
        if let Some((live, bar)) = live
            .as_ref()
            .and_then(|live| Some((live, live.bars.get(daemon)?)))
        {
            let width = live.width;
            bar.set_style(finished_style());
            bar.finish_with_message(format!("{} {daemon:<width$}  {text}", self.paint(mark)));
        }
    }

    fn end(&self, summary: String) {
        if let Some(live) = self.live().take() {
            for bar in live.bars.values() {
                if !bar.is_finished() {
                    bar.finish();
                }
            }
            drop(live.multi);
        }
        let text = self.failures.after(&summary);
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }

    /// A line of its own: above the live lines when a run is drawn.
    fn note(&self, line: &str) {
        match self.live().as_ref() {
            Some(live) => {
                let _ = live.multi.println(line);
            }
            None => {
                let _ = writeln!(std::io::stderr().lock(), "{line}");
            }
        }
    }

    fn action(&self) -> Action {
        self.live().as_ref().map_or(Action::Up, |live| live.action)
    }
}

fn running_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {prefix}  {msg} {ms}")
        .expect("the template is valid")
        .with_key(
            "ms",
            |state: &ProgressState, out: &mut dyn std::fmt::Write| {
                let _ = write!(out, "{}", format_duration(state.elapsed()));
            },
        )
        .tick_strings(&["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏", " "])
}

/// A daemon whose turn has not come: no spinner, no clock.
fn waiting_style() -> ProgressStyle {
    ProgressStyle::with_template("  {prefix}  {msg}").expect("the template is valid")
}

fn finished_style() -> ProgressStyle {
    ProgressStyle::with_template("{msg}").expect("the template is valid")
}

impl Reporter for ProgressReporter {
    fn report(&self, event: &RunEvent<'_>) {
        self.failures.collect(event);
        match event {
            RunEvent::Begin { action, daemons } => self.begin(*action, daemons),
            RunEvent::Waiting {
                daemon,
                waiting_for,
            } => self.update(
                daemon,
                format!("waiting for {}", waiting_for.join(", ")),
                false,
            ),
            RunEvent::Begun { daemon } => {
                self.update(daemon, phrase::begun(self.action()).to_string(), true)
            }
            RunEvent::Controller { daemon, event } => {
                if let Some(phase) = phrase::phase(event) {
                    self.update(daemon, phase, false);
                }
            }
            RunEvent::Ready {
                daemon,
                pid,
                elapsed,
            } => self.finish(daemon, Mark::Done, phrase::ready(*pid, *elapsed)),
            RunEvent::AlreadyRunning { daemon, pid } => {
                self.finish(daemon, Mark::Quiet, phrase::already_running(*pid))
            }
            RunEvent::Stopped {
                daemon,
                pid,
                elapsed,
            } => self.finish(daemon, Mark::Done, phrase::stopped(*pid, *elapsed)),
            RunEvent::NotRunning { daemon } => {
                self.finish(daemon, Mark::Quiet, phrase::NOT_RUNNING.into())
            }
            RunEvent::TaskDone { daemon, elapsed } => {
                self.finish(daemon, Mark::Done, phrase::task_ran(*elapsed))
            }
            RunEvent::TaskUpToDate { daemon } => {
                self.finish(daemon, Mark::Quiet, phrase::UP_TO_DATE.into())
            }
            RunEvent::Failed {
                daemon, elapsed, ..
            } => self.finish(daemon, Mark::Failed, phrase::failed(*elapsed)),
            RunEvent::Skipped { daemon, cause } => {
                self.finish(daemon, Mark::Skipped, phrase::skipped(cause))
            }
            RunEvent::Summary(summary) => self.end(phrase::summary(summary)),
            other => {
                if let Some(line) = phrase::notice(other) {
                    self.note(&line);
                }
            }
        }
    }
}

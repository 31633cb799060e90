//! Live progress on a terminal (indicatif): one line per daemon with a
//! spinner, its current phase (cut to the terminal's width with an
//! ellipsis) and the time since its turn came, ending in `✔ ready in 1.8s
//! (before_start 1.6s, pid 42)`, `✖ failed after 3.0s`, `⏭ skipped (redis
//! failed)` or `• already running`. When the run is over the live lines
//! are cleared and the final line of every daemon is written to the
//! [`Output`] once, with the summary and the full errors: what stays on the
//! screen is plain text, even after an interrupted run, and a test can
//! compare it whole.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use super::Reporter;
use super::failures::Failures;
use super::output::{Clock, Output, system_clock};
use super::phrase;
use super::stopping::Stopping;
use super::timeline::Timeline;
use crate::controller::format_duration;
use crate::run::{Action, RunEvent};

/// Columns kept free after a phase for its clock (` 59.9s`).
const CLOCK_ROOM: usize = 7;

/// The narrowest phase shown, however narrow the terminal.
const MIN_PHASE: usize = 10;

/// Draws one live line per daemon.
#[derive(Debug)]
pub struct ProgressReporter {
    color: bool,
    out: Output,
    /// The width to fit lines to; `None`: the terminal's, asked at each run.
    width: Option<usize>,
    /// Draw on stderr (`false`: draw nothing live, as in tests).
    draw: bool,
    timeline: Timeline,
    live: Mutex<Option<Live>>,
    failures: Failures,
    stopping: Stopping,
}

/// One line of a run: a daemon's stop or its start (a converge has both).
type Key = (Action, String);

/// The lines of the run being drawn.
#[derive(Debug)]
struct Live {
    multi: MultiProgress,
    bars: HashMap<Key, ProgressBar>,
    /// The lines in their order: those of each `Begin`, in turn.
    order: Vec<Key>,
    /// The final text of each line that has one.
    finals: HashMap<Key, String>,
    /// For each line, the width of the longest name of its `Begin`, and
    /// the room for its phase.
    widths: HashMap<Key, (usize, usize)>,
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
            out: Output::stderr(),
            width: None,
            draw: true,
            timeline: Timeline::new(system_clock()),
            live: Mutex::new(None),
            failures: Failures::default(),
            stopping: Stopping::default(),
        }
    }

    /// A reporter that draws no live lines and writes what stays on the
    /// screen to `out`, fitting lines to `width` columns and timing with
    /// `clock`: the whole output of a run, rendered for a test.
    pub fn to(out: Output, color: bool, width: usize, clock: Arc<dyn Clock>) -> Self {
        ProgressReporter {
            color,
            out,
            width: Some(width),
            draw: false,
            timeline: Timeline::new(clock),
            live: Mutex::new(None),
            failures: Failures::default(),
            stopping: Stopping::default(),
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

    /// New lines for `daemons` (their stops or their starts, as `action`
    /// says), below those of a run that goes on without a summary between
    /// (a converge's stops, then its starts, drawn at once).
    fn begin(&self, action: Action, daemons: &[String]) {
        let mut live = self.live();
        let live = live.get_or_insert_with(|| {
            let target = if self.draw {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            };
            Live {
                multi: MultiProgress::with_draw_target(target),
                bars: HashMap::new(),
                order: Vec::new(),
                finals: HashMap::new(),
                widths: HashMap::new(),
            }
        });
        let names = daemons.iter().map(|name| name.chars().count()).max();
        let names = names.unwrap_or(0);
        let width = self.width.unwrap_or_else(terminal_width);
        let room = phase_room(width, names);
        for name in daemons {
            let bar = live.multi.add(ProgressBar::new_spinner());
            bar.set_style(waiting_style());
            bar.set_prefix(format!("{name:<names$}"));
            bar.set_message("queued");
            if self.draw {
                bar.enable_steady_tick(Duration::from_millis(100));
            }
            let key = (action, name.clone());
            live.bars.insert(key.clone(), bar);
            live.widths.insert(key.clone(), (names, room));
            live.order.push(key);
        }
    }

    /// The line `daemon`'s events go to now: its stop's while one is
    /// under way, else its start's.
    fn key(&self, daemon: &str) -> Key {
        (self.stopping.action_of(daemon), daemon.to_string())
    }

    /// Shows `phase` as the daemon's phase; `begun`: its turn came now,
    /// so its clock starts.
    fn update(&self, daemon: &str, phase: &str, begun: bool) {
        let key = self.key(daemon);
        let live = self.live();
        let Some(live) = live.as_ref() else { return };
        if let (Some(bar), Some((_, room))) = (live.bars.get(&key), live.widths.get(&key)) {
            if begun {
                bar.set_style(running_style());
                bar.reset_elapsed();
            }
            bar.set_message(fit(phase, *room));
        }
    }

    fn finish(&self, daemon: &str, mark: Mark, text: String) {
        let key = self.key(daemon);
        let mut live = self.live();
        let Some(live) = live.as_mut() else { return };
        let Some(&(names, _)) = live.widths.get(&key) else {
            return;
        };
        let line = format!("{} {daemon:<names$}  {text}", self.paint(mark));
        if let Some(bar) = live.bars.get(&key) {
            bar.set_style(finished_style());
            bar.finish_with_message(line.clone());
        }
        live.finals.insert(key, line);
    }

    /// Clears the live lines and writes the final ones, then `summary` and
    /// the errors.
    fn end(&self, summary: String) {
        let mut text = self.close();
        text.push_str(&self.failures.after(&summary));
        self.out.line(&text);
    }

    /// Clears the live lines; returns the final ones, in order.
    fn close(&self) -> String {
        let mut text = String::new();
        if let Some(live) = self.live().take() {
            for bar in live.bars.values() {
                bar.finish_and_clear();
            }
            let _ = live.multi.clear();
            for key in &live.order {
                if let Some(line) = live.finals.get(key) {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
        text
    }

    /// A line of its own: above the live lines when a run is drawn.
    fn note(&self, line: &str) {
        match self.live().as_ref() {
            Some(live) => {
                let _ = live.multi.println(line);
            }
            None => self.out.line(line),
        }
    }
}

/// The width of the terminal on stderr (80 when it cannot be told).
fn terminal_width() -> usize {
    console::Term::stderr()
        .size_checked()
        .map_or(80, |(_, columns)| usize::from(columns))
}

/// The columns left for the phase on a live line `width` wide, after the
/// spinner, the name (`names` wide) and the clock.
pub(crate) fn phase_room(width: usize, names: usize) -> usize {
    width
        .saturating_sub(2 + names + 2 + CLOCK_ROOM)
        .max(MIN_PHASE)
}

/// `text` cut to `room` columns, ending in `…` when it was cut.
pub(crate) fn fit(text: &str, room: usize) -> String {
    console::truncate_str(text, room, "…").into_owned()
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
        self.timeline.record(event);
        match event {
            RunEvent::Begin { action, daemons } => self.begin(*action, daemons),
            RunEvent::Waiting {
                daemon,
                waiting_for,
            } => self.update(
                daemon,
                &format!("waiting for {}", waiting_for.join(", ")),
                false,
            ),
            RunEvent::Begun { daemon } => {
                let action = self.stopping.action_of(daemon);
                self.update(daemon, phrase::begun(action), true)
            }
            RunEvent::Controller { daemon, event } => {
                if let Some(phase) = phrase::phase(event, self.timeline.command_pid(daemon)) {
                    self.update(daemon, &phase, false);
                }
            }
            RunEvent::Ready {
                daemon,
                pid,
                elapsed,
            } => {
                let took = self.timeline.took(daemon, *elapsed);
                self.finish(daemon, Mark::Done, phrase::ready(*pid, took))
            }
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
        self.stopping.record(event);
    }
}

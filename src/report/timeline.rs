//! When each daemon's turn came, when its `before_start` commands began and
//! when its start command was spawned (and with which pid), read from the
//! run's events on the reporter's [`Clock`]: what a final line needs to say
//! `ready in 1.8s (before_start 1.6s, pid 42)` with the time from the
//! daemon's turn, and what a `waiting for ping` line needs to say that the
//! pid is the daemon the start command forked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::output::Clock;
use crate::controller::Event;
use crate::run::RunEvent;

/// How long a daemon's start took, from its turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Took {
    /// From the daemon's turn to now.
    pub total: Duration,
    /// The share of its `before_start` commands, when it had any.
    pub before_start: Option<Duration>,
}

#[derive(Debug, Default)]
struct Track {
    turn: Option<Instant>,
    before_start: Option<Instant>,
    spawned: Option<(Instant, u32)>,
}

/// The times of every daemon of a run.
#[derive(Debug)]
pub(crate) struct Timeline {
    clock: Arc<dyn Clock>,
    daemons: Mutex<HashMap<String, Track>>,
}

impl Timeline {
    pub(crate) fn new(clock: Arc<dyn Clock>) -> Self {
        Timeline {
            clock,
            daemons: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Track>> {
        self.daemons
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes the times out of `event`.
    pub(crate) fn record(&self, event: &RunEvent<'_>) {
        let now = self.clock.now();
        match event {
            RunEvent::Begun { daemon } => {
                self.lock().insert(
                    daemon.to_string(),
                    Track {
                        turn: Some(now),
                        ..Track::default()
                    },
                );
            }
            RunEvent::Controller { daemon, event } => {
                let mut daemons = self.lock();
                let track = daemons.entry(daemon.to_string()).or_default();
                match event {
                    Event::BeforeStart { .. } if track.before_start.is_none() => {
                        track.before_start = Some(now);
                    }
                    Event::Spawned { pid } => track.spawned = Some((now, *pid)),
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// How long the start of `daemon` took until now; `fallback` (the
    /// controller's own figure) when its turn was never seen.
    pub(crate) fn took(&self, daemon: &str, fallback: Duration) -> Took {
        let now = self.clock.now();
        let daemons = self.lock();
        let Some(track) = daemons.get(daemon) else {
            return Took {
                total: fallback,
                before_start: None,
            };
        };
        let before_start = track.before_start.map(|began| {
            let ended = track.spawned.map_or(now, |(at, _)| at);
            ended.saturating_duration_since(began)
        });
        Took {
            total: track
                .turn
                .map_or(fallback, |turn| now.saturating_duration_since(turn)),
            before_start,
        }
    }

    /// The pid of the start command of `daemon`, once it was spawned.
    pub(crate) fn command_pid(&self, daemon: &str) -> Option<u32> {
        self.lock()
            .get(daemon)
            .and_then(|track| track.spawned.map(|(_, pid)| pid))
    }
}

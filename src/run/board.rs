//! The scheduler's shared state (see `schedule.rs`): which daemons are done
//! and with what cause, which are ready (all they wait for done), and the
//! worker threads' turns. At most `turns` workers work at once; a worker in
//! a long wait (`controller/waiting.rs`) gives its turn back until the wait
//! ends, so a slow start never keeps a ready daemon from starting. Idle
//! workers are woken one per ready daemon (never all of them), and a new
//! one is asked of the spawning thread only when no idle worker is left.
//! Every step is O(1) but for a daemon's own dependents.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};

use super::outcome::Skip;
use crate::controller::WaitHook;

/// One daemon, taken to be worked on: its index, and the cause to skip it
/// with when something it waits for blocks it.
pub(super) struct Job {
    pub(super) index: usize,
    pub(super) blocked: Option<Skip>,
}

/// The state of one run, shared by its workers and the spawning thread.
pub(super) struct Board {
    state: Mutex<State>,
    /// Idle workers wait here for a wake-up.
    idle: Condvar,
    /// The spawning thread waits here for workers to spawn, or the end.
    spawner: Condvar,
    /// How many workers may work at once (outside long waits).
    turns: usize,
}

struct State {
    /// Per daemon: the indices of what it waits for, in the caller's order.
    waits: Vec<Vec<usize>>,
    /// Per daemon: the indices of those waiting for it.
    dependents: Vec<Vec<usize>>,
    /// Per daemon: how many of its waits are not done yet.
    pending: Vec<usize>,
    /// Per daemon done: whether (and why) it blocks those waiting for it.
    causes: Vec<Option<Skip>>,
    done: usize,
    /// Daemons whose waits are all done, in the order they became so.
    ready: VecDeque<usize>,
    /// Workers working on a daemon, not in a long wait.
    working: usize,
    /// Workers on their way to take a daemon: woken or being spawned.
    coming: usize,
    /// Idle workers not yet woken.
    idle: usize,
    /// Wake-ups sent to idle workers and not yet taken by one.
    wake_ups: usize,
    /// Workers the spawning thread is asked to spawn.
    to_spawn: usize,
}

impl Board {
    /// A board for daemons that wait for `waits` (indices, per daemon), run
    /// by at most `turns` workers at once.
    pub(super) fn new(waits: Vec<Vec<usize>>, turns: usize) -> Board {
        let mut dependents = vec![Vec::new(); waits.len()];
        for (index, waits) in waits.iter().enumerate() {
            for &other in waits {
                dependents[other].push(index);
            }
        }
        let pending: Vec<usize> = waits.iter().map(Vec::len).collect();
        let ready = (0..waits.len()).filter(|&at| pending[at] == 0).collect();
        let state = State {
            causes: vec![None; waits.len()],
            waits,
            dependents,
            pending,
            done: 0,
            ready,
            working: 0,
            coming: 0,
            idle: 0,
            wake_ups: 0,
            to_spawn: 0,
        };
        let board = Board {
            state: Mutex::new(state),
            idle: Condvar::new(),
            spawner: Condvar::new(),
            turns: turns.max(1),
        };
        let mut state = board.lock();
        board.hand_out(&mut state);
        drop(state);
        board
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// For the spawning thread: blocks until workers are to be spawned
    /// (returns how many) or every daemon is done (returns 0).
    pub(super) fn workers_to_spawn(&self) -> usize {
        let mut state = self
            .spawner
            .wait_while(self.lock(), |state| {
                state.to_spawn == 0 && !state.all_done()
            })
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        std::mem::take(&mut state.to_spawn)
    }

    /// A worker's life: takes ready daemons and runs `run` on each (which
    /// returns the cause to block its dependents with) until all are done.
    /// The worker was counted as coming when it was asked for.
    pub(super) fn work(&self, run: impl Fn(Job) -> Option<Skip>) {
        let mut state = self.lock();
        state.coming -= 1;
        loop {
            if state.all_done() {
                return;
            }
            if let Some(job) = state.take(self.turns) {
                // More may be ready than this worker takes.
                self.hand_out(&mut state);
                drop(state);
                let index = job.index;
                let cause = run(job);
                state = self.lock();
                state.working -= 1;
                state.finish(index, cause);
                if state.all_done() {
                    self.idle.notify_all();
                    self.spawner.notify_all();
                    return;
                }
                // This worker takes the next ready daemon itself (above).
                continue;
            }
            state.idle += 1;
            state = self
                .idle
                .wait_while(state, |state| state.wake_ups == 0 && !state.all_done())
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if state.all_done() {
                return;
            }
            state.wake_ups -= 1;
            state.coming -= 1;
        }
    }

    /// Sends a worker (an idle one woken, else a new one) for each ready
    /// daemon no worker is coming for yet, as long as turns are free.
    fn hand_out(&self, state: &mut State) {
        while state.ready.len() > state.coming && state.working + state.coming < self.turns {
            state.coming += 1;
            if state.idle > 0 {
                state.idle -= 1;
                state.wake_ups += 1;
                self.idle.notify_one();
            } else {
                state.to_spawn += 1;
                self.spawner.notify_one();
            }
        }
    }
}

impl WaitHook for Board {
    fn begin(&self) {
        let mut state = self.lock();
        state.working -= 1;
        self.hand_out(&mut state);
    }

    /// Back from the wait, the worker finishes its daemon even when that
    /// makes one worker more than `turns` for a while: it holds a lock or
    /// a start in progress, and must not wait for a turn with it.
    fn end(&self) {
        self.lock().working += 1;
    }
}

impl State {
    fn all_done(&self) -> bool {
        self.done == self.causes.len()
    }

    /// The next ready daemon, when a turn is free.
    fn take(&mut self, turns: usize) -> Option<Job> {
        if self.working >= turns {
            return None;
        }
        let index = self.ready.pop_front()?;
        self.working += 1;
        let blocked = self.waits[index]
            .iter()
            .find_map(|&other| self.causes[other].clone());
        Some(Job { index, blocked })
    }

    fn finish(&mut self, index: usize, cause: Option<Skip>) {
        self.causes[index] = cause;
        self.done += 1;
        // Each daemon finishes once: its list of dependents is not needed again.
        for dependent in std::mem::take(&mut self.dependents[index]) {
            self.pending[dependent] -= 1;
            if self.pending[dependent] == 0 {
                self.ready.push_back(dependent);
            }
        }
    }
}

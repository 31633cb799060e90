//! SIGINT, SIGTERM and SIGHUP for the command line. No handler runs code
//! in signal context: [`Signals::install`] blocks the three signals in the
//! calling (main) thread before any other thread exists, so every thread
//! inherits the blocked mask, and one thread takes them with `sigwaitinfo`
//! and acts in ordinary code: the first signal aborts the starts in progress
//! through the [`AbortSignal`] (as a start timeout would), a second one kills
//! them at once; either may be forwarded to the child of `devup exec`; and
//! whoever waits in [`Signals::wait_timeout`] is woken.
//!
//! A blocked mask is inherited across `exec`, and `std::process::Command`
//! does not reset it, so every child devup spawns must get an empty mask in
//! a `pre_exec`: the controller does it in the commands it spawns, `exec`
//! does it for CMD (tests check both through `/proc/PID/status`).
//!
//! Commands that run for a moment (`check`, `graph`, ...) do not install
//! this and keep the default dispositions.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use nix::sys::signal::{SigSet, Signal};

use crate::controller::AbortSignal;
use crate::sys::sentinel::Sentinel;

/// The signals devup handles.
const HANDLED: [Signal; 3] = [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP];

/// The handle to the signal thread; clones share it.
#[derive(Clone, Debug)]
pub struct Signals {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    abort: AbortSignal,
    /// The number of the first signal received, 0 before.
    first: AtomicI32,
    /// How many signals were received.
    count: AtomicU32,
    /// A child to forward signals to (`devup exec`'s CMD), 0 for none.
    forward_to: AtomicI32,
    /// Whether the child is in devup's own process group, so that a signal
    /// the terminal sent to that group reached it already.
    child_in_group: AtomicBool,
    /// While the child is in devup's group: a member of the group that
    /// tells a signal sent to the whole group (which reached the child
    /// too) from one sent to devup alone.
    sentinel: Mutex<Option<Sentinel>>,
    /// Bumped on every signal; waiters sleep on `woken`.
    generation: Mutex<u32>,
    woken: Condvar,
}

impl Signals {
    /// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and starts the
    /// thread that waits for them. Call it from the main thread before any
    /// other thread is spawned: threads spawned before it would still get
    /// the default dispositions.
    pub fn install() -> io::Result<Signals> {
        let set = handled_set();
        set.thread_block().map_err(io::Error::from)?;
        let shared = Arc::new(Shared::default());
        let thread_shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("devup-signals".into())
            .spawn(move || wait_loop(&set, &thread_shared))?;
        Ok(Signals { shared })
    }

    /// The abort signal to hand to every controller: fired by the first
    /// signal, killed by the second.
    pub fn abort_signal(&self) -> AbortSignal {
        self.shared.abort.clone()
    }

    /// The first signal received, if any, as its number (2 for SIGINT).
    pub fn received(&self) -> Option<i32> {
        match self.shared.first.load(Ordering::SeqCst) {
            0 => None,
            signal => Some(signal),
        }
    }

    /// Forward the signals received from now on to `pid`, a child in
    /// devup's own process group (`None`: stop forwarding). Signals sent to
    /// the whole group, by the terminal (Ctrl-C) or by a process (`kill --
    /// -PGID`), are not forwarded: the child got them already. Call it
    /// from the main thread (see [`Sentinel::spawn`]).
    pub fn forward_to(&self, pid: Option<u32>) {
        self.shared.child_in_group.store(true, Ordering::SeqCst);
        // Without a sentinel (fork failed), a process's `kill -- -PGID`
        // cannot be told from `kill PID`, and is forwarded.
        let sentinel = pid.and_then(|_| {
            let signals = HANDLED.map(|signal| signal as libc::c_int);
            Sentinel::spawn(&signals).ok()
        });
        *lock(&self.shared.sentinel) = sentinel;
        let pid = pid.and_then(|pid| i32::try_from(pid).ok()).unwrap_or(0);
        self.shared.forward_to.store(pid, Ordering::SeqCst);
    }

    /// Like [`Signals::forward_to`], for a child in a process group of its
    /// own: every signal devup gets is forwarded, the terminal's too, as
    /// nothing else sends them to the child.
    pub fn forward_all_to(&self, pid: u32) {
        self.shared.child_in_group.store(false, Ordering::SeqCst);
        *lock(&self.shared.sentinel) = None;
        let pid = i32::try_from(pid).unwrap_or(0);
        self.shared.forward_to.store(pid, Ordering::SeqCst);
    }

    /// Sleeps for `timeout` or until a signal arrives; returns the first
    /// signal received, if any.
    pub fn wait_timeout(&self, timeout: Duration) -> Option<i32> {
        if let Some(signal) = self.received() {
            return Some(signal);
        }
        let generation = lock(&self.shared.generation);
        let start = *generation;
        let _unused = self
            .shared
            .woken
            .wait_timeout_while(generation, timeout, |now| *now == start);
        self.received()
    }
}

fn handled_set() -> SigSet {
    let mut set = SigSet::empty();
    for signal in HANDLED {
        set.add(signal);
    }
    set
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn wait_loop(set: &SigSet, shared: &Shared) {
    loop {
        let Some((signal, si_code)) = crate::sys::signal::wait_for(set) else {
            // EINTR (a stop/continue); nothing was received.
            continue;
        };
        let count = shared.count.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = shared
            .first
            .compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
        if count == 1 {
            shared.abort.abort();
        } else {
            shared.abort.kill();
        }
        let child = shared.forward_to.load(Ordering::SeqCst);
        // A signal the terminal generated (Ctrl-C, hangup) went to the whole
        // foreground process group, the child included when it is in
        // devup's group, and so did one a process sent to the group (`kill
        // -- -PGID`), which the sentinel got too; then only forward what a
        // process sent to devup alone (`kill PID`). The sentinel is asked
        // about every signal, so that it never keeps one for the next.
        let to_group = lock(&shared.sentinel)
            .as_ref()
            .is_some_and(|sentinel| sentinel.took(signal));
        let got_it = shared.child_in_group.load(Ordering::SeqCst)
            && (si_code == libc::SI_KERNEL || to_group);
        if child > 0
            && !got_it
            && let Ok(signal) = Signal::try_from(signal)
        {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(child), signal);
        }
        *lock(&shared.generation) += 1;
        shared.woken.notify_all();
    }
}

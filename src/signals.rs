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
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};
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

/// The child signals are forwarded to. The signal thread counts, judges
/// and forwards each signal under its lock, and the child is spawned under
/// it, so every signal is either one that came before the child (handed
/// over at its spawn) or one judged with the child running.
#[derive(Debug, Default)]
struct Forwarding {
    /// The child (`devup exec`'s CMD), 0 before it runs and after it ended.
    pid: i32,
    /// Whether the child is in devup's own process group, so that a signal
    /// sent to that group (by the terminal, or `kill -- -PGID`) reached it.
    in_group: bool,
    /// While the child is in devup's group: a member of the group that
    /// tells a signal sent to the whole group from one sent to devup alone.
    sentinel: Option<Sentinel>,
}

#[derive(Debug, Default)]
struct Shared {
    abort: AbortSignal,
    /// The number of the first signal received, 0 before.
    first: AtomicI32,
    /// How many signals were received.
    count: AtomicU32,
    /// Where signals go besides devup: `devup exec`'s CMD.
    forwarding: Mutex<Forwarding>,
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

    /// Spawns `command` and forwards the signals devup receives to it
    /// until [`Signals::stop_forwarding`]; the first signal received before
    /// the spawn, if any, is forwarded at once. `in_group`: the child stays
    /// in devup's own process group, where a signal sent to the whole group,
    /// by the terminal (Ctrl-C) or by a process (`kill -- -PGID`), reaches it
    /// directly and is not forwarded; otherwise it is in a group of its own
    /// and gets every signal devup gets. For a child in the group, the
    /// sentinel that tells the two apart joins the group before the child
    /// exists. Call it from the main thread (see [`Sentinel::spawn`]).
    pub fn spawn_forwarded(
        &self,
        command: &mut std::process::Command,
        in_group: bool,
    ) -> io::Result<std::process::Child> {
        // Without a sentinel (fork failed), a process's `kill -- -PGID`
        // cannot be told from `kill PID`, and is forwarded.
        let sentinel = in_group
            .then(|| Sentinel::spawn(&HANDLED.map(|signal| signal as libc::c_int)).ok())
            .flatten();
        let mut forwarding = lock(&self.shared.forwarding);
        let child = command.spawn()?;
        let pid = i32::try_from(child.id()).unwrap_or(0);
        *forwarding = Forwarding {
            pid,
            in_group,
            sentinel,
        };
        // Each signal counted so far came before the child existed.
        if let Some(Ok(signal)) = self.received().map(Signal::try_from) {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal);
        }
        Ok(child)
    }

    /// Stops forwarding signals: the child ended.
    pub fn stop_forwarding(&self) {
        *lock(&self.shared.forwarding) = Forwarding::default();
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
        let forwarding = lock(&shared.forwarding);
        let count = shared.count.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = shared
            .first
            .compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
        if count == 1 {
            shared.abort.abort();
        } else {
            shared.abort.kill();
        }
        forward(&forwarding, signal, si_code);
        drop(forwarding);
        *lock(&shared.generation) += 1;
        shared.woken.notify_all();
    }
}

/// Forwards `signal` to the child, if one runs, unless it reached the
/// child directly.
fn forward(forwarding: &Forwarding, signal: i32, si_code: i32) {
    // A signal the terminal generated (Ctrl-C, hangup) went to the whole
    // foreground process group, the child included when it is in devup's
    // group, and so did one a process sent to the group (`kill -- -PGID`),
    // which the sentinel got too; then only forward what a process sent to
    // devup alone (`kill PID`). The sentinel is asked about every signal, so
    // that it never keeps one for the next.
    let to_group = forwarding
        .sentinel
        .as_ref()
        .is_some_and(|sentinel| sentinel.took(signal));
    let got_it = forwarding.in_group && (si_code == libc::SI_KERNEL || to_group);
    if forwarding.pid > 0
        && !got_it
        && let Ok(signal) = Signal::try_from(signal)
    {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(forwarding.pid), signal);
    }
}

//! The one thread that reaps the start helpers released after successful
//! starts (`StartTree::release`): each was sent SIGKILL, and takes a
//! scheduling round to die, which no start waits for. A thread per release
//! cost a stack's mmap and munmap and a clone per start; this one lives as
//! long as the process, blocked on its queue when there is nothing to reap.
//! A helper's memory (it may share devup's, see `sys/start_helper.rs`) is
//! dropped only once the helper is reaped.

use std::sync::Mutex;
use std::sync::mpsc::{Sender, channel};

use crate::sys;
use crate::sys::start_helper::HelperMemory;

/// A released helper: its pid and the memory it runs on.
type Released = (u32, Option<HelperMemory>);

/// The queue to the reaping thread, made with it on first use, and the
/// process that made it (a forked child of that process has the queue but
/// not the thread, and makes its own).
static QUEUE: Mutex<Option<(u32, Sender<Released>)>> = Mutex::new(None);

/// Hands the killed helper `pid` and its memory to the reaping thread;
/// both back when that thread cannot be made (the caller reaps then).
pub(super) fn hand_over(pid: u32, memory: Option<HelperMemory>) -> Result<(), Released> {
    let mut queue = QUEUE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let me = std::process::id();
    if queue.as_ref().is_none_or(|(owner, _)| *owner != me) {
        let (sender, receiver) = channel::<Released>();
        let spawned = std::thread::Builder::new()
            .name("devup-reap".into())
            .spawn(move || {
                for (pid, memory) in receiver {
                    sys::process::reap(pid);
                    drop(memory);
                }
            });
        if spawned.is_err() {
            return Err((pid, memory));
        }
        *queue = Some((me, sender));
    }
    let (_, sender) = queue.as_ref().expect("made above");
    // The thread never ends while the sender lives: sending cannot fail.
    sender.send((pid, memory)).map_err(|error| error.0)
}

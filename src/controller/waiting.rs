//! Long waits of one operation, made known to whoever runs it. A start spends
//! most of its time asleep: until the daemon is ready, until another devup
//! lets go of the lock, until a `before_start` command ends; a stop, until
//! the daemon is gone. The scheduler of a run (`run/schedule.rs`) runs many
//! daemons on a few worker threads; it registers a [`WaitHook`] on each
//! worker, and [`while_waiting`] tells it when such a wait begins and ends,
//! so that the worker's turn goes to another daemon meanwhile. Without a
//! hook (a library user's own thread) nothing happens. This module knows
//! nothing of the scheduler; it only carries the news.

use std::cell::RefCell;
use std::sync::Arc;

/// Told when a long wait of the current thread begins and ends.
pub(crate) trait WaitHook: Send + Sync {
    /// The thread is about to sleep in a long wait.
    fn begin(&self);
    /// The thread is back from the wait and works again.
    fn end(&self);
}

thread_local! {
    static HOOK: RefCell<Option<Arc<dyn WaitHook>>> = const { RefCell::new(None) };
}

/// Runs `work` with `hook` registered on this thread.
pub(crate) fn with_hook<R>(hook: Arc<dyn WaitHook>, work: impl FnOnce() -> R) -> R {
    struct Unregister;
    impl Drop for Unregister {
        fn drop(&mut self) {
            HOOK.with(|slot| slot.borrow_mut().take());
        }
    }
    HOOK.with(|slot| *slot.borrow_mut() = Some(hook));
    let _unregister = Unregister;
    work()
}

/// Runs `wait`, a long wait, telling this thread's hook (if any) when it
/// begins and ends (also when `wait` panics). A wait inside a wait is told
/// once, by the outer one.
pub(crate) fn while_waiting<R>(wait: impl FnOnce() -> R) -> R {
    struct Back(Option<Arc<dyn WaitHook>>);
    impl Drop for Back {
        fn drop(&mut self) {
            if let Some(hook) = self.0.take() {
                hook.end();
                HOOK.with(|slot| *slot.borrow_mut() = Some(hook));
            }
        }
    }
    let hook = HOOK.with(|slot| slot.borrow_mut().take());
    if let Some(hook) = &hook {
        hook.begin();
    }
    let _back = Back(hook);
    wait()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    struct Log(Mutex<Vec<&'static str>>);

    impl WaitHook for Log {
        fn begin(&self) {
            self.0.lock().unwrap().push("begin");
        }
        fn end(&self) {
            self.0.lock().unwrap().push("end");
        }
    }

    #[test]
    fn a_nested_wait_is_told_once_and_the_hook_goes_with_its_work() {
        let log = Arc::new(Log(Mutex::new(Vec::new())));
        with_hook(log.clone(), || {
            while_waiting(|| {
                while_waiting(|| ());
            });
            while_waiting(|| ());
        });
        while_waiting(|| ());
        assert_eq!(*log.0.lock().unwrap(), ["begin", "end", "begin", "end"]);
    }

    #[test]
    fn a_wait_that_panics_still_ends() {
        let log = Arc::new(Log(Mutex::new(Vec::new())));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            with_hook(log.clone(), || while_waiting(|| panic!("the wait panics")))
        }));
        assert!(result.is_err());
        assert_eq!(*log.0.lock().unwrap(), ["begin", "end"]);
    }
}

//! Waiting for a condition, the one way every test does it: poll it every
//! few milliseconds and fail the test, at the caller's line, once the
//! deadline has passed. Never a fixed sleep in place of a condition.

use std::time::{Duration, Instant};

/// Polls `condition` until it holds; fails the test with `what` past `limit`.
#[track_caller]
pub fn wait_for(what: &str, limit: Duration, condition: impl FnMut() -> bool) {
    wait_for_showing(what, limit, condition, String::new)
}

/// [`wait_for`], whose failure also says what `seen` finds then (the state
/// the condition was still waiting on).
#[track_caller]
pub fn wait_for_showing(
    what: &str,
    limit: Duration,
    mut condition: impl FnMut() -> bool,
    seen: impl FnOnce() -> String,
) {
    let deadline = Instant::now() + limit;
    while !condition() {
        if Instant::now() >= deadline {
            let seen = seen();
            if seen.is_empty() {
                panic!("timed out after {limit:?} waiting until {what}");
            }
            panic!("timed out after {limit:?} waiting until {what}: {seen}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

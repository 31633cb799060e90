//! Waiting for a condition, the one way every test does it: poll it every
//! few milliseconds and fail the test, at the caller's line, once the
//! deadline has passed. Never a fixed sleep in place of a condition.

use std::time::{Duration, Instant};

/// Polls `condition` until it holds; fails the test with `what` past `limit`.
#[track_caller]
pub fn wait_for(what: &str, limit: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !condition() {
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

//! Deadlines that cannot panic: `Instant + Duration` panics on overflow
//! ("overflow when adding duration to instant"), and a duration can come
//! from a library caller unchecked. Every deadline of the controller is
//! made here; one too far to represent is as good as never.

use std::time::{Duration, Instant};

/// The longest a timeout may be, in the manifest and in the builder: one
/// day. Longer ones are refused, so every deadline devup computes is
/// representable and fits a `poll` timeout in milliseconds.
pub const MAX_DURATION: Duration = Duration::from_secs(24 * 60 * 60);

/// `from + duration`, or the furthest instant that can be represented
/// near it when that overflows.
pub(crate) fn add(from: Instant, duration: Duration) -> Instant {
    from.checked_add(duration).unwrap_or_else(|| {
        // Halve until it fits: at worst ~64 steps, only on absurd input.
        let mut step = duration;
        let mut at = from;
        while step > Duration::ZERO {
            match at.checked_add(step) {
                Some(later) => at = later,
                None => step /= 2,
            }
        }
        at
    })
}

/// `duration` from now.
pub(crate) fn after(duration: Duration) -> Instant {
    add(Instant::now(), duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unrepresentable_deadline_saturates_instead_of_panicking() {
        let now = Instant::now();
        let far = add(now, Duration::MAX);
        assert!(far > now + MAX_DURATION);
        assert_eq!(
            add(now, Duration::from_secs(5)),
            now + Duration::from_secs(5)
        );
        assert!(after(Duration::MAX) >= far);
    }
}

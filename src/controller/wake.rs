//! What woke a start's wait loop from one sleep (`wait.rs`): the start
//! tree's report pipe, a file event in the pid file's or log's directory, a
//! notify datagram, the abort signal, or the schedule's own timeout. Several
//! can be ready at once, so a sleep answers with a set of them, [`Wakes`];
//! the next turn reads only the sources that woke it.

/// One source that can end a sleep of the wait loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wake {
    /// The start tree's report pipe is readable (a report, or its end).
    Report,
    /// A file was created, written or renamed in a watched directory.
    FileEvent,
    /// The notify socket holds a datagram.
    Notify,
    /// The abort signal fired.
    Abort,
    /// Nothing else: the schedule's timeout passed.
    Timeout,
}

impl Wake {
    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// The sources that ended one sleep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Wakes(u8);

impl Wakes {
    /// Nothing yet.
    pub(crate) const NONE: Wakes = Wakes(0);

    /// Every source: the first turn, before any sleep, reads them all.
    pub(crate) const ALL: Wakes = Wakes(
        Wake::Report.bit()
            | Wake::FileEvent.bit()
            | Wake::Notify.bit()
            | Wake::Abort.bit()
            | Wake::Timeout.bit(),
    );

    /// This set with `wake` added.
    pub(crate) fn with(self, wake: Wake) -> Wakes {
        Wakes(self.0 | wake.bit())
    }

    /// This set with `wake` added when `ready` says so.
    pub(crate) fn with_if(self, wake: Wake, ready: bool) -> Wakes {
        if ready { self.with(wake) } else { self }
    }

    /// True when `wake` is in the set.
    pub(crate) fn has(self, wake: Wake) -> bool {
        self.0 & wake.bit() != 0
    }

    /// True when a source woke the sleep before its timeout (for the
    /// schedule: a wake-up polls again soon, a timeout less soon).
    pub(crate) fn woken_early(self) -> bool {
        self.0 & !Wake::Timeout.bit() != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_holds_what_was_added_and_nothing_else() {
        let wakes = Wakes::NONE.with(Wake::Report).with_if(Wake::Notify, false);
        assert!(wakes.has(Wake::Report));
        assert!(!wakes.has(Wake::Notify));
        assert!(!wakes.has(Wake::FileEvent));
        assert!(wakes.woken_early());
    }

    #[test]
    fn a_timeout_alone_is_not_an_early_wake_and_the_first_turn_reads_everything() {
        assert!(!Wakes::NONE.with(Wake::Timeout).woken_early());
        for wake in [
            Wake::Report,
            Wake::FileEvent,
            Wake::Notify,
            Wake::Abort,
            Wake::Timeout,
        ] {
            assert!(Wakes::ALL.has(wake), "{wake:?}");
        }
    }
}

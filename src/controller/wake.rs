//! What woke a start's wait loop from one sleep (`wait.rs`): the start
//! tree's report pipe, a file event in the pid file's or log's directory, a
//! notify datagram, the abort signal, or the schedule's own timeout. Several
//! can be ready at once, so a sleep ([`sleep`], one `poll` of the sources'
//! descriptors) answers with a set of them, [`Wakes`]; the next turn reads
//! only the sources that woke it.

use std::os::fd::RawFd;
use std::time::Duration;

use super::AbortSignal;

/// Sleeps up to `timeout` until one of `sources` (a descriptor and the
/// source it stands for) is readable; the sources that are, plus
/// [`Wake::Abort`] when `abort` has fired, or [`Wake::Timeout`] alone.
pub(crate) fn sleep(sources: &[(RawFd, Wake)], abort: &AbortSignal, timeout: Duration) -> Wakes {
    let fds: Vec<RawFd> = sources.iter().map(|(fd, _)| *fd).collect();
    // To the nanosecond: a nap in whole milliseconds rounded down woke just
    // before the ping was due, to find nothing to do and nap again (one
    // wasted wake-up per ping, ~15 ms of CPU over a 10 s start), and
    // rounded up it noticed a 300 ms daemon about 1 ms late on average.
    let ready = crate::sys::poll::which_readable(&fds, timeout.max(Duration::from_micros(1)));
    let wakes = sources
        .iter()
        .enumerate()
        .fold(Wakes::NONE, |wakes, (index, (_, source))| {
            wakes.with_if(*source, ready & 1 << index != 0)
        })
        .with_if(Wake::Abort, abort.is_aborted());
    wakes.with_if(Wake::Timeout, !wakes.woken_early())
}

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
    fn a_sleep_says_which_descriptor_woke_it_or_that_it_timed_out() {
        use std::io::Write;
        use std::os::fd::AsRawFd;
        let (quiet, _quiet_writer) = crate::sys::fd::pipe_cloexec().unwrap();
        let (ready, writer) = crate::sys::fd::pipe_cloexec().unwrap();
        let sources = [
            (quiet.as_raw_fd(), Wake::Report),
            (ready.as_raw_fd(), Wake::Notify),
        ];
        let abort = AbortSignal::new();
        let short = Duration::from_millis(1);
        assert_eq!(
            sleep(&sources, &abort, short),
            Wakes::NONE.with(Wake::Timeout)
        );
        std::fs::File::from(writer).write_all(b"x").unwrap();
        assert_eq!(
            sleep(&sources, &abort, short),
            Wakes::NONE.with(Wake::Notify)
        );
        abort.abort();
        assert_eq!(
            sleep(&sources, &abort, short),
            Wakes::NONE.with(Wake::Notify).with(Wake::Abort)
        );
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

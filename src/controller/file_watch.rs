//! Waking the start's wait loop when a file changes: an inotify watch on the
//! directories of the pid file and the log file, so a pid file that appears
//! or a log line that is written is seen at once rather than at the next
//! poll. Without inotify (limits reached), the loop still polls.
//!
//! A watch is not free: closing an inotify descriptor whose marks were just
//! removed waits for a kernel grace period (8 to 16 ms here), so a watch is
//! created only for what needs it (`FileWatch::new(&[])` creates nothing),
//! its marks are removed as soon as the wait ends, and the descriptor is
//! closed on a detached thread, off the start's path.

use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::path::Path;

use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify, WatchDescriptor};

/// Watches a few directories for created, written or renamed files.
pub(crate) struct FileWatch {
    inotify: Option<Inotify>,
    watches: Vec<WatchDescriptor>,
    /// Every directory asked for is watched.
    complete: bool,
}

impl FileWatch {
    /// Watches the directories that hold `files` (those that exist); no
    /// inotify at all when `files` is empty.
    pub(crate) fn new(files: &[&Path]) -> FileWatch {
        let mut watch = FileWatch {
            inotify: None,
            watches: Vec::new(),
            complete: false,
        };
        if files.is_empty() {
            return watch;
        }
        let Ok(inotify) = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC) else {
            return watch;
        };
        let flags = AddWatchFlags::IN_CREATE
            | AddWatchFlags::IN_MODIFY
            | AddWatchFlags::IN_CLOSE_WRITE
            | AddWatchFlags::IN_MOVED_TO
            | AddWatchFlags::IN_ATTRIB;
        watch.complete = true;
        for file in files {
            match file.parent().map(|dir| inotify.add_watch(dir, flags)) {
                Some(Ok(descriptor)) if !watch.watches.contains(&descriptor) => {
                    watch.watches.push(descriptor)
                }
                Some(Ok(_)) => {}
                _ => watch.complete = false,
            }
        }
        watch.inotify = Some(inotify);
        watch
    }

    /// True when the directory of every file asked for is watched, so a
    /// change to any of them is sure to make the descriptor readable.
    pub(crate) fn watches_all(&self) -> bool {
        self.complete
    }

    /// The inotify descriptor, to poll on.
    pub(crate) fn fd(&self) -> Option<RawFd> {
        self.inotify
            .as_ref()
            .map(|inotify| inotify.as_fd().as_raw_fd())
    }

    /// Drains pending events; true when there were any.
    pub(crate) fn drain(&self) -> bool {
        let Some(inotify) = &self.inotify else {
            return false;
        };
        let mut any = false;
        while let Ok(events) = inotify.read_events() {
            if events.is_empty() {
                break;
            }
            any = true;
        }
        any
    }
}

impl Drop for FileWatch {
    /// Removes the marks at once (their grace period starts now) and closes
    /// the descriptor on a detached thread, which is what waits for it.
    fn drop(&mut self) {
        let Some(inotify) = self.inotify.take() else {
            return;
        };
        for descriptor in self.watches.drain(..) {
            let _ = inotify.rm_watch(descriptor);
        }
        let closer = std::thread::Builder::new()
            .name("devup-inotify-close".into())
            .spawn(move || drop(inotify));
        // Without a thread (limits reached), the descriptor was moved into
        // the failed closure and is closed here, on this thread.
        drop(closer);
    }
}

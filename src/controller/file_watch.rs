//! Waking the start's wait loop when a file changes: an inotify watch on the
//! directories of the pid file and the log file, so a pid file that appears
//! or a log line that is written is seen at once rather than at the next
//! poll. Without inotify (limits reached), the loop still polls.

use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::path::Path;

use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};

/// Watches a few directories for created, written or renamed files.
pub(crate) struct FileWatch {
    inotify: Option<Inotify>,
}

impl FileWatch {
    /// Watches the directories that hold `files` (those that exist).
    pub(crate) fn new(files: &[&Path]) -> FileWatch {
        let Ok(inotify) = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC) else {
            return FileWatch { inotify: None };
        };
        let flags = AddWatchFlags::IN_CREATE
            | AddWatchFlags::IN_MODIFY
            | AddWatchFlags::IN_CLOSE_WRITE
            | AddWatchFlags::IN_MOVED_TO
            | AddWatchFlags::IN_ATTRIB;
        for file in files {
            if let Some(dir) = file.parent() {
                let _ = inotify.add_watch(dir, flags);
            }
        }
        FileWatch {
            inotify: Some(inotify),
        }
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

//! The sd_notify side of a `notify` ping: a Unix datagram socket at a short
//! path in the temp dir, passed to the start command as `NOTIFY_SOCKET`; a
//! datagram holding the line `READY=1` means ready. The socket file is
//! removed when the start ends.

use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// The longest socket path `sockaddr_un` holds, with room to spare.
const MAX_PATH: usize = 100;

/// A bound notify socket.
#[derive(Debug)]
pub(crate) struct NotifySocket {
    socket: UnixDatagram,
    path: PathBuf,
}

impl NotifySocket {
    /// Binds a new socket in the temp dir (or /tmp when that path is long).
    pub(crate) fn bind() -> std::io::Result<NotifySocket> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "devup-notify-{}-{}.sock",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut path = std::env::temp_dir().join(&name);
        if path.as_os_str().len() > MAX_PATH {
            path = PathBuf::from("/tmp").join(&name);
        }
        let _ = std::fs::remove_file(&path);
        let socket = UnixDatagram::bind(&path)?;
        socket.set_nonblocking(true)?;
        Ok(NotifySocket { socket, path })
    }

    /// The value for `NOTIFY_SOCKET`.
    pub(crate) fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The socket, to poll on.
    pub(crate) fn fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }

    /// True when a datagram received since the last call says `READY=1`.
    pub(crate) fn received_ready(&self) -> bool {
        let mut buffer = [0u8; 4096];
        let mut ready = false;
        while let Ok(length) = self.socket.recv(&mut buffer) {
            ready |= buffer[..length]
                .split(|byte| *byte == b'\n')
                .any(|line| line == b"READY=1");
        }
        ready
    }
}

impl Drop for NotifySocket {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

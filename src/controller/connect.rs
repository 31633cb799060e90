//! `connect(f)`: call `f`; when the connection is refused or the socket is
//! missing, start the daemon (under the lock, unless it runs by then) and
//! call `f` once more.

use super::DaemonController;
use super::running::{self, PidCheck};
use crate::error::{Error, Result};

impl DaemonController {
    /// Calls `connect`; when it fails with connection refused or not found,
    /// takes the lock, starts the daemon unless it runs by then (another
    /// process may just have started it), and calls `connect` again. Start
    /// errors come back as they are; a second connection failure is
    /// [`Error::Connect`].
    pub fn connect<T, F>(&self, mut connect: F) -> Result<T>
    where
        F: FnMut() -> std::io::Result<T>,
    {
        let connect_error = |source| Error::Connect {
            daemon: self.spec.name.clone(),
            source,
        };
        match connect() {
            Ok(connection) => return Ok(connection),
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::NotFound
                ) => {}
            Err(error) => return Err(connect_error(error)),
        }
        {
            let _lock = self.lock()?;
            if !matches!(running::check(&self.spec)?, PidCheck::Running { .. }) {
                self.start_locked()?;
            }
        }
        connect().map_err(connect_error)
    }
}

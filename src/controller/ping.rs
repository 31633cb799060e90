//! How to tell that a daemon is ready. This file holds the public `Ping`
//! value; the checks themselves live in `ping_check.rs`.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use super::CommandLine;

/// How to tell that a daemon is ready. Without a ping, ready means: the pid
/// file is valid and its process alive.
#[derive(Clone)]
pub enum Ping {
    /// A TCP connection to `HOST:PORT` succeeds (IPv6 as `[::1]:PORT`); every
    /// resolved address is tried.
    Tcp(String),
    /// A Unix stream socket connection succeeds.
    Unix(PathBuf),
    /// A GET of `http://HOST:PORT/PATH` answers with a status from 200 to 399.
    Http(String),
    /// The command exits 0 (each attempt has its own timeout).
    Command(CommandLine),
    /// A line appended to the log file during this start matches the regex.
    Log(String),
    /// The daemon sends `READY=1` on `$NOTIFY_SOCKET` (sd_notify).
    Notify,
    /// The closure returns true.
    Custom(Arc<dyn Fn() -> bool + Send + Sync>),
}

impl Ping {
    /// Ready when a TCP connection to `address` ("127.0.0.1:6379") succeeds.
    pub fn tcp(address: impl Into<String>) -> Self {
        Ping::Tcp(address.into())
    }

    /// Ready when a Unix stream socket connection to `path` succeeds.
    pub fn unix(path: impl Into<PathBuf>) -> Self {
        Ping::Unix(path.into())
    }

    /// Ready when a GET of `url` answers 200 to 399.
    pub fn http(url: impl Into<String>) -> Self {
        Ping::Http(url.into())
    }

    /// Ready when `command` exits 0.
    pub fn command(command: impl Into<CommandLine>) -> Self {
        Ping::Command(command.into())
    }

    /// Ready when a line matching `regex` is appended to the log file.
    pub fn log(regex: impl Into<String>) -> Self {
        Ping::Log(regex.into())
    }

    /// Ready when the daemon sends `READY=1` on `$NOTIFY_SOCKET`.
    pub fn notify() -> Self {
        Ping::Notify
    }

    /// Ready when `check` returns true.
    pub fn custom(check: impl Fn() -> bool + Send + Sync + 'static) -> Self {
        Ping::Custom(Arc::new(check))
    }

    /// The manifest key of this kind of ping: "tcp", "unix", "http", ...
    pub fn kind(&self) -> &'static str {
        match self {
            Ping::Tcp(_) => "tcp",
            Ping::Unix(_) => "unix",
            Ping::Http(_) => "http",
            Ping::Command(_) => "command",
            Ping::Log(_) => "log",
            Ping::Notify => "notify",
            Ping::Custom(_) => "custom",
        }
    }
}

impl fmt::Debug for Ping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for Ping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ping::Tcp(address) => write!(f, "tcp {address}"),
            Ping::Unix(path) => write!(f, "unix {}", path.display()),
            Ping::Http(url) => write!(f, "http {url}"),
            Ping::Command(command) => write!(f, "command `{command}`"),
            Ping::Log(regex) => write!(f, "log /{regex}/"),
            Ping::Notify => f.write_str("notify"),
            Ping::Custom(_) => f.write_str("custom check"),
        }
    }
}

//! How to tell that a daemon is ready. This file holds the public `Ping`
//! value, with its URL or regex already parsed; the checks themselves live
//! in `ping_check.rs`.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use regex::Regex;

use super::{CommandLine, HttpUrl, checks};

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
    Http(HttpUrl),
    /// The command exits 0 (each attempt has its own timeout).
    Command(CommandLine),
    /// A line appended to the log file during this start matches the regex.
    Log(Regex),
    /// The daemon sends `READY=1` on `$NOTIFY_SOCKET` (sd_notify).
    Notify,
    /// The closure returns true.
    Custom(Arc<dyn Fn() -> bool + Send + Sync>),
    /// A value given to [`Ping::http`] or [`Ping::log`] that does not parse.
    /// `build()` rejects it with its reason, so a built controller never
    /// holds one.
    Invalid(InvalidPing),
}

/// The value of an `http` or `log` ping that did not parse, and why.
#[derive(Debug, Clone)]
pub struct InvalidPing {
    kind: &'static str,
    value: String,
    reason: String,
}

impl InvalidPing {
    /// Why the value does not parse, as `build()` reports it for `ping`.
    pub fn reason(&self) -> &str {
        &self.reason
    }
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

    /// Ready when a GET of `url` answers 200 to 399. A value that is not
    /// an `http://HOST:PORT/PATH` URL is reported by `build()`.
    pub fn http(url: impl Into<String>) -> Self {
        let url = url.into();
        match checks::http_url(&url) {
            Ok(parsed) => Ping::Http(parsed),
            Err(reason) => Ping::Invalid(InvalidPing {
                kind: "http",
                reason,
                value: url,
            }),
        }
    }

    /// Ready when `command` exits 0.
    pub fn command(command: impl Into<CommandLine>) -> Self {
        Ping::Command(command.into())
    }

    /// Ready when a line matching `regex` is appended to the log file. A
    /// regex that does not compile is reported by `build()`.
    pub fn log(regex: impl Into<String>) -> Self {
        let regex = regex.into();
        match checks::regex(&regex) {
            Ok(compiled) => Ping::Log(compiled),
            Err(reason) => Ping::Invalid(InvalidPing {
                kind: "log",
                reason,
                value: regex,
            }),
        }
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
            Ping::Invalid(invalid) => invalid.kind,
        }
    }
}

/// Written as the manifest writes it, one key naming the kind:
/// `{"tcp": "127.0.0.1:6379"}`, `{"log": "ready"}`, `{"notify": true}`; a
/// closure as `{"custom": null}`, since it has no content to write.
impl serde::Serialize for Ping {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        let kind = self.kind();
        match self {
            Ping::Tcp(address) => map.serialize_entry(kind, address)?,
            Ping::Unix(path) => map.serialize_entry(kind, path)?,
            Ping::Http(url) => map.serialize_entry(kind, url.as_str())?,
            Ping::Command(command) => map.serialize_entry(kind, command)?,
            Ping::Log(regex) => map.serialize_entry(kind, regex.as_str())?,
            Ping::Notify => map.serialize_entry(kind, &true)?,
            Ping::Custom(_) => map.serialize_entry(kind, &())?,
            Ping::Invalid(invalid) => map.serialize_entry(kind, &invalid.value)?,
        }
        map.end()
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
            Ping::Invalid(InvalidPing {
                kind: "log", value, ..
            }) => write!(f, "log /{value}/"),
            Ping::Invalid(InvalidPing { kind, value, .. }) => write!(f, "{kind} {value}"),
        }
    }
}

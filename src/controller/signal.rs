//! The stop signals a manifest may name.

use std::fmt;
use std::str::FromStr;

/// A signal devup may send to stop a daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    /// SIGTERM (the default).
    Term,
    /// SIGINT.
    Int,
    /// SIGQUIT.
    Quit,
    /// SIGHUP.
    Hup,
    /// SIGKILL.
    Kill,
    /// SIGUSR1.
    Usr1,
    /// SIGUSR2.
    Usr2,
}

/// Written as its name without `SIG` ("TERM"), as the manifest names it.
impl serde::Serialize for Signal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl Signal {
    /// Every signal, in the order the manifest reference lists them.
    pub const ALL: [Signal; 7] = [
        Signal::Term,
        Signal::Int,
        Signal::Quit,
        Signal::Hup,
        Signal::Kill,
        Signal::Usr1,
        Signal::Usr2,
    ];

    /// The name without `SIG`: "TERM".
    pub fn name(self) -> &'static str {
        match self {
            Signal::Term => "TERM",
            Signal::Int => "INT",
            Signal::Quit => "QUIT",
            Signal::Hup => "HUP",
            Signal::Kill => "KILL",
            Signal::Usr1 => "USR1",
            Signal::Usr2 => "USR2",
        }
    }

    /// The nix signal.
    pub fn to_nix(self) -> nix::sys::signal::Signal {
        use nix::sys::signal::Signal as S;
        match self {
            Signal::Term => S::SIGTERM,
            Signal::Int => S::SIGINT,
            Signal::Quit => S::SIGQUIT,
            Signal::Hup => S::SIGHUP,
            Signal::Kill => S::SIGKILL,
            Signal::Usr1 => S::SIGUSR1,
            Signal::Usr2 => S::SIGUSR2,
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SIG{}", self.name())
    }
}

impl FromStr for Signal {
    type Err = String;

    /// Parses "TERM" or "SIGTERM" (upper case only, as `kill -l` prints them).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let name = text.strip_prefix("SIG").unwrap_or(text);
        Signal::ALL
            .into_iter()
            .find(|signal| signal.name() == name)
            .ok_or_else(|| {
                format!("unknown signal `{text}`; expected one of TERM, INT, QUIT, HUP, KILL, USR1, USR2")
            })
    }
}

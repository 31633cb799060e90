//! The rules a daemon's values follow, one function each, shared by both
//! fronts that take a daemon's description: [`DaemonControllerBuilder`]'s
//! `build()`, which reports a broken rule as `Error::Config` with its key,
//! and the manifest's validation, which adds the file, line and column and
//! the daemon or task. Where a rule parses a value (a regex, a URL), it
//! returns the parsed value, so each value is parsed once, here, and
//! carried typed from there; otherwise it returns the message both fronts
//! show.
//!
//! [`DaemonControllerBuilder`]: super::DaemonControllerBuilder

use std::path::Path;

use regex::Regex;

use super::HttpUrl;

/// A `ping: log` or `fail_when_log` regex, compiled; else
/// "invalid regex `(`: unclosed group".
pub(crate) fn regex(text: &str) -> Result<Regex, String> {
    Regex::new(text).map_err(|error| {
        let reason = match &error {
            regex::Error::Syntax(message) => message
                .lines()
                .find_map(|line| line.strip_prefix("error: "))
                .unwrap_or(message)
                .to_string(),
            other => other.to_string(),
        };
        format!("invalid regex `{text}`: {reason}")
    })
}

/// An `http` ping's URL, parsed: such a ping with another URL could never
/// succeed.
pub(crate) fn http_url(url: &str) -> Result<HttpUrl, String> {
    HttpUrl::parse(url).ok_or_else(|| {
        format!("`http: {url}` is not an http://HOST:PORT/PATH URL (https is not supported)")
    })
}

/// A `tcp` ping's address: `HOST:PORT` or `[IPV6]:PORT`, with a port from
/// 0 to 65535.
pub(crate) fn tcp_address(address: &str) -> Result<(), String> {
    let split = match address.strip_prefix('[') {
        Some(rest) => rest.split_once("]:"),
        None => address
            .rsplit_once(':')
            .filter(|(host, _)| !host.contains(':')),
    };
    if split.is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok()) {
        Ok(())
    } else {
        Err(format!(
            "`tcp: {address}` is not HOST:PORT (IPv6 as `[::1]:PORT`)"
        ))
    }
}

/// A `unix` ping's socket path, which cannot be empty.
pub(crate) fn unix_path(path: &Path) -> Result<(), String> {
    if path.as_os_str().is_empty() {
        Err("`unix:` needs a socket path".into())
    } else {
        Ok(())
    }
}

/// A command given as a string for `/bin/sh -c`: not blank.
pub(crate) fn script(script: &str) -> Result<(), &'static str> {
    if script.trim().is_empty() {
        Err("the command is empty")
    } else {
        Ok(())
    }
}

/// A command given as an argv: not empty, and its program (the first
/// item) not blank.
pub(crate) fn argv(argv: &[String]) -> Result<(), &'static str> {
    match argv.first() {
        None => Err("the command list is empty"),
        Some(program) if program.trim().is_empty() => Err(
            "an empty program: the first item of the command list is empty; it names the program to run",
        ),
        Some(_) => Ok(()),
    }
}

/// A name of `env`: letters, digits and `_`, not starting with a digit.
pub(crate) fn env_name(name: &str) -> Result<(), String> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a variable name; use letters, digits and `_`, not starting with a digit"
        ))
    }
}

/// A pattern of `inputs`, a valid glob (else it would silently count as a
/// literal path).
pub(crate) fn glob(pattern: &str) -> Result<(), String> {
    glob::Pattern::new(pattern)
        .map(drop)
        .map_err(|error| format!("invalid glob `{pattern}`: {}", error.msg))
}

/// Why `what` (`ping: log`, `fail_when_log`), which reads the daemon's log,
/// is refused for a daemon without a log file.
pub(crate) fn needs_log_file(what: &str) -> String {
    format!(
        "`{what}` needs a log file to read; set `log_file` (with `daemonize: true` it defaults to .devup/log/NAME.log)"
    )
}

/// Why a daemon is refused without a start command.
pub(crate) const NEEDS_START: &str =
    "missing `start`, the command that starts the daemon (a string, or a list for an argv)";

/// Why a daemon that daemonizes itself is refused without a pid file.
pub(crate) const NEEDS_PID_FILE: &str = "missing `pid_file`, required when `daemonize` is false (the start command daemonizes itself and writes it); set `pid_file`, or `daemonize: true` to let devup detach the command";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_addresses_need_a_host_and_a_port() {
        for good in [
            "127.0.0.1:6379",
            "localhost:80",
            "[::1]:9312",
            "db.local:5432",
        ] {
            assert!(tcp_address(good).is_ok(), "{good}");
        }
        for bad in [
            "127.0.0.1",
            ":80",
            "::1:80",
            "[::1]",
            "[::1]80",
            "host:port",
            "h:99999",
            "",
        ] {
            assert!(tcp_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_regex_error_names_the_regex_and_the_reason_on_one_line() {
        assert_eq!(regex("(").unwrap_err(), "invalid regex `(`: unclosed group");
        assert_eq!(regex("ready .*").unwrap().as_str(), "ready .*");
    }

    #[test]
    fn commands_must_name_something_to_run() {
        assert_eq!(script("  "), Err("the command is empty"));
        assert_eq!(argv(&[]), Err("the command list is empty"));
        assert!(
            argv(&[" ".into(), "x".into()])
                .unwrap_err()
                .starts_with("an empty program")
        );
        assert_eq!(argv(&["x".into()]), Ok(()));
    }
}

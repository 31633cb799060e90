//! `ping:`: a map with exactly one known kind, whose value has the kind's
//! type; `notify: false` is not a ping.

use serde_yaml::Value;

use super::values::{key_string, kind, serde_message};
use super::{Scope, Validator};
use crate::manifest::raw::{PING_KINDS, RawPing};

impl Validator<'_> {
    pub(super) fn ping(&mut self, scope: Scope<'_>, value: Value) -> Option<Value> {
        let path = scope.path(&["ping"]);
        let label = scope.label("ping");
        let expected = PING_KINDS.join(", ");
        let map = match &value {
            Value::Mapping(map) if !map.is_empty() => map,
            Value::Mapping(_) | Value::Null => {
                self.push(
                    self.positions.value(&path),
                    label,
                    format!("`ping` is empty; expected exactly one of {expected}"),
                );
                return None;
            }
            other => {
                self.push(
                    self.positions.value(&path),
                    label,
                    format!(
                        "expected a map with exactly one of {expected} (`ping: {{ tcp: \"127.0.0.1:6379\" }}`), found {}",
                        kind(other)
                    ),
                );
                return None;
            }
        };
        let mut kinds = Vec::new();
        let mut ok = true;
        for key in map.keys() {
            let name = key_string(key).unwrap_or_default();
            let mut kind_path = path.clone();
            kind_path.push(&name);
            if PING_KINDS.contains(&name.as_str()) {
                kinds.push(name);
            } else {
                self.push(
                    self.positions.key(&kind_path),
                    label.clone(),
                    format!("unknown ping kind `{name}`; expected one of {expected}"),
                );
                ok = false;
            }
        }
        if kinds.len() > 1 {
            let mut second = path.clone();
            second.push(&kinds[1]);
            let listed: Vec<String> = kinds.iter().map(|kind| format!("`{kind}`")).collect();
            let (last, rest) = listed.split_last().expect("two kinds at least");
            self.push(
                self.positions.key(&second),
                label.clone(),
                format!(
                    "`ping` has {} kinds, {} and {last}; it takes exactly one",
                    kinds.len(),
                    rest.join(", ")
                ),
            );
            ok = false;
        }
        if !ok {
            return None;
        }
        let mut kind_path = path.clone();
        kind_path.push(&kinds[0]);
        match serde_yaml::from_value::<RawPing>(value.clone()) {
            Ok(RawPing::Notify(false)) => {
                self.push(
                    self.positions.value(&kind_path),
                    label,
                    "`notify: false` is not a ping; write `notify: true`, or remove `ping`".into(),
                );
                None
            }
            Ok(ping) => match bad_address(&ping) {
                Some(problem) => {
                    self.push(self.positions.value(&kind_path), label, problem);
                    None
                }
                None => Some(value),
            },
            Err(error) => {
                self.push(
                    self.positions.value(&kind_path),
                    label,
                    serde_message(&error),
                );
                None
            }
        }
    }
}

/// What is wrong with the address of a `tcp`, `http` or `unix` ping, if
/// anything: such a ping could never succeed, so it is a manifest error,
/// not a start that waits for its timeout.
fn bad_address(ping: &RawPing) -> Option<String> {
    match ping {
        RawPing::Tcp(address) if !is_host_port(address) => Some(format!(
            "`tcp: {address}` is not HOST:PORT (IPv6 as `[::1]:PORT`)"
        )),
        RawPing::Http(url) if crate::controller::HttpUrl::parse(url).is_none() => Some(format!(
            "`http: {url}` is not an http://HOST:PORT/PATH URL (https is not supported)"
        )),
        RawPing::Unix(path) if path.is_empty() => Some("`unix:` needs a socket path".into()),
        _ => None,
    }
}

/// `HOST:PORT` or `[IPV6]:PORT`, with a port from 0 to 65535.
fn is_host_port(address: &str) -> bool {
    let split = match address.strip_prefix('[') {
        Some(rest) => rest.split_once("]:"),
        None => address
            .rsplit_once(':')
            .filter(|(host, _)| !host.contains(':')),
    };
    split.is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::is_host_port;

    #[test]
    fn tcp_addresses_need_a_host_and_a_port() {
        for good in [
            "127.0.0.1:6379",
            "localhost:80",
            "[::1]:9312",
            "db.local:5432",
        ] {
            assert!(is_host_port(good), "{good}");
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
            assert!(!is_host_port(bad), "{bad}");
        }
    }
}

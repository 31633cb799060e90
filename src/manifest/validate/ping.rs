//! `ping:`: a map with exactly one known kind, whose value has the kind's
//! type (an `http` URL parsed, a `log` regex compiled), and an address that
//! could answer (the controller's rules); `notify: false` is not a ping.

use serde_yaml::Value;

use super::values::{key_string, kind, serde_message};
use super::{Scope, Validator};
use crate::controller::checks;
use crate::manifest::raw::{PING_KINDS, RawPing};

impl Validator<'_> {
    pub(super) fn ping(&mut self, scope: Scope<'_>, value: Value) -> Option<RawPing> {
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
        match serde_yaml::from_value::<RawPing>(value) {
            Ok(RawPing::Notify(false)) => {
                self.push(
                    self.positions.value(&kind_path),
                    label,
                    "`notify: false` is not a ping; write `notify: true`, or remove `ping`".into(),
                );
                None
            }
            Ok(ping) => match bad_address(&ping) {
                Err(problem) => {
                    self.push(self.positions.value(&kind_path), label, problem);
                    None
                }
                Ok(()) => Some(ping),
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

/// What is wrong with the address of a `tcp` or `unix` ping, if anything
/// (an `http` URL is parsed as it is read): such a ping could never
/// succeed, so it is a manifest error, not a start that waits for its
/// timeout.
fn bad_address(ping: &RawPing) -> Result<(), String> {
    match ping {
        RawPing::Tcp(address) => checks::tcp_address(address),
        RawPing::Unix(path) => checks::unix_path(std::path::Path::new(path)),
        _ => Ok(()),
    }
}

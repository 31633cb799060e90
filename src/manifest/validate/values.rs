//! Small helpers on YAML values and messages, shared by both passes.

use serde_yaml::Value;

use crate::manifest::interpolate::{Lookup, interpolate};
use crate::manifest::suggest::nearest;

/// serde's message for a value of the wrong type, in the manifest's words
/// (YAML "sequences" and "mappings" are lists and maps here).
pub(super) fn serde_message(error: &serde_yaml::Error) -> String {
    error
        .to_string()
        .replace("a sequence", "a list")
        .replace("type: sequence", "type: list")
        .replace("a YAML mapping", "a map")
}

/// "unknown key `pid_flie`, did you mean `pid_file`?", or the list of valid
/// keys when none is close.
pub(super) fn unknown_key(key: &str, known: &[&str]) -> String {
    match nearest(key, known.iter().copied()) {
        Some(near) => format!("unknown key `{key}`, did you mean `{near}`?"),
        None => format!("unknown key `{key}`; expected one of {}", known.join(", ")),
    }
}

/// Interpolates every string in `value`, map values and list items included
/// (map keys are left as they are). An error comes with the path, under
/// `value`, of the string at fault (`["RAILS_ENV"]`, `["2"]`).
pub(super) fn interpolate_value(
    value: &mut Value,
    env: Lookup<'_>,
) -> Result<(), (Vec<String>, String)> {
    let within = |at: String| {
        move |(mut path, message): (Vec<String>, String)| {
            path.insert(0, at);
            (path, message)
        }
    };
    match value {
        Value::String(text) => {
            *text = interpolate(text, env).map_err(|message| (Vec::new(), message))?;
            Ok(())
        }
        Value::Sequence(items) => items
            .iter_mut()
            .enumerate()
            .try_for_each(|(i, item)| interpolate_value(item, env).map_err(within(i.to_string()))),
        Value::Mapping(map) => map.iter_mut().try_for_each(|(key, item)| {
            interpolate_value(item, env).map_err(within(key_string(key).unwrap_or_default()))
        }),
        Value::Tagged(tagged) => interpolate_value(&mut tagged.value, env),
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

/// A scalar key as text (`1:` is the key "1").
pub(super) fn key_string(key: &Value) -> Option<String> {
    match key {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// "a string", "a list", ... for messages.
pub(super) fn kind(value: &Value) -> String {
    match value {
        Value::Null => "nothing".into(),
        Value::Bool(flag) => format!("a boolean `{flag}`"),
        Value::Number(number) => format!("a number `{number}`"),
        Value::String(text) => format!("a string `{text}`"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a map".into(),
        Value::Tagged(tagged) => format!("a value tagged `{}`", tagged.tag),
    }
}

//! The manifest's values that are more than a string: a command (string or
//! argv), a list of commands, a stop signal, a regex (compiled as it is
//! read), a scalar taken as text (env values, argv items), and the
//! version, each with its `Deserialize` (the message for a wrong value,
//! from the controller's rule where it has one) and its JSON Schema.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};

use crate::controller::{Signal, checks};

/// `version:`, which must be 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version;

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_yaml::Value::deserialize(deserializer)?;
        match value.as_u64() {
            Some(1) => Ok(Version),
            _ => {
                let shown = serde_yaml::to_string(&value).unwrap_or_default();
                Err(de::Error::custom(format!(
                    "unsupported version `{}`; the only version is 1",
                    shown.trim_end()
                )))
            }
        }
    }
}

impl JsonSchema for Version {
    fn schema_name() -> Cow<'static, str> {
        "Version".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "description": "Only 1 exists.", "const": 1 })
    }
}

/// A scalar taken as text: a string, or a number or boolean as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;

        impl Visitor<'_> for ScalarVisitor {
            type Value = Scalar;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }

        deserializer.deserialize_any(ScalarVisitor)
    }
}

impl JsonSchema for Scalar {
    fn schema_name() -> Cow<'static, str> {
        "Scalar".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["string", "number", "boolean"] })
    }
}

/// A command: a string (run by `/bin/sh -c`) or a non-empty list (an argv).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawCommand {
    /// Run by `/bin/sh -c`.
    Shell(String),
    /// Program and arguments.
    Argv(Vec<String>),
}

const COMMAND_EXPECTED: &str =
    "a command: a string (run by /bin/sh -c) or a list of strings (an argv)";

impl<'de> Deserialize<'de> for RawCommand {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CommandVisitor;

        impl<'de> Visitor<'de> for CommandVisitor {
            type Value = RawCommand;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(COMMAND_EXPECTED)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawCommand, E> {
                shell_command(v)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawCommand, A::Error> {
                let mut argv = Vec::new();
                while let Some(Scalar(arg)) = seq.next_element()? {
                    argv.push(arg);
                }
                checks::argv(&argv).map_err(de::Error::custom)?;
                Ok(RawCommand::Argv(argv))
            }
        }

        deserializer.deserialize_any(CommandVisitor)
    }
}

impl JsonSchema for RawCommand {
    fn schema_name() -> Cow<'static, str> {
        "Command".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A string, run by `/bin/sh -c`, or a list: the program and its arguments, no shell.",
            "oneOf": [
                { "type": "string", "minLength": 1 },
                { "type": "array", "items": { "type": ["string", "number", "boolean"] }, "minItems": 1 }
            ]
        })
    }
}

/// `before_start:`: one command (a string) or a list of commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawCommands(pub Vec<RawCommand>);

impl<'de> Deserialize<'de> for RawCommands {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CommandsVisitor;

        impl<'de> Visitor<'de> for CommandsVisitor {
            type Value = RawCommands;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a command (a string) or a list of commands")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawCommands, E> {
                shell_command(v).map(|command| RawCommands(vec![command]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawCommands, A::Error> {
                let mut commands = Vec::new();
                while let Some(command) = seq.next_element::<RawCommand>()? {
                    commands.push(command);
                }
                Ok(RawCommands(commands))
            }
        }

        deserializer.deserialize_any(CommandsVisitor)
    }
}

fn shell_command<E: de::Error>(script: &str) -> Result<RawCommand, E> {
    checks::script(script).map_err(E::custom)?;
    Ok(RawCommand::Shell(script.to_string()))
}

/// A regex (`fail_when_log`, `ping: log`), compiled when it is read:
/// "invalid regex `(`: unclosed group" otherwise.
#[derive(Debug, Clone)]
pub struct RawRegex(pub regex::Regex);

impl<'de> Deserialize<'de> for RawRegex {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        checks::regex(&text)
            .map(RawRegex)
            .map_err(de::Error::custom)
    }
}

/// A string, as for any other text.
impl JsonSchema for RawRegex {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Regex".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string" })
    }
}

impl JsonSchema for RawCommands {
    fn schema_name() -> Cow<'static, str> {
        "Commands".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let command = generator.subschema_for::<RawCommand>();
        json_schema!({
            "description": "One command (a string) or a list of commands, run in order.",
            "oneOf": [
                { "type": "string", "minLength": 1 },
                { "type": "array", "items": command }
            ]
        })
    }
}

/// `stop_signal:`: TERM, INT, QUIT, HUP, KILL, USR1, USR2, with or without `SIG`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawSignal(pub Signal);

impl<'de> Deserialize<'de> for RawSignal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map(RawSignal).map_err(de::Error::custom)
    }
}

impl JsonSchema for RawSignal {
    fn schema_name() -> Cow<'static, str> {
        "Signal".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut names = Vec::new();
        for signal in Signal::ALL {
            names.push(signal.name().to_string());
            names.push(format!("SIG{}", signal.name()));
        }
        json_schema!({ "description": "A signal name, with or without `SIG`.", "enum": names })
    }
}

/// `env_file:`: one path or a list of paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawPaths(pub Vec<String>);

impl<'de> Deserialize<'de> for RawPaths {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PathsVisitor;

        impl<'de> Visitor<'de> for PathsVisitor {
            type Value = RawPaths;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a path or a list of paths")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawPaths, E> {
                path(v).map(|path| RawPaths(vec![path]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawPaths, A::Error> {
                let mut paths = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    paths.push(path(&item)?);
                }
                Ok(RawPaths(paths))
            }
        }

        deserializer.deserialize_any(PathsVisitor)
    }
}

fn path<E: de::Error>(text: &str) -> Result<String, E> {
    if text.is_empty() {
        return Err(E::custom("the path is empty"));
    }
    Ok(text.to_string())
}

impl JsonSchema for RawPaths {
    fn schema_name() -> Cow<'static, str> {
        "Paths".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A path, or a list of paths (relative to the manifest's directory).",
            "oneOf": [
                { "type": "string", "minLength": 1 },
                { "type": "array", "items": { "type": "string", "minLength": 1 } }
            ]
        })
    }
}

//! A command as the manifest spells it: a string for `/bin/sh -c`, or an argv.

use std::fmt;

/// A command to run: `Shell("redis-server conf")` runs under `/bin/sh -c`,
/// `Argv(["redis-server", "conf"])` runs the program directly, no shell.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CommandLine {
    /// Run by `/bin/sh -c`.
    Shell(String),
    /// Program and arguments; the program is looked up in `PATH`.
    Argv(Vec<String>),
}

impl CommandLine {
    /// The argv to execute: `["/bin/sh", "-c", s]` or the list itself.
    pub fn argv(&self) -> Vec<String> {
        match self {
            CommandLine::Shell(script) => vec!["/bin/sh".into(), "-c".into(), script.clone()],
            CommandLine::Argv(argv) => argv.clone(),
        }
    }
}

impl CommandLine {
    /// Why this command cannot run anything, when it cannot: an empty
    /// script, an empty list, or an empty program (the list's first item).
    pub(crate) fn emptiness(&self) -> Option<&'static str> {
        match self {
            CommandLine::Shell(script) if script.trim().is_empty() => Some("the command is empty"),
            CommandLine::Argv(argv) if argv.is_empty() => Some("the command list is empty"),
            CommandLine::Argv(argv) if argv[0].trim().is_empty() => Some(
                "an empty program: the first item of the command list is empty; it names the program to run",
            ),
            _ => None,
        }
    }
}

impl fmt::Display for CommandLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandLine::Shell(script) => f.write_str(script),
            CommandLine::Argv(argv) => f.write_str(&argv.join(" ")),
        }
    }
}

impl From<&str> for CommandLine {
    fn from(script: &str) -> Self {
        CommandLine::Shell(script.to_string())
    }
}

impl From<String> for CommandLine {
    fn from(script: String) -> Self {
        CommandLine::Shell(script)
    }
}

impl From<Vec<String>> for CommandLine {
    fn from(argv: Vec<String>) -> Self {
        CommandLine::Argv(argv)
    }
}

impl From<&[&str]> for CommandLine {
    fn from(argv: &[&str]) -> Self {
        CommandLine::Argv(argv.iter().map(|arg| arg.to_string()).collect())
    }
}

impl<const N: usize> From<[&str; N]> for CommandLine {
    fn from(argv: [&str; N]) -> Self {
        CommandLine::Argv(argv.iter().map(|arg| arg.to_string()).collect())
    }
}

impl From<&String> for CommandLine {
    fn from(script: &String) -> Self {
        CommandLine::Shell(script.clone())
    }
}

impl From<Vec<&str>> for CommandLine {
    fn from(argv: Vec<&str>) -> Self {
        CommandLine::Argv(argv.into_iter().map(str::to_string).collect())
    }
}

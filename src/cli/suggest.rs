//! What a person probably meant by a bare `devup WORD ...` whose WORD is
//! neither a command nor a daemon but another tool's name for one of
//! devup's commands: `devup stop redis` → `devup down redis`, `devup ps` →
//! `devup status`, `devup start` → `devup up`; or a misspelt command
//! (`devup stauts` → `devup status`) when no daemon is spelt like it. And
//! `devup exec redis make test`, whose command lacks the `--` before it.

use std::ffi::OsString;

use super::CliError;
use super::args::DevupArgs;

/// Other tools' words for devup's commands.
const MEANT: &[(&str, &str)] = &[
    ("stop", "down"),
    ("kill", "down"),
    ("halt", "down"),
    ("rm", "down"),
    ("start", "up"),
    ("run", "up"),
    ("ps", "status"),
    ("ls", "status"),
    ("list", "status"),
    ("show", "status"),
    ("log", "logs"),
    ("tail", "logs"),
    ("validate", "check"),
    ("lint", "check"),
    ("reload", "restart"),
    ("reboot", "restart"),
    ("completion", "completions"),
];

/// `error`, with a tip when it is `exec`'s missing command and `args` (the
/// whole command line) have no `--`: the command was taken for names.
pub(super) fn exec_tip(mut error: clap::Error, args: &[OsString]) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if error.kind() == ErrorKind::MissingRequiredArgument
        && args.iter().any(|arg| arg == "exec")
        && !args.iter().any(|arg| arg == "--")
    {
        error.insert(
            ContextKind::Suggested,
            ContextValue::StyledStrs(vec![
                "the command goes after `--`: `devup exec [NAME]... -- <CMD>...`".into(),
            ]),
        );
    }
    error
}

/// devup's commands, for a misspelt one.
const COMMANDS: &[&str] = &[
    "up",
    "down",
    "restart",
    "status",
    "check",
    "graph",
    "logs",
    "exec",
    "wait",
    "export",
    "schema",
    "man",
    "completions",
];

/// A bare `devup WORD REST...` whose WORD is another tool's word for a
/// devup command, or a misspelt one: the words, to explain an error about
/// them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Mistaken {
    word: String,
    command: &'static str,
    rest: Vec<String>,
    /// Only near a command's name: the manifest's own "did you mean" (a
    /// daemon spelt like the word) wins over it.
    misspelt: bool,
}

impl Mistaken {
    /// The mistake `args` may hold (only a bare `devup NAME...` can).
    pub(super) fn of(args: &DevupArgs) -> Option<Mistaken> {
        if args.command.is_some() {
            return None;
        }
        let (word, rest) = args.names.split_first()?;
        let (command, misspelt) = match MEANT.iter().find(|(other, _)| other == word) {
            Some((_, command)) => (*command, false),
            None => (
                crate::manifest::suggest::nearest(word, COMMANDS.iter().copied())?,
                true,
            ),
        };
        Some(Mistaken {
            word: word.clone(),
            command,
            rest: rest.to_vec(),
            misspelt,
        })
    }

    /// `error`, or when it is the manifest's "unknown daemon `WORD`", the
    /// command that was probably meant (still a usage error, exit 2).
    pub(super) fn explain(&self, error: CliError) -> CliError {
        let CliError::Manifest(manifest) = &error else {
            return error;
        };
        let message = manifest.to_string();
        if !message.contains(&format!("unknown daemon `{}`", self.word))
            || (self.misspelt && message.contains("did you mean"))
        {
            return error;
        }
        let mut meant = format!("devup {}", self.command);
        for name in &self.rest {
            meant.push(' ');
            meant.push_str(name);
        }
        CliError::Invalid(format!(
            "`{}` is not a devup command, nor a daemon in {}; did you mean `{meant}`?",
            self.word,
            manifest.path.display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn mistaken(args: &[&str]) -> Option<Mistaken> {
        Mistaken::of(&DevupArgs::try_parse_from(args).unwrap())
    }

    #[test]
    fn only_a_bare_first_word_can_be_a_mistake() {
        assert_eq!(
            mistaken(&["devup", "stop", "redis"]),
            Some(Mistaken {
                word: "stop".into(),
                command: "down",
                rest: vec!["redis".into()],
                misspelt: false,
            })
        );
        assert_eq!(mistaken(&["devup", "redis", "stop"]), None);
        assert_eq!(mistaken(&["devup", "up", "stop"]), None);
        assert_eq!(mistaken(&["devup"]), None);
        assert_eq!(
            mistaken(&["devup", "stauts"]),
            Some(Mistaken {
                word: "stauts".into(),
                command: "status",
                rest: vec![],
                misspelt: true,
            })
        );
        assert_eq!(mistaken(&["devup", "redis"]), None);
    }
}

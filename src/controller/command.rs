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
            CommandLine::Shell(script) => super::checks::script(script).err(),
            CommandLine::Argv(argv) => super::checks::argv(argv).err(),
        }
    }

    /// The argv that runs a `daemonize: true` start command, whose process
    /// is recorded as the daemon: a string that is one simple command
    /// (see [`is_simple`]) runs as `exec COMMAND` under `/bin/sh -c`, so the
    /// shell replaces itself with the program and the recorded pid is the
    /// daemon's, not a wrapping shell's. Anything else runs as [`argv`].
    ///
    /// [`argv`]: CommandLine::argv
    pub fn daemon_argv(&self) -> Vec<String> {
        match self {
            CommandLine::Shell(script) if is_simple(script) => {
                vec![
                    "/bin/sh".into(),
                    "-c".into(),
                    format!("exec {}", script.trim()),
                ]
            }
            _ => self.argv(),
        }
    }
}

/// True when `script` is one simple command that `exec` can run as it is:
/// a single line of plain words (letters, digits and `-_./=:,@%+`), with
/// no quoting, expansion, redirection, operator, comment or glob, whose
/// first word is neither a variable assignment nor a shell keyword or
/// builtin. Conservative on purpose: whatever is not surely simple runs
/// as written.
pub(crate) fn is_simple(script: &str) -> bool {
    const SHELL_WORDS: &[&str] = &[
        "exec", "cd", "export", "set", "unset", ":", ".", "source", "eval", "if", "then", "else",
        "elif", "fi", "while", "until", "for", "do", "done", "case", "esac", "in", "function",
        "trap", "wait", "read", "ulimit", "umask", "alias", "unalias", "shift", "return", "exit",
        "local", "readonly", "command", "builtin", "type", "hash", "getopts", "jobs", "fg", "bg",
        "times", "break", "continue", "true", "false", "test", "[", "echo", "printf", "kill",
        "pwd", "nohup", "time",
    ];
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,@%+ \t".contains(c);
    let mut words = script.split_ascii_whitespace();
    let Some(first) = words.next() else {
        return false;
    };
    script.chars().all(plain) && !first.contains('=') && !SHELL_WORDS.contains(&first)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_single_commands_are_simple() {
        for simple in [
            "python3 app/web.py",
            "redis-server --port 6380",
            "  bin/rails server -p 3000 -b 127.0.0.1 ",
            "memcached -l 127.0.0.1:11211 -U 0",
        ] {
            assert!(is_simple(simple), "{simple:?}");
        }
        for not_simple in [
            "",
            "   ",
            "exec python3 app.py",
            "cd app && python3 web.py",
            "python3 app.py; echo done",
            "python3 app.py > log",
            "python3 app.py &",
            "python3 app.py | tee log",
            "python3 \"app.py\"",
            "python3 'app.py'",
            "python3 $APP",
            "python3 ${APP}",
            "python3 `which app`",
            "python3 *.py",
            "python3 app.py # comment",
            "PORT=1 python3 app.py",
            "echo hello",
            "python3 app.py\nsleep 1",
            "(python3 app.py)",
            "python3 ~/app.py",
        ] {
            assert!(!is_simple(not_simple), "{not_simple:?}");
        }
    }

    #[test]
    fn a_simple_daemon_command_is_execed_by_its_shell() {
        assert_eq!(
            CommandLine::from("python3 app/web.py").daemon_argv(),
            ["/bin/sh", "-c", "exec python3 app/web.py"]
        );
        assert_eq!(
            CommandLine::from("python3 app/web.py; true").daemon_argv(),
            ["/bin/sh", "-c", "python3 app/web.py; true"]
        );
        assert_eq!(
            CommandLine::from(["python3", "app/web.py"]).daemon_argv(),
            ["python3", "app/web.py"]
        );
    }
}

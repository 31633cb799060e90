//! Running devup on a pseudo-terminal, made by `script(1)`, for the tests
//! of what a person at a terminal sees (progress, colours, Ctrl-C).

use std::path::Path;
use std::process::{Command, Stdio};

use super::programs;

/// Runs `shell` (under `/bin/sh`; `$DEVUP` names the devup binary) on a
/// pseudo-terminal made by `script(1)` in `dir`, with `env` set and
/// `CI`, `NO_COLOR` and `DEVUP_FILE` removed; `None` when `script` is not
/// installed (the skip rule of [`programs::skip_unless`]).
#[track_caller]
pub fn on_terminal(dir: &Path, shell: &str, env: &[(&str, &str)]) -> Option<std::process::Output> {
    let mut command = script(dir, shell)?;
    for (key, value) in env {
        command.env(key, value);
    }
    Some(command.output().expect("running script"))
}

/// Starts `shell` as [`on_terminal`] does, and returns at once: the
/// child's stdin is the terminal's keyboard (a byte 3 is Ctrl-C), its
/// stdout (the screen) goes nowhere.
#[track_caller]
pub fn spawn_on_terminal(dir: &Path, shell: &str) -> Option<std::process::Child> {
    let mut command = script(dir, shell)?;
    command.stdin(Stdio::piped()).stdout(Stdio::null());
    Some(command.spawn().expect("running script"))
}

/// `script -qec SHELL /dev/null` in `dir`. script(1) runs the line with
/// `$SHELL -c`, which is set to `/bin/sh` so that the tests see the same
/// shell wherever they run (dash forks for a line that bash would exec).
#[track_caller]
fn script(dir: &Path, shell: &str) -> Option<Command> {
    if !programs::installed("script") {
        return None;
    }
    super::dispositions::reset();
    let mut command = Command::new("script");
    command
        .args(["-qec", shell, "/dev/null"])
        .current_dir(dir)
        .env("SHELL", "/bin/sh")
        .env("DEVUP", programs::devup_bin())
        .env_remove("CI")
        .env_remove("NO_COLOR")
        .env_remove("DEVUP_FILE")
        .env("TERM", "xterm");
    Some(command)
}

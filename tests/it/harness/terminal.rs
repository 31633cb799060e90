//! Running devup on a pseudo-terminal, made by `script(1)`, for the tests
//! of what a person at a terminal sees (progress, colours, Ctrl-C).

use std::path::Path;
use std::process::Command;

use super::programs;

/// Runs `shell` (under `/bin/sh`; `$DEVUP` names the devup binary) on a
/// pseudo-terminal made by `script(1)` in `dir`, with `env` set and
/// `CI`, `NO_COLOR` and `DEVUP_FILE` removed; `None` when `script` is not
/// installed (the skip rule of [`programs::skip_unless`]).
#[track_caller]
pub fn on_terminal(dir: &Path, shell: &str, env: &[(&str, &str)]) -> Option<std::process::Output> {
    if !programs::installed("script") {
        return None;
    }
    let mut command = Command::new("script");
    command
        .args(["-qec", shell, "/dev/null"])
        .current_dir(dir)
        .env("DEVUP", programs::devup_bin())
        .env_remove("CI")
        .env_remove("NO_COLOR")
        .env_remove("DEVUP_FILE")
        .env("TERM", "xterm");
    for (key, value) in env {
        command.env(key, value);
    }
    Some(command.output().expect("running script"))
}

//! SPEC §4, common flags: `-f, --file PATH`, `-q, --quiet`, `--help` and
//! `--version` are taken by every command.

use crate::support;

use support::{Project, recorders};

const COMMANDS: [&[&str]; 11] = [
    &[],
    &["up"],
    &["down"],
    &["restart"],
    &["status"],
    &["check"],
    &["graph"],
    &["logs", "db"],
    &["exec", "--", "true"],
    &["schema"],
    &["completions", "bash"],
];

#[test]
fn every_command_takes_help_and_version() {
    let project = Project::new(&recorders(&[("db", &[])]));
    for command in COMMANDS {
        let mut help: Vec<&str> = command.to_vec();
        help.insert(help.len().min(1), "--help");
        project.devup(&help).succeeds().stdout_has("Usage:");
        let mut version: Vec<&str> = command.iter().take(1).copied().collect();
        version.push("--version");
        project
            .devup(&version)
            .succeeds()
            .stdout_has(env!("CARGO_PKG_VERSION"));
    }
    project.devdown(["--help"]).succeeds().stdout_has("Usage:");
    project
        .devdown(["--version"])
        .succeeds()
        .stdout_has(env!("CARGO_PKG_VERSION"));
}

#[test]
fn schema_and_completions_take_the_common_flags() {
    let project = Project::new(&recorders(&[("db", &[])]));
    project
        .devup(["schema", "-q", "-f", "daemons.yaml"])
        .succeeds()
        .stdout_has("\"daemons\"");
    project
        .devup(["completions", "--quiet", "--file", "daemons.yaml", "bash"])
        .succeeds()
        .stdout_has("devup");
}

#[test]
fn completions_exist_for_the_usual_shells() {
    let project = Project::new(&recorders(&[("db", &[])]));
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        project
            .devup(["completions", shell])
            .succeeds()
            .stdout_has("devup");
    }
    project.devup(["completions", "tcsh-nope"]).exits(2);
}

//! SPEC §4, common flags: `-f, --file PATH`, `-q, --quiet`, `--help` and
//! `--version` are taken by every command.

use crate::harness;

use harness::{Project, recorders};

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
        project
            .devup(&help)
            .status(0)
            .stdout_includes("Usage:")
            .run();
        let mut version: Vec<&str> = command.iter().take(1).copied().collect();
        version.push("--version");
        project
            .devup(&version)
            .status(0)
            .stdout_includes(env!("CARGO_PKG_VERSION"))
            .run();
    }
    project
        .devdown(["--help"])
        .status(0)
        .stdout_includes("Usage:")
        .run();
    project
        .devdown(["--version"])
        .status(0)
        .stdout_includes(env!("CARGO_PKG_VERSION"))
        .run();
}

#[test]
fn schema_and_completions_take_the_common_flags() {
    let project = Project::new(&recorders(&[("db", &[])]));
    project
        .devup(["schema", "-q", "-f", "daemons.yaml"])
        .status(0)
        .stdout_includes("\"daemons\"")
        .run();
    project
        .devup(["completions", "--quiet", "--file", "daemons.yaml", "bash"])
        .status(0)
        .stdout_includes("devup")
        .run();
}

#[test]
fn completions_exist_for_the_usual_shells() {
    let project = Project::new(&recorders(&[("db", &[])]));
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        project
            .devup(["completions", shell])
            .status(0)
            .stdout_includes("devup")
            .run();
    }
    project.devup(["completions", "tcsh-nope"]).status(2).run();
}

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
            // Partial: each command has its own help text (devdown's is
            // checked whole below); this checks that every one has one.
            .stdout_includes("Usage: devup")
            .stderr("")
            .run();
        let mut version: Vec<&str> = command.iter().take(1).copied().collect();
        version.push("--version");
        let name = match command.first() {
            Some(command) => format!("devup-{command}"),
            None => "devup".to_string(),
        };
        project
            .devup(&version)
            .status(0)
            .stdout(&format!("{name} {}\n", env!("CARGO_PKG_VERSION")))
            .stderr("")
            .run();
    }
    // Partial: the whole of devdown's help is checked by inspect_commands.
    project
        .devdown(["--help"])
        .status(0)
        .stdout_includes("\nUsage: devdown [OPTIONS] [NAME]...\n")
        .stderr("")
        .run();
    project
        .devdown(["--version"])
        .status(0)
        .stdout(&format!("devdown {}\n", env!("CARGO_PKG_VERSION")))
        .run();
}

#[test]
fn schema_and_completions_take_the_common_flags() {
    let project = Project::new(&recorders(&[("db", &[])]));
    // The flags change nothing: the schema is the committed one, the
    // script the one printed without them.
    let schema =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/daemons.schema.json");
    let schema = std::fs::read_to_string(schema).expect("the committed schema");
    project
        .devup(["schema", "-q", "-f", "daemons.yaml"])
        .status(0)
        .stdout(&schema)
        .stderr("")
        .run();
    let script = project
        .devup(["completions", "bash"])
        .status(0)
        .run()
        .stdout;
    project
        .devup(["completions", "--quiet", "--file", "daemons.yaml", "bash"])
        .status(0)
        .stdout(&script)
        .stderr("")
        .run();
}

#[test]
fn completions_exist_for_the_usual_shells() {
    let project = Project::new(&recorders(&[("db", &[])]));
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        project
            .devup(["completions", shell])
            .status(0)
            // Partial: the scripts are clap_complete's text, not devup's;
            // each must register the command by its name.
            .stdout_includes("devup")
            .stderr("")
            .run();
    }
    project.devup(["completions", "tcsh-nope"]).status(2).run();
}

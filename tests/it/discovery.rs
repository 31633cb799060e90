//! SPEC §2, discovery: `-f PATH`, else `$DEVUP_FILE`, else the first
//! `daemons.yaml` or `daemons.yml` in the current directory or any parent;
//! relative paths in the manifest are relative to its own directory.

use crate::harness;

use harness::Project;

const ONE: &str = "daemons:\n  {name}: { start: \"sleep 100\", daemonize: true }\n";

fn manifest(name: &str) -> String {
    ONE.replace("{name}", name)
}

#[test]
fn dash_f_before_the_command_wins_over_devup_file() {
    let project = Project::new(&manifest("nearest"));
    project.write("named.yaml", &manifest("named"));
    project.write("env.yaml", &manifest("fromenv"));
    let env = project.path("env.yaml");
    project
        .devup(["-f", "named.yaml", "check"])
        .env("DEVUP_FILE", &env)
        .status(0)
        .stdout(
            "\
{dir}/named.yaml: valid, 1 daemon
start order:
  1. named
",
        )
        .run();
    project
        .devup(["--file", "named.yaml", "check"])
        .env("DEVUP_FILE", &env)
        .status(0)
        .stdout(
            "\
{dir}/named.yaml: valid, 1 daemon
start order:
  1. named
",
        )
        .run();
    project
        .devup(["check", "-f", "named.yaml"])
        .env("DEVUP_FILE", &env)
        .status(0)
        .stdout(
            "\
{dir}/named.yaml: valid, 1 daemon
start order:
  1. named
",
        )
        .run();
}

#[test]
fn devup_file_wins_over_the_nearest_manifest() {
    let project = Project::new(&manifest("nearest"));
    project.write("env.yaml", &manifest("fromenv"));
    project
        .devup(["check"])
        .env("DEVUP_FILE", project.path("env.yaml"))
        .status(0)
        .stdout(
            "\
{dir}/env.yaml: valid, 1 daemon
start order:
  1. fromenv
",
        )
        .run();
}

#[test]
fn a_missing_devup_file_is_named_as_such() {
    let project = Project::new(&manifest("nearest"));
    project
        .devup(["check"])
        .env("DEVUP_FILE", project.path("missing.yaml"))
        .status(2)
        .stderr("error: {dir}/missing.yaml: no such file (the manifest named by $DEVUP_FILE)\n")
        .run();
}

#[test]
fn daemons_yaml_comes_before_daemons_yml_and_parents_are_searched() {
    let project = Project::new(&manifest("yaml"));
    project.write("daemons.yml", &manifest("yml"));
    project.write("sub/deep/.keep", "");
    project
        .devup(["check"])
        .current_dir(project.path("sub/deep"))
        .status(0)
        .stdout(
            "\
{dir}/daemons.yaml: valid, 1 daemon
start order:
  1. yaml
",
        )
        .run();
    std::fs::remove_file(project.manifest()).unwrap();
    project
        .devup(["check"])
        .current_dir(project.path("sub/deep"))
        .status(0)
        .stdout(
            "\
{dir}/daemons.yml: valid, 1 daemon
start order:
  1. yml
",
        )
        .run();
}

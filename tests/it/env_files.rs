//! `env_file` (top level and per daemon) and `.env` (SPEC §2): precedence,
//! the dotenv rules, and the errors that name the file and line.
use crate::harness;

use harness::Project;

/// A daemon that writes `A`..`E` as it sees them to `seen.txt`, then runs.
const SHOW: &str = "    daemonize: true\n    start: \"printf '%s|%s|%s|%s|%s' \\\"$A\\\" \\\"$B\\\" \\\"$C\\\" \\\"$D\\\" \\\"$E\\\" > seen.txt; \
                    trap 'exit 0' TERM; : {tag}; while :; do sleep 1 & wait $!; done\"\n    \
                    ping: { command: test -s seen.txt }\n";

#[test]
fn env_file_precedence_lowest_first() {
    // top env_file < top env < daemon env_file < defaults.env < daemon env
    let project = Project::new(&format!(
        "env_file: top.env\nenv: {{ B: top-env, C: top-env, D: top-env, E: top-env }}\n\
         defaults:\n  env: {{ D: defaults-env, E: defaults-env }}\n\
         daemons:\n  db:\n    env_file: [own.env, own2.env]\n    env: {{ E: own-env }}\n{SHOW}"
    ));
    project.write("top.env", "A=top-file\nB=top-file\nC=top-file\n");
    project.write("own.env", "C=own-file\nD=own-file\n");
    project.write("own2.env", "export C='own2 file'\n");
    project.devup(["up"]).status(0).run();
    assert_eq!(
        project.read("seen.txt"),
        "top-file|top-env|own2 file|defaults-env|own-env"
    );
}

#[test]
fn the_dotenv_rules_of_spec_section_2() {
    let project = Project::new(&format!("daemons:\n  db:\n    env_file: vars.env\n{SHOW}"));
    project.write(
        "vars.env",
        "# comment\n\nexport A=bare value # comment\nB='single $HOME \\n'\n\
         C=\"double \\\"q\\\" \\\\ end\"\nD=\"two\\nlines\"\nE=\n",
    );
    project.devup(["up"]).status(0).run();
    assert_eq!(
        project.read("seen.txt"),
        "bare value|single $HOME \\n|double \"q\" \\ end|two\nlines|"
    );
}

#[test]
fn a_malformed_line_is_an_error_naming_the_file_and_line() {
    let project = Project::new(&format!("daemons:\n  db:\n    env_file: vars.env\n{SHOW}"));
    project.write("vars.env", "A=1\n\nthis is not a variable\n");
    project.devup(["up"]).status(2).stderr("error: {dir}/vars.env:3:1: daemon `db`, key `env_file`: expected KEY=VALUE, found `this is not a variable`\n").run();
    assert!(!project.path("seen.txt").exists());
}

#[test]
fn a_missing_env_file_is_a_manifest_error() {
    let project = Project::new(&format!("env_file: nowhere.env\ndaemons:\n  db:\n{SHOW}"));
    project
        .devup(["up"])
        .status(2)
        .stderr("error: {dir}/daemons.yaml:1:11: key `env_file`: cannot read env_file `nowhere.env`: no such file\n")
        .run();
    project.devup(["check"]).status(2).run();
}

#[test]
fn dot_env_supplies_interpolation_and_devup_s_environment_wins() {
    let project = Project::new(&format!(
        "daemons:\n  db:\n    env: {{ A: \"${{FROM_DOTENV}}\", B: \"${{BOTH}}\", C: \"${{NOT_SET:-dflt}}\" }}\n{SHOW}"
    ));
    project.write(".env", "FROM_DOTENV=dotenv\nBOTH=dotenv\nD=never-added\n");
    project.devup(["up"]).env("BOTH", "shell").status(0).run();
    // `.env` is not added to the environment by itself: D stays unset.
    assert_eq!(project.read("seen.txt"), "dotenv|shell|dflt||");
}

#[test]
fn a_malformed_dot_env_is_an_error_naming_it() {
    let project = Project::new(&format!("daemons:\n  db:\n{SHOW}"));
    project.write(".env", "OK=1\nB='open\n");
    project
        .devup(["check"])
        .status(2)
        .stderr("error: {dir}/.env:2:1: the single quote is not closed\n")
        .run();
}

#[test]
fn a_changed_env_file_restarts_the_daemon() {
    let project = Project::new(&format!("daemons:\n  db:\n    env_file: vars.env\n{SHOW}"));
    project.write("vars.env", "A=1\n");
    project.devup(["up"]).status(0).run();
    project.write("vars.env", "A=2\n");
    project
        .devup(["up"])
        .status(0)
        .stderr(
            "\
db: changed (env), restarting
db: stopping (pid {pid})
db: stopped in {time} (pid {pid})
db: starting
db: spawned (pid {pid})
db: waiting for ping (pid {pid})
db: ready in {time} (pid {pid})
up: 1 restarted in {time}
",
        )
        .run();
    assert_eq!(project.read("seen.txt"), "2||||");
}

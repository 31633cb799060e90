//! What devup says when a person probably meant something else: another
//! tool's command words (`devup stop`, `ps`, `start`), and a foreground
//! server whose `daemonize: true` was forgotten.
use crate::harness;

use harness::{Project, recorders};

#[test]
fn other_tools_command_words_get_the_devup_command() {
    let project = Project::new(&recorders(&[("redis", &[])]));
    let manifest = project.manifest().display().to_string();
    for (args, meant) in [
        (&["stop", "redis"][..], "devup down redis"),
        (&["ps"], "devup status"),
        (&["start"], "devup up"),
        (&["kill", "redis"], "devup down redis"),
        (&["tail", "redis"], "devup logs redis"),
    ] {
        let outcome = project.devup(args).status(2).run();
        assert_eq!(
            outcome.stderr,
            format!(
                "error: `{}` is not a devup command, nor a daemon in {manifest}; did you mean `{meant}`?\n",
                args[0]
            )
        );
    }
    assert!(project.events().is_empty(), "nothing was started");
}

#[test]
fn a_misspelt_command_gets_the_command_unless_a_daemon_is_spelt_like_it() {
    let project = Project::new(&recorders(&[("redis", &[]), ("stats", &[])]));
    let manifest = project.manifest().display().to_string();
    for (args, meant) in [
        (&["chekc"][..], "devup check"),
        (&["dwon", "redis"], "devup down redis"),
        (&["restrat"], "devup restart"),
    ] {
        let outcome = project.devup(args).status(2).run();
        assert_eq!(
            outcome.stderr,
            format!(
                "error: `{}` is not a devup command, nor a daemon in {manifest}; did you mean `{meant}`?\n",
                args[0]
            )
        );
    }
    // A daemon spelt like the word is the likelier meaning.
    project
        .devup(["stauts"])
        .status(2)
        .stderr("error: {dir}/daemons.yaml: unknown daemon `stauts`, did you mean `stats`?\n")
        .run();
    assert!(project.events().is_empty(), "nothing was started");
}

#[test]
fn a_daemon_called_like_a_command_word_is_still_a_daemon() {
    let project = Project::new(&recorders(&[("start", &[])]));
    project
        .devup(["start"])
        .status(0)
        .stderr(
            "\
start: starting
start: spawned (pid {pid})
start: waiting for ping (pid {pid})
start: ready in {time} (pid {pid})
up: 1 ready in {time}
",
        )
        .run();
    // An unknown name that is no command word keeps the nearest-name hint.
    project
        .devup(["strat"])
        .status(2)
        .stderr("error: {dir}/daemons.yaml: unknown daemon `strat`, did you mean `start`?\n")
        .run();
}

#[test]
fn a_foreground_server_without_daemonize_is_told_to_set_it() {
    let project = Project::new(
        "daemons:\n  web:\n    pid_file: web.pid\n    start_timeout: 500ms\n    \
         start: \"sleep 600; : {tag}\"\n",
    );
    project.devup(["web"]).status(1).stderr("\
web: starting
web: spawned (pid {pid})
web: waiting for pid file
web: aborting: start_timeout passed
web: failed after {time}
up: 1 failed in {time}

error: web: not ready after {time} (still waiting for a valid pid file at {dir}/web.pid; the start command is still running in the foreground: if it does not daemonize itself, set `daemonize: true`); the start was aborted
").run();
    assert!(project.processes_with(project.tag()).is_empty());
}

#[test]
fn exec_without_the_double_dash_says_where_the_command_goes() {
    let project = Project::new(&recorders(&[("redis", &[])]));
    let outcome = project.devup(["exec", "redis", "true"]).status(2).run();
    assert_eq!(
        outcome.stderr,
        "error: the following required arguments were not provided:\n  <CMD>...\n\n  \
         tip: the command goes after `--`: `devup exec [NAME]... -- <CMD>...`\n\n\
         Usage: devup exec <NAME>... -- <CMD>...\n\nFor more information, try '--help'.\n"
    );
    assert!(project.events().is_empty(), "nothing was started");
}

#[test]
fn logs_dash_f_with_a_manifest_says_it_is_follow_not_file() {
    let project = Project::with_file("stack.yaml", &recorders(&[("redis", &[])]));
    let outcome = project.devup(["logs", "-f", "stack.yaml"]).status(2).run();
    assert_eq!(
        outcome.stderr,
        "error: `stack.yaml` is not a daemon: in `devup logs`, `-f` is --follow; \
         name the manifest with --file: `devup logs --file stack.yaml`\n"
    );
}

//! Manifest errors about tasks, asserted as the whole rendered message:
//! they name the task and the key the way daemons' errors do
//! (``task `migrate`, key `run`: ...``).

use std::path::Path;

use devup::manifest::Manifest;

/// The rendered error of `text`, read as `daemons.yaml`, with a fixed
/// environment (`HOME=/home/dev`, nothing else).
fn errors(text: &str) -> String {
    let env = |name: &str| (name == "HOME").then(|| "/home/dev".to_string());
    match Manifest::parse_with_env(text, Path::new("daemons.yaml"), &env) {
        Ok(_) => panic!("the manifest was accepted:\n{text}"),
        Err(error) => error.to_string(),
    }
}

const WEB: &str = "daemons:\n  web:\n    start: x\n    daemonize: true\n";

#[test]
fn a_key_of_a_task_is_named_with_the_task() {
    let text = format!(
        "tasks:\n  migrate:\n    run: [1, [2]]\n    timeout: soon\n    env:\n      9X: y\n{WEB}"
    );
    assert_eq!(
        errors(&text),
        "daemons.yaml:3:10: task `migrate`, key `run`: invalid type: list, expected a string, number or boolean\n\
         daemons.yaml:4:14: task `migrate`, key `timeout`: invalid duration `soon`; expected a number of seconds or a number followed by ms, s or m (500ms, 15s, 2m)\n\
         daemons.yaml:6:7: task `migrate`, key `env`: `9X` is not a variable name; use letters, digits and `_`, not starting with a digit"
    );
}

#[test]
fn a_task_without_run_or_with_an_unknown_key_is_named() {
    let text =
        format!("tasks:\n  migrate:\n    dir: db\n  seed:\n    runn: x\n    colour: blue\n{WEB}");
    assert_eq!(
        errors(&text),
        "daemons.yaml:2:3: task `migrate`: missing `run`, the task's command (a string, or a list for an argv)\n\
         daemons.yaml:5:5: task `seed`: unknown key `runn`, did you mean `run`?\n\
         daemons.yaml:6:5: task `seed`: unknown key `colour`; expected one of run, depends_on, dir, env, env_file, inputs, timeout"
    );
}

#[test]
fn a_task_s_key_with_no_value_or_an_unset_variable_is_named() {
    let text = format!("tasks:\n  migrate:\n    run:\n    dir: ${{NOPE}}\n{WEB}");
    assert_eq!(
        errors(&text),
        "daemons.yaml:3:5: task `migrate`, key `run`: no value; give it one, or remove the key\n\
         daemons.yaml:4:10: task `migrate`, key `dir`: environment variable `NOPE` is not set; set it, or give a default with `${NOPE:-default}`"
    );
}

#[test]
fn a_task_s_dependencies_and_inputs_are_checked_with_its_name() {
    let text = format!(
        "tasks:\n  migrate:\n    run: x\n    depends_on: [migrate, wbe]\n    inputs: [\"a[\"]\n  seed:\n    run: x\n    depends_on: [load]\n  load:\n    run: x\n    depends_on: [seed]\n{WEB}"
    );
    assert_eq!(
        errors(&text),
        "daemons.yaml:4:18: task `migrate`, key `depends_on`: the task depends on itself\n\
         daemons.yaml:4:27: task `migrate`, key `depends_on`: unknown daemon `wbe`, did you mean `web`?\n\
         daemons.yaml:5:14: task `migrate`, key `inputs`: invalid glob `a[`: invalid range pattern\n\
         daemons.yaml:8:5: task `seed`, key `depends_on`: dependency cycle: seed -> load -> seed"
    );
}

#[test]
fn a_task_named_like_a_daemon_is_named_as_a_task() {
    let text = format!("tasks:\n  web:\n    run: x\n{WEB}");
    assert_eq!(
        errors(&text),
        "daemons.yaml:2:3: task `web`: `web` is the name of a daemon too; daemons and tasks share one namespace"
    );
}

#[test]
fn a_task_s_missing_env_file_is_named_with_the_task() {
    let text = format!("tasks:\n  migrate:\n    run: x\n    env_file: no-such-task.env\n{WEB}");
    assert_eq!(
        errors(&text),
        "daemons.yaml:4:15: task `migrate`, key `env_file`: cannot read env_file `no-such-task.env`: no such file"
    );
}

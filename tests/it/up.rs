//! `devup [NAME...]` / `devup up`: dependency order, parallel starts,
//! skip-on-failure, already running, output without a terminal, `-q`.

use crate::harness;

use harness::{Project, Test, recorder, recorders};

#[test]
fn starts_every_daemon_after_what_it_depends_on() {
    let project = Project::new(&recorders(&[
        ("web", &["app"]),
        ("app", &["db", "cache"]),
        ("db", &[]),
        ("cache", &[]),
    ]));
    project
        .devup::<[&str; 0], &str>([])
        .status(0)
        // Daemons started or stopped in parallel: their lines interleave.
        .stderr_any_order(
            "\
app: waiting for db, cache
web: waiting for app
cache: starting
cache: spawned (pid {pid})
cache: waiting for ping (pid {pid})
cache: ready in {time} (pid {pid})
db: starting
db: spawned (pid {pid})
db: waiting for ping (pid {pid})
db: ready in {time} (pid {pid})
app: starting
app: spawned (pid {pid})
app: waiting for ping (pid {pid})
app: ready in {time} (pid {pid})
web: starting
web: spawned (pid {pid})
web: waiting for ping (pid {pid})
web: ready in {time} (pid {pid})
up: 4 ready in {time}
",
        )
        .run();
    let events = project.events();
    let at = |name: &str| {
        events
            .iter()
            .position(|line| line == &format!("start {name}"))
            .unwrap_or_else(|| panic!("{name} did not start: {events:?}"))
    };
    assert!(at("db") < at("app"), "{events:?}");
    assert!(at("cache") < at("app"), "{events:?}");
    assert!(at("app") < at("web"), "{events:?}");
}

#[test]
fn starts_only_the_named_daemons_and_their_dependencies() {
    let project = Project::new(&recorders(&[("web", &["db"]), ("db", &[]), ("mail", &[])]));
    project.devup(["web"]).status(0).run();
    assert_eq!(project.events(), ["start db", "start web"]);
    project.devup(["up", "mail"]).status(0).run();
    assert_eq!(project.events(), ["start db", "start web", "start mail"]);
}

#[test]
fn starts_independent_daemons_in_parallel() {
    // Each of `left` and `right` becomes ready only once the other has been
    // spawned: started one after the other, the first would time out.
    let waits_for = |me: &str, other: &str| {
        format!(
            "  {me}:\n    daemonize: true\n    start_timeout: 20s\n    start: |\n      \
             : {{tag}}\n      touch {me}.spawned\n      \
             while [ ! -e {other}.spawned ]; do sleep 0.02; done\n      echo ready\n      \
             sleep 600\n    ping: {{ log: \"^ready$\" }}\n"
        )
    };
    let manifest = format!(
        "daemons:\n{}{}{}",
        waits_for("left", "right"),
        waits_for("right", "left"),
        recorder("top", &["left", "right"])
    );
    Test::new()
        .manifest(&manifest)
        .args(["up"])
        .status(0)
        // Daemons started or stopped in parallel: their lines interleave.
        .stderr_any_order(
            "\
top: waiting for left, right
left: starting
left: spawned (pid {pid})
left: waiting for ping (pid {pid})
right: starting
right: spawned (pid {pid})
right: waiting for ping (pid {pid})
left: ready in {time} (pid {pid})
right: ready in {time} (pid {pid})
top: starting
top: spawned (pid {pid})
top: waiting for ping (pid {pid})
top: ready in {time} (pid {pid})
up: 3 ready in {time}
",
        )
        .run();
}

#[test]
fn a_failed_daemon_skips_its_dependents_and_the_rest_go_on() {
    let manifest = format!(
        "daemons:\n  db:\n    pid_file: db.pid\n    start: echo db is broken; exit 3\n{}{}{}",
        recorder("app", &["db"]),
        recorder("web", &["app"]),
        recorder("mail", &[]),
    );
    let project = Project::new(&manifest);
    project
        .devup(["up"])
        .status(1)
        // db and mail start in parallel: their lines interleave; db may fail
        // before its wait for the pid file is reported. The controller's
        // whole message comes once, after the lines of the run.
        .stderr_any_order(
            "\
app: waiting for db
web: waiting for app
db: starting
db: spawned (pid {pid})
{maybe}db: waiting for pid file
db: aborting: the start command exited with status 3
db: failed after {time}
app: skipped (db failed)
web: skipped (db failed)
mail: starting
mail: spawned (pid {pid})
mail: waiting for ping (pid {pid})
mail: ready in {time} (pid {pid})
up: 1 ready, 1 failed, 2 skipped in {time}

error: db: could not start: the start command exited with status 3
output of the start command:
  db is broken
",
        )
        .run();
    assert_eq!(project.events(), ["start mail"]);
}

#[test]
fn a_running_daemon_is_left_alone_and_reported_as_already_running() {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"])]));
    project.devup(["db"]).status(0).run();
    project
        .devup(["up"])
        .status(0)
        .stderr(
            "\
web: waiting for db
db: already running (pid {pid})
web: starting
web: spawned (pid {pid})
web: waiting for ping (pid {pid})
web: ready in {time} (pid {pid})
up: 1 ready, 1 already running in {time}
",
        )
        .run();
    assert_eq!(project.events(), ["start db", "start web"]);
}

#[test]
fn output_without_a_terminal_is_plain_lines_without_escape_codes() {
    Test::new()
        .manifest(&recorders(&[("db", &[]), ("web", &["db"])]))
        .args(["up"])
        .status(0)
        .stderr(
            "\
web: waiting for db
db: starting
db: spawned (pid {pid})
db: waiting for ping (pid {pid})
db: ready in {time} (pid {pid})
web: starting
web: spawned (pid {pid})
web: waiting for ping (pid {pid})
web: ready in {time} (pid {pid})
up: 2 ready in {time}
",
        )
        // People's output goes to stderr, without colours.
        .stdout("")
        .run();
}

#[test]
fn quiet_prints_nothing_on_success_and_only_the_error_on_failure() {
    let project = Project::new(
        "daemons:\n  ok:\n    daemonize: true\n    start: \": {tag}; sleep 600\"\n  \
         bad:\n    pid_file: bad.pid\n    start: echo it broke; exit 1\n",
    );
    project.devup(["-q", "ok"]).status(0).stderr("").run();
    project
        .devup(["up", "-q"])
        .status(1)
        .stderr(
            "\
error: bad: could not start: the start command exited with status 1
output of the start command:
  it broke
",
        )
        .run();
}

#[test]
fn an_unknown_daemon_name_is_a_usage_error() {
    let project = Project::new(&recorders(&[("db", &[])]));
    project
        .devup(["up", "dv"])
        .status(2)
        .stderr("error: {dir}/daemons.yaml: unknown daemon `dv`, did you mean `db`?\n")
        .run();
    assert!(project.events().is_empty());
}

#[test]
fn restart_stops_and_starts_the_named_daemon_and_its_running_dependents() {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"]), ("mail", &[])]));
    project.devup(["up"]).status(0).run();
    let before = project.events().len();
    project
        .devup(["restart", "db"])
        .status(0)
        .stderr(
            "\
db: waiting for web
web: stopping (pid {pid})
web: stopped in {time} (pid {pid})
db: stopping (pid {pid})
db: stopped in {time} (pid {pid})
down: 2 stopped in {time}
web: waiting for db
db: starting
db: spawned (pid {pid})
db: waiting for ping (pid {pid})
db: ready in {time} (pid {pid})
web: starting
web: spawned (pid {pid})
web: waiting for ping (pid {pid})
web: ready in {time} (pid {pid})
up: 2 ready in {time}
",
        )
        .run();
    let events = project.events()[before..].to_vec();
    assert_eq!(events, ["stop web", "stop db", "start db", "start web"]);
}

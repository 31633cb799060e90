//! `devup down` and `devdown`: reverse dependency order, running dependents
//! first, not-running daemons are a success.

use crate::harness;

use harness::{Project, recorders};

#[test]
fn stops_dependents_before_what_they_depend_on() {
    let project = Project::new(&recorders(&[
        ("db", &[]),
        ("app", &["db"]),
        ("web", &["app"]),
    ]));
    project.devup(["up"]).status(0).run();
    project
        .devup(["down"])
        .status(0)
        .stderr_includes("db: stopped in")
        .stderr_includes("down: 3 stopped in")
        .run();
    let events = project.events();
    assert_eq!(events[3..], ["stop web", "stop app", "stop db"]);
}

#[test]
fn stopping_a_daemon_stops_its_running_dependents_first_and_nothing_else() {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"]), ("mail", &[])]));
    project.devup(["up"]).status(0).run();
    project.devup(["down", "db"]).status(0).run();
    let events = project.events();
    assert_eq!(events[3..], ["stop web", "stop db"]);
    project
        .devup(["status", "mail"])
        .status(0)
        .stdout_includes("running")
        .run();
}

#[test]
fn devdown_is_devup_down() {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"])]));
    project.devup(["up"]).status(0).run();
    project
        .devdown::<[&str; 0], &str>([])
        .status(0)
        .stderr_includes("web: stopped in")
        .run();
    assert_eq!(project.events()[2..], ["stop web", "stop db"]);
    project
        .devdown(["web"])
        .status(0)
        .stderr_includes("web: not running")
        .run();
}

#[test]
fn daemons_not_running_are_a_success() {
    let project = Project::new(&recorders(&[("db", &[])]));
    project
        .devup(["down"])
        .status(0)
        .stderr_includes("db: not running")
        .run();
}

#[test]
fn a_failed_stop_exits_1_and_leaves_what_it_depends_on_running() {
    let manifest = format!(
        "{}  web:\n    daemonize: true\n    depends_on: [db]\n    \
         start: \": {{tag}}-web; sleep 600\"\n    stop: echo web refuses; exit 4\n    \
         stop_timeout: 1s\n",
        recorders(&[("db", &[]), ("mail", &[])])
    );
    let project = Project::new(&manifest);
    project.devup(["up"]).status(0).run();
    project
        .devup(["down"])
        .status(1)
        .stderr_includes("db: skipped (web failed to stop)")
        .stderr_includes("mail: stopped in")
        .stderr_includes("web refuses")
        .run();
    assert_eq!(project.events()[2..], ["stop mail"]);
    project.devup(["status", "db"]).status(0).run();
}

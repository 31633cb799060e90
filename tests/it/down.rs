//! `devup down` and `devdown`: reverse dependency order, running dependents
//! first, not-running daemons are a success.

use crate::support;

use support::{Project, recorders};

#[test]
fn stops_dependents_before_what_they_depend_on() {
    let project = Project::new(&recorders(&[
        ("db", &[]),
        ("app", &["db"]),
        ("web", &["app"]),
    ]));
    project.devup(["up"]).succeeds();
    project
        .devup(["down"])
        .succeeds()
        .stderr_has("db: stopped in")
        .stderr_has("down: 3 stopped in");
    let events = project.events();
    assert_eq!(events[3..], ["stop web", "stop app", "stop db"]);
}

#[test]
fn stopping_a_daemon_stops_its_running_dependents_first_and_nothing_else() {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"]), ("mail", &[])]));
    project.devup(["up"]).succeeds();
    project.devup(["down", "db"]).succeeds();
    let events = project.events();
    assert_eq!(events[3..], ["stop web", "stop db"]);
    project
        .devup(["status", "mail"])
        .succeeds()
        .stdout_has("running");
}

#[test]
fn devdown_is_devup_down() {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"])]));
    project.devup(["up"]).succeeds();
    project
        .devdown::<[&str; 0], &str>([])
        .succeeds()
        .stderr_has("web: stopped in");
    assert_eq!(project.events()[2..], ["stop web", "stop db"]);
    project
        .devdown(["web"])
        .succeeds()
        .stderr_has("web: not running");
}

#[test]
fn daemons_not_running_are_a_success() {
    let project = Project::new(&recorders(&[("db", &[])]));
    project
        .devup(["down"])
        .succeeds()
        .stderr_has("db: not running");
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
    project.devup(["up"]).succeeds();
    project
        .devup(["down"])
        .exits(1)
        .stderr_has("db: skipped (web failed to stop)")
        .stderr_has("mail: stopped in")
        .stderr_count("error: web: could not stop", 1)
        .stderr_has("web refuses");
    assert_eq!(project.events()[2..], ["stop mail"]);
    project.devup(["status", "db"]).succeeds();
}

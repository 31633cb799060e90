//! `devup down` and `devdown`: reverse dependency order, running dependents
//! first, not-running daemons are a success.

use crate::harness;

use harness::{Project, Test, recorders};

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
        .stderr(
            "\
app: waiting for web
db: waiting for app
web: stopping (pid {pid})
web: stopped in {time} (pid {pid})
app: stopping (pid {pid})
app: stopped in {time} (pid {pid})
db: stopping (pid {pid})
db: stopped in {time} (pid {pid})
down: 3 stopped in {time}
",
        )
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
        .stdout("mail  running         {pid}  {time}\n")
        .run();
}

#[test]
fn devdown_is_devup_down() {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"])]));
    project.devup(["up"]).status(0).run();
    project
        .devdown::<[&str; 0], &str>([])
        .status(0)
        .stderr(
            "\
db: waiting for web
web: stopping (pid {pid})
web: stopped in {time} (pid {pid})
db: stopping (pid {pid})
db: stopped in {time} (pid {pid})
down: 2 stopped in {time}
",
        )
        .run();
    assert_eq!(project.events()[2..], ["stop web", "stop db"]);
    project
        .devdown(["web"])
        .status(0)
        .stderr(
            "\
web: not running
down: 1 not running in {time}
",
        )
        .run();
}

#[test]
fn daemons_not_running_are_a_success() {
    Test::new()
        .manifest(&recorders(&[("db", &[])]))
        .args(["down"])
        .status(0)
        .stderr(
            "\
db: not running
down: 1 not running in {time}
",
        )
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
        // Daemons started or stopped in parallel: their lines interleave.
        .stderr_any_order(
            "\
db: waiting for web
mail: stopping (pid {pid})
web: stopping (pid {pid})
mail: stopped in {time} (pid {pid})
web: killing (pid {pid}): stop timeout passed
web: failed after {time}
db: skipped (web failed to stop)
down: 1 stopped, 1 failed, 1 skipped in {time}

error: web: could not stop: the stop command `echo web refuses; exit 4` exited with status 4
output of the stop command:
  web refuses
",
        )
        .run();
    assert_eq!(project.events()[2..], ["stop mail"]);
    project.devup(["status", "db"]).status(0).run();
}

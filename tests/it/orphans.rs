//! Orphans (SPEC §6): daemons devup started from this directory that are no
//! longer in the manifest, found from the state directory alone: warned on
//! every up, stopped by `--remove-orphans`, by `devdown` without names, and
//! by naming them; and stopping with a manifest that cannot be loaded.
use crate::harness;

use harness::{Project, is_alive, recorders};

/// A project running `db`, `web` (on db) and `old`, then `old` removed
/// from its manifest.
fn with_orphan() -> (Project, u32) {
    let project = Project::new(&recorders(&[
        ("db", &[]),
        ("web", &["db"]),
        ("old", &["db"]),
    ]));
    project.devup(["up"]).status(0).run();
    let old = project.pid("old");
    project.write("daemons.yaml", &recorders(&[("db", &[]), ("web", &["db"])]));
    (project, old)
}

#[test]
fn every_up_warns_about_an_orphan_and_leaves_it_running() {
    let (project, old) = with_orphan();
    for _ in 0..2 {
        project
            .devup(["up"])
            .placeholder("old", old)
            .status(0)
            .stderr("\
warning: old: orphan (pid {old}), no longer in the manifest; stop it with --remove-orphans or devdown
web: waiting for db
db: already running (pid {pid})
web: already running (pid {pid})
up: 2 already running in {time}
")
            .run();
    }
    assert!(is_alive(old));
}

#[test]
fn remove_orphans_stops_it_before_the_starts() {
    let (project, old) = with_orphan();
    project
        .devup(["up", "--remove-orphans"])
        .placeholder("old", old)
        .status(0)
        .stderr(
            "\
warning: old: orphan (pid {old}), no longer in the manifest; stopping it (--remove-orphans)
old: stopping (pid {old})
old: stopped in {time} (pid {old})
web: waiting for db
db: already running (pid {pid})
web: already running (pid {pid})
up: 2 already running, 1 orphan stopped in {time}
",
        )
        .run();
    assert!(!is_alive(old));
    assert_eq!(project.events()[3..], ["stop old"]);
    project
        .devup(["up"])
        .status(0)
        .stderr(
            "\
web: waiting for db
db: already running (pid {pid})
web: already running (pid {pid})
up: 2 already running in {time}
",
        )
        .run();
}

#[test]
fn devdown_without_names_stops_orphans_dependents_first() {
    let (project, old) = with_orphan();
    project
        .devdown::<[&str; 0], &str>([])
        .status(0)
        // Daemons started or stopped in parallel: their lines interleave.
        .stderr_any_order(
            "\
db: waiting for old, web
old: stopping (pid {pid})
web: stopping (pid {pid})
old: stopped in {time} (pid {pid})
web: stopped in {time} (pid {pid})
db: stopping (pid {pid})
db: stopped in {time} (pid {pid})
down: 3 stopped in {time}
",
        )
        .run();
    assert!(!is_alive(old));
    let stops = &project.events()[3..];
    let at = |name: &str| {
        stops
            .iter()
            .position(|line| line == &format!("stop {name}"))
    };
    assert!(at("old") < at("db") && at("web") < at("db"), "{stops:?}");
}

#[test]
fn naming_an_orphan_stops_only_it() {
    let (project, old) = with_orphan();
    let db = project.pid("db");
    project
        .devup(["down", "old"])
        .placeholder("old", old)
        .status(0)
        .stderr(
            "\
old: stopping (pid {old})
old: stopped in {time} (pid {old})
down: 1 stopped in {time}
",
        )
        .run();
    assert!(!is_alive(old));
    assert!(is_alive(db));
    // A name that is neither in the manifest nor an orphan is still an error.
    project.devdown(["nosuch"]).status(2).run();
}

#[test]
fn devdown_with_a_broken_manifest_stops_what_was_recorded() {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"])]));
    project.devup(["up"]).status(0).run();
    let (db, web) = (project.pid("db"), project.pid("web"));
    // A merge conflict left in the file.
    let conflicted = format!("<<<<<<< HEAD\n{}", project.read("daemons.yaml"));
    project.write("daemons.yaml", &conflicted);
    let outcome = project
        .devdown::<[&str; 0], &str>([])
        .status(0)
        .stderr(
            "\
warning: the manifest cannot be loaded; stopping what devup started from {dir} as recorded
{dir}/daemons.yaml:2:8: invalid YAML: mapping values are not allowed in this context
db: waiting for web
web: stopping (pid {pid})
web: stopped in {time} (pid {pid})
db: stopping (pid {pid})
db: stopped in {time} (pid {pid})
down: 2 stopped in {time}
",
        )
        .run();
    assert!(!is_alive(db) && !is_alive(web), "{}", outcome.stderr);
    assert_eq!(project.events()[2..], ["stop web", "stop db"]);
}

#[test]
fn devdown_with_an_unset_variable_uses_the_recorded_stop_recipe() {
    // The stop command needs the variable the start was given: the
    // recorded environment has it, this shell does not.
    let project = Project::new(
        "daemons:\n  db:\n    daemonize: true\n    env: { MARK: \"${MARK}\" }\n    \
         start: \"trap 'exit 0' TERM; : {tag}; while :; do sleep 1 & wait $!; done\"\n    \
         stop: echo \"stopped $MARK\" > stopped.txt; kill $(cat .devup/run/db.pid)\n",
    );
    project.devup(["up"]).env("MARK", "m-42").status(0).run();
    let db = project.pid("db");
    project
        .devdown::<[&str; 0], &str>([])
        .status(0)
        .stderr("\
warning: the manifest cannot be loaded; stopping what devup started from {dir} as recorded
{dir}/daemons.yaml:4:18: daemon `db`, key `env`: environment variable `MARK` is not set; set it, or give a default with `${MARK:-default}`
db: stopping (pid {pid})
db: stopped in {time} (pid {pid})
down: 1 stopped in {time}
")
        .run();
    assert!(!is_alive(db));
    assert_eq!(project.read("stopped.txt"), "stopped m-42\n");
}

#[test]
fn a_recorded_stop_that_fails_exits_1() {
    let project = Project::new(
        "daemons:\n  db:\n    daemonize: true\n    start: \"sleep 600 # {tag}\"\n    \
         stop: exit 4\n    stop_timeout: 200ms\n",
    );
    project.devup(["up"]).status(0).run();
    project.write("daemons.yaml", "daemons: [\n");
    project
        .devdown::<[&str; 0], &str>([])
        .status(1)
        .stderr(
            "\
warning: the manifest cannot be loaded; stopping what devup started from {dir} as recorded
{dir}/daemons.yaml:2:1: invalid YAML: did not find expected node content, while parsing a flow node
db: stopping (pid {pid})
db: killing (pid {pid}): stop timeout passed
db: failed after {time}
down: 1 failed in {time}

error: db: could not stop: the stop command `exit 4` exited with status 4
",
        )
        .run();
}

#[test]
fn status_lists_orphans() {
    let (project, old) = with_orphan();
    let json = project.devup(["status", "--json"]).status(0).run().json();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 3, "{json}");
    assert_eq!(rows[2]["name"], "old");
    assert_eq!(rows[2]["orphan"], true);
    assert_eq!(rows[2]["pid"], old);
    assert_eq!(rows[2]["state"], "running");
    assert_eq!(rows[0]["orphan"], false);
    project
        .devup(["status"])
        .status(0)
        .stdout(
            "db   running  {pid}  {time}\n\
             web  running  {pid}  {time}\n\
             old  running  {pid}  {time}  orphan (no longer in the manifest)\n",
        )
        .run();
    // Naming daemons shows only those.
    let json = project
        .devup(["status", "--json", "db"])
        .status(0)
        .run()
        .json();
    assert_eq!(json.as_array().unwrap().len(), 1);
}

#[test]
fn a_renamed_daemon_takes_its_place_with_remove_orphans() {
    let project = Project::new(
        "daemons:\n  db:\n    daemonize: true\n    \
         start: [python3, -m, http.server, \"{port1}\", --bind, 127.0.0.1]\n    \
         ping: { tcp: \"127.0.0.1:{port1}\" }\n",
    );
    if !harness::programs::installed("python3") {
        return;
    }
    project.devup(["up"]).status(0).run();
    let old = project.pid("db");
    let renamed = project
        .read("daemons.yaml")
        .replace("  db:\n", "  postgres:\n");
    project.write("daemons.yaml", &renamed);
    // Without --remove-orphans the old one still holds the port.
    project
        .devup(["up"])
        .status(1)
        .stderr("\
warning: db: orphan (pid {pid}), no longer in the manifest; stop it with --remove-orphans or devdown
postgres: starting
postgres: failed after {time}
up: 1 failed in {time}

error: postgres: could not start: 127.0.0.1:{port1} is already in use by another process: pid {pid} ({any}python3 -m http.server {port1} --bind 127.0.0.1), the daemon `db` that devup started in this project; stop it with `devup down db`, or `kill {pid}` when `db` is no longer in the manifest
")
        .run();
    project
        .devup(["up", "--remove-orphans"])
        .status(0)
        .stderr(
            "\
warning: db: orphan (pid {pid}), no longer in the manifest; stopping it (--remove-orphans)
db: stopping (pid {pid})
db: stopped in {time} (pid {pid})
postgres: starting
postgres: spawned (pid {pid})
postgres: waiting for ping (pid {pid})
postgres: ready in {time} (pid {pid})
up: 1 ready, 1 orphan stopped in {time}
",
        )
        .run();
    assert!(!is_alive(old));
}

#[test]
fn devdown_remove_orphans_with_names_stops_the_orphans_too() {
    let (project, old) = with_orphan();
    let db = project.pid("db");
    let web = project.pid("web");
    project
        .devdown(["--remove-orphans", "web"])
        .status(0)
        // Daemons started or stopped in parallel: their lines interleave.
        .stderr_any_order(
            "\
old: stopping (pid {pid})
web: stopping (pid {pid})
web: stopped in {time} (pid {pid})
old: stopped in {time} (pid {pid})
down: 2 stopped in {time}
",
        )
        .run();
    assert!(!is_alive(old) && !is_alive(web));
    assert!(is_alive(db));
}

//! `devup` after `git pull` (SPEC §6): a running daemon whose definition
//! changed is restarted, with its running dependents around it; a change
//! outside the definition restarts nothing; `--no-restart` only reports.
use crate::harness;

use harness::{Project, recorder, recorders};

/// A recorder daemon with `extra` lines (indented 4) added to its keys.
fn recorder_with(name: &str, depends_on: &[&str], extra: &str) -> String {
    format!("{}{extra}", recorder(name, depends_on))
}

#[test]
fn a_changed_start_restarts_the_daemon_and_its_running_dependents() {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"]), ("mail", &[])]));
    project.devup(["up"]).status(0).run();
    let mail = project.pid("mail");
    project.edit(
        "daemons.yaml",
        "echo start db >> events.log",
        "echo start db >> events.log; : v2",
    );
    project
        .devup(["up"])
        .status(0)
        // mail runs on its own, beside db and web: its line may come anywhere.
        .stderr_any_order(
            "\
db: changed (start), restarting
db: waiting for web
web: stopping (pid {pid})
web: stopped in {time} (pid {pid})
db: stopping (pid {pid})
db: stopped in {time} (pid {pid})
web: waiting for db
mail: already running (pid {pid})
db: starting
db: spawned (pid {pid})
db: waiting for ping (pid {pid})
db: ready in {time} (pid {pid})
web: starting
web: spawned (pid {pid})
web: waiting for ping (pid {pid})
web: ready in {time} (pid {pid})
up: 2 restarted, 1 already running in {time}
",
        )
        .run();
    assert_eq!(
        project.events()[3..],
        ["stop web", "stop db", "start db", "start web"]
    );
    assert_eq!(project.pid("mail"), mail, "mail was not touched");
    // Converged: the next `devup` changes nothing.
    project
        .devup(["up"])
        .status(0)
        // Daemons started or stopped in parallel: their lines interleave.
        .stderr_any_order(
            "\
web: waiting for db
db: already running (pid {pid})
mail: already running (pid {pid})
web: already running (pid {pid})
up: 3 already running in {time}
",
        )
        .run();
}

#[test]
fn naming_a_daemon_restarts_its_dependents_outside_the_set_too() {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"])]));
    project.devup(["up"]).status(0).run();
    let manifest =
        project
            .read("daemons.yaml")
            .replacen("echo ready\n", "echo ready\n      : v2\n", 1);
    project.write("daemons.yaml", &manifest);
    project
        .devup(["db"])
        .status(0)
        .stderr(
            "\
db: changed (start), restarting
db: waiting for web
web: stopping (pid {pid})
web: stopped in {time} (pid {pid})
db: stopping (pid {pid})
db: stopped in {time} (pid {pid})
web: waiting for db
db: starting
db: spawned (pid {pid})
db: waiting for ping (pid {pid})
db: ready in {time} (pid {pid})
web: starting
web: spawned (pid {pid})
web: waiting for ping (pid {pid})
web: ready in {time} (pid {pid})
up: 2 restarted in {time}
",
        )
        .run();
    assert_eq!(
        project.events()[2..],
        ["stop web", "stop db", "start db", "start web"]
    );
}

#[test]
fn every_key_of_the_definition_restarts_when_it_changes() {
    // (key, the daemon's extra lines before, after)
    let cases: &[(&str, &str, &str)] = &[
        ("env", "", "    env: { LEVEL: \"2\" }\n"),
        (
            "env",
            "    env: { LEVEL: \"1\" }\n",
            "    env: { LEVEL: \"2\" }\n",
        ),
        ("dir", "", "    dir: sub\n"),
        ("before_start", "", "    before_start: \"true\"\n"),
        ("log_file", "", "    log_file: other.log\n"),
        ("pid_file", "", "    pid_file: moved.pid\n"),
        ("inputs", "", "    inputs: [conf/*.conf]\n"),
    ];
    for (key, before, after) in cases {
        let project = Project::new(&format!("daemons:\n{}", recorder_with("db", &[], before)));
        std::fs::create_dir_all(project.path("sub")).unwrap();
        project.write("conf/a.conf", "a\n");
        project.devup(["up"]).status(0).run();
        let old = project.pid("db");
        let new_pid_file = if *key == "pid_file" {
            "moved.pid"
        } else {
            ".devup/run/db.pid"
        };
        project.write(
            "daemons.yaml",
            &format!("daemons:\n{}", recorder_with("db", &[], after)),
        );
        // A before_start of the new definition runs, and is timed.
        let (before, ready) = match *key {
            "before_start" => ("db: before_start: true\n", "before_start {time}, "),
            _ => ("", ""),
        };
        let outcome = project
            .devup(["up"])
            .status(0)
            .stderr(&format!(
                "db: changed ({key}), restarting\n\
                 db: stopping (pid {old})\n\
                 db: stopped in {{time}} (pid {old})\n\
                 db: starting\n\
                 {before}\
                 db: spawned (pid {{pid}})\n\
                 db: waiting for ping (pid {{pid}})\n\
                 db: ready in {{time}} ({ready}pid {{pid}})\n\
                 up: 1 restarted in {{time}}\n"
            ))
            .run();
        // The old process is gone (found through the recorded state even
        // when the pid file moved), the new one runs.
        assert!(
            !harness::is_alive(old),
            "{key}: the old db is gone\n{}",
            outcome.stderr
        );
        let new: u32 = project.read(new_pid_file).trim().parse().unwrap();
        assert!(harness::is_alive(new), "{key}: the new db runs");
        project
            .devup(["up"])
            .status(0)
            .stderr(
                "\
db: already running (pid {pid})
up: 1 already running in {time}
",
            )
            .run();
    }
}

#[test]
fn keys_outside_the_definition_comments_and_key_order_restart_nothing() {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"])]));
    project.devup(["up"]).status(0).run();
    // Timeouts, fail_when_log, stop, stop_signal, depends_on, lock_file,
    // a ping change (log ping stays a log ping), comments, key order.
    let manifest = "# a comment\ndaemons:\n".to_string()
        + &recorder_with(
            "web",
            &[],
            "    start_timeout: 9s\n    stop_timeout: 8s\n    fail_when_log: FATAL\n    \
             stop_signal: TERM\n    start_abort_timeout: 3s\n    log_activity_timeout: 4s\n",
        )
        + &recorder_with("db", &[], "    lock_file: elsewhere.lock\n");
    project.write("daemons.yaml", &manifest);
    project
        .devup(["up"])
        .status(0)
        // Daemons started or stopped in parallel: their lines interleave.
        .stderr_any_order(
            "\
db: already running (pid {pid})
web: already running (pid {pid})
up: 2 already running in {time}
",
        )
        .run();
    assert_eq!(project.events(), ["start db", "start web"]);
}

#[test]
fn inputs_edited_added_and_removed_restart_the_daemon() {
    let project = Project::new(&format!(
        "daemons:\n{}",
        recorder_with("db", &[], "    inputs: [conf/*.conf, extra.txt]\n")
    ));
    project.write("conf/a.conf", "one\n");
    project.devup(["up"]).status(0).run();
    let restarted = |what: &str| {
        // Shown with a failure of this case.
        eprintln!("an input {what}");
        project
            .devup(["up"])
            .status(0)
            .stderr(
                "\
db: changed (inputs), restarting
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
        // Converged.
        project
            .devup(["up"])
            .status(0)
            .stderr("db: already running (pid {pid})\nup: 1 already running in {time}\n")
            .run();
    };
    project.write("conf/a.conf", "two\n");
    restarted("edited");
    project.write("conf/b.conf", "new\n");
    restarted("added by the glob");
    project.write("extra.txt", "x\n");
    restarted("a missing path appeared");
    std::fs::remove_file(project.path("conf/a.conf")).unwrap();
    restarted("removed");
    // A file the glob does not match changes nothing.
    project.write("conf/notes.txt", "x\n");
    project
        .devup(["up"])
        .status(0)
        .stderr(
            "\
db: already running (pid {pid})
up: 1 already running in {time}
",
        )
        .run();
}

#[test]
fn no_restart_reports_the_change_and_leaves_the_daemon_running() {
    let project = Project::new(&recorders(&[("db", &[])]));
    project.devup(["up"]).status(0).run();
    let pid = project.pid("db");
    let manifest = project.read("daemons.yaml") + "    env: { A: \"1\" }\n";
    project.write("daemons.yaml", &manifest);
    project
        .devup(["--no-restart"])
        .status(0)
        .stderr(
            "\
db: changed (env), left running (--no-restart)
db: already running (pid {pid})
up: 1 already running in {time}
",
        )
        .run();
    project
        .devup(["up", "--no-restart"])
        .status(0)
        .stderr(
            "\
db: changed (env), left running (--no-restart)
db: already running (pid {pid})
up: 1 already running in {time}
",
        )
        .run();
    assert_eq!(project.pid("db"), pid);
    assert_eq!(project.events(), ["start db"]);
}

#[test]
fn a_daemon_without_a_recorded_definition_is_left_alone() {
    let project = Project::new(&recorders(&[("db", &[])]));
    project.devup(["up"]).status(0).run();
    // As an older devup wrote it: identity only, no definition.
    let state_path = ".devup/state/db.state";
    let mut state: serde_json::Value = serde_json::from_str(&project.read(state_path)).unwrap();
    let object = state.as_object_mut().unwrap();
    object.remove("definition");
    object.remove("version");
    project.write(state_path, &state.to_string());
    let manifest = project.read("daemons.yaml") + "    env: { A: \"1\" }\n";
    project.write("daemons.yaml", &manifest);
    project
        .devup(["up"])
        .status(0)
        .stderr(
            "\
db: already running (pid {pid})
up: 1 already running in {time}
",
        )
        .run();
    assert_eq!(project.events(), ["start db"]);
}

#[test]
fn a_state_file_of_a_newer_version_is_not_trusted() {
    let project = Project::new(&recorders(&[("db", &[])]));
    project.devup(["up"]).status(0).run();
    let state_path = ".devup/state/db.state";
    let mut state: serde_json::Value = serde_json::from_str(&project.read(state_path)).unwrap();
    state["version"] = 99.into();
    project.write(state_path, &state.to_string());
    let manifest = project.read("daemons.yaml") + "    env: { A: \"1\" }\n";
    project.write("daemons.yaml", &manifest);
    project
        .devup(["up"])
        .status(0)
        .stderr("\
warning: {dir}/.devup/state/db.state: not trusted, left alone (it is of version 99, newer than this devup's 2)
db: already running (pid {pid})
up: 1 already running in {time}
")
        .run();
    assert_eq!(project.events(), ["start db"]);
}

#[test]
fn status_shows_a_changed_daemon() {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"])]));
    project.devup(["up"]).status(0).run();
    let manifest = project.read("daemons.yaml").replacen(
        "echo start db >> events.log",
        "echo start db >> events.log; : v2",
        1,
    );
    project.write("daemons.yaml", &(manifest + "    env: { A: \"1\" }\n"));
    let json = project.devup(["status", "--json"]).status(0).run().json();
    let field = |i: usize, key: &str| json[i][key].clone();
    assert_eq!(field(0, "name"), "db");
    assert_eq!(field(0, "changed"), true);
    assert_eq!(field(1, "name"), "web");
    // The env line went under web, the last daemon; start under db.
    assert_eq!(field(1, "changed"), true);
    assert_eq!(field(1, "orphan"), false);
    project
        .devup(["status"])
        .status(0)
        .stdout(
            "\
db   running         {pid}  {time}  changed (start)
web  running         {pid}  {time}  changed (env)
",
        )
        .run();
}

#[test]
fn a_moved_pid_file_under_no_restart_is_not_started_twice() {
    let project = Project::new(&recorders(&[("db", &[])]));
    project.devup(["up"]).status(0).run();
    let pid = project.pid("db");
    let manifest = project.read("daemons.yaml") + "    pid_file: moved.pid\n";
    project.write("daemons.yaml", &manifest);
    project
        .devup(["--no-restart"])
        .status(0)
        .stderr(
            "\
db: changed (pid_file), left running (--no-restart)
db: already running (pid {pid})
up: 1 already running in {time}
",
        )
        .run();
    assert_eq!(project.events(), ["start db"]);
    // devdown finds it through its record, too.
    project
        .devdown::<[&str; 0], &str>([])
        .status(0)
        .stderr(
            "\
db: stopping (pid {pid})
db: stopped in {time} (pid {pid})
down: 1 stopped in {time}
",
        )
        .run();
    assert!(!harness::is_alive(pid));
}

#[test]
fn a_bad_inputs_glob_is_a_manifest_error() {
    let project =
        Project::new(&(recorders(&[("db", &[])]) + "    inputs: [ok.txt, \"conf/[x\"]\n"));
    project.devup(["check"]).status(2).stderr("error: {dir}/daemons.yaml:11:22: daemon `db`, key `inputs`: invalid glob `conf/[x`: invalid range pattern\n").run();
}

#[test]
fn check_shows_what_devup_would_restart_and_the_orphans() {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"]), ("old", &[])]));
    project.devup(["up"]).status(0).run();
    let old = project.pid("old");
    let manifest = recorders(&[("db", &[]), ("web", &["db"])]).replacen(
        "echo start db >> events.log",
        "echo start db >> events.log; : v2",
        1,
    );
    project.write("daemons.yaml", &manifest);
    project
        .devup(["check"])
        .placeholder("old", old)
        .status(0)
        .stdout(
            "\
{dir}/daemons.yaml: valid, 2 daemons
start order:
  1. db
  2. web (after db)
devup would restart:
  db: changed (start)
  web: runs and depends on a changed daemon
orphans (devup --remove-orphans or devdown stops them):
  old (pid {old})
",
        )
        .run();
    // A dry run: nothing was touched (old and db start in parallel).
    let mut events = project.events();
    events.sort();
    assert_eq!(events, ["start db", "start old", "start web"]);
}

//! SPEC §7, leases: concurrent `devup exec`s share their daemons and the
//! last one out stops the ephemeral ones; a plain `devup` pins a daemon
//! (persistent); a SIGKILLed exec loses its lease and the next one out (or
//! `devdown`) cleans up; `DEVUP_KEEP=1` stops nothing; `status` shows the
//! lease count and whether a daemon is ephemeral.
use crate::harness;

use harness::{Project, Running, recorders, wait_until};
use nix::sys::signal::Signal;

/// `devup exec NAMES -- CMD` whose CMD (marked `TAG-cmd-ID`) writes
/// `ID.started` and runs until the test writes `ID.go`; returned once CMD
/// runs.
fn exec_holding(project: &Project, names: &[&str], id: &str) -> Running {
    let script = format!(
        ": {}-cmd-{id}; touch {id}.started; while [ ! -e {id}.go ]; do sleep 0.02; done",
        project.tag()
    );
    let mut args = vec!["exec"];
    args.extend_from_slice(names);
    args.extend(["--", "sh", "-c", &script]);
    let running = project.devup(args).spawn();
    wait_until("the command runs", || {
        project.path(&format!("{id}.started")).exists()
    });
    running
}

/// Lets the CMD of [`exec_holding`] `id` end, and waits for its devup.
fn let_go(project: &Project, id: &str, running: Running) {
    project.write(&format!("{id}.go"), "");
    running.finish().status(0);
}

/// `status --json` of `name`: (state, leases, ephemeral).
fn lease_status(project: &Project, name: &str) -> (String, u64, bool) {
    let outcome = project.devup(["status", name, "--json"]).run();
    let json = outcome.json();
    let row = &json[0];
    (
        row["state"].as_str().expect("a state").to_string(),
        row["leases"].as_u64().expect("a lease count"),
        row["ephemeral"].as_bool().expect("an ephemeral flag"),
    )
}

/// `/proc/locks` and the command line of each process it names, for a
/// lease count that is off.
fn locks_report() -> String {
    let locks = std::fs::read_to_string("/proc/locks").unwrap_or_default();
    let mut report = format!("/proc/locks:\n{locks}");
    for pid in locks
        .lines()
        .filter_map(|line| line.split_whitespace().nth(4))
    {
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        report.push_str(&format!("{pid}: {cmdline}\n"));
    }
    report
}

/// The part of `status`'s line after the uptime.
fn status_note(project: &Project, name: &str) -> String {
    let outcome = project.devup(["status", name]).run();
    let line = outcome.stdout.lines().next().expect("a line").to_string();
    let fields: Vec<&str> = line.split_whitespace().collect();
    fields[4..].join(" ")
}

#[test]
fn two_concurrent_execs_share_the_daemon_and_the_last_one_out_stops_it() {
    let project = Project::new(&recorders(&[("db", &[])]));
    let first = exec_holding(&project, &[], "first");
    let second = exec_holding(&project, &[], "second");
    assert_eq!(lease_status(&project, "db"), ("running".into(), 2, true));
    assert_eq!(status_note(&project, "db"), "ephemeral, 2 leases");

    let_go(&project, "first", first);
    assert_eq!(
        project.events(),
        ["start db"],
        "the second exec still uses db"
    );
    assert_eq!(lease_status(&project, "db"), ("running".into(), 1, true));

    let_go(&project, "second", second);
    assert_eq!(project.events(), ["start db", "stop db"]);
    assert_eq!(lease_status(&project, "db"), ("stopped".into(), 0, false));
}

#[test]
fn the_last_one_out_stops_dependents_first_and_only_what_nobody_else_leases() {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"])]));
    let db_only = exec_holding(&project, &["db"], "db-only");
    let both = exec_holding(&project, &["web"], "both");
    let_go(&project, "both", both);
    assert_eq!(
        project.events(),
        ["start db", "start web", "stop web"],
        "db is still leased by the first exec"
    );
    let_go(&project, "db-only", db_only);
    assert_eq!(
        project.events(),
        ["start db", "start web", "stop web", "stop db"]
    );
}

#[test]
fn plain_devup_makes_an_ephemeral_daemon_persistent() {
    let project = Project::new(&recorders(&[("db", &[])]));
    let exec = exec_holding(&project, &[], "exec");
    project
        .devup(["db"])
        .status(0)
        .stderr(
            "\
db: already running (pid {pid})
up: 1 already running in {time}
",
        )
        .run();
    assert_eq!(
        lease_status(&project, "db"),
        ("running".into(), 1, false),
        "{}",
        locks_report()
    );
    assert_eq!(status_note(&project, "db"), "1 lease");
    let_go(&project, "exec", exec);
    assert_eq!(project.events(), ["start db"], "a persistent daemon stays");
    assert_eq!(lease_status(&project, "db"), ("running".into(), 0, false));
    assert_eq!(
        status_note(&project, "db"),
        "",
        "the line is as it always was"
    );
}

#[test]
fn a_daemon_started_by_plain_devup_is_never_stopped_by_an_exec() {
    let project = Project::new(&recorders(&[("db", &[])]));
    project.devup(["db"]).status(0).run();
    project.devup(["exec", "--", "true"]).status(0).run();
    assert_eq!(project.events(), ["start db"]);
    assert_eq!(lease_status(&project, "db"), ("running".into(), 0, false));
}

#[test]
fn a_sigkilled_exec_loses_its_lease_and_the_next_exec_out_stops_the_daemon() {
    let project = Project::new(&recorders(&[("db", &[])]));
    let exec = exec_holding(&project, &[], "killed");
    exec.signal(Signal::SIGKILL);
    let outcome = exec.finish();
    assert_eq!(outcome.code, None, "killed by the signal");
    wait_until("the killed exec's command is gone too", || {
        project
            .processes_with(&format!("{}-cmd-killed", project.tag()))
            .is_empty()
    });
    assert_eq!(lease_status(&project, "db"), ("running".into(), 0, true));
    assert_eq!(status_note(&project, "db"), "ephemeral, no lease");

    project.devup(["exec", "--", "true"]).status(0).run();
    assert_eq!(project.events(), ["start db", "stop db"]);
    assert!(
        project
            .processes_with(&format!("{}-db", project.tag()))
            .is_empty()
    );
}

#[test]
fn devdown_stops_the_daemon_a_sigkilled_exec_left() {
    let project = Project::new(&recorders(&[("db", &[])]));
    let exec = exec_holding(&project, &[], "killed");
    exec.signal(Signal::SIGKILL);
    exec.finish();
    project.devdown(Vec::<&str>::new()).status(0).run();
    assert_eq!(project.events(), ["start db", "stop db"]);
}

#[test]
fn devup_keep_stops_nothing() {
    let project = Project::new(&recorders(&[("db", &[])]));
    project
        .devup(["exec", "--", "true"])
        .env("DEVUP_KEEP", "1")
        .status(0)
        .run();
    assert_eq!(project.events(), ["start db"]);
    assert_eq!(lease_status(&project, "db"), ("running".into(), 0, true));
    // Still ephemeral: the next exec out stops it.
    project.devup(["exec", "--", "true"]).status(0).run();
    assert_eq!(project.events(), ["start db", "stop db"]);
}

#[test]
fn an_exec_arriving_while_the_last_one_stops_the_daemon_waits_and_starts_it_again() {
    // db takes its time to stop: the second exec arrives in the middle.
    let manifest = "daemons:\n  db:\n    daemonize: true\n    start: |\n      : {tag}-db\n      \
         trap 'echo stopping db >> events.log; while [ ! -e stop.go ]; do sleep 0.02; done; \
         echo stop db >> events.log; exit 0' TERM\n      \
         echo start db >> events.log\n      echo ready\n      \
         while :; do sleep 1 & wait $!; done\n    ping: { log: \"^ready$\" }\n";
    let project = Project::new(manifest);
    let first = exec_holding(&project, &[], "first");
    project.write("first.go", "");
    wait_until("the first exec's stop of db began", || {
        project.events().contains(&"stopping db".to_string())
    });
    let second = project.devup(["exec", "--", "cat", "events.log"]).spawn();
    // The second exec waits for the stop; let the stop end.
    project.write("stop.go", "");
    first.finish().status(0);
    second
        .finish()
        .status(0)
        .stdout("start db\nstopping db\nstop db\nstart db\n");
    assert_eq!(
        project.events(),
        [
            "start db",
            "stopping db",
            "stop db",
            "start db",
            "stopping db",
            "stop db"
        ]
    );
}

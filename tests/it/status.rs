//! `devup status [NAME...] [--json]`: states, pids, uptimes; exit 0 when all
//! run, 3 otherwise.

use crate::harness;

use harness::{Project, recorder};

fn manifest() -> String {
    format!(
        "daemons:\n{}  flaky:\n    daemonize: true\n    start: \": {{tag}}; sleep 600\"\n    \
         ping: {{ command: \"test -e healthy\" }}\n  idle:\n    daemonize: true\n    \
         start: \": {{tag}}; sleep 600\"\n",
        recorder("db", &[])
    )
}

#[test]
fn json_is_an_array_of_name_state_pid_uptime() {
    let project = Project::new(&manifest());
    project.write("healthy", "");
    project.devup(["up"]).status(0).run();
    let outcome = project.devup(["status", "--json"]).status(0).run();
    let json = outcome.json();
    let daemons = json.as_array().expect("an array");
    assert_eq!(daemons.len(), 3);
    for daemon in daemons {
        let object = daemon.as_object().expect("objects");
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "changed",
                "ephemeral",
                "leases",
                "name",
                "orphan",
                "pid",
                "state",
                "uptime_secs"
            ]
        );
        assert_eq!(daemon["state"], "running", "{daemon}");
        assert!(
            daemon["pid"].as_u64().is_some_and(|pid| pid > 1),
            "{daemon}"
        );
        assert!(daemon["uptime_secs"].is_u64(), "{daemon}");
    }
    let names: Vec<&str> = daemons
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["db", "flaky", "idle"]);
}

#[test]
fn states_stopped_unresponsive_and_stale_exit_3() {
    let project = Project::new(&manifest());
    project.write("healthy", "");
    project.devup(["flaky"]).status(0).run();
    std::fs::remove_file(project.path("healthy")).unwrap();
    // A pid file naming a process that does not exist.
    project.write(".devup/run/idle.pid", "999999999\n");
    let outcome = project.devup(["status", "--json"]).status(3).run();
    let json = outcome.json();
    let state = |name: &str| {
        let daemon = json
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {json}"));
        (
            daemon["state"].clone(),
            daemon["pid"].clone(),
            daemon["uptime_secs"].clone(),
        )
    };
    assert_eq!(
        state("db"),
        (
            "stopped".into(),
            serde_json::Value::Null,
            serde_json::Value::Null
        )
    );
    assert_eq!(state("flaky").0, "unresponsive");
    assert!(state("flaky").1.is_u64());
    assert_eq!(state("idle").0, "stale");
}

#[test]
fn lines_show_name_state_pid_and_uptime() {
    let project = Project::new(&manifest());
    project.devup(["db"]).status(0).run();
    let outcome = project.devup(["status"]).status(3).run();
    let line = |name: &str| {
        outcome
            .stdout
            .lines()
            .find(|line| line.starts_with(name))
            .unwrap_or_else(|| panic!("no line for {name}: {}", outcome.stdout))
            .split_whitespace()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    let db = line("db");
    assert_eq!(db[1], "running");
    assert!(db[2].parse::<u32>().is_ok(), "{db:?}");
    assert!(db[3].ends_with('s'), "uptime like 12ms or 3.0s: {db:?}");
    assert_eq!(line("idle")[1..], ["stopped", "-", "-"]);
}

#[test]
fn named_daemons_only_and_exit_0_when_they_all_run() {
    let project = Project::new(&manifest());
    project.devup(["db"]).status(0).run();
    let outcome = project.devup(["status", "db", "--json"]).status(0).run();
    assert_eq!(outcome.json().as_array().unwrap().len(), 1);
    project.devup(["status", "nope"]).status(2).run();
}

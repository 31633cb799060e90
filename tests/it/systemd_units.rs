//! The units of `devup export systemd` run by a real systemd, booted in a
//! throw-away box (`tests/sdbox`): `systemctl start devup-P.target` brings
//! the daemons up in dependency order, each only after what it depends on
//! answers its ping; the target stays up; `devup status` inside the box
//! sees what systemd runs; a task unit runs once and stays done;
//! `systemctl stop devup-P.target` stops everything. Then the real stack of
//! `examples/` (redis, sphinx, postgresql, the python app, nginx) the same
//! way. Skipped (with a notice) where no box can be booted, except under
//! `CI=true`.
#[allow(dead_code)]
use crate::harness;
use crate::sdbox;

use std::path::{Path, PathBuf};

use harness::{Project, devup_bin};
use sdbox::SdBox;

/// db answers only after a while; web's start command notes whether db
/// already answered when web was started, then starts a self-detaching
/// daemon (`Type=forking`).
const MANIFEST: &str = r#"tasks:
  seed:
    run: echo 'seed ran' >> events.log
    depends_on: [db]
daemons:
  db:
    daemonize: true
    start: ["{fake}", --tag, "{tag}", --ready-after, "400", --listen, "127.0.0.1:{port1}"]
    ping: { tcp: "127.0.0.1:{port1}" }
  web:
    before_start: mkdir -p run
    start: >-
      if bash -c ': > /dev/tcp/127.0.0.1/{port1}' 2>/dev/null;
      then echo 'web started: db answered' >> events.log;
      else echo 'web started: db did not answer' >> events.log; fi;
      exec {fake} --tag {tag} --daemonize --pid-file run/web.pid --ready-after 200
      --listen 127.0.0.1:{port2}
    pid_file: run/web.pid
    ping: { http: "http://127.0.0.1:{port2}/" }
    depends_on: [db]
"#;

fn units_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}

fn main_pid(sdbox: &SdBox, unit: &str) -> String {
    sdbox
        .sh(&format!("systemctl show -p MainPID --value {unit}"))
        .trim()
        .to_string()
}

#[test]
fn the_target_starts_in_dependency_order_after_readiness_and_stops_everything() {
    let project = Project::new(MANIFEST);
    project
        .devup(["export", "systemd", "-o", "units", "--project", "p"])
        .status(0)
        .run();
    let manifest = project.manifest().display().to_string();
    let devup = devup_bin().display().to_string();

    let Some(sdbox) = SdBox::boot() else {
        return;
    };
    sdbox.install_units(&units_in(&project.path("units")));
    sdbox.sh("systemctl start devup-p.target");
    // The start job of the target ended only once both answered.
    for unit in [
        "devup-p-db.service",
        "devup-p-seed.service",
        "devup-p-web.service",
        "devup-p.target",
    ] {
        assert_eq!(
            sdbox.sh(&format!("systemctl is-active {unit}")),
            "active\n",
            "{unit}"
        );
    }
    // The task ran, and web started once db answered; the two depend only
    // on db, so systemd runs them in either order.
    let events = project.path("events.log").display().to_string();
    let mut lines: Vec<String> = sdbox
        .sh(&format!("cat {events}"))
        .lines()
        .map(str::to_string)
        .collect();
    lines.sort();
    assert_eq!(lines, ["seed ran", "web started: db answered"]);
    // `devup status` in the box sees the daemons systemd runs, with the
    // pids systemd knows.
    let status = sdbox.run(&[&devup, "status", "--json", "-f", &manifest]);
    assert_eq!(status.status.code(), Some(0), "{status:?}");
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    for (index, name) in ["db", "web"].iter().enumerate() {
        assert_eq!(status[index]["name"], *name);
        assert_eq!(status[index]["state"], "running", "{status}");
        assert_eq!(
            status[index]["pid"].to_string(),
            main_pid(&sdbox, &format!("devup-p-{name}.service"))
        );
    }
    sdbox.sh(&format!("{devup} wait -q -f {manifest} --timeout 5s"));
    // web answers its own protocol (HTTP) inside the box.
    let text = project.read("daemons.yaml");
    let web_port = text
        .split("--listen 127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("web's port in the manifest");
    let answer = sdbox.sh(&format!(
        "python3 -c \"import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:{web_port}/').status)\""
    ));
    assert_eq!(answer, "200\n");

    // The task ran once and stays done: starting it again runs nothing.
    sdbox.sh("systemctl start devup-p-seed.service");
    assert_eq!(
        sdbox.sh("systemctl is-active devup-p-seed.service"),
        "active\n"
    );
    let ran = sdbox.sh(&format!("cat {events}"));
    assert_eq!(ran.matches("seed ran").count(), 1, "{ran}");

    // The target does not stop by itself (no StopWhenUnneeded=); stopping
    // it stops every daemon.
    assert_eq!(sdbox.sh("systemctl is-active devup-p.target"), "active\n");
    assert!(!project.processes_with(project.tag()).is_empty());
    sdbox.sh("systemctl stop devup-p.target");
    sdbox.wait_inactive(&[
        "devup-p-db.service",
        "devup-p-web.service",
        "devup-p.target",
    ]);
    assert_eq!(project.processes_with(project.tag()), Vec::<u32>::new());
    let status = sdbox.run(&[&devup, "status", "-f", &manifest]);
    assert_eq!(status.status.code(), Some(3), "{status:?}");
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(
        status.lines().all(|line| line.contains("stopped")),
        "{status}"
    );
}

/// A daemon that is not ready fails its unit, and what depends on it is
/// not started: the dependency's readiness gates the dependent.
#[test]
fn a_dependency_that_never_answers_keeps_its_dependent_from_starting() {
    let project = Project::new(
        "daemons:\n  db:\n    daemonize: true\n    start: \"exec sleep 600\"\n    \
         ping: { tcp: \"127.0.0.1:{port1}\" }\n    start_timeout: 1s\n  \
         web:\n    daemonize: true\n    start: \"echo web started >> events.log; exec sleep 600\"\n    \
         depends_on: [db]\n",
    );
    project
        .devup(["export", "systemd", "-o", "units", "--project", "q"])
        .status(0)
        .run();
    let Some(sdbox) = SdBox::boot() else {
        return;
    };
    sdbox.install_units(&units_in(&project.path("units")));
    let start = sdbox.run(&["systemctl", "start", "devup-q.target"]);
    // The target's own job succeeds (Wants=), but db failed and web, which
    // Requires= it, never ran.
    assert!(start.status.success(), "{start:?}");
    let db = sdbox.run(&["systemctl", "is-active", "devup-q-db.service"]);
    assert_eq!(String::from_utf8_lossy(&db.stdout), "failed\n");
    let web = sdbox.run(&["systemctl", "is-active", "devup-q-web.service"]);
    assert_eq!(String::from_utf8_lossy(&web.stdout), "inactive\n");
    let events = project.path("events.log").display().to_string();
    let cat = sdbox.run(&["cat", &events]);
    assert!(!cat.status.success(), "web ran: {cat:?}");
}

/// The real stack of `examples/stack`: redis (self-daemonizing), sphinx,
/// postgresql (foreground), the python app and nginx, exported and run by
/// systemd; a GET through nginx reaches every backend.
#[test]
fn the_examples_stack_runs_under_systemd() {
    let programs = [
        "redis-server",
        "redis-cli",
        "searchd",
        "indexer",
        "initdb",
        "postgres",
        "pg_isready",
        "nginx",
        "python3",
    ];
    if !harness::require("stack under systemd", &programs) {
        return;
    }
    let names = [
        "REDIS_PORT",
        "SPHINX_PORT",
        "PG_PORT",
        "APP_PORT",
        "WEB_PORT",
    ];
    let ports: Vec<u16> = names.iter().map(|_| harness::free_port()).collect();
    let env: Vec<(&str, String)> = names
        .iter()
        .zip(&ports)
        .map(|(name, port)| (*name, port.to_string()))
        .collect();
    let example = harness::Example::new("stack", &env);
    let dir = example.dir().to_path_buf();
    let mut export = std::process::Command::new(devup_bin());
    export
        .args(["export", "systemd", "-o", "units"])
        .current_dir(&dir)
        .envs(env.iter().map(|(key, value)| (*key, value)));
    let output = export.output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let Some(sdbox) = SdBox::boot() else {
        return;
    };
    sdbox.install_units(&units_in(&dir.join("units")));
    sdbox.sh("systemctl start devup-stack.target");
    let body = sdbox.sh(&format!(
        "python3 -c \"import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:{}/').read().decode())\"",
        ports[4]
    ));
    assert!(body.contains("redis: +PONG"), "{body}");
    assert!(body.contains("search: 2."), "{body}");
    assert!(body.contains("db: accepting connections"), "{body}");
    let env_prefix: String = env
        .iter()
        .map(|(key, value)| format!("{key}={value} "))
        .collect();
    let manifest = dir.join("daemons.yaml").display().to_string();
    let devup = devup_bin().display().to_string();
    let status = sdbox.sh(&format!(
        "env {env_prefix}{devup} status --json -f {manifest}"
    ));
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    for (index, name) in ["redis", "search", "db", "app", "web"].iter().enumerate() {
        assert_eq!(status[index]["name"], *name, "{status}");
        assert_eq!(status[index]["state"], "running", "{status}");
        assert_eq!(
            status[index]["pid"].to_string(),
            main_pid(&sdbox, &format!("devup-stack-{name}.service")),
            "{name}"
        );
    }
    // Naming the services too makes systemctl wait for their stop jobs as
    // well (the target's own stop job ends before theirs).
    sdbox.sh("systemctl stop devup-stack.target 'devup-stack-*.service'");
    let active = sdbox.run(&[
        "systemctl",
        "is-active",
        "devup-stack-redis.service",
        "devup-stack-search.service",
        "devup-stack-db.service",
        "devup-stack-app.service",
        "devup-stack-web.service",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&active.stdout),
        "inactive\ninactive\ninactive\ninactive\ninactive\n"
    );
    assert!(harness::procs::naming(example.root()).is_empty());
}

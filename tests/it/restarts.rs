//! Concurrent restarts: 16 `devup restart` at once, of
//! everything, of a dependency, of a dependent. Restarts of one daemon are
//! serialized, so each succeeds (exit 0), one instance of each daemon runs
//! at the end, and a dependent is younger than the daemon it depends on.
use crate::harness;

use harness::Project;

fn manifest() -> String {
    let daemon = |name: &str, port: &str, deps: &str| {
        format!(
            "  {name}:\n    daemonize: true\n    ping: {{ tcp: \"127.0.0.1:{port}\" }}\n{deps}    \
             start: [\"{{fake}}\", --tag, \"{{tag}}-{name}\", --ready-after, \"30\", --listen, \"127.0.0.1:{port}\"]\n"
        )
    };
    format!(
        "daemons:\n{}{}",
        daemon("db", "{port1}", ""),
        daemon("web", "{port2}", "    depends_on: [db]\n"),
    )
}

/// The start time (clock ticks since boot) of the daemon's process.
fn start_ticks(project: &Project, name: &str) -> u64 {
    let pid = project.read(&format!(".devup/run/{name}.pid"));
    harness::procs::start_ticks(pid.trim().parse().expect("a pid"))
}

#[test]
fn sixteen_concurrent_restarts_each_succeed_and_dependents_end_younger() {
    let project = Project::new(&manifest());
    project.devup(["up"]).status(0).run();
    let runs: Vec<_> = (0..16)
        .map(|i| {
            let args: &[&str] = match i % 3 {
                0 => &["restart"],
                1 => &["restart", "db"],
                _ => &["restart", "web"],
            };
            (args.join(" "), project.devup(args).spawn())
        })
        .collect();
    for (command, run) in runs {
        let outcome = run.finish();
        assert_eq!(
            outcome.code,
            Some(0),
            "`devup {command}` failed:\n{}",
            outcome.stderr
        );
    }
    for name in ["db", "web"] {
        assert_eq!(
            project
                .processes_with(&format!("{}-{name}", project.tag()))
                .len(),
            1,
            "not exactly one {name}"
        );
    }
    assert!(
        start_ticks(&project, "web") > start_ticks(&project, "db"),
        "web is older than the db it depends on"
    );
    project.devdown([] as [&str; 0]).status(0).run();
}
